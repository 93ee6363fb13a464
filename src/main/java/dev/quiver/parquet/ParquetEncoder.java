package dev.quiver.parquet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.schema.MessageType;

/**
 * Encodes an Arrow batch as one Parquet file in memory, with statistics, dictionary encoding and page indexes on.
 * Thread-safe: it holds only immutable options and a configuration it never changes after construction.
 */
public final class ParquetEncoder {
    private final WriterOptions options;
    private final Configuration conf;

    public ParquetEncoder(WriterOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        // Loading Hadoop's default resources is slow; do it once per task, not per file.
        this.conf = new Configuration();
        this.conf.setClassLoader(ParquetEncoder.class.getClassLoader());
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
        MessageType schema = ParquetSchemas.toParquet(root.getSchema().getFields());
        ArrowWriteSupport writeSupport = new ArrowWriteSupport(root, schema, metadata);
        // Parquet is usually several times smaller than Arrow; start at a quarter and let the array grow.
        int initial = (int) Math.min(Integer.MAX_VALUE - 16, Math.max(64 * 1024, arrowBytes(root) / 4));
        InMemoryOutputFile file = new InMemoryOutputFile(initial);
        int rows = root.getRowCount();
        try (ParquetWriter<Integer> writer = new Builder(file, writeSupport)
                .withConf(conf)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(options.compression())
                .withPageSize(options.pageSizeBytes())
                .withDictionaryPageSize(options.pageSizeBytes())
                .withRowGroupSize(options.rowGroupBytes())
                .withDictionaryEncoding(options.dictionary())
                .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
                .withPageWriteChecksumEnabled(true)
                .build()) {
            for (int row = 0; row < rows; row++) {
                writer.write(row);
            }
        } catch (IOException e) {
            // Memory-backed output cannot fail with an I/O error; this only wraps the checked signature.
            throw new UncheckedIOException("Parquet encoding failed", e);
        }
        return new EncodedFile(file.array(), file.length(), rows);
    }

    private static long arrowBytes(VectorSchemaRoot root) {
        long total = 0;
        for (var vector : root.getFieldVectors()) {
            total += vector.getBufferSize();
        }
        return total;
    }

    private static final class Builder extends ParquetWriter.Builder<Integer, Builder> {
        private final ArrowWriteSupport writeSupport;

        Builder(OutputFile file, ArrowWriteSupport writeSupport) {
            super(file);
            this.writeSupport = writeSupport;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Integer> getWriteSupport(Configuration configuration) {
            return writeSupport;
        }
    }
}
