package dev.quiver.commit;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * A replayed flush met a schema change in a batch it had streamed out as row groups, where the first attempt had not:
 * the replay cannot cut there (its keys would differ from the first attempt's) and its file cannot take the change,
 * so the partition is replayed again, from the flush's start, keeping its batches whole in memory.
 */
public final class ReplayRestartException extends ConnectException {
    private static final long serialVersionUID = 1L;
    private final transient TopicPartition tp;

    public ReplayRestartException(TopicPartition tp, String why) {
        super("replayed flush of " + tp + " must restart without streaming row groups: " + why);
        this.tp = tp;
    }

    public TopicPartition topicPartition() {
        return tp;
    }
}
