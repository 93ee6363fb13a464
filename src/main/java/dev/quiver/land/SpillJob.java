package dev.quiver.land;

import dev.quiver.arrow.ArrowBatch;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * A spill: a batch's rows leave memory as row groups of its slot's unfinished file, and the file's full parts are
 * uploaded. No marker is written and no offsets move: the parts stay invisible until the partition's next flush,
 * after its intent marker, completes the upload under the same key.
 */
public final class SpillJob extends LandingJob {
    private final TopicPartition tp;
    private final Landing landing;
    private final PendingFile file;
    private final ArrowBatch rows;
    private final String key;

    public SpillJob(TopicPartition tp, Landing landing, PendingFile file, ArrowBatch rows, String key) {
        this.tp = Objects.requireNonNull(tp, "tp");
        this.landing = Objects.requireNonNull(landing, "landing");
        this.file = Objects.requireNonNull(file, "file");
        this.rows = Objects.requireNonNull(rows, "rows");
        this.key = Objects.requireNonNull(key, "key");
    }

    /** The unfinished file the rows go to: its slot's. */
    public PendingFile file() {
        return file;
    }

    /** The batch whose rows this job encodes; empty once they are in the file. */
    public ArrowBatch rows() {
        return rows;
    }

    @Override
    protected void land() {
        FileUpload upload = file.open(tp, key, rows, landing);
        // Encoding empties the batch, so a retry after an upload failure only sends the parts left.
        upload.write(rows);
        upload.sendFullParts();
    }

    /** Only the batch: the file stays with its slot, which releases it with the partition's other batches. */
    @Override
    public void release() {
        rows.close();
    }
}
