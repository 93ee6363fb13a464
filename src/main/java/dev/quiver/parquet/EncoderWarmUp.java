package dev.quiver.parquet;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.complex.impl.UnionListWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encodes a two-row file once per class loader, on a daemon thread, when the first encoder of a worker is made.
 *
 * <p>The first file a fresh worker encodes pays for loading and initialising parquet-java, Hadoop's codec classes and
 * the native compressor, and for running all of it interpreted: 7.9 s for a 20,000-row file against 0.3 s for the
 * next one (2 cores, load average 20). The task starts long before its first flush (the consumer joins its group,
 * then {@code flush.interval.ms} passes), so that cost is paid in the meantime instead of delaying the first file.
 * The file is encoded by an encoder of the warm-up's own, with the options of the encoder that asked, so that the
 * compressors of that one are made only by its files; the rows are in an allocator of the warm-up's own, closed when
 * it ends. What it holds (a small compressor, a page buffer) is garbage once it ends.
 */
final class EncoderWarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(EncoderWarmUp.class);
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private EncoderWarmUp() {
    }

    /** Starts the warm-up with {@code options} if no encoder of this class loader has; returns at once. */
    static void startOnce(WriterOptions options) {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread thread = new Thread(() -> run(new ParquetEncoder(options)), "quiver-parquet-warm-up");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }

    /** Encodes the two-row file; a failure is logged and otherwise ignored, the real files will show it. */
    static void run(ParquetEncoder encoder) {
        long start = System.nanoTime();
        try {
            encodeSample(encoder);
            LOG.debug("Parquet encoder warmed up in {} ms", (System.nanoTime() - start) / 1_000_000);
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("Parquet encoder warm-up failed; the first file will pay for loading the encoder", e);
        }
    }

    /** Encodes the {@link #sample} through {@code encoder}, in an allocator closed (and leak-checked) before it returns. */
    static EncodedFile encodeSample(ParquetEncoder encoder) {
        try (BufferAllocator allocator = new RootAllocator();
             VectorSchemaRoot root = sample(allocator)) {
            return encoder.encode(root, Map.of());
        }
    }

    /** Two rows of the column kinds files usually have: integers, doubles, text, booleans, a struct and a list. */
    static VectorSchemaRoot sample(BufferAllocator allocator) {
        FieldType text = FieldType.nullable(ArrowType.Utf8.INSTANCE);
        FieldType int64 = FieldType.nullable(new ArrowType.Int(64, true));
        Schema schema = new Schema(List.of(
                new Field("i", int64, null),
                new Field("d", FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)), null),
                new Field("s", text, null),
                new Field("b", FieldType.nullable(ArrowType.Bool.INSTANCE), null),
                new Field("o", FieldType.nullable(ArrowType.Struct.INSTANCE),
                        List.of(new Field("k", text, null), new Field("v", int64, null))),
                new Field("l", FieldType.nullable(ArrowType.List.INSTANCE), List.of(new Field("e", text, null)))));
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        try {
            root.allocateNew();
            byte[] word = "warm".getBytes(StandardCharsets.UTF_8);
            ((BigIntVector) root.getVector("i")).setSafe(0, 1L);
            ((Float8Vector) root.getVector("d")).setSafe(0, 1.5);
            ((VarCharVector) root.getVector("s")).setSafe(0, word);
            ((BitVector) root.getVector("b")).setSafe(0, 1);
            StructVector struct = (StructVector) root.getVector("o");
            struct.setIndexDefined(0);
            ((VarCharVector) struct.getChild("k")).setSafe(0, word);
            ((BigIntVector) struct.getChild("v")).setSafe(0, 2L);
            ListVector list = (ListVector) root.getVector("l");
            UnionListWriter writer = list.getWriter();
            writer.setPosition(0);
            writer.startList();
            writer.writeVarChar("a");
            writer.writeVarChar("b");
            writer.endList();
            // Row 1 is null in every column.
            for (FieldVector vector : root.getFieldVectors()) {
                vector.setNull(1);
            }
            struct.getChild("k").setNull(1);
            struct.getChild("v").setNull(1);
            writer.setValueCount(2);
            root.setRowCount(2);
            return root;
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
    }
}
