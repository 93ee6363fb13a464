package dev.quiver.intake;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Connect's consumer loop as far as a task can tell, for unit tests: per-partition logs of records, a position per
 * partition, pause and resume, and seeks that take effect at the next poll (as Connect applies them before its next
 * fetch). Each poll returns up to {@code maxPerPoll} records of the partitions not paused, partition by partition.
 * Every delivery of every offset is counted, so a test can tell that a record came again exactly once.
 */
final class SimulatedConsumer implements ConsumerControl {
    private final int maxPerPoll;
    private final Map<TopicPartition, List<SinkRecord>> logs = new LinkedHashMap<>();
    private final Map<TopicPartition, Integer> positions = new HashMap<>();
    private final Map<TopicPartition, Long> seeks = new HashMap<>();
    private final Set<TopicPartition> paused = new LinkedHashSet<>();
    private final Map<TopicPartition, Map<Long, Integer>> deliveries = new HashMap<>();
    private final List<TopicPartition> pauseCalls = new ArrayList<>();
    private final List<TopicPartition> resumeCalls = new ArrayList<>();
    private final List<Map.Entry<TopicPartition, Long>> seekCalls = new ArrayList<>();
    private int mostPausedAtOnce;

    SimulatedConsumer(int maxPerPoll) {
        this.maxPerPoll = maxPerPoll;
    }

    /** Adds records (offsets from 0, consecutive) to a partition's log; the partition counts as assigned. */
    void append(TopicPartition tp, List<SinkRecord> records) {
        logs.computeIfAbsent(tp, t -> new ArrayList<>()).addAll(records);
        positions.putIfAbsent(tp, 0);
    }

    /** The next batch, as one consumer poll would return it. */
    List<SinkRecord> poll() {
        for (Map.Entry<TopicPartition, Long> seek : seeks.entrySet()) {
            positions.put(seek.getKey(), Math.toIntExact(seek.getValue()));
        }
        seeks.clear();
        List<SinkRecord> batch = new ArrayList<>();
        for (Map.Entry<TopicPartition, List<SinkRecord>> log : logs.entrySet()) {
            TopicPartition tp = log.getKey();
            if (paused.contains(tp)) {
                continue;
            }
            int position = positions.get(tp);
            while (position < log.getValue().size() && batch.size() < maxPerPoll) {
                SinkRecord record = log.getValue().get(position++);
                deliveries.computeIfAbsent(tp, t -> new HashMap<>()).merge(record.kafkaOffset(), 1, Integer::sum);
                batch.add(record);
            }
            positions.put(tp, position);
        }
        return batch;
    }

    /** True when every record was delivered and nothing is paused or waits to be sought. */
    boolean drained() {
        if (!paused.isEmpty() || !seeks.isEmpty()) {
            return false;
        }
        for (Map.Entry<TopicPartition, List<SinkRecord>> log : logs.entrySet()) {
            if (positions.get(log.getKey()) < log.getValue().size()) {
                return false;
            }
        }
        return true;
    }

    /** True when a poll would return nothing: every partition not paused is fully delivered, no seek waits. */
    boolean idle() {
        if (!seeks.isEmpty()) {
            return false;
        }
        for (Map.Entry<TopicPartition, List<SinkRecord>> log : logs.entrySet()) {
            if (!paused.contains(log.getKey()) && positions.get(log.getKey()) < log.getValue().size()) {
                return false;
            }
        }
        return true;
    }

    /** How often {@code offset} of {@code tp} was delivered. */
    int deliveries(TopicPartition tp, long offset) {
        return deliveries.getOrDefault(tp, Map.of()).getOrDefault(offset, 0);
    }

    Set<TopicPartition> paused() {
        return Set.copyOf(paused);
    }

    int mostPausedAtOnce() {
        return mostPausedAtOnce;
    }

    List<TopicPartition> pauseCalls() {
        return List.copyOf(pauseCalls);
    }

    List<TopicPartition> resumeCalls() {
        return List.copyOf(resumeCalls);
    }

    List<Map.Entry<TopicPartition, Long>> seekCalls() {
        return List.copyOf(seekCalls);
    }

    /** Drops a partition, as a rebalance that revokes it does. */
    void revoke(TopicPartition tp) {
        logs.remove(tp);
        paused.remove(tp);
        seeks.remove(tp);
    }

    @Override
    public void seek(TopicPartition tp, long offset) {
        seekCalls.add(Map.entry(tp, offset));
        seeks.put(tp, offset);
    }

    @Override
    public void retryAfter(long millis) {
        // The simulation has no clock of its own: the next poll is the retry.
    }

    @Override
    public void wakeWithin(long millis) {
        // Likewise: every round of the test's loop is a put().
    }

    @Override
    public void pause(TopicPartition tp) {
        if (!logs.containsKey(tp)) {
            // As Connect does: only assigned partitions can be paused.
            throw new IllegalStateException("pause of " + tp + ", which is not assigned");
        }
        pauseCalls.add(tp);
        paused.add(tp);
        mostPausedAtOnce = Math.max(mostPausedAtOnce, paused.size());
    }

    @Override
    public void resume(TopicPartition tp) {
        if (!logs.containsKey(tp)) {
            throw new IllegalStateException("resume of " + tp + ", which is not assigned");
        }
        resumeCalls.add(tp);
        paused.remove(tp);
    }
}
