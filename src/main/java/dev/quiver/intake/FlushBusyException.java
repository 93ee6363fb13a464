package dev.quiver.intake;

import org.apache.kafka.common.TopicPartition;

/**
 * A record needs a flush first (a threshold, a schema change, the end of a replayed range) and the partition's
 * previous flush has not finished; nothing was changed. The task waits for that flush within its bound, or seeks the
 * partition back to the record and pauses it.
 */
final class FlushBusyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    FlushBusyException(TopicPartition tp) {
        super("the previous flush of " + tp + " has not finished", null, false, false);
    }
}
