package dev.quiver.parquet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.schema.MessageType;

/**
 * Encodes an Arrow batch as one Parquet file in memory, with statistics, dictionary encoding and page indexes on.
 *
 * <p>Columns are written one at a time by {@link ColumnarWriter} on parquet-column's encoders and page store, with
 * levels computed from Arrow validity bits and list offsets, rather than row by row through parquet-java's record
 * shredding: the writer benchmark (bench/) measured the row-by-row path at about 1.7x parquet-avro and this one at
 * well above it (see the benchmark's report for figures). The encoder never owns or closes the root.
 *
 * <p>Page compressors come from one {@link CompressorPool} per encoder (one per task), lent for each encoding call:
 * the task holds one compressor per thread encoding at once, not one per open file.
 *
 * <p>Thread-safe: it holds immutable options and properties, a configuration it never changes after construction,
 * and the thread-safe compressor pool.
 */
public final class ParquetEncoder {
    private final WriterOptions options;
    private final Configuration conf;
    private final ParquetProperties props;
    private final CompressorPool compressors;

    public ParquetEncoder(WriterOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        // Loading Hadoop's default resources is slow: they are parsed once per worker, and each encoder (one per
        // task) takes a copy, which it never changes.
        this.conf = new Configuration(HadoopDefaults.LOADED);
        this.conf.setClassLoader(ParquetEncoder.class.getClassLoader());
        this.props = ParquetProperties.builder()
                .withPageSize(options.pageSizeBytes())
                .withDictionaryPageSize(options.pageSizeBytes())
                .withDictionaryEncoding(options.dictionary())
                .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
                .withPageWriteChecksumEnabled(true)
                .build();
        this.compressors = new CompressorPool(conf, options.pageSizeBytes(), options.compression());
        // The first encoder of a worker loads the encoder's classes and native code before the first flush needs them.
        EncoderWarmUp.startOnce(options);
    }

    public WriterOptions options() {
        return options;
    }

    /**
     * Encodes every row of {@code root}.
     *
     * @param metadata key-value pairs for the file footer
     */
    public EncodedFile encode(VectorSchemaRoot root, Map<String, String> metadata) {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(metadata, "metadata");
        MessageType schema = ParquetSchemas.toParquet(root.getSchema().getFields(), options.types());
        // Parquet is usually several times smaller than Arrow; start at a quarter and let the array grow.
        int initial = (int) Math.min(Integer.MAX_VALUE - 16, Math.max(64 * 1024, arrowBytes(root) / 4));
        InMemoryOutputFile file = new InMemoryOutputFile(initial);
        try (CompressorPool.Lease compressor = compressors.acquire()) {
            new ColumnarWriter(props, options.rowGroupBytes()).write(root, schema, metadata, file,
                    compressor.compressor());
        } catch (IOException e) {
            // Memory-backed output cannot fail with an I/O error; this only wraps the checked signature.
            throw new UncheckedIOException("Parquet encoding failed", e);
        }
        return new EncodedFile(file.array(), file.length(), root.getRowCount());
    }

    /**
     * Opens a file of {@code arrowSchema} that is written a root at a time and taken away in parts of at least
     * {@code partBytes}; its encoded bytes are held in memory from {@code allocator}. The caller closes it.
     */
    public StreamingParquetFile openStream(org.apache.arrow.vector.types.pojo.Schema arrowSchema,
            org.apache.arrow.memory.BufferAllocator allocator, long partBytes) {
        return new StreamingParquetFile(arrowSchema, allocator, partBytes, options, props, compressors);
    }

    /** How many page compressors this encoder made: the most threads that encoded at once, never one per file. */
    public int compressorsCreated() {
        return compressors.created();
    }

    private static long arrowBytes(VectorSchemaRoot root) {
        long total = 0;
        for (var vector : root.getFieldVectors()) {
            total += vector.getBufferSize();
        }
        return total;
    }

    /** Hadoop's default resources, parsed on first use and only copied afterwards; never handed out or changed. */
    private static final class HadoopDefaults {
        static final Configuration LOADED = load();

        private static Configuration load() {
            Configuration defaults = new Configuration();
            defaults.setClassLoader(ParquetEncoder.class.getClassLoader());
            // Parses the resources now, so that every copy takes the parsed properties instead of parsing them.
            defaults.size();
            return defaults;
        }
    }
}
