package dev.quiver.parquet;

import java.io.IOException;
import java.util.Map;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.schema.MessageType;

/**
 * Quiver's writer before issue 7, for the benchmark's A/B: parquet-java's ParquetWriter fed row by row by
 * {@link ArrowWriteSupport} (the same code the connector's tests keep as their reference). It lives in the connector's
 * package to reach its package-private {@link InMemoryOutputFile}.
 */
public final class RowByRowEncoder {
    private RowByRowEncoder() {
    }

    public static EncodedFile encode(VectorSchemaRoot root, Map<String, String> metadata, WriterOptions options,
            Configuration conf) throws IOException {
        MessageType schema = ParquetSchemas.toParquet(root.getSchema().getFields());
        ArrowWriteSupport writeSupport = new ArrowWriteSupport(root, schema, metadata);
        InMemoryOutputFile file = new InMemoryOutputFile(16 << 20);
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
        }
        return new EncodedFile(file.array(), file.length(), rows);
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
