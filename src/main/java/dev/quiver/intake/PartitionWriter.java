package dev.quiver.intake;

import dev.quiver.arrow.ArrowBatch;
import dev.quiver.commit.PartitionProgress;
import dev.quiver.land.FlushJob;
import dev.quiver.land.FlushTrigger;
import dev.quiver.land.LandingJob;
import dev.quiver.land.PartitionJobs;
import dev.quiver.land.SpillJob;
import dev.quiver.metrics.TaskMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka partition on the task thread: takes its records, decides when its batches land, and hands them to the
 * partition's landing jobs.
 *
 * <p>Records go to one batch per record type (the value schema's name) and folder ({@link OpenBatches}); all batches
 * of a partition flush together, under one commit marker. The offsets, the replay of an interrupted flush and what
 * Connect may commit are the commit protocol's ({@link PartitionProgress}); the encoding and uploading run on the
 * flush executor, one job of the partition at a time ({@link PartitionJobs}). A batch that reached
 * parquet.row.group.bytes streams out as a row group of its unfinished file (a {@link SpillJob}) and the partition
 * goes on appending into a spare batch.
 */
final class PartitionWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionWriter.class);

    private final TopicPartition tp;
    private final WriterSettings settings;
    private final TaskMetrics.Partition metrics;
    private final PartitionProgress progress;
    private final OpenBatches batches;
    private final RecordAppender appender;
    private final PartitionJobs jobs;
    /** The slots of the flush in flight or failed: their batches become idle once it lands. */
    private List<Slot> flushing = List.of();

    PartitionWriter(TopicPartition tp, PartitionProgress progress, WriterSettings settings,
            TaskMetrics.Partition metrics) {
        this.tp = Objects.requireNonNull(tp, "tp");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.batches = new OpenBatches(tp, settings, progress, this::cutForSchema);
        this.appender = new RecordAppender(tp, settings, batches);
        this.jobs = new PartitionJobs(tp, settings.flushExecutor());
    }

    TopicPartition topicPartition() {
        return tp;
    }

    PartitionProgress progress() {
        return progress;
    }

    /** True when this partition's batches may land now to free memory: not in a replay, which must keep its cut. */
    boolean canFlushForMemory() {
        return !batches.isEmpty() && !progress.replaying() && !jobs.hasFailed();
    }

    /** True while a flush handed to the flush executor has not finished: flushing again now would wait for it. */
    boolean flushRunning() {
        return jobs.running();
    }

    /** The running flush's completion, or null when none runs; lets the task wait for any of several, bounded. */
    CompletableFuture<Void> runningFlush() {
        return jobs.runningJob();
    }

    /** True when the next record starts with a row or byte threshold flush, which waits for a running flush. */
    boolean dueBeforeNextRecord() {
        return !batches.isEmpty() && !progress.replaying() && batches.dueBySize() != null;
    }

    /**
     * True while a batch that should have streamed out as a row group has grown to twice that size waiting for the
     * partition's running job: its uploads are behind, and the partition should wait rather than grow further.
     */
    boolean spillBacklogged() {
        long threshold = settings.rowGroupBytes();
        return threshold > 0 && progress.streamingAllowed() && jobs.running() && batches.anyAtLeast(2 * threshold);
    }

    /** True when a batch has streamed rows into a file that the next flush completes: landing it early cuts the file. */
    boolean streaming() {
        return batches.streaming();
    }

    /**
     * Frees Arrow memory without closing a file: the largest batch whose file is already streaming goes out as a row
     * group. One at a time, as a partition runs one job at a time; returns the bytes handed off, 0 when none could go
     * now (a job is running, or nothing streams).
     */
    long spillForMemory() {
        if (settings.rowGroupBytes() <= 0 || !progress.streamingAllowed() || jobs.running() || jobs.hasFailed()) {
            return 0;
        }
        Slot largest = batches.largestStreaming();
        if (largest == null) {
            return 0;
        }
        long bytes = largest.batch.bufferBytes();
        spill(largest);
        return bytes;
    }

    /** Buffers one record, flushing first if the open batches are due or cannot hold the record's schema. */
    void accept(SinkRecord record, long nowNanos) {
        long offset = record.originalKafkaOffset();
        if (!progress.deliver(offset)) {
            return;
        }
        if (progress.pastReplay(offset)) {
            // The replayed range ended in records that no longer exist (compaction, retention): cut it here.
            requireFlushIdle();
            flush(FlushTrigger.RECOVERY);
        }
        if (!batches.isEmpty() && !progress.replaying()) {
            FlushTrigger due = batches.dueBySize();
            if (due != null) {
                requireFlushIdle();
                flush(due);
            }
        }
        // Counted once handled, not on arrival: a record that found no memory or met a storage error before its
        // append is delivered again, and must not count twice.
        try {
            Slot slot = appender.append(record, offset, nowNanos);
            settings.metrics().recordIn();
            if (slot == null) {
                // No row to land; skipping still moves the partition's progress past the record.
                progress.accepted(offset);
            } else {
                appended(slot, offset, record.value() == null);
            }
        } catch (DataException e) {
            settings.metrics().recordIn();
            reject(record, offset, e);
        }
        if (progress.replayComplete() && !jobs.pending()) {
            // Else flushIfDue cuts it once the running flush is done: the task thread does not wait here.
            flush(FlushTrigger.RECOVERY);
        }
    }

    private void appended(Slot slot, long offset, boolean tombstone) {
        if (slot.firstRowOffset < 0) {
            slot.firstRowOffset = offset;
        }
        slot.lastRowOffset = offset;
        slot.hasTombstones |= tombstone;
        progress.accepted(offset);
        metrics.seen(offset);
        if (spillDue(slot)) {
            spill(slot);
        }
    }

    /** A record's schema cannot share the open files: they land, and the record starts new ones. */
    private void cutForSchema(String why) {
        requireFlushIdle();
        LOG.info("Schema change in {} {}; closing the current file and starting a new one", tp, why);
        flush(FlushTrigger.SCHEMA_CHANGE);
    }

    /**
     * Checked before a record that must flush first changes anything: when that flush would wait for a running or
     * failed one, the record is refused with {@link FlushBusyException}. A finished one is accounted for first,
     * which surfaces its failure.
     */
    private void requireFlushIdle() {
        pollInFlight();
        if (jobs.pending()) {
            throw new FlushBusyException(tp);
        }
    }

    /**
     * True when the slot's batch should go out as a row group: it reached parquet.row.group.bytes, or, once reused,
     * the row count at which it first did (its capacity no longer drops), or it grew well past the threshold.
     */
    private boolean spillDue(Slot slot) {
        long threshold = settings.rowGroupBytes();
        if (threshold <= 0 || !progress.streamingAllowed()) {
            return false;
        }
        if (jobs.running() || jobs.hasFailed()) {
            // The partition's jobs run one at a time: spilling now would wait on the task thread for the running
            // one (or for the retry of a failed one). The batch grows meanwhile; if memory runs short, the budget
            // pauses the partition instead.
            return false;
        }
        // Until the file's first row group, a batch reused from an earlier file counts its rows' bytes, not the
        // capacity it kept; after it, the batches are sized by that row group and the row count rule below applies.
        long bytes = slot.spillRows == 0 ? slot.batch.filledBytes() : slot.batch.bufferBytes();
        if (bytes < threshold) {
            return false;
        }
        return slot.spillRows == 0 || slot.batch.rows() >= slot.spillRows || bytes >= 2 * threshold;
    }

    /**
     * Hands the slot's rows to a job that encodes them as row groups of the slot's file and uploads its full parts;
     * the slot goes on appending into its spare batch. The file keeps its key, the one the partition's next flush
     * gives it, so the commit protocol is unchanged: the parts stay invisible until that flush, after its intent
     * marker, completes the upload.
     */
    private void spill(Slot slot) {
        retryFailed();
        finishInFlight();
        String key = settings.layout().dataKey(tp, progress.flushStart(batches.firstRowOffset()), slot.recordType,
                slot.path, progress.incarnation());
        ArrowBatch full = slot.batch;
        slot.batch = slot.spare != null ? slot.spare
                : ArrowBatch.open(full.layout(), settings.allocator(), tp + "/" + slot.recordType);
        slot.spare = null;
        if (slot.spillRows == 0) {
            slot.spillRows = full.rows();
        }
        slot.streamed = true;
        slot.streamedRows += full.rows();
        slot.streamedArrowBytes += full.filledBytes();
        start(new SpillJob(tp, settings.landing(), slot.file, full, key));
    }

    /** Flushes the batches if any threshold is reached; called after every put(), empty ones included. */
    void flushIfDue(long nowNanos) {
        retryFailed();
        if (jobs.running()) {
            // The retry runs: a flush now would wait for it on the task thread. The caller checks again shortly.
            return;
        }
        if (progress.replayComplete()) {
            // The replayed range is complete; its cut waited for the flush that was running then.
            flush(FlushTrigger.RECOVERY);
            return;
        }
        if (batches.isEmpty() || progress.replaying()) {
            return;
        }
        FlushTrigger due = batches.dueBySize();
        if (due == null && nowNanos - batches.openedNanos() >= settings.intervalNanos()) {
            due = FlushTrigger.INTERVAL;
        }
        if (due != null) {
            flush(due);
        }
    }

    /** Nanoseconds until the interval threshold is due, or Long.MAX_VALUE when nothing is buffered. */
    long nanosUntilDue(long nowNanos) {
        if (batches.isEmpty() || progress.replaying()) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, settings.intervalNanos() - (nowNanos - batches.openedNanos()));
    }

    /** Rejects a record too large for the memory budget as a bad record. */
    void rejectOversized(SinkRecord record, String problem) {
        reject(record, record.originalKafkaOffset(), new DataException(problem));
    }

    private void reject(SinkRecord record, long offset, DataException cause) {
        BadRecordException bad = new BadRecordException(record.originalTopic(), record.originalKafkaPartition(), offset,
                cause.getMessage(), cause);
        settings.metrics().badRecord();
        if (!settings.tolerateAll() || settings.deadLetters() == null) {
            // The task fails here; nothing past this record was reported to Connect, so it is read again on restart.
            throw bad;
        }
        progress.deadLettered(offset, settings.deadLetters().report(record, bad));
    }

    /**
     * Hands every open batch to be landed: the flush's range and keys are fixed here, on the task thread, and a
     * {@link FlushJob} records them in the commit marker, then encodes and uploads the files, on the flush executor.
     * New records meanwhile go to new batches. Only one job per partition is in flight: a flush first waits for the
     * one before. A storage error surfaces here or on a later call; the failed flush keeps its batches and is
     * retried as it is, so it writes the same keys.
     */
    void flush(FlushTrigger trigger) {
        retryFailed();
        batches.removeEmpty();
        if (batches.isEmpty() && !progress.replaying()) {
            return;
        }
        finishInFlight();
        long start = progress.flushStart(batches.firstRowOffset());
        List<Slot> slots = batches.takeAll();
        List<String> keys = new ArrayList<>(slots.size());
        List<FlushJob.File> files = new ArrayList<>(slots.size());
        for (Slot slot : slots) {
            keys.add(settings.layout().dataKey(tp, start, slot.recordType, slot.path, progress.incarnation()));
            slot.closeSpare();
            files.add(new FlushJob.File(slot.file, slot.batch, slot.firstRowOffset, slot.lastRowOffset));
        }
        PartitionProgress.FlushRange range = progress.planFlush(start, keys);
        flushing = slots;
        start(new FlushJob(tp, settings.landing(), trigger, files, range));
    }

    private void start(LandingJob job) {
        jobs.start(job);
        if (jobs.ended()) {
            // A same-thread executor (flush.threads=0) has landed it already: account for it now.
            finishInFlight();
        }
    }

    /**
     * Hands a flush that failed earlier back to the flush executor, as it was, so that it writes the same keys; it
     * runs before anything else of this partition is flushed. The task thread does not wait for it here: a retry
     * against a stalled store can take as long as the store's timeouts, and retries of many partitions in a row
     * would keep the consumer from polling past max.poll.interval.ms. While it runs the partition counts as flushing,
     * so records that would start another flush wait, bounded, or pause the partition. A retry that fails again
     * surfaces like the first failure, on a later put() or preCommit.
     */
    void retryFailed() {
        if (!jobs.hasFailed()) {
            return;
        }
        finishInFlight();
        start(jobs.takeFailed());
    }

    /** Waits for the job in flight, if any, and accounts for it; rethrows its failure. */
    void finishInFlight() {
        LandingJob job = jobs.finish();
        if (job instanceof SpillJob spill) {
            recycle(spill);
        } else if (job instanceof FlushJob flush) {
            progress.landed(flush.end());
            batches.keepIdle(flushing);
            flushing = List.of();
        }
        if (job != null) {
            settings.outage().landed();
        }
    }

    /**
     * After a spill landed, on the task thread: its emptied batch becomes its slot's spare, or is closed. A batch that
     * outgrew twice the row-group size (it waited for a running job) is not kept: its capacity would read as full
     * after a few rows, and every record would then stream out as a row group of its own.
     */
    private void recycle(SpillJob spill) {
        ArrowBatch emptied = spill.rows();
        Slot slot = batches.slotOf(spill.file());
        if (slot != null && slot.spare == null && slot.batch.layout() == emptied.layout()
                && emptied.bufferBytes() < 2 * settings.rowGroupBytes()) {
            slot.spare = emptied;
        } else {
            emptied.close();
        }
    }

    /** Accounts for a finished job without waiting for one that is still running. */
    void pollInFlight() {
        if (jobs.ended()) {
            finishInFlight();
        }
    }

    /** True while a flush that failed waits for its retry: the partition can land nothing else before it. */
    boolean flushFailed() {
        return jobs.hasFailed();
    }

    /**
     * Lands the batches when the partition closes, unless a replayed flush is not complete yet: a cut there would
     * differ from the first attempt's, so the batches are dropped and the next owner replays again.
     */
    void flushOnClose() {
        if (progress.replaying() && !progress.replayComplete()) {
            LOG.info("Closing {} in the middle of a replayed flush; the next owner replays it", tp);
            abandon();
            return;
        }
        flush(FlushTrigger.CLOSE);
        finishInFlight();
    }

    /** The offset Connect may commit: the first offset not yet landed or handled, or -1 for nothing. */
    long committableOffset() {
        return progress.committableOffset(batches.isEmpty() && !jobs.pending());
    }

    /**
     * Closes the idle batches, to free their memory for the budget; returns the bytes they held. The next slots of
     * these keys allocate new batches.
     */
    long releaseIdle() {
        return batches.releaseIdle();
    }

    long bufferedBytes() {
        return batches.bufferedBytes();
    }

    /**
     * Drops the batches without landing them and forgets what they had accepted; returns where reading resumes. A
     * job already running cannot be recalled: it is waited for, and counts if it lands.
     */
    long abandon() {
        dropAll();
        return progress.abandon();
    }

    private void dropAll() {
        try {
            finishInFlight();
        } catch (RuntimeException e) {
            LOG.debug("The flush in flight of {} failed while dropping its buffer: {}", tp, e.getMessage());
        }
        jobs.discardFailed();
        flushing = List.of();
        batches.discard();
    }

    @Override
    public void close() {
        dropAll();
    }
}
