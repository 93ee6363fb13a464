package dev.quiver.commit;

import dev.quiver.metrics.TaskMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka partition's offsets, as the exactly-once protocol sees them: what is durable, what is accepted, where the
 * next flush starts, which log incarnation the offsets belong to, the flush being replayed, and what
 * {@code preCommit} may report. Task thread only.
 *
 * <p>Three offsets describe a partition, each the last offset covered (inclusive), -1 for none:
 * <ul>
 *   <li>{@code landed}: what the commit marker says is durable or deliberately skipped;</li>
 *   <li>{@code accepted}: the last record appended or skipped; any record at or below it is a redelivery (after a
 *       rewind or a retried put) and is dropped, which is what keeps a replay from duplicating rows;</li>
 *   <li>the flush's start offset, {@code landed + 1} when a marker exists, so that a replay after a crash writes the
 *       same object keys as the first attempt and replaces them.</li>
 * </ul>
 */
public final class PartitionProgress {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionProgress.class);

    private final TopicPartition tp;
    private final TaskMetrics metrics;
    private final TaskMetrics.Partition partitionMetrics;
    /** Dead-letter writes not yet covered by a flush: acknowledged before any marker or offset covers them. */
    private final List<Future<Void>> pendingReports = new ArrayList<>();

    private long landed;
    private long accepted;
    /** The end of the last flush handed off, landed or not: the next flush starts after it. */
    private long plannedThrough;
    /** Where the open batches' flush starts when a marker exists, else -1 (their first row then names it). */
    private long flushStartOffset = -1;
    /** The flush found incomplete on open and being replayed, else null. */
    private Replay replay;
    /** False in a replay that must not stream batches out (see {@link ReplayRestartException}). */
    private boolean streamingAllowed = true;
    /** Which log of the partition the offsets belong to (see {@code FileLayout#dataKey}); from the marker. */
    private int incarnation;
    /** Where the consumer was sought to on open, or -1: a first record below it starts a new log incarnation. */
    private long resumeAt = -1;
    /** The offset of the first record delivered since the partition was opened, or -1. */
    private long firstDelivered = -1;
    /** True while records are dropped as redeliveries: only the first of a run is logged. */
    private boolean droppingRun;

    public PartitionProgress(TopicPartition tp, PartitionRecovery.Plan plan, TaskMetrics metrics,
            TaskMetrics.Partition partitionMetrics) {
        this.tp = Objects.requireNonNull(tp, "tp");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.partitionMetrics = Objects.requireNonNull(partitionMetrics, "partitionMetrics");
        this.landed = plan.landed();
        this.accepted = plan.landed();
        this.plannedThrough = plan.landed();
        if (plan.sought()) {
            this.resumeAt = plan.seekTo();
            this.incarnation = plan.incarnation();
        }
        this.replay = plan.replay();
    }

    /** True when opening sought the consumer to where the marker says landing resumes. */
    public boolean soughtOnOpen() {
        return resumeAt >= 0;
    }

    /** The first offset delivered since the partition was opened, or -1 when none was. */
    public long firstDelivered() {
        return firstDelivered;
    }

    /**
     * Called for every record delivered, before anything is buffered: false when the record is a redelivery, at or
     * below what was accepted, and must be dropped. The first record since open tells whether the log is still the
     * one that landed.
     */
    public boolean deliver(long offset) {
        if (firstDelivered < 0) {
            firstDelivered = offset;
            if (resumeAt >= 0 && offset < resumeAt) {
                startNewIncarnation(offset);
            }
        }
        if (offset <= accepted) {
            metrics.recordSkippedAsHandled();
            if (!droppingRun) {
                droppingRun = true;
                LOG.info("{}: dropping redelivered records from offset {}: offsets through {} are already buffered,"
                        + " landed or dead-lettered", tp, offset, accepted);
            }
            return false;
        }
        droppingRun = false;
        return true;
    }

    /**
     * The consumer delivered an offset below where the marker says landing resumes, as the first record since the
     * partition was opened: the log was deleted and created again, truncated by an unclean leader election, or
     * mirrored without offset translation. Dropping its records as landed would lose them all; landing them under
     * the old log's keys would replace its files. They land as the partition's next log incarnation, whose keys
     * differ, and the old log's files stay as they are.
     */
    private void startNewIncarnation(long offset) {
        int next = incarnation + 1;
        LOG.warn("{} delivered offset {}, below offset {} where its commit marker says landing resumes: this is not the"
                + " log that landed (the topic was deleted and created again, truncated by an unclean leader election,"
                + " or mirrored without offset translation). Landing it as log incarnation {}: its files end in +log{}"
                + " and never replace the earlier log's, which stay as they are. If the records below {} are the"
                + " same ones that landed before, delete the duplicates from incarnation {} by offset.", tp, offset,
                resumeAt, next, next, resumeAt, next);
        metrics.logRestarted();
        incarnation = next;
        replay = null;
        streamingAllowed = true;
        landed = offset - 1;
        accepted = offset - 1;
        plannedThrough = offset - 1;
        partitionMetrics.landed(landed);
    }

    /** The record at {@code offset} is buffered, or deliberately skipped: its redelivery is dropped from now on. */
    public void accepted(long offset) {
        accepted = offset;
    }

    /** The record at {@code offset} went to the dead-letter topic; counted as handled once that write is acked. */
    public void deadLettered(long offset, Future<Void> report) {
        pendingReports.add(report);
        accepted = offset;
    }

    public long accepted() {
        return accepted;
    }

    public int incarnation() {
        return incarnation;
    }

    /** True while a flush found incomplete on open is being replayed. */
    public boolean replaying() {
        return replay != null;
    }

    /** True when the replayed range is complete: it is cut now, where the first attempt was cut. */
    public boolean replayComplete() {
        return replay != null && accepted >= replay.end();
    }

    /** True when {@code offset} lies past the replayed range: the range ended in records that no longer exist. */
    public boolean pastReplay(long offset) {
        return replay != null && offset > replay.end();
    }

    /** False in a replay restarted without streaming: its batches must stay whole until the replay's cut. */
    public boolean streamingAllowed() {
        return streamingAllowed;
    }

    /** For a replay that must keep its batches whole (see {@link ReplayRestartException}). */
    public void disableStreaming() {
        streamingAllowed = false;
    }

    /** The partition's first batch since the last flush opened: its flush starts after the one before. */
    public void batchesOpened() {
        flushStartOffset = plannedThrough >= 0 ? plannedThrough + 1 : -1;
    }

    /**
     * Where the partition's next flush starts, which names its files: the replayed flush's start, the offset after
     * the previous flush, or with no marker yet the first row buffered.
     */
    public long flushStart(long firstRowOffset) {
        return replay != null ? replay.start() : flushStartOffset >= 0 ? flushStartOffset : firstRowOffset;
    }

    /**
     * What one flush records in its intent marker.
     *
     * @param landedBefore what is durable before this flush
     * @param start        its first offset, which names its keys
     * @param end          the last offset it covers (inclusive)
     * @param orphans      keys an interrupted attempt recorded that this replay does not rewrite: deleted first
     * @param deadLetters  dead-letter writes of its range: acknowledged before the marker may cover them
     * @param incarnation  the log incarnation its offsets belong to
     */
    public record FlushRange(long landedBefore, long start, long end, List<String> keys, List<String> orphans,
            List<Future<Void>> deadLetters, int incarnation) {
    }

    /**
     * Fixes the range of a flush writing {@code keys} from {@code start}: it covers everything accepted so far. A
     * replay ends here, and later flushes stream again.
     */
    public FlushRange planFlush(long start, List<String> keys) {
        List<String> orphans = List.of();
        if (replay != null) {
            orphans = replay.orphans(keys);
            replay = null;
            streamingAllowed = true;
        }
        FlushRange range = new FlushRange(plannedThrough, start, accepted, List.copyOf(keys), orphans,
                List.copyOf(pendingReports), incarnation);
        pendingReports.clear();
        plannedThrough = accepted;
        return range;
    }

    /** A flush through {@code end} landed: its files are at their keys and its marker says so. */
    public void landed(long end) {
        landed = end;
        partitionMetrics.landed(landed);
    }

    /**
     * The offset Connect may commit: the first offset not yet landed or handled, or -1 for nothing. With nothing
     * buffered and no flush pending, everything accepted is landed or dead-lettered, once those writes are acked.
     */
    public long committableOffset(boolean idle) {
        if (idle && deadLettersAcknowledged()) {
            return accepted < 0 ? -1 : accepted + 1;
        }
        return landed < 0 ? -1 : landed + 1;
    }

    /** True when every dead-letter write not yet covered by a flush is acknowledged; never waits for one. */
    private boolean deadLettersAcknowledged() {
        for (Future<Void> report : pendingReports) {
            if (!report.isDone()) {
                return false;
            }
        }
        awaitAll(tp, pendingReports);
        pendingReports.clear();
        return true;
    }

    /** Forgets what was accepted and not landed; returns where reading resumes. */
    public long abandon() {
        pendingReports.clear();
        accepted = landed;
        plannedThrough = landed;
        return landed + 1;
    }

    /**
     * Waits for dead-letter writes: a skipped record counts as handled once its dead-letter write is acknowledged, not
     * before, so the commit marker never covers a record that is neither landed nor in the dead-letter topic.
     */
    public static void awaitAll(TopicPartition tp, List<Future<Void>> reports) {
        for (Future<Void> report : reports) {
            try {
                report.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConnectException("interrupted while waiting for dead-letter writes of " + tp, e);
            } catch (ExecutionException e) {
                throw new ConnectException("a dead-letter write for " + tp + " failed", e.getCause());
            }
        }
    }
}
