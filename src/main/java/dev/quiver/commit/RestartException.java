package dev.quiver.commit;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * The partition must start again from its commit marker, as a new owner would: another task wrote the marker (this
 * one is fenced), or a file's multipart upload vanished with rows no longer in memory. The task drops the partition's
 * buffer and reads the records again from where the marker says landing resumes.
 */
public final class RestartException extends ConnectException {
    private static final long serialVersionUID = 1L;
    private final transient TopicPartition tp;

    public RestartException(TopicPartition tp, String why, Throwable cause) {
        super(tp + " restarts from its commit marker: " + why, cause);
        this.tp = tp;
    }

    public TopicPartition topicPartition() {
        return tp;
    }
}
