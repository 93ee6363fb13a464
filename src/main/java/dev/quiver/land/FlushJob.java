package dev.quiver.land;

import dev.quiver.config.Version;
import dev.quiver.arrow.ArrowBatch;
import dev.quiver.commit.PartitionProgress;
import dev.quiver.metrics.FlushLog;
import dev.quiver.parquet.FooterMetadata;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One flush of a partition, its range and keys fixed on the task thread ({@link PartitionProgress.FlushRange}). On
 * the flush thread it waits for the range's dead-letter writes, deletes what an interrupted earlier attempt wrote
 * that this replay does not, records the intent (the commit marker), then encodes and lands each file and tells the
 * {@link dev.quiver.commit.LandedFlushListener}. On failure it keeps its batches, with their encoded files, for the
 * retry, which lands only what is not at its key yet.
 */
public final class FlushJob extends LandingJob {
    private static final Logger LOG = LoggerFactory.getLogger(FlushJob.class);

    /** One file of the flush: the file its earlier rows were spilled to, the batch holding its last rows, its offsets. */
    public record File(PendingFile file, ArrowBatch rows, long firstRowOffset, long lastRowOffset) {
        public File {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(rows, "rows");
        }
    }

    private final TopicPartition tp;
    private final Landing landing;
    private final FlushTrigger trigger;
    private final List<File> files;
    private final PartitionProgress.FlushRange range;

    /** @param files one per key of {@code range}, in the same order */
    public FlushJob(TopicPartition tp, Landing landing, FlushTrigger trigger, List<File> files,
            PartitionProgress.FlushRange range) {
        this.tp = Objects.requireNonNull(tp, "tp");
        this.landing = Objects.requireNonNull(landing, "landing");
        this.trigger = Objects.requireNonNull(trigger, "trigger");
        this.files = List.copyOf(files);
        this.range = Objects.requireNonNull(range, "range");
        if (files.size() != range.keys().size()) {
            throw new IllegalArgumentException(files.size() + " files for " + range.keys().size() + " keys");
        }
    }

    /** The last offset this flush covers: landed once the job is done. */
    public long end() {
        return range.end();
    }

    /** The flush's files; once it landed, their batches are empty and may take rows again. */
    public List<File> files() {
        return files;
    }

    @Override
    protected void land() {
        // On the flush thread, not the task's: the marker must never cover a record that is neither landed nor in the
        // dead-letter topic, but the task need not wait for the acknowledgements.
        PartitionProgress.awaitAll(tp, range.deadLetters());
        // Files of the interrupted flush that this replay does not rewrite go first, while the marker still lists
        // them: a crash now leaves them listed, so the next replay deletes them too.
        for (String orphan : range.orphans()) {
            LOG.info("Deleting {}: written by an interrupted flush of {} that the replay did not rewrite", orphan, tp);
            landing.store().delete(orphan);
            landing.store().abortUploads(orphan);
        }
        // Intent first: if the task dies during the uploads, the next owner knows exactly which keys to check.
        landing.commitLog().recordFlush(tp, range.landedBefore(), range.start(), range.end(), range.keys(),
                range.incarnation());
        for (int i = 0; i < files.size(); i++) {
            landFile(files.get(i), range.keys().get(i));
        }
        if (trigger == FlushTrigger.RECOVERY) {
            // The interrupted attempt may have left multipart uploads of these keys that a single PUT replaced.
            for (String key : range.keys()) {
                landing.store().abortUploads(key);
            }
        }
        // Before the files let go of their state: if the listener fails, the retry finds every file landed already.
        landing.landed().landed(tp, range.start(), range.end(), range.keys());
        // The encoded bytes go now; the batches wait for the task thread, which keeps them for reuse.
        for (File each : files) {
            each.file().landed();
        }
    }

    private void landFile(File each, String key) {
        FileUpload file = each.file().open(tp, key, each.rows(), landing);
        if (file.landedAlready()) {
            // A retry after a later file of this flush failed: this one is at its key already.
            return;
        }
        // The last rows, then the footer; on a retry the rows are in the file already and only what failed is sent.
        file.write(each.rows());
        file.finishAndLand(FooterMetadata.of(
                "quiver.version", Version.get(),
                "kafka.topic", tp.topic(),
                "kafka.partition", Integer.toString(tp.partition()),
                "kafka.offset.first", Long.toString(each.firstRowOffset()),
                "kafka.offset.last", Long.toString(each.lastRowOffset())));
        landing.metrics().fileLanded(file.rows(), file.arrowBytes(), file.parquetBytes(), file.encodeNanos(),
                file.uploadNanos());
        FlushLog.landed(tp, file.rows(), each.firstRowOffset(), each.lastRowOffset(), file.arrowBytes(),
                file.parquetBytes(), key, trigger.name(), file.encodeNanos(), file.uploadNanos());
        if (file.heapBytes() > 0) {
            // Debug only: when the budget is full, every file landed to relieve it would say so.
            LOG.debug("{}: {} encoded bytes of {} were held on the heap, as the memory budget was full", tp,
                    file.heapBytes(), key);
        }
    }

    /** Drops the batches and files: an upload started and not completed is aborted. */
    @Override
    public void release() {
        for (File each : files) {
            each.rows().close();
            each.file().close();
        }
    }
}
