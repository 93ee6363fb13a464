package dev.quiver.store;

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

    /** Where this store writes, for log lines; never contains credentials. */
    String describe();

    @Override
    void close();
}
