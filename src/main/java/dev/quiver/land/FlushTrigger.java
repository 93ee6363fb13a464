package dev.quiver.land;

/** Why a batch became a file; printed in the per-flush log line. */
public enum FlushTrigger {
    /** {@code flush.max.records} reached. */
    RECORDS,
    /** {@code flush.max.bytes} of Arrow buffers reached. */
    BYTES,
    /** {@code flush.interval.ms} passed since the batch's first record. */
    INTERVAL,
    /** A record arrived whose schema the open batch cannot hold. */
    SCHEMA_CHANGE,
    /** Connect closed the partition: a rebalance or the task stopping. */
    CLOSE,
    /** A flush found incomplete on open was replayed and is cut where the first attempt was cut. */
    RECOVERY,
    /** The task's memory budget filled up; its largest batches land first. */
    MEMORY
}
