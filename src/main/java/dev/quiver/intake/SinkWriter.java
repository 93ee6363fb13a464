package dev.quiver.intake;

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
    /** ... until no more than this share is in use. */
    private static final long LOW_WATER_PERCENT = 50;
    /** A batch streams out a row group at the latest when it holds this fraction (1/n) of the budget. */
    private static final long ROW_GROUP_BUDGET_SHARE = 16;

    private final ObjectStore store;
    private final CommitLog commitLog;
    private final ConsumerControl consumer;
    private final LongSupplier nanoClock;
    private final BufferAllocator allocator;
    private final PartitionWriter.Settings settings;
    private final Map<TopicPartition, PartitionWriter> partitions = new LinkedHashMap<>();
    private final TaskMetrics metrics;
    private final long budget;
    /** Encodes and uploads in the background; null when flush.threads=0. */
    private final ExecutorService flushPool;
    private int consecutiveStoreFailures;

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
        this.budget = config.bufferMemoryBytes();
        // The budget is the allocator's hard limit: Arrow refuses an allocation past it rather than letting it happen.
        this.allocator = new RootAllocator(budget);
        this.metrics = new TaskMetrics(connector, task, allocator::getAllocatedMemory,
                allocator::getPeakMemoryAllocation, () -> budget);
        warnIfPartsCrowdTheBudget(config, budget);
        this.flushPool = config.flushThreads() == 0 ? null
                : Executors.newFixedThreadPool(config.flushThreads(), flushThreadFactory(connector, task));
        java.util.concurrent.Executor flushExecutor = flushPool == null ? Runnable::run : flushPool;
        // With a declared schema, values are decoded straight into columns and not parsed into Maps first.
        ValueDecoder decoder = config.valueDecoder();
        this.settings = new PartitionWriter.Settings(config.flushMaxRecords(), config.flushMaxBytes(),
                TimeUnit.MILLISECONDS.toNanos(config.flushIntervalMs()), allocator,
                new ParquetEncoder(WriterOptions.withCodec(config.parquetCompression())), new FileLayout(prefix),
                commitLog, store, deadLetters, tolerateAll, config.metadataColumns(),
                PartitionWriter.NullValues.valueOf(config.behaviorOnNullValues().toUpperCase(java.util.Locale.ROOT)),
                config.valueFormatJson() && decoder == null, metrics, config.pathPartitioner(), decoder, flushExecutor,
                // Row groups stay a small share of the budget, so a file in progress leaves room for the others.
                Math.min(config.parquetRowGroupBytes(), budget / ROW_GROUP_BUDGET_SHARE), config.uploadPartBytes());
    }

    /**
     * A file streaming out holds up to two row groups and a part (plus a chunk) in Arrow memory; when that nears the
     * point where the task lands its batches to free memory, large files get cut early. Said once, at start.
     */
    private static void warnIfPartsCrowdTheBudget(QuiverSinkConfig config, long budget) {
        long rowGroup = Math.min(config.parquetRowGroupBytes(), budget / ROW_GROUP_BUDGET_SHARE);
        long perFile = config.uploadPartBytes() + 2 * rowGroup + 1024 * 1024;
        if (perFile > budget * HIGH_WATER_PERCENT / 100) {
            LOG.warn("upload.part.bytes={} with buffer.memory.bytes={}: a file streaming out holds about {} bytes, over"
                    + " the budget's high-water mark, so large files will be cut by memory pressure; raise the budget"
                    + " or lower the part size", config.uploadPartBytes(), budget, perFile);
        }
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
            partitions.put(tp, openPartition(tp));
        }
    }

    private PartitionWriter openPartition(TopicPartition tp) {
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
            LOG.info("Opened {}: landed through offset {}, resuming at {}", tp, landed, landed + 1);
        } else {
            consumer.seek(tp, m.flushStart());
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
        try {
            Set<TopicPartition> reopened = new HashSet<>();
            for (PartitionWriter writer : List.copyOf(partitions.values())) {
                try {
                    writer.pollInFlight();
                } catch (CommitLog.MarkerConflictException e) {
                    reopened.add(reopen(e));
                }
            }
            PartitionWriter current = null;
            for (SinkRecord record : records) {
                if (current == null || !sameOrigin(current.topicPartition(), record)) {
                    current = writerFor(record);
                }
                if (reopened.contains(current.topicPartition())) {
                    // The consumer was sought back for this partition; these records come again after the seek.
                    continue;
                }
                try {
                    acceptWithinBudget(current, record);
                } catch (CommitLog.MarkerConflictException e) {
                    reopened.add(reopen(e));
                    current = null;
                } catch (PartitionWriter.ReplayRestartException e) {
                    reopened.add(replayWithoutStreaming(e));
                    current = null;
                }
            }
            long now = nanoClock.getAsLong();
            long nextDue = Long.MAX_VALUE;
            for (PartitionWriter writer : List.copyOf(partitions.values())) {
                try {
                    writer.flushIfDue(now);
                } catch (CommitLog.MarkerConflictException e) {
                    reopen(e);
                    continue;
                }
                nextDue = Math.min(nextDue, writer.nanosUntilDue(now));
            }
            if (allocator.getAllocatedMemory() > budget * HIGH_WATER_PERCENT / 100) {
                relieveMemory(null);
            }
            consecutiveStoreFailures = 0;
            if (nextDue != Long.MAX_VALUE) {
                // Connect waits up to offset.flush.interval.ms for new records before the next put(); without this
                // an idle partition would land its data only that late, not after flush.interval.ms.
                consumer.wakeWithin(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextDue)));
            }
        } catch (StoreException e) {
            throw storeFailure(e);
        }
    }

    /**
     * Appends a record; if Arrow refuses the memory, lands the largest batches and tries once more. A record that
     * does not fit even into an emptied budget is a bad record.
     */
    private void acceptWithinBudget(PartitionWriter writer, SinkRecord record) {
        try {
            writer.accept(record, nanoClock.getAsLong());
        } catch (OutOfMemoryException first) {
            relieveMemory(writer);
            try {
                writer.accept(record, nanoClock.getAsLong());
            } catch (OutOfMemoryException again) {
                writer.rejectOversized(record, "needs more Arrow memory than buffer.memory.bytes=" + budget
                        + " leaves after landing every other batch");
            }
        }
    }

    /**
     * Lands the largest batches until the task holds at most half its budget, so that many partitions or folders
     * share the budget instead of exhausting it. Partitions in a replay keep their batches: they must cut where the
     * first attempt did.
     */
    private void relieveMemory(PartitionWriter current) {
        long target = budget * LOW_WATER_PERCENT / 100;
        List<PartitionWriter> bySize = new ArrayList<>(partitions.values());
        bySize.sort((a, b) -> Long.compare(b.bufferedBytes(), a.bufferedBytes()));
        int landed = 0;
        long handedOff = 0;
        for (PartitionWriter writer : bySize) {
            // Batches handed to the flush threads free their memory only once landed: count them as freed already.
            if (allocator.getAllocatedMemory() - handedOff <= target) {
                break;
            }
            if (writer.canFlushForMemory()) {
                handedOff += writer.bufferedBytes();
                writer.flush(FlushTrigger.MEMORY);
                landed++;
            }
        }
        // Handed-off batches hold their memory until they have landed: wait, so the retried append finds room.
        for (PartitionWriter writer : partitions.values()) {
            writer.finishInFlight();
        }
        LOG.info("Memory budget: landed the batches of {} partition(s) to free Arrow memory; {} of {} bytes now in use",
                landed, allocator.getAllocatedMemory(), budget);
    }

    /**
     * Another task wrote the partition's commit marker: either this task is a zombie about to lose the partition, or
     * a zombie wrote it. Either way the marker now says where the partition's durable data ends: drop the buffer,
     * read the marker again and resume from it, exactly as a new owner would.
     */
    private TopicPartition reopen(CommitLog.MarkerConflictException e) {
        TopicPartition tp = e.topicPartition();
        LOG.warn("Another task wrote the commit marker of {}; dropping this task's buffer for it and resuming from the"
                + " marker", tp);
        PartitionWriter stale = partitions.remove(tp);
        if (stale != null) {
            stale.abandon();
            stale.close();
        }
        metrics.closePartition(tp);
        partitions.put(tp, openPartition(tp));
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
        for (PartitionWriter writer : partitions.values()) {
            try {
                writer.pollInFlight();
            } catch (RuntimeException e) {
                // The next put() surfaces it; offsets simply stay where the last landed flush left them.
                LOG.debug("A background flush of {} failed: {}", writer.topicPartition(), e.getMessage());
            }
            long offset = writer.committableOffset();
            if (offset >= 0) {
                offsets.put(writer.topicPartition(), new OffsetAndMetadata(offset));
            }
        }
        return offsets;
    }

    /**
     * Lands what the closed partitions buffered, then lets them go. If landing fails, the buffer is dropped: the next
     * owner resumes from the commit marker, so the records are read again rather than lost.
     */
    public void close(Collection<TopicPartition> revoked) {
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
    }

    /** The most Arrow buffer bytes this task held at once, as its allocator recorded it. */
    public long peakBufferedBytes() {
        return allocator.getPeakMemoryAllocation();
    }

    /** Bytes of Arrow buffers held by all open batches. */
    public long bufferedBytes() {
        return allocator.getAllocatedMemory();
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
