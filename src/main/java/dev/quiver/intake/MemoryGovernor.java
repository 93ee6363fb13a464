package dev.quiver.intake;

import dev.quiver.arrow.MemoryBudget;
import dev.quiver.commit.RestartException;
import dev.quiver.config.QuiverSinkConfig;
import dev.quiver.land.FlushTrigger;
import dev.quiver.store.StoreException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a task within buffer.memory.bytes without blocking put() past its bound: appends each record within the
 * budget, lands the largest batches when it fills, and pauses partitions (seeking them back to the record they could
 * not take) when what holds the memory frees it only with time. Task thread only.
 *
 * <p>Above the high-water mark after a put(), batches of at least flush.min.bytes land, largest first, until the
 * low-water mark; partitions paused for memory resume below it. A record that does not fit a budget nothing else
 * holds is a bad record.
 */
final class MemoryGovernor {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryGovernor.class);
    /** Above this share of the budget after a put(), the largest batches land ... */
    static final long HIGH_WATER_PERCENT = 85;
    /** ... until no more than this share is in use; partitions paused for memory resume below it. */
    static final long LOW_WATER_PERCENT = 50;

    /** The task's partitions as the governor sees them; the task owns them and reopens a fenced one. */
    interface Partitions {
        Collection<PartitionWriter> writers();

        PartitionWriter writer(TopicPartition tp);

        /** True when the partition's records in this put() are skipped: it was sought back. */
        boolean skipped(TopicPartition tp);

        /** Accounts for every finished flush; reopens the partitions that must restart from their marker. */
        void pollAll();

        /** Reopens a partition from its commit marker; its records in this put() are skipped. */
        void restart(RestartException e);

        /** A flush of {@code writer} failed for storage: its partition waits, paused, for the retry. */
        void storageFailed(PartitionWriter writer, StoreException e);
    }

    /** A batch streams out a row group at the latest when it holds this fraction (1/n) of the budget. */
    private static final long ROW_GROUP_BUDGET_SHARE = 4;

    private final MemoryBudget memory;
    private final long budget;
    /** Batches smaller than this are not landed to free memory; their partitions are paused instead. */
    private final long minFlushBytes;
    private final ConsumerControl consumer;
    private final PausedPartitions paused;
    private final LongSupplier nanoClock;
    private final Partitions partitions;

    MemoryGovernor(MemoryBudget memory, long budget, long minFlushBytes, ConsumerControl consumer,
            PausedPartitions paused, LongSupplier nanoClock, Partitions partitions) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.budget = budget;
        this.minFlushBytes = minFlushBytes;
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.paused = Objects.requireNonNull(paused, "paused");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.partitions = Objects.requireNonNull(partitions, "partitions");
    }

    /**
     * The Arrow bytes at which a batch streams out as a row group, or 0 to keep batches whole. Row groups stay a small
     * share of the budget, so a file in progress leaves room for the others. A file streaming out holds up to two row
     * groups and a part (plus a chunk) in Arrow memory; when that passes the high-water mark, streaming would only
     * trade Arrow bytes for encoded bytes while the budget keeps landing batches, so it is off, and said once.
     */
    static long streamingRowGroupBytes(QuiverSinkConfig config, long budget) {
        long rowGroup = Math.min(config.parquetRowGroupBytes(), budget / ROW_GROUP_BUDGET_SHARE);
        long perFile = config.uploadPartBytes() + 2 * rowGroup + 1024 * 1024;
        if (perFile > budget * HIGH_WATER_PERCENT / 100) {
            LOG.warn("upload.part.bytes={} with buffer.memory.bytes={}: a file streaming out would hold about {} bytes,"
                    + " over the budget's high-water mark, so files are not streamed out in row groups: each is"
                    + " bounded by the budget; raise the budget or lower the part size for larger files",
                    config.uploadPartBytes(), budget, perFile);
            return 0;
        }
        return rowGroup;
    }

    /**
     * Appends a record within the memory budget, never waiting past {@code waitUntil}. Returns false when the record
     * was not appended and the partition's remaining records of this put() must be skipped: the partition was then
     * sought back to this record and paused (or reopened after a fencing conflict), so Connect delivers it again.
     *
     * <p>When Arrow refuses the memory: land the largest batches of at least flush.min.bytes, wait for uploads in
     * flight, try again; if memory is not even tight, the record itself is large, so land everything and try once
     * more. A record that does not fit a budget nothing else holds is a bad record. Otherwise the memory is held by
     * small batches or slow uploads that will free it later, and the partition waits, paused, for that.
     */
    boolean accept(PartitionWriter writer, SinkRecord record, long waitUntil) {
        try {
            return acceptForMemory(writer, record, waitUntil);
        } catch (FlushBusyException e) {
            return acceptBehindFlush(writer, record, waitUntil);
        }
    }

    private boolean acceptForMemory(PartitionWriter writer, SinkRecord record, long waitUntil) {
        TopicPartition tp = writer.topicPartition();
        if (writer.flushRunning() && (writer.dueBeforeNextRecord() || writer.spillBacklogged())) {
            // The record would start a flush, which waits for the running one, or its batch should have streamed out
            // long ago and waits for the running one too: wait only as long as the bound allows.
            awaitFlushes(List.of(writer), Long.MIN_VALUE, waitUntil);
            if (partitions.writer(tp) != writer) {
                return false;
            }
            if (writer.flushRunning()) {
                defer(writer, record, PausedPartitions.Reason.UPLOAD);
                return false;
            }
        }
        if (tryAccept(writer, record)) {
            return true;
        }
        if (releaseIdle() > 0 && tryAccept(writer, record)) {
            return true;
        }
        long lowWater = budget * LOW_WATER_PERCENT / 100;
        landForMemory(minFlushBytes, lowWater);
        awaitFlushes(partitions.writers(), lowWater, waitUntil);
        if (partitions.writer(tp) != writer) {
            return false;
        }
        releaseIdle();
        if (tryAccept(writer, record)) {
            return true;
        }
        if (memory.held() <= lowWater) {
            // Half the budget is free and still too little: the record is large. Only an empty budget tells a record
            // too large for it from one that waits for room, so every batch lands now, small ones too.
            landForMemory(0, 0);
            awaitFlushes(partitions.writers(), 0, waitUntil);
            if (partitions.writer(tp) != writer) {
                return false;
            }
            releaseIdle();
            if (tryAccept(writer, record)) {
                return true;
            }
            if (memory.held() <= writer.bufferedBytes()) {
                writer.rejectOversized(record, "needs more Arrow memory than buffer.memory.bytes=" + budget
                        + " leaves after landing every other batch");
                return true;
            }
        }
        defer(writer, record, PausedPartitions.Reason.MEMORY);
        return false;
    }

    private boolean tryAccept(PartitionWriter writer, SinkRecord record) {
        try {
            writer.accept(record, nanoClock.getAsLong());
            return true;
        } catch (OutOfMemoryException e) {
            // The batch is as it was before the record: a failed append leaves the row count unchanged.
            return false;
        }
    }

    /**
     * The record must flush the partition's batches first (a schema change, a threshold, the end of a replayed range)
     * while its previous flush runs or waits for its retry: waits for that flush within the put's bound, then tries
     * once more. Returns false, with the partition sought back to the record and paused until the flush is done,
     * when it is still running.
     */
    private boolean acceptBehindFlush(PartitionWriter writer, SinkRecord record, long waitUntil) {
        awaitFlushes(List.of(writer), Long.MIN_VALUE, waitUntil);
        if (partitions.writer(writer.topicPartition()) != writer) {
            return false;
        }
        try {
            return acceptForMemory(writer, record, waitUntil);
        } catch (FlushBusyException e) {
            // A failed flush waits for storage and its back-off, not for an upload that is running.
            defer(writer, record, writer.flushFailed() ? PausedPartitions.Reason.STORAGE : PausedPartitions.Reason.UPLOAD);
            return false;
        }
    }

    /**
     * Seeks the partition back to {@code record} and pauses it. Nothing of the record is buffered, so reading it again
     * loses nothing; records before it were accepted, and their redelivery, if any, is dropped by offset.
     */
    private void defer(PartitionWriter writer, SinkRecord record, PausedPartitions.Reason reason) {
        consumer.seek(writer.topicPartition(), record.originalKafkaOffset());
        paused.pause(writer.topicPartition(), reason);
    }

    /** True when the task holds more than the high-water mark: {@link #relieve} should run after the put(). */
    boolean aboveHighWater() {
        return memory.held() > budget * HIGH_WATER_PERCENT / 100;
    }

    /**
     * Above the high-water mark after a put(): lands the largest batches that reached flush.min.bytes, waits (within
     * the put's bound) for uploads in flight, and if memory is still above the mark, pauses the busiest partitions
     * rather than waiting longer. Partitions in a replay keep their batches: they must cut where the first attempt
     * did.
     *
     * @param intake the records each partition received in this put()
     */
    void relieve(Map<TopicPartition, Integer> intake, long waitUntil) {
        long highWater = budget * HIGH_WATER_PERCENT / 100;
        if (releaseIdle() > 0 && memory.held() <= highWater) {
            return;
        }
        long lowWater = budget * LOW_WATER_PERCENT / 100;
        int landed = landForMemory(minFlushBytes, lowWater);
        awaitFlushes(partitions.writers(), lowWater, waitUntil);
        // The flushes that landed meanwhile left their batches idle.
        releaseIdle();
        if (memory.held() > highWater && !anyFlushRunning()) {
            // Nothing is uploading, so nothing will free memory by itself: every batch is below the minimum. Pausing
            // would stall the task until flush.interval.ms (10 minutes by default). Batches above the average size
            // land instead: a quiet partition is below the average and keeps its batch; only when partitions are
            // alike is the budget simply too small for their number times the minimum, and that is said.
            long average = averageBatchBytes();
            int small = landForMemory(average, lowWater);
            if (small > 0) {
                LOG.warn("Memory budget: every batch is below flush.min.bytes={}; landed {} batch(es) above the average"
                        + " of {} bytes rather than pausing until flush.interval.ms. buffer.memory.bytes={} is small"
                        + " for {} partitions with data: raise it or lower flush.min.bytes", minFlushBytes, small,
                        average, budget, partitionsHoldingData());
            }
            awaitFlushes(partitions.writers(), lowWater, waitUntil);
            releaseIdle();
        }
        if (memory.held() > highWater) {
            pauseBusiest(intake);
        }
        if (landed > 0) {
            LOG.info("Memory budget: landed the batches of {} partition(s) of at least {} bytes to free Arrow memory;"
                    + " {} of {} bytes now in use", landed, minFlushBytes, memory.held(), budget);
        }
    }

    private boolean anyFlushRunning() {
        for (PartitionWriter writer : partitions.writers()) {
            if (writer.flushRunning()) {
                return true;
            }
        }
        return false;
    }

    private int partitionsHoldingData() {
        int holding = 0;
        for (PartitionWriter writer : partitions.writers()) {
            if (writer.bufferedBytes() > 0) {
                holding++;
            }
        }
        return holding;
    }

    /** The mean of the partitions' buffered bytes, over those holding any; at least 1. */
    private long averageBatchBytes() {
        long total = 0;
        int holding = 0;
        for (PartitionWriter writer : partitions.writers()) {
            long size = writer.bufferedBytes();
            if (size > 0) {
                total += size;
                holding++;
            }
        }
        return holding == 0 ? 1 : Math.max(1, total / holding);
    }

    /**
     * Closes every partition's idle batches, kept for reuse by their next flush: the cheapest memory to free, as
     * nothing waits for it. Returns the bytes freed.
     */
    long releaseIdle() {
        long freed = 0;
        for (PartitionWriter writer : partitions.writers()) {
            freed += writer.releaseIdle();
        }
        return freed;
    }

    /**
     * Hands the largest batches of at least {@code minBytes} to be landed until the open batches hold at most
     * {@code target} bytes; batches handed to the flush threads free their memory only once landed, but count as freed
     * already. Never waits: a partition whose previous flush still runs is passed over. Returns how many landed.
     */
    private int landForMemory(long minBytes, long target) {
        Map<PartitionWriter, Long> sizes = new HashMap<>();
        long open = 0;
        for (PartitionWriter writer : partitions.writers()) {
            long size = writer.bufferedBytes();
            sizes.put(writer, size);
            open += size;
        }
        List<PartitionWriter> bySize = new ArrayList<>(sizes.keySet());
        bySize.sort((a, b) -> Long.compare(sizes.get(b), sizes.get(a)));
        int landed = 0;
        for (PartitionWriter writer : bySize) {
            long size = sizes.get(writer);
            if (open <= target || size == 0 || size < minBytes) {
                break;
            }
            if (!writer.canFlushForMemory() || writer.flushRunning()) {
                continue;
            }
            try {
                if (writer.streaming()) {
                    // Its file is streaming out: a row group frees the memory and the file stays whole.
                    long handedOff = writer.spillForMemory();
                    if (handedOff > 0) {
                        open -= handedOff;
                        landed++;
                    }
                    continue;
                }
                writer.flush(FlushTrigger.MEMORY);
            } catch (RestartException e) {
                partitions.restart(e);
            } catch (StoreException e) {
                partitions.storageFailed(writer, e);
                continue;
            }
            open -= size;
            landed++;
        }
        return landed;
    }

    /**
     * Waits until no more than {@code target} bytes are in use, none of {@code writers} has a flush running, or
     * {@code waitUntil} (System.nanoTime) has passed, whichever comes first; then accounts for the finished flushes.
     * With {@code target} Long.MIN_VALUE it waits for the flushes alone.
     */
    void awaitFlushes(Collection<PartitionWriter> writers, long target, long waitUntil) {
        while (memory.held() > target) {
            List<CompletableFuture<Void>> running = new ArrayList<>();
            for (PartitionWriter writer : writers) {
                CompletableFuture<Void> flush = writer.runningFlush();
                if (flush != null) {
                    running.add(flush);
                }
            }
            long remaining = waitUntil - System.nanoTime();
            if (running.isEmpty() || remaining <= 0) {
                break;
            }
            try {
                CompletableFuture.anyOf(running.toArray(new CompletableFuture<?>[0]))
                        .get(remaining, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                break;
            } catch (ExecutionException e) {
                // A failed flush: pollAll() below accounts for it and rethrows its error, as put() always has.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            partitions.pollAll();
            if (target != Long.MIN_VALUE) {
                // Waiting for memory: a landed flush's batches are now idle, and only freeing them frees its memory.
                releaseIdle();
            }
        }
        partitions.pollAll();
    }

    /**
     * Pauses the partitions that received most of this put()'s records (those holding most memory first among
     * equals), until the paused ones account for at least four fifths of its records: the budget is full and what
     * holds it frees only with time, so intake must slow down rather than the task thread wait.
     */
    private void pauseBusiest(Map<TopicPartition, Integer> intake) {
        long total = 0;
        long covered = 0;
        List<PartitionWriter> candidates = new ArrayList<>();
        for (Map.Entry<TopicPartition, Integer> e : intake.entrySet()) {
            total += e.getValue();
            PartitionWriter writer = partitions.writer(e.getKey());
            if (paused.contains(e.getKey()) || partitions.skipped(e.getKey())) {
                covered += e.getValue();
            } else if (writer != null) {
                candidates.add(writer);
            }
        }
        Map<PartitionWriter, Long> sizes = new HashMap<>();
        for (PartitionWriter writer : candidates) {
            sizes.put(writer, writer.bufferedBytes());
        }
        candidates.sort((a, b) -> {
            int byRecords = Integer.compare(intake.get(b.topicPartition()), intake.get(a.topicPartition()));
            return byRecords != 0 ? byRecords : Long.compare(sizes.get(b), sizes.get(a));
        });
        for (PartitionWriter writer : candidates) {
            if (covered * 5 >= total * 4) {
                break;
            }
            paused.pause(writer.topicPartition(), PausedPartitions.Reason.MEMORY);
            covered += intake.get(writer.topicPartition());
        }
    }

    /**
     * Resumes partitions paused for memory once the task holds no more than half its budget, and those paused behind
     * an upload once it has finished.
     */
    void resumeWhereFreed() {
        if (paused.isEmpty()) {
            return;
        }
        if (memory.held() > budget * LOW_WATER_PERCENT / 100) {
            // Batches kept for reuse must not keep partitions paused for memory: landed flushes left them there.
            releaseIdle();
        }
        long inUse = memory.held();
        if (inUse <= budget * LOW_WATER_PERCENT / 100) {
            paused.resume(PausedPartitions.Reason.MEMORY, tp -> true,
                    inUse + " of " + budget + " Arrow bytes in use, at most half the budget");
        }
        paused.resume(PausedPartitions.Reason.STORAGE, tp -> {
            PartitionWriter writer = partitions.writer(tp);
            return writer == null || (!writer.flushFailed() && !writer.flushRunning());
        }, "its failed flush landed: storage is reachable again");
        paused.resume(PausedPartitions.Reason.UPLOAD, tp -> {
            PartitionWriter writer = partitions.writer(tp);
            return writer == null || !writer.flushRunning();
        }, "the previous flush has finished");
    }
}
