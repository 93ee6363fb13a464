package dev.quiver.metrics;

/**
 * JMX view of one Quiver task, registered as
 * {@code dev.quiver:type=sink-task-metrics,connector=<name>,task=<id>}.
 */
public interface TaskMetricsMBean {
    /** Records delivered to the task by Connect, redeliveries excluded. */
    long getRecordsIn();

    /** Rows written into landed Parquet files. */
    long getRowsLanded();

    /** Arrow buffer bytes of the batches that landed: the in-memory size of what was written. */
    long getArrowBytesLanded();

    /** Parquet bytes uploaded. */
    long getParquetBytesLanded();

    /** Files uploaded. */
    long getFilesLanded();

    /** Batches opened on the emptied vectors of a landed flush's batch rather than newly allocated ones. */
    long getBatchesReused();

    /** Records rejected as bad: sent to the dead-letter queue, or the one that failed the task. */
    long getBadRecords();

    /**
     * Redelivered records dropped because their offsets were already buffered, landed or dead-lettered (after a
     * retried put() or a seek back); each run of them is logged once.
     */
    long getRecordsSkippedAsHandled();

    /**
     * Times a partition's offsets started again below what had landed (topic recreated, log truncated, mirrored
     * without offset translation), so that its records landed as a new log incarnation under new keys.
     */
    long getLogRestarts();

    /** Arrow bytes held by open batches now. */
    long getBufferedBytes();

    /**
     * The most Arrow bytes the task's batches and encoded chunks held at once, counted exactly by the budget that
     * admits each allocation.
     */
    long getPeakBufferedBytes();

    /** The task's memory budget, buffer.memory.bytes. */
    long getBufferBudgetBytes();

    /** Partitions paused now for back-pressure: the memory budget is full and cannot be freed at once. */
    int getPausedPartitions();

    /** Times a partition was paused for back-pressure since the task started. */
    long getPauseEvents();

    /** Parquet encoding time per file: average, 50th and 99th percentile over the last 1024 files, in ms. */
    double getEncodeMillisAvg();

    double getEncodeMillisP50();

    double getEncodeMillisP99();

    /** Upload time per file (including the commit marker), as above. */
    double getUploadMillisAvg();

    double getUploadMillisP50();

    double getUploadMillisP99();

    double getUploadMillisMax();
}
