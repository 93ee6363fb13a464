package dev.quiver.intake;

import org.apache.kafka.common.TopicPartition;

/**
 * What the intake asks of the consumer behind it. The task implements it over Connect's {@code SinkTaskContext};
 * unit tests use a recording fake.
 */
public interface ConsumerControl {

    /** Make the next fetch of {@code tp} start at {@code offset}. */
    void seek(TopicPartition tp, long offset);

    /** How long Connect should wait before retrying a put() that failed with a retriable error. */
    void retryAfter(long millis);

    /** Call put() again within {@code millis}, even if no record arrives, so a time threshold is met on time. */
    void wakeWithin(long millis);

    /**
     * Stop fetching {@code tp} until {@link #resume}: back-pressure while the memory budget is full. Records already
     * delivered are unaffected; Connect forgets nothing on its own, but the intake resumes on every rebalance anyway.
     */
    void pause(TopicPartition tp);

    /** Fetch {@code tp} again. Only for partitions the task still owns. */
    void resume(TopicPartition tp);
}
