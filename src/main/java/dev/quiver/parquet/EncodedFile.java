package dev.quiver.parquet;

import java.util.Objects;

/**
 * One finished Parquet file in memory.
 *
 * @param bytes  the file's bytes, valid for {@code length} bytes from index 0
 * @param length the file size
 * @param rows   rows in the file
 */
public record EncodedFile(byte[] bytes, int length, long rows) {
    public EncodedFile {
        Objects.requireNonNull(bytes, "bytes");
    }
}
