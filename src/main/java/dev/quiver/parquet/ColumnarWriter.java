package dev.quiver.parquet;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory.BytesInputCompressor;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.schema.MessageType;

/**
 * Writes an Arrow batch as a Parquet file one column at a time. Rows go in slices: each slice is written column after
 * column (so every column's loop runs over its own buffers), and a row group closes once its buffered bytes reach the
 * target size. One instance writes one file.
 *
 * <p>The page compressor is passed to each call rather than held: an open file between two calls then holds no
 * compressor and no compression buffer, so files open at once cost only their footer metadata and encoded bytes.
 */
final class ColumnarWriter {
    /** Rows per slice: large enough for tight per-column loops, small enough that level arrays stay in cache. */
    static final int SLICE_ROWS = 4096;

    private final ParquetProperties props;
    private final long rowGroupBytes;

    ColumnarWriter(ParquetProperties props, long rowGroupBytes) {
        this.props = Objects.requireNonNull(props, "props");
        if (rowGroupBytes <= 0) {
            throw new IllegalArgumentException("row group size must be positive, not " + rowGroupBytes);
        }
        this.rowGroupBytes = rowGroupBytes;
    }

    /** Writes every row of {@code root} to {@code file}; the root is only read, never closed. */
    void write(VectorSchemaRoot root, MessageType schema, Map<String, String> metadata, OutputFile file,
            BytesInputCompressor compressor) throws IOException {
        Objects.requireNonNull(metadata, "metadata");
        Session session = open(schema, file);
        session.write(root, compressor);
        session.end(metadata);
    }

    /** Starts a file that takes its rows from one root or several, one after the other. */
    Session open(MessageType schema, OutputFile file) throws IOException {
        ParquetFileWriter writer = new ParquetFileWriter(file, schema, ParquetFileWriter.Mode.OVERWRITE, rowGroupBytes,
                0, null, props);
        writer.start();
        return new Session(schema, writer);
    }

    /**
     * One open file. Each {@link #write} closes its own row groups, so the roots written need not outlive the call:
     * their vectors may be reset and refilled for the next one. The file's schema is fixed at {@link #open}.
     */
    final class Session {
        private final MessageType schema;
        private final ParquetFileWriter writer;

        private Session(MessageType schema, ParquetFileWriter writer) {
            this.schema = schema;
            this.writer = writer;
        }

        /**
         * Writes every row of {@code root} as one or more row groups, compressing pages with {@code compressor}; the
         * root is only read, never closed, and the compressor is not kept.
         */
        void write(VectorSchemaRoot root, BytesInputCompressor compressor) throws IOException {
            Objects.requireNonNull(compressor, "compressor");
            // Leaf writers bind to the vectors' current buffers, which may have grown since the last root.
            List<LeafWriter> leaves = LeafWriters.create(root, schema, props);
            int rows = root.getRowCount();
            try {
                int row = 0;
                while (row < rows) {
                    row = writeRowGroup(leaves, schema, writer, compressor, row, rows);
                }
            } finally {
                for (LeafWriter leaf : leaves) {
                    leaf.close();
                }
            }
        }

        /** Writes the footer; the file is complete. */
        void end(Map<String, String> metadata) throws IOException {
            writer.end(Objects.requireNonNull(metadata, "metadata"));
        }
    }

    private int writeRowGroup(List<LeafWriter> leaves, MessageType schema, ParquetFileWriter writer,
            BytesInputCompressor compressor, int first, int rows) throws IOException {
        ColumnChunkPageWriteStore pages = ColumnChunkPageWriteStore.builder()
                .withCompressorProvider(column -> compressor)
                .withSchema(schema)
                .withAllocator(props.getAllocator())
                .withColumnIndexTruncateLength(props.getColumnIndexTruncateLength())
                .withPageWriteChecksumEnabled(props.getPageWriteChecksumEnabled())
                .build();
        try {
            for (LeafWriter leaf : leaves) {
                leaf.startRowGroup(pages.getPageWriter(leaf.descriptor),
                        Math.min(rows - first, props.getRowGroupRowCountLimit()));
            }
            int row = first;
            do {
                int end = Math.min(rows, row + SLICE_ROWS);
                for (LeafWriter leaf : leaves) {
                    leaf.write(row, end);
                }
                row = end;
            } while (row < rows && buffered(leaves) < rowGroupBytes
                    && row - first < props.getRowGroupRowCountLimit());
            writer.startBlock(row - first);
            for (LeafWriter leaf : leaves) {
                leaf.endRowGroup();
            }
            pages.flushToFileWriter(writer);
            writer.endBlock();
            return row;
        } finally {
            pages.close();
        }
    }

    private static long buffered(List<LeafWriter> leaves) {
        long total = 0;
        for (LeafWriter leaf : leaves) {
            total += leaf.bufferedSize();
        }
        return total;
    }
}
