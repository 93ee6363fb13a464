package dev.quiver.store;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Bytes in, bytes out: the only thing Quiver asks of object storage. It knows nothing of Parquet or Kafka.
 *
 * <p>Every method either succeeds or throws {@link StoreException}, whose {@link StoreException#retriable()} tells the
 * caller whether trying again later can help (an outage, a timeout) or not (a denied permission, a missing bucket).
 */
public interface ObjectStore extends AutoCloseable {

    /** Writes {@code length} bytes as the whole object {@code key}, replacing any object there. Durable on return. */
    void put(String key, byte[] data, int offset, int length);

    /**
     * Writes {@code data} as the whole object {@code key}, replacing any object there; durable on return. The bytes
     * are read from {@link PartBytes#open()} as they are sent, so a file held in chunks (off-heap) is not first copied
     * into one heap array. The default does copy, for stores that can only write an array; S3 and local directories
     * stream.
     */
    default void put(String key, PartBytes data) {
        long length = data.length();
        if (length > Integer.MAX_VALUE - 8) {
            throw new StoreException("cannot write " + key + " with one PUT: " + length + " bytes", null, false);
        }
        byte[] whole;
        try (InputStream in = data.open()) {
            whole = in.readNBytes((int) length);
            if (whole.length != length) {
                throw new java.io.EOFException(whole.length + " of " + length + " bytes");
            }
        } catch (java.io.IOException e) {
            throw new StoreException("cannot read the bytes of " + key + ": " + e.getMessage(), e, false);
        }
        put(key, whole, 0, whole.length);
    }

    /** The whole object, or empty when there is none. */
    Optional<byte[]> get(String key);

    /** An object's bytes and its version tag: the ETag on S3, a content hash on a local directory. */
    record Versioned(byte[] bytes, String version) {
    }

    /** The whole object with its version tag, or empty when there is none. */
    Optional<Versioned> getVersioned(String key);

    /**
     * Writes the whole object only if its current version is {@code expectedVersion}, or, for null, only if there is
     * no object yet (S3 If-Match / If-None-Match). Returns the new version.
     *
     * @throws StoreConflictException when the object changed since {@code expectedVersion} was read
     */
    String putIfVersion(String key, byte[] data, String expectedVersion);

    /** True when an object exists at {@code key}; one metadata request, no download. */
    boolean exists(String key);

    /** Every key that starts with {@code prefix}, in no promised order. */
    List<String> list(String prefix);

    /** Removes {@code key}; removing an absent key is not an error. */
    void delete(String key);

    /** S3's least size of every part of a multipart upload but the last. */
    long MIN_PART_BYTES = 5L * 1024 * 1024;

    /** S3's most parts in one multipart upload. */
    int MAX_PARTS = 10_000;

    /**
     * Starts a multipart upload of the object {@code key}: parts are durable on the server as each upload returns,
     * and nothing is visible at {@code key} until {@link Upload#complete()}. Stores override this; the default keeps
     * the parts on the heap and writes them with one {@link #put} on completion, for stores without multipart.
     */
    default Upload startUpload(String key) {
        return new HeapUpload(this, key);
    }

    /**
     * Aborts every unfinished multipart upload of {@code key}, such as one a crashed task left behind, so that its
     * parts stop costing storage. Completed objects are not touched; no upload is not an error.
     */
    default void abortUploads(String key) {
        // Heap uploads die with their process: nothing is left on the server.
    }

    /**
     * One multipart upload. Each part is retried by uploading the same number again with the same bytes; the one
     * that succeeds last counts. Not thread-safe: one caller at a time.
     */
    interface Upload {
        /** The key the object appears at on {@link #complete()}. */
        String key();

        /**
         * Uploads part {@code number} (1 to {@link #MAX_PARTS}, in order). A failed part is retried by calling again
         * with the same bytes. Every part but the last must hold at least {@link #MIN_PART_BYTES}.
         *
         * @param last true for the object's last part
         */
        void uploadPart(int number, PartBytes data, boolean last);

        /** Makes the object visible at its key, made of the uploaded parts in number order. */
        void complete();

        /** Drops the upload and its parts; the key is left as it was. Safe after a failure; never throws. */
        void abort();
    }

    /**
     * The bytes of one part, which may live off-heap; they can be read any number of times, so a failed upload (or
     * an HTTP client's own retry) reads them again from the start.
     */
    interface PartBytes {
        long length();

        /** A new stream over all the bytes, from the first; it supports mark and reset. */
        InputStream open();

        /** A part of a heap array, for tests and small objects. */
        static PartBytes of(byte[] bytes) {
            byte[] copy = bytes.clone();
            return new PartBytes() {
                @Override
                public long length() {
                    return copy.length;
                }

                @Override
                public InputStream open() {
                    return new java.io.ByteArrayInputStream(copy);
                }
            };
        }
    }

    /**
     * Called once a data file is whole at {@code key}, before anything counts it as landed; {@code facts} name its
     * Kafka source (kafka.topic, kafka.partition, kafka.offset.first, kafka.offset.last, rows). S3 stores tag the
     * object with them when so configured; a failure throws {@link StoreException} and the caller lands again.
     */
    default void fileLanded(String key, java.util.Map<String, String> facts) {
        // Nothing to do for stores without object tags.
    }

    /** Where this store writes, for log lines; never contains credentials. */
    String describe();

    @Override
    void close();
}
