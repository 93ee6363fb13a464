package dev.quiver.intake;

import dev.quiver.arrow.MemoryBudget;
import dev.quiver.commit.CommitLog;
import dev.quiver.config.QuiverSinkConfig;
import dev.quiver.layout.FileLayout;
import dev.quiver.decode.ValueDecoder;
import dev.quiver.metrics.TaskMetrics;
import dev.quiver.parquet.ParquetEncoder;
import dev.quiver.parquet.WriterOptions;
import dev.quiver.store.ObjectStore;
import dev.quiver.store.StoreException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.ArrayList;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.RootAllocator;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole of a task's work: routes records to per-partition batches, flushes them by threshold, and reports the
 * offsets that are durable. The task only forwards Connect's calls here.
 *
 * <p>Not thread-safe: Connect calls a task from one thread.
 */
public final class SinkWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SinkWriter.class);
    private static final long MIN_RETRY_BACKOFF_MS = 1_000;
    private static final long MAX_RETRY_BACKOFF_MS = 30_000;
    private static final int OPEN_ATTEMPTS = 5;
    /** Above this share of the budget after a put(), the largest batches land ... */
    private static final long HIGH_WATER_PERCENT = 85;
    /** ... until no more than this share is in use; partitions paused for memory resume below it. */
    private static final long LOW_WATER_PERCENT = 50;
    /** The longest one put() waits for uploads, whatever max.poll.interval.ms allows: the task is no place to idle. */
    private static final long MAX_BLOCK_MS = 5_000;
    /** How often put() should run while partitions are paused or a due flush waits for a running one. */
    private static final long RECHECK_MS = 250;
    /** A batch streams out a row group at the latest when it holds this fraction (1/n) of the budget. */
    private static final long ROW_GROUP_BUDGET_SHARE = 4;

    private final ObjectStore store;
    private final CommitLog commitLog;
    private final dev.quiver.commit.TopicClaims claims;
    private final ConsumerControl consumer;
    private final LongSupplier nanoClock;
    private final MemoryBudget memory;
    private final BufferAllocator allocator;
    private final PartitionWriter.Settings settings;
    private final Map<TopicPartition, PartitionWriter> partitions = new LinkedHashMap<>();
    private final TaskMetrics metrics;
    private final long budget;
    /** Encodes and uploads in the background; null when flush.threads=0. */
    private final ExecutorService flushPool;
    private int consecutiveStoreFailures;
    /** Batches smaller than this are not landed to free memory; their partitions are paused instead. */
    private final long minFlushBytes;
    /** How long one put() may wait for uploads in all: a tenth of max.poll.interval.ms, at most MAX_BLOCK_MS. */
    private final long maxBlockNanos;
    private final PausedPartitions paused;
    /**
     * Partitions whose remaining records in the current put() are not appended: sought back after a fencing conflict
     * or deferred for memory. Connect delivers them again from the seek.
     */
    private final Set<TopicPartition> skip = new HashSet<>();
    /** False after a put() that threw: Connect then redelivers its batch, and nothing is resumed meanwhile. */
    private boolean lastPutSucceeded = true;

    /**
     * @param store       where files and markers land; the writer closes it
     * @param connector   the connector's name, which keys its commit markers
     * @param task        the task's id within the connector, for metric names
     * @param deadLetters where bad records go when {@code tolerateAll}; may be null when Connect offers none
     */
    public SinkWriter(QuiverSinkConfig config, ObjectStore store, String connector, String task,
            ConsumerControl consumer, DeadLetters deadLetters, boolean tolerateAll, LongSupplier nanoClock) {
        this.store = Objects.requireNonNull(store, "store");
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        String prefix = config.storeUrl().prefix();
        this.commitLog = new CommitLog(store, prefix, connector);
        this.claims = new dev.quiver.commit.TopicClaims(store, prefix, connector);
        this.budget = config.bufferMemoryBytes();
        // The budget admits every allocation before Arrow makes it, and refuses one past it rather than letting it
        // happen; the allocator's own limit is the same, as a backstop.
        this.memory = new MemoryBudget(budget);
        this.allocator = new RootAllocator(memory, budget);
        this.metrics = new TaskMetrics(connector, task, memory::held, memory::peak, () -> budget);
        // A batch's buffers grow by doubling, so a batch larger than a quarter of the budget may not find room to grow.
        this.minFlushBytes = Math.min(config.flushMinBytes(), Math.min(config.flushMaxBytes(), budget / 4));
        this.maxBlockNanos = TimeUnit.MILLISECONDS.toNanos(Math.min(MAX_BLOCK_MS, config.maxPollIntervalMs() / 10));
        this.paused = new PausedPartitions(consumer, metrics);
        long rowGroupBytes = streamingRowGroupBytes(config, budget);
        this.flushPool = config.flushThreads() == 0 ? null
                : Executors.newFixedThreadPool(config.flushThreads(), flushThreadFactory(connector, task));
        java.util.concurrent.Executor flushExecutor = flushPool == null ? Runnable::run : flushPool;
        // With a declared schema, values are decoded straight into columns and not parsed into Maps first.
        ValueDecoder decoder = config.valueDecoder();
        this.settings = new PartitionWriter.Settings(config.flushMaxRecords(), config.flushMaxBytes(),
                TimeUnit.MILLISECONDS.toNanos(config.flushIntervalMs()), allocator,
                new ParquetEncoder(WriterOptions.withCodec(config.parquetCompression()).withTypes(config.parquetTypes())), new FileLayout(prefix),
                commitLog, store, deadLetters, tolerateAll, config.metadataColumns(),
                PartitionWriter.NullValues.valueOf(config.behaviorOnNullValues().toUpperCase(java.util.Locale.ROOT)),
                config.valueFormatJson() && decoder == null, metrics, config.pathPartitioner(), decoder, flushExecutor,
                config.keyDecoding(),
                rowGroupBytes, config.uploadPartBytes());
    }

    /**
     * The Arrow bytes at which a batch streams out as a row group, or 0 to keep batches whole. Row groups stay a small
     * share of the budget, so a file in progress leaves room for the others. A file streaming out holds up to two row
     * groups and a part (plus a chunk) in Arrow memory; when that passes the high-water mark, streaming would only
     * trade Arrow bytes for encoded bytes while the budget keeps landing batches, so it is off, and said once.
     */
    private static long streamingRowGroupBytes(QuiverSinkConfig config, long budget) {
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

    private static ThreadFactory flushThreadFactory(String connector, String task) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "quiver-flush-" + connector + "-" + task + "-" + count.incrementAndGet());
            // Never keep a worker JVM alive: an unfinished flush is recovered from the commit marker.
            thread.setDaemon(true);
            // Plugin classes (Hadoop, codecs) are found through the context class loader, as on the task thread.
            thread.setContextClassLoader(SinkWriter.class.getClassLoader());
            return thread;
        };
    }

    /** Takes ownership of newly assigned partitions and seeks each past what its commit marker says has landed. */
    public void open(Collection<TopicPartition> assigned) {
        for (TopicPartition tp : assigned) {
            PartitionWriter previous = partitions.remove(tp);
            if (previous != null) {
                previous.close();
            }
            // Opening seeks anew: nothing of an earlier seek's skipping applies.
            skip.remove(tp);
            partitions.put(tp, openPartition(tp));
        }
        // A rebalance changes what the budget holds: let the next put() decide afresh what to pause. Not while Connect
        // redelivers a failed put()'s batch: it holds the partitions itself until then.
        if (lastPutSucceeded) {
            paused.resumeAll(partitions::containsKey, "partitions were assigned");
        }
    }

    private PartitionWriter openPartition(TopicPartition tp) {
        withRetries(tp, "claim the topic", () -> claims.claim(tp.topic())); // before any write, delete or abort
        Optional<CommitLog.Marker> marker = readMarker(tp);
        if (marker.isEmpty()) {
            LOG.info("Opened {}: nothing landed yet, resuming at Connect's committed offset", tp);
            return newPartitionWriter(tp, -1);
        }
        CommitLog.Marker m = marker.get();
        boolean complete = allExist(tp, m.files());
        long landed = m.landedThrough(complete);
        PartitionWriter writer = newPartitionWriter(tp, landed);
        if (complete) {
            // The marker, not Kafka's committed offset, says where durable data ends: a crash after a file landed but
            // before Connect committed would otherwise replay that file's records.
            consumer.seek(tp, landed + 1);
            writer.resumeAt(landed + 1, m.incarnation());
            LOG.info("Opened {}: landed through offset {}, resuming at {}", tp, landed, landed + 1);
        } else {
            consumer.seek(tp, m.flushStart());
            writer.resumeAt(m.flushStart(), m.incarnation());
            writer.recover(m.flushStart(), m.flushLast(), m.files());
            LOG.info("Opened {}: the flush of offsets {}..{} was interrupted; replaying it from {} to rewrite the same"
                    + " {} file(s)", tp, m.flushStart(), m.flushLast(), m.flushStart(), m.files().size());
        }
        return writer;
    }

    private PartitionWriter newPartitionWriter(TopicPartition tp, long landed) {
        return new PartitionWriter(tp, landed, settings, metrics.openPartition(tp, landed, nanoClock));
    }

    private boolean allExist(TopicPartition tp, List<String> keys) {
        for (String key : keys) {
            if (!withRetries(tp, "check " + key, () -> store.exists(key))) {
                return false;
            }
        }
        return true;
    }

    private Optional<CommitLog.Marker> readMarker(TopicPartition tp) {
        return withRetries(tp, "read the commit marker", () -> commitLog.read(tp));
    }

    /** Storage reads on open, retried through short outages; a partition cannot start without them. */
    private <T> T withRetries(TopicPartition tp, String what, java.util.function.Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (StoreException e) {
                if (!e.retriable() || attempt >= OPEN_ATTEMPTS) {
                    throw new ConnectException("cannot " + what + " of " + tp + " in " + store.describe() + ": "
                            + e.getMessage(), e);
                }
                LOG.warn("Could not {} of {} (attempt {} of {}), retrying: {}", what, tp, attempt, OPEN_ATTEMPTS,
                        e.getMessage());
                sleep(backoffMillis(attempt));
            }
        }
    }

    /**
     * Buffers {@code records} and flushes every batch that reached a threshold.
     *
     * @throws RetriableException when storage is unreachable; the batches are kept and Connect calls put() again
     *                            with the same records, which are recognised by offset and not appended twice
     * @throws ConnectException   when storage refuses for good (permissions, missing bucket) or a record is bad and
     *                            errors are not tolerated
     */
    public void put(Collection<SinkRecord> records) {
        boolean redelivery = !lastPutSucceeded;
        lastPutSucceeded = false;
        // One bound for every wait of this put(): the consumer must poll again within max.poll.interval.ms.
        long waitUntil = System.nanoTime() + maxBlockNanos;
        if (!redelivery) {
            // After a put() that threw, Connect delivers the same batch again: a partition sought back in that put()
            // must skip it again, or its records past the seek would be accepted ahead of those the seek brings back.
            skip.clear();
        }
        try {
            pollAll();
            Map<TopicPartition, Integer> intake = new HashMap<>();
            PartitionWriter current = null;
            for (SinkRecord record : records) {
                if (current == null || !sameOrigin(current.topicPartition(), record)) {
                    current = writerFor(record);
                }
                TopicPartition tp = current.topicPartition();
                if (skip.contains(tp)) {
                    // The consumer was sought back for this partition; these records come again after the seek.
                    continue;
                }
                intake.merge(tp, 1, Integer::sum);
                try {
                    if (!acceptWithinBudget(current, record, waitUntil)) {
                        skip.add(tp);
                        current = null;
                    }
                } catch (PartitionWriter.RestartException e) {
                    skip.add(reopen(e));
                    current = null;
                } catch (PartitionWriter.ReplayRestartException e) {
                    skip.add(replayWithoutStreaming(e));
                    current = null;
                }
            }
            long now = nanoClock.getAsLong();
            long nextDue = Long.MAX_VALUE;
            for (PartitionWriter writer : List.copyOf(partitions.values())) {
                long due = writer.nanosUntilDue(now);
                if (writer.flushRunning()) {
                    // Flushing now would wait for the running flush: check again shortly instead of blocking here.
                    due = Math.max(due, TimeUnit.MILLISECONDS.toNanos(RECHECK_MS));
                } else {
                    try {
                        writer.flushIfDue(now);
                    } catch (PartitionWriter.RestartException e) {
                        skip.add(reopen(e));
                        continue;
                    }
                    due = writer.nanosUntilDue(now);
                }
                nextDue = Math.min(nextDue, due);
            }
            if (memory.held() > budget * HIGH_WATER_PERCENT / 100) {
                relieveMemory(intake, waitUntil);
            }
            resumeWhereFreed();
            consecutiveStoreFailures = 0;
            if (!paused.isEmpty()) {
                // Paused partitions deliver nothing: without this, Connect might not call put() again for a while.
                nextDue = Math.min(nextDue, TimeUnit.MILLISECONDS.toNanos(RECHECK_MS));
            }
            if (nextDue != Long.MAX_VALUE) {
                // Connect waits up to offset.flush.interval.ms for new records before the next put(); without this
                // an idle partition would land its data only that late, not after flush.interval.ms.
                consumer.wakeWithin(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextDue)));
            }
            lastPutSucceeded = true;
        } catch (StoreException e) {
            throw storeFailure(e);
        } finally {
            paused.logPauses(memory.held(), budget);
        }
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
    private boolean acceptWithinBudget(PartitionWriter writer, SinkRecord record, long waitUntil) {
        try {
            return acceptForMemory(writer, record, waitUntil);
        } catch (PartitionWriter.FlushBusyException e) {
            return acceptBehindFlush(writer, record, waitUntil);
        }
    }

    private boolean acceptForMemory(PartitionWriter writer, SinkRecord record, long waitUntil) {
        TopicPartition tp = writer.topicPartition();
        if (writer.flushRunning() && (writer.dueBeforeNextRecord() || writer.spillBacklogged())) {
            // The record would start a flush, which waits for the running one, or its batch should have streamed out
            // long ago and waits for the running one too: wait only as long as the bound allows.
            awaitFlushes(List.of(writer), Long.MIN_VALUE, waitUntil);
            if (partitions.get(tp) != writer) {
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
        awaitFlushes(partitions.values(), lowWater, waitUntil);
        if (partitions.get(tp) != writer) {
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
            awaitFlushes(partitions.values(), 0, waitUntil);
            if (partitions.get(tp) != writer) {
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
        if (partitions.get(writer.topicPartition()) != writer) {
            return false;
        }
        try {
            return acceptForMemory(writer, record, waitUntil);
        } catch (PartitionWriter.FlushBusyException e) {
            defer(writer, record, PausedPartitions.Reason.UPLOAD);
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

    /**
     * Above the high-water mark after a put(): lands the largest batches that reached flush.min.bytes, waits (within
     * the put's bound) for uploads in flight, and if memory is still above the mark, pauses the busiest partitions
     * rather than waiting longer. Partitions in a replay keep their batches: they must cut where the first attempt
     * did.
     */
    private void relieveMemory(Map<TopicPartition, Integer> intake, long waitUntil) {
        long highWater = budget * HIGH_WATER_PERCENT / 100;
        if (releaseIdle() > 0 && memory.held() <= highWater) {
            return;
        }
        long lowWater = budget * LOW_WATER_PERCENT / 100;
        int landed = landForMemory(minFlushBytes, lowWater);
        awaitFlushes(partitions.values(), lowWater, waitUntil);
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
            awaitFlushes(partitions.values(), lowWater, waitUntil);
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
        for (PartitionWriter writer : partitions.values()) {
            if (writer.flushRunning()) {
                return true;
            }
        }
        return false;
    }

    private int partitionsHoldingData() {
        int holding = 0;
        for (PartitionWriter writer : partitions.values()) {
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
        for (PartitionWriter writer : partitions.values()) {
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
    private long releaseIdle() {
        long freed = 0;
        for (PartitionWriter writer : partitions.values()) {
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
        for (PartitionWriter writer : partitions.values()) {
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
            if (writer.streaming()) {
                // Its file is streaming out: a row group frees the memory and the file stays whole.
                long handedOff = writer.spillForMemory();
                if (handedOff > 0) {
                    open -= handedOff;
                    landed++;
                }
                continue;
            }
            try {
                writer.flush(FlushTrigger.MEMORY);
            } catch (PartitionWriter.RestartException e) {
                skip.add(reopen(e));
            }
            open -= size;
            landed++;
        }
        return landed;
    }

    /**
     * Waits until no more than {@code target} bytes are in use, none of {@code writers} has a flush running, or
     * {@code waitUntil} (System.nanoTime) has passed, whichever comes first; then accounts for the finished flushes.
     */
    private void awaitFlushes(Collection<PartitionWriter> writers, long target, long waitUntil) {
        while (memory.held() > target) {
            List<java.util.concurrent.CompletableFuture<Void>> running = new ArrayList<>();
            for (PartitionWriter writer : writers) {
                java.util.concurrent.CompletableFuture<Void> flush = writer.runningFlush();
                if (flush != null) {
                    running.add(flush);
                }
            }
            long remaining = waitUntil - System.nanoTime();
            if (running.isEmpty() || remaining <= 0) {
                break;
            }
            try {
                java.util.concurrent.CompletableFuture.anyOf(running.toArray(new java.util.concurrent.CompletableFuture<?>[0]))
                        .get(remaining, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                break;
            } catch (java.util.concurrent.ExecutionException e) {
                // A failed flush: pollAll() below accounts for it and rethrows its error, as put() always has.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            pollAll();
            if (target != Long.MIN_VALUE) {
                // Waiting for memory: a landed flush's batches are now idle, and only freeing them frees its memory.
                releaseIdle();
            }
        }
        pollAll();
    }

    /** Accounts for every finished flush; a fenced partition is reopened and its records skipped in this put(). */
    private void pollAll() {
        for (PartitionWriter writer : List.copyOf(partitions.values())) {
            try {
                writer.pollInFlight();
                // A flush that failed on an earlier put() (which Connect then backed off from) is retried now, on the
                // flush executor: this put() goes on meanwhile instead of waiting for storage.
                writer.retryFailed();
            } catch (PartitionWriter.RestartException e) {
                skip.add(reopen(e));
            }
        }
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
            PartitionWriter writer = partitions.get(e.getKey());
            if (paused.contains(e.getKey()) || skip.contains(e.getKey())) {
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
    private void resumeWhereFreed() {
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
        paused.resume(PausedPartitions.Reason.UPLOAD, tp -> {
            PartitionWriter writer = partitions.get(tp);
            return writer == null || !writer.flushRunning();
        }, "the previous flush has finished");
    }

    /**
     * Another task wrote the partition's commit marker: either this task is a zombie about to lose the partition, or
     * a zombie wrote it. Either way the marker now says where the partition's durable data ends: drop the buffer,
     * read the marker again and resume from it, exactly as a new owner would.
     */
    private TopicPartition reopen(PartitionWriter.RestartException e) {
        TopicPartition tp = e.topicPartition();
        LOG.warn("{}; dropping this task's buffer for it and resuming from the marker", e.getMessage());
        PartitionWriter stale = partitions.remove(tp);
        if (stale != null) {
            stale.abandon();
            stale.close();
        }
        metrics.closePartition(tp);
        PartitionWriter fresh = openPartition(tp);
        if (!fresh.soughtOnOpen() && stale != null && stale.firstDelivered() >= 0) {
            // No marker yet (the lost file was the partition's first): nothing landed, so everything this task was
            // given of the partition is read again, from the first record it was given.
            consumer.seek(tp, stale.firstDelivered());
            LOG.info("Resuming {} at offset {}, the first it was given: nothing of it has landed", tp,
                    stale.firstDelivered());
        }
        partitions.put(tp, fresh);
        return tp;
    }

    /**
     * A replay streamed a batch out where the first attempt had not, and then met a schema change it can neither cut
     * at nor write into that file: drop the partition's buffer and replay the flush again from its start, keeping
     * its batches in memory this time.
     */
    private TopicPartition replayWithoutStreaming(PartitionWriter.ReplayRestartException e) {
        TopicPartition tp = e.topicPartition();
        LOG.warn("{}; replaying it again from its start without streaming row groups", e.getMessage());
        PartitionWriter stale = partitions.remove(tp);
        if (stale != null) {
            stale.abandon();
            stale.close();
        }
        metrics.closePartition(tp);
        PartitionWriter writer = openPartition(tp);
        writer.disableSpill();
        partitions.put(tp, writer);
        return tp;
    }

    private RuntimeException storeFailure(StoreException e) {
        if (!e.retriable()) {
            return new ConnectException("Storage refused a write and retrying cannot help: " + e.getMessage(), e);
        }
        consecutiveStoreFailures++;
        long backoff = backoffMillis(consecutiveStoreFailures);
        consumer.retryAfter(backoff);
        LOG.warn("Storage write failed ({} in a row); buffered data is kept and Connect retries in {} ms: {}",
                consecutiveStoreFailures, backoff, e.getMessage());
        return new RetriableException("storage unavailable: " + e.getMessage(), e);
    }

    private static long backoffMillis(int failures) {
        long backoff = MIN_RETRY_BACKOFF_MS << Math.min(failures - 1, 5);
        return Math.min(backoff, MAX_RETRY_BACKOFF_MS);
    }

    private static boolean sameOrigin(TopicPartition tp, SinkRecord record) {
        return tp.partition() == record.originalKafkaPartition() && tp.topic().equals(record.originalTopic());
    }

    private PartitionWriter writerFor(SinkRecord record) {
        TopicPartition tp = new TopicPartition(record.originalTopic(), record.originalKafkaPartition());
        PartitionWriter writer = partitions.get(tp);
        if (writer == null) {
            // Connect always opens a partition before delivering it; this keeps a contract breach from losing data.
            LOG.warn("Record for {} arrived before open(); opening it now", tp);
            writer = openPartition(tp);
            partitions.put(tp, writer);
        }
        return writer;
    }

    /** The offsets Connect may commit: per partition, the first offset that is not yet durable or handled. */
    public Map<TopicPartition, OffsetAndMetadata> committableOffsets() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionWriter writer : List.copyOf(partitions.values())) {
            try {
                writer.pollInFlight();
            } catch (PartitionWriter.RestartException e) {
                // Fenced, or a file's upload vanished: nothing of the failed flush landed from here. Reopening reads
                // where durable data ends; the records of a put() Connect is about to redeliver are skipped too.
                skip.add(reopen(e));
                writer = partitions.get(e.topicPartition());
            } catch (RuntimeException e) {
                // The next put() surfaces it; offsets simply stay where the last landed flush left them.
                LOG.debug("A background flush of {} failed: {}", writer.topicPartition(), e.getMessage());
            }
            long offset = writer.committableOffset();
            if (offset >= 0) {
                offsets.put(writer.topicPartition(), new OffsetAndMetadata(offset));
            }
        }
        if (lastPutSucceeded) {
            // Not while Connect redelivers a failed put()'s batch: it has paused everything itself for that.
            resumeWhereFreed();
        }
        return offsets;
    }

    /**
     * Lands what the closed partitions buffered, then lets them go. If landing fails, the buffer is dropped: the next
     * owner resumes from the commit marker, so the records are read again rather than lost.
     */
    public void close(Collection<TopicPartition> revoked) {
        paused.forget(revoked);
        skip.removeAll(revoked);
        for (TopicPartition tp : revoked) {
            PartitionWriter writer = partitions.remove(tp);
            metrics.closePartition(tp);
            if (writer == null) {
                continue;
            }
            try {
                writer.flushOnClose();
            } catch (RuntimeException e) {
                LOG.warn("Could not land the buffer of {} on close; dropping it, the next owner re-reads it from the"
                        + " commit marker: {}", tp, e.getMessage());
                writer.abandon();
            } finally {
                writer.close();
                commitLog.forget(tp);
            }
        }
        // Landing the closed partitions freed memory: let the next put() decide afresh what to pause.
        if (lastPutSucceeded) {
            paused.resumeAll(partitions::containsKey, "partitions were revoked");
        }
    }

    /** The most Arrow buffer bytes this task held at once, as its allocator's budget listener counted them. */
    public long peakBufferedBytes() {
        return memory.peak();
    }

    /** Bytes of Arrow buffers held by all open batches and encoded chunks. */
    public long bufferedBytes() {
        return memory.held();
    }

    /** Releases every buffer without landing it, then the allocator (which checks for leaks) and the store. */
    @Override
    public void close() {
        try {
            for (PartitionWriter writer : partitions.values()) {
                writer.close();
            }
            partitions.clear();
            metrics.close();
            allocator.close();
        } finally {
            if (flushPool != null) {
                flushPool.shutdownNow();
            }
            store.close();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("interrupted", e);
        }
    }
}
