package dev.quiver.intake;

import dev.quiver.arrow.MemoryBudget;
import dev.quiver.commit.CommitLog;
import dev.quiver.commit.LandedFlushListener;
import dev.quiver.commit.PartitionProgress;
import dev.quiver.commit.PartitionRecovery;
import dev.quiver.commit.ReplayRestartException;
import dev.quiver.commit.RestartException;
import dev.quiver.commit.TopicClaims;
import dev.quiver.config.QuiverSinkConfig;
import dev.quiver.decode.ValueDecoder;
import dev.quiver.land.FlushExecutor;
import dev.quiver.land.Landing;
import dev.quiver.layout.FileLayout;
import dev.quiver.metrics.TaskMetrics;
import dev.quiver.parquet.ParquetEncoder;
import dev.quiver.parquet.WriterOptions;
import dev.quiver.store.ObjectStore;
import dev.quiver.store.StoreException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole of a task's work: opens partitions where their commit markers say landing resumes, routes records to
 * per-partition writers within the memory budget, flushes them by threshold, and reports the offsets that are
 * durable. The task only forwards Connect's calls here.
 *
 * <p>Not thread-safe: Connect calls a task from one thread.
 */
public final class SinkWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SinkWriter.class);
    /** The longest one put() waits for uploads, whatever max.poll.interval.ms allows: the task is no place to idle. */
    private static final long MAX_BLOCK_MS = 5_000;
    /** How often put() should run while partitions are paused or a due flush waits for a running one. */
    private static final long RECHECK_MS = 250;

    private final ObjectStore store;
    private final CommitLog commitLog;
    private final PartitionRecovery recovery;
    private final ConsumerControl consumer;
    private final LongSupplier nanoClock;
    private final MemoryBudget memory;
    private final BufferAllocator allocator;
    private final WriterSettings settings;
    private final Map<TopicPartition, PartitionWriter> partitions = new LinkedHashMap<>();
    private final TaskMetrics metrics;
    private final long budget;
    private final FlushExecutor flushExecutor;
    private final MemoryGovernor governor;
    private final StorageOutage outage;
    private int consecutiveStoreFailures;
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
        this.outage = new StorageOutage(store.describe(), nanoClock);
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        String prefix = config.storeUrl().prefix();
        this.commitLog = new CommitLog(store, prefix, connector);
        this.recovery = new PartitionRecovery(store, commitLog, new TopicClaims(store, prefix, connector));
        this.budget = config.bufferMemoryBytes();
        // The budget admits every allocation before Arrow makes it, and refuses one past it rather than letting it
        // happen; the allocator's own limit is the same, as a backstop.
        this.memory = new MemoryBudget(budget);
        this.allocator = new RootAllocator(memory, budget);
        this.metrics = new TaskMetrics(connector, task, memory::held, memory::peak, () -> budget);
        this.maxBlockNanos = TimeUnit.MILLISECONDS.toNanos(Math.min(MAX_BLOCK_MS, config.maxPollIntervalMs() / 10));
        this.paused = new PausedPartitions(consumer, metrics);
        // A batch's buffers grow by doubling, so a batch larger than a quarter of the budget may not find room to grow.
        long minFlushBytes = Math.min(config.flushMinBytes(), Math.min(config.flushMaxBytes(), budget / 4));
        this.governor = new MemoryGovernor(memory, budget, minFlushBytes, consumer, paused, nanoClock,
                new GovernedPartitions());
        this.flushExecutor = new FlushExecutor(config.flushThreads(), connector, task);
        Landing landing = new Landing(
                new ParquetEncoder(WriterOptions.withCodec(config.parquetCompression()).withTypes(config.parquetTypes())),
                allocator, config.uploadPartBytes(), store, commitLog, metrics, LandedFlushListener.NONE);
        // With a declared schema, values are decoded straight into columns and not parsed into Maps first.
        ValueDecoder decoder = config.valueDecoder();
        this.settings = new WriterSettings(config.flushMaxRecords(), config.flushMaxBytes(),
                TimeUnit.MILLISECONDS.toNanos(config.flushIntervalMs()), allocator, new FileLayout(prefix), landing,
                deadLetters, tolerateAll, config.metadataColumns(),
                WriterSettings.NullValues.valueOf(config.behaviorOnNullValues().toUpperCase(Locale.ROOT)),
                config.valueFormatJson() && decoder == null, metrics, config.pathPartitioner(), decoder,
                flushExecutor, config.keyDecoding(), MemoryGovernor.streamingRowGroupBytes(config, budget), outage);
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

    /** Recovery on open (the commit marker decides where reading resumes), then a writer from there. */
    private PartitionWriter openPartition(TopicPartition tp) {
        PartitionRecovery.Plan plan = recovery.open(tp);
        if (plan.sought()) {
            consumer.seek(tp, plan.seekTo());
        }
        TaskMetrics.Partition partitionMetrics = metrics.openPartition(tp, plan.landed(), nanoClock);
        return new PartitionWriter(tp, new PartitionProgress(tp, plan, metrics, partitionMetrics), settings,
                partitionMetrics);
    }

    /**
     * Buffers {@code records} and flushes every batch that reached a threshold.
     *
     * <p>Storage that cannot be reached does not make put() throw: the partitions whose flush failed are paused and
     * sought back, and their flushes retried after a back-off ({@link StorageOutage}).
     *
     * @throws RetriableException when a storage error escapes every partition's own handling; the batches are kept
     *                            and Connect calls put() again with the same records, recognised by offset
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
            Map<TopicPartition, Integer> intake = append(records, waitUntil);
            long nextDue = flushDue();
            if (governor.aboveHighWater()) {
                governor.relieve(intake, waitUntil);
            }
            governor.resumeWhereFreed();
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

    /** Appends each record to its partition's writer; returns how many each partition received, counted per run. */
    private Map<TopicPartition, Integer> append(Collection<SinkRecord> records, long waitUntil) {
        Map<TopicPartition, Integer> intake = new HashMap<>();
        PartitionWriter current = null;
        TopicPartition counted = null;
        int run = 0;
        for (SinkRecord record : records) {
            if (current == null || !sameOrigin(current.topicPartition(), record)) {
                current = writerFor(record);
            }
            TopicPartition tp = current.topicPartition();
            if (!skip.isEmpty() && skip.contains(tp)) {
                // The consumer was sought back for this partition; these records come again after the seek.
                continue;
            }
            if (tp != counted) {
                if (counted != null) {
                    intake.merge(counted, run, Integer::sum);
                }
                counted = tp;
                run = 0;
            }
            run++;
            try {
                if (!governor.accept(current, record, waitUntil)) {
                    skip.add(tp);
                    current = null;
                }
            } catch (RestartException e) {
                skip.add(reopen(e));
                current = null;
            } catch (ReplayRestartException e) {
                skip.add(replayWithoutStreaming(e));
                current = null;
            } catch (StoreException e) {
                // The record may or may not be appended: read again from it, a redelivery of what was is dropped.
                storageFailed(current, e);
                consumer.seek(tp, record.originalKafkaOffset());
                skip.add(tp);
                current = null;
            }
        }
        if (counted != null) {
            intake.merge(counted, run, Integer::sum);
        }
        return intake;
    }

    /** Flushes every partition that reached a threshold; returns the nanoseconds until the next one is due. */
    private long flushDue() {
        long now = nanoClock.getAsLong();
        long nextDue = Long.MAX_VALUE;
        for (PartitionWriter writer : List.copyOf(partitions.values())) {
            long due = writer.nanosUntilDue(now);
            if (writer.flushRunning()) {
                // Flushing now would wait for the running flush: check again shortly instead of blocking here.
                due = Math.max(due, TimeUnit.MILLISECONDS.toNanos(RECHECK_MS));
            } else if (writer.flushFailed() && !outage.retryDue()) {
                // Its retry waits for the outage's back-off: flushing would only retry it early.
                due = outage.nanosUntilRetry();
            } else {
                try {
                    writer.flushIfDue(now);
                } catch (RestartException e) {
                    skip.add(reopen(e));
                    continue;
                } catch (StoreException e) {
                    storageFailed(writer, e);
                    due = outage.nanosUntilRetry();
                    nextDue = Math.min(nextDue, due);
                    continue;
                }
                due = writer.nanosUntilDue(now);
            }
            nextDue = Math.min(nextDue, due);
        }
        return nextDue;
    }

    /**
     * Accounts for every finished flush; a partition that must restart is reopened and its records skipped, one whose
     * flush failed for storage is paused. Failed flushes are retried once the outage's back-off has passed.
     */
    private void pollAll() {
        for (PartitionWriter writer : List.copyOf(partitions.values())) {
            try {
                writer.pollInFlight();
                if (outage.retryDue()) {
                    // On the flush executor: this put() goes on meanwhile instead of waiting for storage.
                    writer.retryFailed();
                }
            } catch (RestartException e) {
                skip.add(reopen(e));
            } catch (StoreException e) {
                storageFailed(writer, e);
            }
        }
    }

    /**
     * A flush of {@code writer} failed. A retriable failure pauses the partition until its flush, kept as it is,
     * lands on a retry; the other partitions go on, and put() does not throw. Any other fails the task.
     */
    private void storageFailed(PartitionWriter writer, StoreException e) {
        if (!e.retriable()) {
            throw e;
        }
        paused.pause(writer.topicPartition(), PausedPartitions.Reason.STORAGE);
        outage.failed(e, paused.size());
    }

    /**
     * Another task wrote the partition's commit marker, or a file's upload vanished: the marker now says where the
     * partition's durable data ends. Drop the buffer, read the marker again and resume from it, exactly as a new
     * owner would.
     */
    private TopicPartition reopen(RestartException e) {
        TopicPartition tp = e.topicPartition();
        LOG.warn("{}; dropping this task's buffer for it and resuming from the marker", e.getMessage());
        PartitionWriter stale = dropWriter(tp);
        PartitionWriter fresh = openPartition(tp);
        long firstDelivered = stale == null ? -1 : stale.progress().firstDelivered();
        if (!fresh.progress().soughtOnOpen() && firstDelivered >= 0) {
            // No marker yet (the lost file was the partition's first): nothing landed, so everything this task was
            // given of the partition is read again, from the first record it was given.
            consumer.seek(tp, firstDelivered);
            LOG.info("Resuming {} at offset {}, the first it was given: nothing of it has landed", tp, firstDelivered);
        }
        partitions.put(tp, fresh);
        return tp;
    }

    /**
     * A replay streamed a batch out where the first attempt had not, and then met a schema change it can neither cut
     * at nor write into that file: drop the partition's buffer and replay the flush again from its start, keeping
     * its batches in memory this time.
     */
    private TopicPartition replayWithoutStreaming(ReplayRestartException e) {
        TopicPartition tp = e.topicPartition();
        LOG.warn("{}; replaying it again from its start without streaming row groups", e.getMessage());
        dropWriter(tp);
        PartitionWriter writer = openPartition(tp);
        writer.progress().disableStreaming();
        partitions.put(tp, writer);
        return tp;
    }

    /** Removes the partition's writer, dropping its buffer unlanded; returns it, or null when there was none. */
    private PartitionWriter dropWriter(TopicPartition tp) {
        PartitionWriter stale = partitions.remove(tp);
        if (stale != null) {
            stale.abandon();
            stale.close();
        }
        metrics.closePartition(tp);
        return stale;
    }

    private RuntimeException storeFailure(StoreException e) {
        if (!e.retriable()) {
            return new ConnectException("Storage refused a write and retrying cannot help: " + e.getMessage(), e);
        }
        consecutiveStoreFailures++;
        long backoff = StoreException.retryBackoffMillis(consecutiveStoreFailures);
        consumer.retryAfter(backoff);
        LOG.warn("Storage write failed ({} in a row); buffered data is kept and Connect retries in {} ms: {}",
                consecutiveStoreFailures, backoff, e.getMessage());
        return new RetriableException("storage unavailable: " + e.getMessage(), e);
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
            } catch (RestartException e) {
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
            governor.resumeWhereFreed();
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
            flushExecutor.close();
            store.close();
        }
    }

    /** The governor's view of this task's partitions. */
    private final class GovernedPartitions implements MemoryGovernor.Partitions {
        @Override
        public Collection<PartitionWriter> writers() {
            return partitions.values();
        }

        @Override
        public PartitionWriter writer(TopicPartition tp) {
            return partitions.get(tp);
        }

        @Override
        public boolean skipped(TopicPartition tp) {
            return skip.contains(tp);
        }

        @Override
        public void pollAll() {
            SinkWriter.this.pollAll();
        }

        @Override
        public void restart(RestartException e) {
            skip.add(reopen(e));
        }

        @Override
        public void storageFailed(PartitionWriter writer, StoreException e) {
            SinkWriter.this.storageFailed(writer, e);
        }
    }
}
