package dev.quiver.land;

import dev.quiver.arrow.ArrowBatch;
import dev.quiver.parquet.EncodedPart;
import dev.quiver.parquet.StreamingParquetFile;
import dev.quiver.store.ObjectStore;
import dev.quiver.store.StoreException;
import java.io.InputStream;
import java.util.Map;
import java.util.Objects;

/**
 * One data file on its way to storage: a {@link StreamingParquetFile} that takes a batch's rows as row groups, and the
 * upload its parts go to as they fill. A file that never fills a part is written with one PUT when it is finished,
 * streamed from its encoded chunks;
 * a larger one becomes a multipart upload, invisible at its key until {@link #finishAndLand} completes it.
 *
 * <p>Every step can be repeated after a storage failure: a part that failed is sent again with the same bytes, which
 * stay held (in Arrow memory) until stored, and a row group is never encoded twice, because the batch is emptied
 * once its rows are in the file. Only flush jobs touch an instance, one at a time.
 */
final class FileUpload implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FileUpload.class);
    private final String key;
    private final StreamingParquetFile file;
    private final ObjectStore store;
    private ObjectStore.Upload upload;
    private int nextPart = 1;
    private boolean completionSent;
    private boolean landed;
    private long arrowBytes;
    private long encodeNanos;
    private long uploadNanos;

    FileUpload(String key, StreamingParquetFile file, ObjectStore store) {
        this.key = Objects.requireNonNull(key, "key");
        this.file = Objects.requireNonNull(file, "file");
        this.store = Objects.requireNonNull(store, "store");
    }

    String key() {
        return key;
    }

    /** Encodes the batch's rows as row groups, then empties the batch so its vectors take the next rows. */
    void write(ArrowBatch batch) {
        if (batch.rows() == 0) {
            return;
        }
        long began = System.nanoTime();
        // Filled, not allocated: a reused batch keeps the capacity of its fullest fill.
        long bytes = batch.filledBytes();
        file.writeRowGroup(batch.seal());
        arrowBytes += bytes;
        batch.reset();
        encodeNanos += System.nanoTime() - began;
    }

    /** Uploads every full part encoded so far; on a failure the rest stays held for the next call. */
    void sendFullParts() {
        for (EncodedPart part = file.nextPart(); part != null; part = file.nextPart()) {
            send(part, false);
        }
    }

    /**
     * Writes the footer and lands the file at its key: one PUT if nothing was uploaded yet and it fits one part,
     * else the remaining parts and the completion of the multipart upload.
     */
    void finishAndLand(Map<String, String> metadata) {
        if (landed) {
            return;
        }
        if (!file.finished()) {
            // Full parts first, so that only the footer's tail is left for the last part or the single PUT.
            sendFullParts();
            long began = System.nanoTime();
            file.finish(metadata);
            encodeNanos += System.nanoTime() - began;
        }
        for (EncodedPart part = file.nextPart(); part != null; part = file.nextPart()) {
            boolean last = file.nextPartIsLast();
            if (last && upload == null) {
                long start = System.nanoTime();
                // Streamed from the chunks as it is sent: no heap copy of the whole file.
                store.put(key, storeBytes(part));
                uploadNanos += System.nanoTime() - start;
                file.partStored();
            } else {
                send(part, last);
            }
        }
        if (upload != null) {
            long start = System.nanoTime();
            complete();
            uploadNanos += System.nanoTime() - start;
        }
        // Tags, where configured, before the file counts as landed; a retry after a failure here skips to this line.
        Map<String, String> facts = new java.util.LinkedHashMap<>(metadata);
        facts.remove("quiver.version");
        facts.put("rows", Long.toString(file.rows()));
        store.fileLanded(key, facts);
        landed = true;
        file.close();
    }

    /**
     * Completes the multipart upload. S3 may complete it and lose only its answer; the retry's completion then finds
     * no such upload, which would fail the flush for good although the file is there. So a completion sent before
     * that fails again is checked against the key: an object there is this file. Nothing else writes the key: it
     * belongs to this flush, and an earlier attempt of the same flush (a replay after a crash) wrote the same rows.
     */
    private void complete() {
        boolean sentBefore = completionSent;
        completionSent = true;
        try {
            upload.complete();
        } catch (StoreException e) {
            if (!sentBefore || !store.exists(key)) {
                throw e;
            }
            LOG.info("The upload of {} was completed by an earlier attempt whose answer was lost ({}); the file is at"
                    + " its key", key, e.getMessage());
            // If instead the upload is still open (the object is an earlier attempt's), drop its parts.
            upload.abort();
        }
    }

    private void send(EncodedPart part, boolean last) {
        long start = System.nanoTime();
        if (upload == null) {
            // A crashed attempt at this key may have left an upload behind; it would cost storage until a lifecycle
            // rule removed it. One listing per large file clears it.
            store.abortUploads(key);
            upload = store.startUpload(key);
        }
        if (nextPart > ObjectStore.MAX_PARTS) {
            throw new StoreException("the file " + key + " needs more than " + ObjectStore.MAX_PARTS
                    + " parts; raise upload.part.bytes or lower flush.max.bytes", null, false);
        }
        upload.uploadPart(nextPart, storeBytes(part), last);
        nextPart++;
        file.partStored();
        uploadNanos += System.nanoTime() - start;
    }

    /** The store's view of an encoded part: parquet/ and store/ know nothing of each other, so the adapting is here. */
    private static ObjectStore.PartBytes storeBytes(EncodedPart part) {
        return new ObjectStore.PartBytes() {
            @Override
            public long length() {
                return part.length();
            }

            @Override
            public InputStream open() {
                return part.open();
            }
        };
    }

    /** True once the file is at its key. */
    boolean landedAlready() {
        return landed;
    }

    long rows() {
        return file.rows();
    }

    long parquetBytes() {
        return file.length();
    }

    long arrowBytes() {
        return arrowBytes;
    }

    long encodeNanos() {
        return encodeNanos;
    }

    long uploadNanos() {
        return uploadNanos;
    }

    /** Encoded bytes that went to the heap because the memory budget was full when they were written. */
    long heapBytes() {
        return file.heapBytes();
    }

    /** Releases the encoded bytes; an upload that was not completed is aborted, so its parts never appear. */
    @Override
    public void close() {
        if (upload != null && !landed) {
            upload.abort();
        }
        file.close();
    }
}
