package dev.quiver.intake;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * A {@link ConsumerControl} for unit tests that records what the writer asks of it and delivers nothing: every seek,
 * back-off, wake-up, pause and resume, and which partitions stand paused. {@link SimulatedConsumer} builds Connect's
 * consumer loop on it, which is why this class is not final.
 */
class RecordingConsumer implements ConsumerControl {
    private final Map<TopicPartition, Long> seeks = new HashMap<>();
    private final List<Map.Entry<TopicPartition, Long>> seekCalls = new ArrayList<>();
    private final List<Long> retryAfterCalls = new ArrayList<>();
    private final List<Long> wakeWithinCalls = new ArrayList<>();
    private final List<TopicPartition> pauseCalls = new ArrayList<>();
    private final List<TopicPartition> resumeCalls = new ArrayList<>();
    private final Set<TopicPartition> paused = new LinkedHashSet<>();

    /** The last seek of each partition since {@link #clearSeeks()}. */
    Map<TopicPartition, Long> seeks() {
        return Map.copyOf(seeks);
    }

    /** Forgets the seeks so far, so that a test can tell whether the writer seeks again. */
    void clearSeeks() {
        seeks.clear();
    }

    /** Every seek, in order, {@link #clearSeeks()} or not. */
    List<Map.Entry<TopicPartition, Long>> seekCalls() {
        return List.copyOf(seekCalls);
    }

    /** The back-offs asked for after retriable failures, in order. */
    List<Long> retryAfterCalls() {
        return List.copyOf(retryAfterCalls);
    }

    /** The wake-ups asked for, in order. */
    List<Long> wakeWithinCalls() {
        return List.copyOf(wakeWithinCalls);
    }

    List<TopicPartition> pauseCalls() {
        return List.copyOf(pauseCalls);
    }

    List<TopicPartition> resumeCalls() {
        return List.copyOf(resumeCalls);
    }

    /** The partitions paused and not resumed since. */
    Set<TopicPartition> paused() {
        return Set.copyOf(paused);
    }

    boolean isPaused(TopicPartition tp) {
        return paused.contains(tp);
    }

    /** Drops a partition from the paused ones, as a rebalance that revokes it does. */
    void forget(TopicPartition tp) {
        paused.remove(tp);
    }

    @Override
    public void seek(TopicPartition tp, long offset) {
        seekCalls.add(Map.entry(tp, offset));
        seeks.put(tp, offset);
    }

    @Override
    public void retryAfter(long millis) {
        retryAfterCalls.add(millis);
    }

    @Override
    public void wakeWithin(long millis) {
        wakeWithinCalls.add(millis);
    }

    @Override
    public void pause(TopicPartition tp) {
        pauseCalls.add(tp);
        paused.add(tp);
    }

    @Override
    public void resume(TopicPartition tp) {
        resumeCalls.add(tp);
        paused.remove(tp);
    }
}
