package dev.quiver.parquet;

import java.io.InputStream;

/**
 * Some encoded bytes of a file being written, handed out for upload by {@link StreamingParquetFile#nextPart}. They
 * may live off-heap and can be read any number of times, so a failed upload reads them again from the start.
 * parquet/ knows nothing of storage: the caller adapts a part to whatever its store takes.
 */
public interface EncodedPart {
    /** Bytes in the part. */
    long length();

    /** A new stream over all the bytes, from the first; it supports mark and reset. */
    InputStream open();
}
