package dev.quiver.land;

import dev.quiver.arrow.ArrowBatch;
import org.apache.kafka.common.TopicPartition;

/**
 * The file a batch's rows go to, from the first job that encodes rows of it until a flush lands it: rows spilled as
 * row groups before the flush go to the same file, under the key the flush gives it. Only flush jobs touch the file;
 * the task thread only closes it when the batch is dropped.
 */
public final class PendingFile implements AutoCloseable {
    private FileUpload upload;

    /** The file, opened with the schema of {@code rows} on first use; its key must be the one it was opened with. */
    FileUpload open(TopicPartition tp, String key, ArrowBatch rows, Landing landing) {
        if (upload == null) {
            upload = new FileUpload(key, landing.encoder().openStream(rows.seal().getSchema(), landing.allocator(),
                    landing.partBytes()), landing.store());
        } else if (!upload.key().equals(key)) {
            throw new IllegalStateException("the file streamed for " + tp + " was keyed " + upload.key()
                    + " but its flush writes " + key);
        }
        return upload;
    }

    /** After the file landed: its encoded bytes go now, and the next rows start a new file. */
    void landed() {
        if (upload != null) {
            upload.close();
            upload = null;
        }
    }

    /** Releases the file's bytes; an upload it started and did not complete is aborted, so its parts never appear. */
    @Override
    public void close() {
        if (upload != null) {
            upload.close();
            upload = null;
        }
    }
}
