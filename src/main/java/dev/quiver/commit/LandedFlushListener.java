package dev.quiver.commit;

import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * Hears that a flush's files have all landed at their keys, after its intent marker and before the task thread
 * accounts the flush as landed: the seam for a later table commit (an Iceberg or Delta snapshot naming the files).
 * Called on the flush thread; it must not touch the task's batches. A listener that throws fails the flush, which is
 * then retried as it is, with the same keys, so a listener must accept the same flush twice.
 */
@FunctionalInterface
public interface LandedFlushListener {
    /** Does nothing: the commit marker alone records the flush. */
    LandedFlushListener NONE = (tp, start, end, keys) -> { };

    /**
     * @param start the flush's first offset
     * @param end   the last offset the flush covers (inclusive)
     * @param keys  the object keys of its files, now all at their keys
     */
    void landed(TopicPartition tp, long start, long end, List<String> keys);
}
