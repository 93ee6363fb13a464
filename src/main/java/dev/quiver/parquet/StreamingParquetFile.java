package dev.quiver.parquet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.schema.MessageType;

/**
 * A Parquet file written a batch at a time and taken away in parts as it grows, so a file can be far larger than the
 * memory that writes it: each {@link #writeRowGroup} encodes a root's rows as row groups, after which the root's
 * vectors may be reset and refilled, and {@link #nextPart} hands out the encoded bytes in parts of at least the part
 * size for upload. The encoded bytes live in chunks from the given Arrow allocator until {@link #partStored()}.
 *
 * <p>The schema is fixed when the file opens; every root written must have it. Not thread-safe: one thread at a time.
 */
public final class StreamingParquetFile implements AutoCloseable {
    private final ArrowChunkOutputFile out;
    private final CompressorPool compressors;
    /** Null once finished: a landed file that is still referenced keeps none of the writer's metadata. */
    private ColumnarWriter.Session session;
    private final Schema arrowSchema;
    private final long partBytes;
    private long rows;
    private int rowGroupWrites;
    private boolean finished;
    private ArrowChunkOutputFile.Part lent;

    StreamingParquetFile(Schema arrowSchema, BufferAllocator allocator, long partBytes, WriterOptions options,
            ParquetProperties props, CompressorPool compressors) {
        this.arrowSchema = Objects.requireNonNull(arrowSchema, "arrowSchema");
        if (partBytes <= 0) {
            throw new IllegalArgumentException("part size must be positive, not " + partBytes);
        }
        this.partBytes = partBytes;
        this.compressors = Objects.requireNonNull(compressors, "compressors");
        this.out = new ArrowChunkOutputFile(allocator);
        MessageType schema = ParquetSchemas.toParquet(arrowSchema.getFields(), options.types());
        try {
            this.session = new ColumnarWriter(props, options.rowGroupBytes()).open(schema, out);
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e instanceof IOException ? new UncheckedIOException("cannot start a Parquet file", (IOException) e)
                    : (RuntimeException) e;
        }
    }

    /** The Arrow schema every root written must have. */
    public Schema arrowSchema() {
        return arrowSchema;
    }

    /**
     * Encodes every row of {@code root} as one or more row groups. The root is only read; once this returns, its
     * vectors may be reset and reused.
     */
    public void writeRowGroup(VectorSchemaRoot root) {
        if (finished) {
            throw new IllegalStateException("the file is finished");
        }
        if (!root.getSchema().equals(arrowSchema)) {
            throw new IllegalArgumentException("a root of schema " + root.getSchema() + " cannot go into a file of "
                    + arrowSchema);
        }
        if (root.getRowCount() == 0) {
            return;
        }
        // The compressor is lent for this call only: files open at once hold none.
        try (CompressorPool.Lease compressor = compressors.acquire()) {
            session.write(root, compressor.compressor());
        } catch (IOException e) {
            // The output is memory: only the checked signature throws.
            throw new UncheckedIOException("Parquet encoding failed", e);
        }
        rows += root.getRowCount();
        rowGroupWrites++;
    }

    /** Writes the footer with {@code metadata}; afterwards {@link #nextPart} hands out everything left. */
    public void finish(Map<String, String> metadata) {
        if (finished) {
            return;
        }
        try {
            session.end(metadata);
        } catch (IOException e) {
            throw new UncheckedIOException("Parquet encoding failed", e);
        }
        finished = true;
        session = null;
    }

    public boolean finished() {
        return finished;
    }

    /** Rows written so far. */
    public long rows() {
        return rows;
    }

    /** How many roots were written: each became one row group or more. */
    public int rowGroupWrites() {
        return rowGroupWrites;
    }

    /** The file's length so far; once finished, its size. */
    public long length() {
        return out.length();
    }

    /** Encoded bytes held, not yet handed out and stored. */
    public long pendingBytes() {
        return out.pendingBytes();
    }

    /** Encoded bytes that were held on the heap because the allocator was full. */
    public long heapBytes() {
        return out.heapBytes();
    }

    /**
     * The next part to store: at least the part size of the oldest bytes, or, once finished, the rest. Null when
     * there is not enough yet (or nothing left). The same part is returned until {@link #partStored()}, so a failed
     * upload is simply tried again.
     */
    public EncodedPart nextPart() {
        if (lent == null) {
            lent = out.peekPart(partBytes, finished);
        }
        return lent;
    }

    /** True when the part {@link #nextPart} returned is the file's last: the file is finished and nothing follows. */
    public boolean nextPartIsLast() {
        return finished && lent != null && lent.length() == out.pendingBytes();
    }

    /** Frees the bytes of the part last returned by {@link #nextPart}, which is now stored. */
    public void partStored() {
        if (lent == null) {
            throw new IllegalStateException("no part was handed out");
        }
        out.release(lent);
        lent = null;
    }

    /** Releases every chunk and codec, finished or not. */
    @Override
    public void close() {
        finished = true;
        session = null;
        lent = null;
        out.close();
    }
}
