package dev.quiver.metrics;

/**
 * JMX view of one Kafka partition in a Quiver task, registered as
 * {@code dev.quiver:type=sink-partition-metrics,connector=<name>,task=<id>,topic=<topic>,partition=<p>}.
 */
public interface PartitionMetricsMBean {
    /**
     * The last offset covered by a landed flush (its rows and any records skipped among them), -1 before anything
     * landed. Records dead-lettered after the last flush are committed to Kafka but counted here only by the next flush.
     */
    long getLastLandedOffset();

    /** Records received but not yet landed: the last offset seen minus the last landed one. */
    long getLandingLagRecords();

    /** How long the oldest record not yet landed has waited, in ms; 0 when everything has landed. */
    long getLandingLagMillis();
}
