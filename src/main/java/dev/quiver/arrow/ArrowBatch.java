package dev.quiver.arrow;

import java.util.List;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * The Arrow columns of one batch: record values of a single Connect schema, appended row by row.
 *
 * <p>The batch owns its child allocator and every vector in it; {@link #close()} releases them all. Its byte size is
 * read from the allocator, so it counts real buffer capacity rather than an estimate.
 */
public final class ArrowBatch implements AutoCloseable {
    private final org.apache.kafka.connect.data.Schema valueSchema;
    private final BufferAllocator allocator;
    private final VectorSchemaRoot root;
    private final ColumnAppender[] columns;
    private final org.apache.kafka.connect.data.Field[] fields;
    private int rows;

    private ArrowBatch(org.apache.kafka.connect.data.Schema valueSchema, BufferAllocator allocator,
            VectorSchemaRoot root) {
        this.valueSchema = valueSchema;
        this.allocator = allocator;
        this.root = root;
        List<FieldVector> vectors = root.getFieldVectors();
        if (valueSchema.type() == org.apache.kafka.connect.data.Schema.Type.STRUCT) {
            this.fields = valueSchema.fields().toArray(new org.apache.kafka.connect.data.Field[0]);
            this.columns = new ColumnAppender[fields.length];
            for (int i = 0; i < fields.length; i++) {
                columns[i] = ColumnAppenders.create(fields[i].schema(), vectors.get(i), fields[i].name());
            }
        } else {
            this.fields = null;
            this.columns = new ColumnAppender[] {
                ColumnAppenders.create(valueSchema, vectors.get(0), ArrowSchemas.VALUE_COLUMN)
            };
        }
    }

    /**
     * Opens an empty batch for values of {@code valueSchema}, with its own child of {@code parent}.
     *
     * @param name names the child allocator, which shows up in Arrow's leak reports
     */
    public static ArrowBatch open(org.apache.kafka.connect.data.Schema valueSchema, BufferAllocator parent, String name) {
        Objects.requireNonNull(valueSchema, "valueSchema");
        List<Field> columns = ArrowSchemas.columnsOf(valueSchema);
        BufferAllocator allocator = parent.newChildAllocator(name, 0, Long.MAX_VALUE);
        VectorSchemaRoot root = null;
        try {
            root = VectorSchemaRoot.create(new Schema(columns), allocator);
            return new ArrowBatch(valueSchema, allocator, root);
        } catch (RuntimeException e) {
            if (root != null) {
                root.close();
            }
            allocator.close();
            throw e;
        }
    }

    /** True when values of {@code schema} can join this batch as they are. */
    public boolean accepts(org.apache.kafka.connect.data.Schema schema) {
        // Identity first: converters cache schemas, so the deep equals runs only when a new instance shows up.
        return schema == valueSchema || valueSchema.equals(schema);
    }

    /** The Connect schema of this batch's values. */
    public org.apache.kafka.connect.data.Schema valueSchema() {
        return valueSchema;
    }

    /**
     * Appends one record value as the next row. If a field does not fit, throws {@link ColumnAppender.FieldException}
     * and the row count stays as it was: the next append overwrites whatever the failed one left in the vectors.
     */
    public void append(Object value) {
        int row = rows;
        if (fields == null) {
            columns[0].append(row, value);
        } else {
            Struct struct = (Struct) value;
            for (int i = 0; i < columns.length; i++) {
                columns[i].append(row, struct.get(fields[i]));
            }
        }
        rows = row + 1;
    }

    public int rows() {
        return rows;
    }

    /** Bytes of Arrow buffers this batch holds, as its allocator counts them. */
    public long bufferBytes() {
        return allocator.getAllocatedMemory();
    }

    /** Fixes the row count on every vector and returns the root, ready to encode. The batch still owns it. */
    public VectorSchemaRoot seal() {
        root.setRowCount(rows);
        return root;
    }

    @Override
    public void close() {
        root.close();
        allocator.close();
    }
}
