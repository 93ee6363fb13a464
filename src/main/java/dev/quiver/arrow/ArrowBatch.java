package dev.quiver.arrow;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.kafka.connect.data.Schema.Type;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * The Arrow columns of one batch, appended record by record in the shape a {@link RowLayout} gives.
 *
 * <p>The batch owns its child allocator and every vector in it; {@link #close()} releases them all. Its byte size is
 * read from the allocator, so it counts real buffer capacity rather than an estimate. When a compatible schema
 * arrives, {@link #evolve} moves the rows into a batch of the merged layout instead of starting a new file.
 */
public final class ArrowBatch implements AutoCloseable {
    /** Rows the first allocation of each vector holds. */
    static final int INITIAL_ROWS = 64;
    /**
     * The Java heap one vector of an open batch takes beyond its Arrow memory, counted in the memory budget: the
     * vector, its field, appender and reader, and per buffer the ArrowBuf, its ledger and allocation manager and
     * netty's buffer object (measured on JDK 17: 930 to 1,020 bytes per vector, and about 900 per batch, for batches of 1 to 23 vectors). With thousands
     * of small batches open (2,000 partitions x 24 folders) this is more heap than the batches' Arrow memory, so the
     * budget counts it: the number of batches open at once is then bounded by the budget, not by partitions x folders.
     */
    public static final long JAVA_BYTES_PER_VECTOR = 1024;
    /** The Java heap of a batch itself beyond its vectors: its child allocator, root, schema and column arrays. */
    public static final long JAVA_BYTES_PER_BATCH = 1024;

    private final RowLayout layout;
    private final BufferAllocator allocator;
    private final VectorSchemaRoot root;
    private final ColumnAppender[] appenders;
    private final RowLayout.Source[] sources;
    private final String[] names;
    /** For VALUE_FIELD columns: the field of the layout's own value schema, for the identity fast path. */
    private final org.apache.kafka.connect.data.Field[] valueFields;
    /** The value columns in value-schema order, for decoders that write them directly. */
    private final List<FieldVector> valueVectors;
    /** The decoder value schema last found to match this batch's value columns ({@link #decodes}). */
    private org.apache.kafka.connect.data.Schema decodes;
    /** The key column's index, or -1 when the batch has none. */
    private final int keyIndex;
    /** The key column when it is a struct, whose validity a key decoder's write must set; else null. */
    private final StructVector keyStruct;
    /**
     * What a key decoder writes: the key struct's children in field order, or the key column itself. One list per
     * batch, as decoders cache their readers by the list's identity.
     */
    private final List<FieldVector> keyVectors;
    private int rows;
    /**
     * Bytes a row took in the last fill emptied by {@link #reset}, 0 until then; and the bytes allocated at that
     * reset, which the capacity keeps. See {@link #filledBytes}.
     */
    private double bytesPerRow;
    private long capacityBytes;
    /** The Java cost reserved in the budget for this batch's objects, released on close. */
    private final long javaBytes;
    private final MemoryBudget budget;
    private boolean closed;

    private ArrowBatch(RowLayout layout, BufferAllocator allocator, VectorSchemaRoot root, MemoryBudget budget,
            long javaBytes) {
        this.layout = layout;
        this.allocator = allocator;
        this.root = root;
        this.budget = budget;
        this.javaBytes = javaBytes;
        List<RowLayout.Column> columns = layout.columns();
        List<FieldVector> vectors = root.getFieldVectors();
        int n = columns.size();
        this.appenders = new ColumnAppender[n];
        this.sources = new RowLayout.Source[n];
        this.names = new String[n];
        this.valueFields = new org.apache.kafka.connect.data.Field[n];
        List<FieldVector> values = new ArrayList<>();
        int key = -1;
        for (int i = 0; i < n; i++) {
            RowLayout.Column column = columns.get(i);
            appenders[i] = ColumnAppenders.create(column.schema(), vectors.get(i), column.name());
            sources[i] = column.source();
            names[i] = column.name();
            if (column.source() == RowLayout.Source.VALUE_FIELD) {
                valueFields[i] = layout.valueSchema().field(column.name());
            }
            if (column.source() == RowLayout.Source.VALUE_FIELD || column.source() == RowLayout.Source.VALUE) {
                values.add(vectors.get(i));
            }
            if (column.source() == RowLayout.Source.KEY) {
                key = i;
            }
        }
        this.valueVectors = List.copyOf(values);
        this.keyIndex = key;
        FieldVector keyVector = key < 0 ? null : vectors.get(key);
        boolean structKey = key >= 0 && columns.get(key).schema().type() == org.apache.kafka.connect.data.Schema.Type.STRUCT;
        this.keyStruct = structKey ? (StructVector) keyVector : null;
        this.keyVectors = keyVector == null ? List.of()
                : keyStruct != null ? List.copyOf(keyStruct.getChildrenFromFields()) : List.of(keyVector);
    }

    /**
     * Opens an empty batch with {@code layout}'s columns and its own child of {@code parent}.
     *
     * @param name names the child allocator, which shows up in Arrow's leak reports
     */
    public static ArrowBatch open(RowLayout layout, BufferAllocator parent, String name) {
        Objects.requireNonNull(layout, "layout");
        List<Field> fields = new ArrayList<>(layout.columns().size());
        for (RowLayout.Column column : layout.columns()) {
            fields.add(ArrowSchemas.toArrow(column.name(), column.schema(), column.name()));
        }
        // The batch's Java objects are admitted first, like its buffers: when the budget has no room for them, the
        // caller sees the OutOfMemoryException a refused allocation throws, and nothing is created.
        MemoryBudget budget = MemoryBudget.of(parent);
        long javaBytes = javaBytes(fields);
        if (budget != null) {
            budget.reserve(javaBytes);
        }
        BufferAllocator allocator;
        try {
            allocator = parent.newChildAllocator(name, 0, Long.MAX_VALUE);
        } catch (RuntimeException e) {
            if (budget != null) {
                budget.release(javaBytes);
            }
            throw e;
        }
        VectorSchemaRoot root = null;
        try {
            root = VectorSchemaRoot.create(new Schema(fields), allocator);
            for (FieldVector vector : root.getFieldVectors()) {
                // Arrow's default first allocation holds ~4000 values per buffer; with thousands of open folders that
                // alone would fill any budget. Start small and let the buffers double as rows arrive.
                vector.setInitialCapacity(INITIAL_ROWS);
            }
            // Allocate every buffer now, nested ones included: sealing a batch must never need memory, because a
            // batch is sealed precisely when the budget is full and its memory is to be freed.
            root.allocateNew();
            return new ArrowBatch(layout, allocator, root, budget, javaBytes);
        } catch (RuntimeException e) {
            if (root != null) {
                root.close();
            }
            allocator.close();
            if (budget != null) {
                budget.release(javaBytes);
            }
            throw e;
        }
    }

    /** The Java cost counted for a batch of these fields: one per vector, nested ones included, and the batch's own. */
    static long javaBytes(List<Field> fields) {
        return JAVA_BYTES_PER_BATCH + JAVA_BYTES_PER_VECTOR * vectorCount(fields);
    }

    private static int vectorCount(List<Field> fields) {
        int n = 0;
        for (Field field : fields) {
            n += 1 + vectorCount(field.getChildren());
        }
        return n;
    }

    /**
     * A batch of just the value's columns, with no Kafka metadata: for benchmarks and tools that encode Connect values
     * without records.
     */
    public static ArrowBatch open(org.apache.kafka.connect.data.Schema valueSchema, BufferAllocator parent, String name) {
        return open(new RowLayout(Objects.requireNonNull(valueSchema, "valueSchema"), null, MetadataColumns.NONE), parent,
                name);
    }

    /** Appends a value to a batch opened with {@link #open(org.apache.kafka.connect.data.Schema, BufferAllocator, String)}. */
    public void append(Object value) {
        if (!layout.metadata().names().isEmpty() || layout.metadata().tombstoneColumn() != null) {
            throw new IllegalStateException("this batch has metadata columns; append the SinkRecord");
        }
        append(null, null, value, false);
    }

    /** True when values of {@code schema} fit this batch's value columns as they are. */
    public boolean accepts(org.apache.kafka.connect.data.Schema schema) {
        org.apache.kafka.connect.data.Schema own = layout.valueSchema();
        return own != null && (schema == own || own.equals(schema));
    }

    public RowLayout layout() {
        return layout;
    }

    /**
     * Appends one record as the next row. {@code key} and {@code value} are what to store, which may differ from the
     * record's own (a parsed JSON string, say). If a field does not fit, throws {@link ColumnAppender.FieldException}
     * and the row count stays as it was: the next append overwrites whatever the failed one left in the vectors.
     */
    public void append(SinkRecord record, Object key, Object value, boolean tombstone) {
        append(record, key, value, tombstone, null);
    }

    /**
     * {@link #append(SinkRecord, Object, Object, boolean)}, with the key column written by {@code keyDecoder} from
     * the raw {@code key} when both are non-null ({@code key.format} json with a schema, or protobuf). The batch's
     * key schema must be the decoder's. A key that does not decode fails the whole append, with an error saying the
     * key is at fault, and the row count stays as it was.
     */
    public void append(SinkRecord record, Object key, Object value, boolean tombstone,
            RowDecoder keyDecoder) {
        int row = rows;
        for (int i = 0; i < appenders.length; i++) {
            if (i == keyIndex && keyDecoder != null && key != null) {
                decodeKey(keyDecoder, key, row);
            } else {
                appenders[i].append(row, columnValue(i, record, key, value, tombstone));
            }
        }
        rows = row + 1;
    }

    /**
     * Appends one record whose value {@code decoder} writes straight into the value columns; the key and metadata
     * columns are appended as usual. The batch's value schema must be the decoder's. On failure the row count stays.
     */
    public void appendDecoded(SinkRecord record, Object key, RowDecoder decoder, Object raw) {
        appendDecoded(record, key, decoder, raw, null);
    }

    /**
     * {@link #appendDecoded(SinkRecord, Object, RowDecoder, Object)}, with the key column written
     * by {@code keyDecoder} from the raw {@code key} when both are non-null, as in
     * {@link #append(SinkRecord, Object, Object, boolean, RowDecoder)}.
     */
    public void appendDecoded(SinkRecord record, Object key, RowDecoder decoder, Object raw,
            RowDecoder keyDecoder) {
        if (decoder.valueSchema() != decodes && !decodes(decoder.valueSchema())) {
            throw new IllegalStateException("the batch's value schema is not the decoder's");
        }
        int row = rows;
        decoder.decode(raw, valueVectors, row);
        for (int i = 0; i < appenders.length; i++) {
            RowLayout.Source source = sources[i];
            if (i == keyIndex && keyDecoder != null && key != null) {
                decodeKey(keyDecoder, key, row);
            } else if (source != RowLayout.Source.VALUE_FIELD && source != RowLayout.Source.VALUE) {
                appenders[i].append(row, columnValue(i, record, key, null, false));
            }
        }
        rows = row + 1;
    }

    /**
     * True when the decoder's columns are this batch's value columns: the same schema, or, for a declared schema with
     * required fields, the same with every field nullable, as a batch that took a tombstone
     * (behavior.on.null.values=write) has them. The vectors are the same
     * either way (Arrow's are all nullable); only the Parquet schema differs. Remembered once true.
     */
    private boolean decodes(org.apache.kafka.connect.data.Schema decoderSchema) {
        org.apache.kafka.connect.data.Schema batchSchema = layout.valueSchema();
        if (decoderSchema == batchSchema) {
            decodes = decoderSchema;
            return true;
        }
        // Only a declared schema with required fields can differ by a tombstone; a schemaless decoder, whose fields
        // are all optional already, must be bound to its batch's own schema.
        org.apache.kafka.connect.data.Schema nullable = SchemaMerger.allFieldsOptional(decoderSchema);
        if (nullable != decoderSchema && nullable.equals(batchSchema)) {
            decodes = decoderSchema;
            return true;
        }
        return false;
    }

    /**
     * Decodes a raw key into the key column at {@code row}. The decoder writes every child of the row (its contract),
     * so a key that fails half-way leaves nothing the next append of this row does not overwrite; the struct's own
     * validity is set only once the key decoded whole.
     */
    private void decodeKey(RowDecoder keyDecoder, Object rawKey, int row) {
        if (keyIndex < 0) {
            throw new IllegalStateException("a key decoder for a batch without a key column");
        }
        try {
            keyDecoder.decode(rawKey, keyVectors, row);
        } catch (org.apache.kafka.connect.errors.DataException e) {
            throw RowDecoder.keyError(e);
        }
        if (keyStruct == null) {
            return;
        }
        if (keyDecoder.decodedNull()) {
            // A JSON null key (schemaless keys) wrote null children: the key itself is null, as a null key is. Set,
            // not left: an earlier append of this row that failed after its key may have marked it defined.
            keyStruct.setNull(row);
        } else {
            keyStruct.setIndexDefined(row);
        }
    }

    private Object columnValue(int i, SinkRecord record, Object key, Object value, boolean tombstone) {
        switch (sources[i]) {
            case VALUE_FIELD:
                return fieldOf(i, value);
            case VALUE:
                return value;
            case KEY:
                return key;
            case TOPIC:
                return record.originalTopic();
            case PARTITION:
                return record.originalKafkaPartition();
            case OFFSET:
                return record.originalKafkaOffset();
            case TIMESTAMP:
                return record.timestamp();
            case TIMESTAMP_TYPE:
                return record.timestampType().toString();
            case HEADERS:
                return headersOf(record);
            case TOMBSTONE:
                return tombstone;
            default:
                throw new IllegalStateException("unhandled source " + sources[i]);
        }
    }

    private Object fieldOf(int i, Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Struct) {
            Struct struct = (Struct) value;
            if (struct.schema() == layout.valueSchema()) {
                return struct.get(valueFields[i]);
            }
            org.apache.kafka.connect.data.Field field = struct.schema().field(names[i]);
            return field == null ? null : struct.get(field);
        }
        return ((Map<?, ?>) value).get(names[i]);
    }

    private static List<Struct> headersOf(SinkRecord record) {
        if (record.headers().isEmpty()) {
            return List.of();
        }
        List<Struct> headers = new ArrayList<>(record.headers().size());
        for (Header header : record.headers()) {
            headers.add(new Struct(RowLayout.HEADER_SCHEMA).put("key", header.key()).put("value", headerText(header)));
        }
        return headers;
    }

    private static String headerText(Header header) {
        Object value = header.value();
        if (value == null || value instanceof String) {
            return (String) value;
        }
        if (value instanceof byte[]) {
            return java.util.Base64.getEncoder().encodeToString((byte[]) value);
        }
        return org.apache.kafka.connect.data.Values.convertToString(header.schema(), value);
    }

    /**
     * A batch of {@code target}'s layout holding this batch's rows. Columns whose Arrow type is unchanged move without
     * copying; widened or new columns are filled row by row. This batch is left empty and still has to be closed.
     */
    public ArrowBatch evolve(RowLayout target, BufferAllocator parent, String name) {
        ArrowBatch next = open(target, parent, name);
        try {
            seal();
            List<RowLayout.Column> oldColumns = layout.columns();
            List<RowLayout.Column> newColumns = target.columns();
            for (int i = 0; i < newColumns.size(); i++) {
                RowLayout.Column column = newColumns.get(i);
                FieldVector to = next.root.getVector(i);
                int from = indexOf(oldColumns, column);
                if (from < 0) {
                    // A value of objects that turned into JSON text (a record whose value is a scalar or an array):
                    // the earlier rows' fields become that text, never nulls.
                    boolean objectsToText = column.source() == RowLayout.Source.VALUE
                            && layout.valueSchema() != null && layout.valueSchema().type() == Type.STRUCT;
                    for (int row = 0; row < rows; row++) {
                        next.appenders[i].append(row, objectsToText ? valueFieldsOf(row) : null);
                    }
                    continue;
                }
                FieldVector source = root.getVector(from);
                org.apache.kafka.connect.data.Schema oldSchema = oldColumns.get(from).schema();
                // Equal Arrow fields are not enough: a string column turning into JSON text keeps its Arrow type but
                // its values must be re-rendered, at any depth. Equal Connect schemas guarantee equal contents.
                if (source.getField().equals(to.getField()) && oldSchema.equals(column.schema())) {
                    source.makeTransferPair(to).transfer();
                } else {
                    for (int row = 0; row < rows; row++) {
                        next.appenders[i].append(row, ColumnReaders.read(source, oldSchema, row));
                    }
                }
            }
            next.rows = rows;
            return next;
        } catch (RuntimeException e) {
            next.close();
            throw e;
        }
    }

    /** The value fields of {@code row} by name, in column order, or null when all of them are null. */
    private Map<String, Object> valueFieldsOf(int row) {
        Map<String, Object> fields = new java.util.LinkedHashMap<>();
        boolean any = false;
        List<RowLayout.Column> columns = layout.columns();
        for (int i = 0; i < columns.size(); i++) {
            RowLayout.Column column = columns.get(i);
            if (column.source() == RowLayout.Source.VALUE_FIELD) {
                Object value = ColumnReaders.read(root.getVector(i), column.schema(), row);
                any |= value != null;
                fields.put(column.name(), value);
            }
        }
        return any ? fields : null;
    }

    private static int indexOf(List<RowLayout.Column> columns, RowLayout.Column wanted) {
        for (int i = 0; i < columns.size(); i++) {
            RowLayout.Column c = columns.get(i);
            if (c.source() == wanted.source() && c.name().equals(wanted.name())) {
                return i;
            }
        }
        return -1;
    }

    public int rows() {
        return rows;
    }

    /**
     * Bytes this batch holds in the memory budget: its Arrow buffers, as its allocator counts them, and the fixed Java
     * cost of its vectors ({@link #JAVA_BYTES_PER_VECTOR}).
     */
    public long bufferBytes() {
        return allocator.getAllocatedMemory() + (budget == null ? 0 : javaBytes);
    }

    /**
     * Bytes the rows held now take, for thresholds that size a file or a row group. A new batch's buffers grow with
     * its rows, so this is {@link #bufferBytes}; an emptied batch keeps the capacity of its fullest fill, which would
     * reach the thresholds at its first row, so its rows count at the bytes per row its last fill used.
     */
    public long filledBytes() {
        long allocated = allocator.getAllocatedMemory();
        if (bytesPerRow == 0 || allocated > capacityBytes) {
            // Grown past the kept capacity: the buffers are sized by these rows again.
            return allocated;
        }
        return (long) (bytesPerRow * rows);
    }

    /** Fixes the row count on every vector and returns the root, ready to encode. The batch still owns it. */
    public VectorSchemaRoot seal() {
        root.setRowCount(rows);
        return root;
    }

    /**
     * Empties the batch so its vectors take the next rows: the buffers keep their capacity (and their memory), so a
     * batch refilled to the same size allocates nothing. Its layout is unchanged.
     */
    public void reset() {
        if (rows > 0) {
            long used = 0;
            root.setRowCount(rows);
            for (FieldVector vector : root.getFieldVectors()) {
                used += vector.getBufferSize();
            }
            bytesPerRow = (double) used / rows;
        }
        capacityBytes = allocator.getAllocatedMemory();
        for (FieldVector vector : root.getFieldVectors()) {
            vector.reset();
        }
        root.setRowCount(0);
        rows = 0;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        root.close();
        allocator.close();
        if (budget != null) {
            budget.release(javaBytes);
        }
    }
}
