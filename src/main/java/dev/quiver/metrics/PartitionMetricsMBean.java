package dev.quiver.metrics;

/**
 * JMX view of one Kafka partition in a Quiver task, registered as
 * {@code dev.quiver:type=sink-partition-metrics,connector=<name>,task=<id>,topic=<topic>,partition=<p>}.
 */
public interface PartitionMetricsMBean {
    /** The last offset durable in storage (landed or deliberately skipped), -1 before anything landed. */
    long getLastLandedOffset();

    /** Records received but not yet landed: the last offset seen minus the last landed one. */
    long getLandingLagRecords();

    /** How long the oldest record not yet landed has waited, in ms; 0 when everything has landed. */
    long getLandingLagMillis();
}
