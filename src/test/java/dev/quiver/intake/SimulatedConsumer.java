package dev.quiver.intake;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Connect's consumer loop as far as a task can tell, for unit tests: per-partition logs of records, a position per
 * partition, pause and resume, and seeks that take effect at the next poll (as Connect applies them before its next
 * fetch). Each poll returns up to {@code maxPerPoll} records of the partitions not paused, partition by partition.
 * Every delivery of every offset is counted, so a test can tell that a record came again exactly once; every call of
 * the writer is recorded as {@link RecordingConsumer} records it. There is no clock: back-offs and wake-ups are only
 * recorded, since the next poll is the retry and every round of a test's loop is a put().
 */
final class SimulatedConsumer extends RecordingConsumer {
    private final int maxPerPoll;
    private final Map<TopicPartition, List<SinkRecord>> logs = new LinkedHashMap<>();
    private final Map<TopicPartition, Integer> positions = new HashMap<>();
    /** Seeks not yet applied: the next poll applies them. */
    private final Map<TopicPartition, Long> pendingSeeks = new HashMap<>();
    private final Map<TopicPartition, Map<Long, Integer>> deliveries = new HashMap<>();

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
        for (Map.Entry<TopicPartition, Long> seek : pendingSeeks.entrySet()) {
            positions.put(seek.getKey(), Math.toIntExact(seek.getValue()));
        }
        pendingSeeks.clear();
        List<SinkRecord> batch = new ArrayList<>();
        for (Map.Entry<TopicPartition, List<SinkRecord>> log : logs.entrySet()) {
            TopicPartition tp = log.getKey();
            if (isPaused(tp)) {
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
        if (!paused().isEmpty() || !pendingSeeks.isEmpty()) {
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
        if (!pendingSeeks.isEmpty()) {
            return false;
        }
        for (Map.Entry<TopicPartition, List<SinkRecord>> log : logs.entrySet()) {
            if (!isPaused(log.getKey()) && positions.get(log.getKey()) < log.getValue().size()) {
                return false;
            }
        }
        return true;
    }

    /** How often {@code offset} of {@code tp} was delivered. */
    int deliveries(TopicPartition tp, long offset) {
        return deliveries.getOrDefault(tp, Map.of()).getOrDefault(offset, 0);
    }

    /** Drops a partition, as a rebalance that revokes it does. */
    void revoke(TopicPartition tp) {
        logs.remove(tp);
        forget(tp);
        pendingSeeks.remove(tp);
    }

    @Override
    public void seek(TopicPartition tp, long offset) {
        super.seek(tp, offset);
        pendingSeeks.put(tp, offset);
    }

    @Override
    public void pause(TopicPartition tp) {
        // As Connect does: only assigned partitions can be paused.
        requireAssigned(tp, "pause");
        super.pause(tp);
    }

    @Override
    public void resume(TopicPartition tp) {
        requireAssigned(tp, "resume");
        super.resume(tp);
    }

    private void requireAssigned(TopicPartition tp, String call) {
        if (!logs.containsKey(tp)) {
            throw new IllegalStateException(call + " of " + tp + ", which is not assigned");
        }
    }
}
