package dev.quiver.parquet;

import java.util.Locale;
import java.util.Objects;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * How Parquet files are written. Immutable, so one instance is shared by every batch of a task.
 *
 * @param compression   page compression codec
 * @param pageSizeBytes target size of a data page before compression
 * @param rowGroupBytes target size of a row group; a file holds one batch, so most files have one row group
 * @param dictionary    dictionary-encode columns while the dictionary stays small
 * @param types         where readers disagree, which Parquet types to write
 */
public record WriterOptions(CompressionCodecName compression, int pageSizeBytes, long rowGroupBytes, boolean dictionary,
        TypeMapping types) {

    /** Pages of 1 MiB and row groups of 128 MiB, the sizes parquet-java and most engines are tuned for. */
    public static final int DEFAULT_PAGE_SIZE = 1024 * 1024;
    public static final long DEFAULT_ROW_GROUP_SIZE = 128L * 1024 * 1024;

    public WriterOptions {
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(types, "types");
        if (pageSizeBytes <= 0 || rowGroupBytes <= 0) {
            throw new IllegalArgumentException("page and row group sizes must be positive");
        }
    }

    /** These sizes with the default {@link TypeMapping}. */
    public WriterOptions(CompressionCodecName compression, int pageSizeBytes, long rowGroupBytes, boolean dictionary) {
        this(compression, pageSizeBytes, rowGroupBytes, dictionary, TypeMapping.DEFAULTS);
    }

    /** These options with {@code types}. */
    public WriterOptions withTypes(TypeMapping types) {
        return new WriterOptions(compression, pageSizeBytes, rowGroupBytes, dictionary, types);
    }

    /** Default sizes with the named codec: snappy, zstd, gzip or none. */
    public static WriterOptions withCodec(String codec) {
        return new WriterOptions(codecNamed(codec), DEFAULT_PAGE_SIZE, DEFAULT_ROW_GROUP_SIZE, true);
    }

    static CompressionCodecName codecNamed(String codec) {
        switch (codec.toLowerCase(Locale.ROOT)) {
            case "snappy":
                return CompressionCodecName.SNAPPY;
            case "zstd":
                return CompressionCodecName.ZSTD;
            case "gzip":
                return CompressionCodecName.GZIP;
            case "none":
                return CompressionCodecName.UNCOMPRESSED;
            default:
                throw new IllegalArgumentException("unknown Parquet codec '" + codec + "'; use snappy, zstd, gzip or none");
        }
    }
}
