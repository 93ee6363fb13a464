package dev.quiver.arrow;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
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
    private int rows;

    private ArrowBatch(RowLayout layout, BufferAllocator allocator, VectorSchemaRoot root) {
        this.layout = layout;
        this.allocator = allocator;
        this.root = root;
        List<RowLayout.Column> columns = layout.columns();
        List<FieldVector> vectors = root.getFieldVectors();
        int n = columns.size();
        this.appenders = new ColumnAppender[n];
        this.sources = new RowLayout.Source[n];
        this.names = new String[n];
        this.valueFields = new org.apache.kafka.connect.data.Field[n];
        List<FieldVector> values = new ArrayList<>();
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
        }
        this.valueVectors = List.copyOf(values);
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
        BufferAllocator allocator = parent.newChildAllocator(name, 0, Long.MAX_VALUE);
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
            return new ArrowBatch(layout, allocator, root);
        } catch (RuntimeException e) {
            if (root != null) {
                root.close();
            }
            allocator.close();
            throw e;
        }
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
        int row = rows;
        for (int i = 0; i < appenders.length; i++) {
            appenders[i].append(row, columnValue(i, record, key, value, tombstone));
        }
        rows = row + 1;
    }

    /**
     * Appends one record whose value {@code decoder} writes straight into the value columns; the key and metadata
     * columns are appended as usual. The batch's value schema must be the decoder's. On failure the row count stays.
     */
    public void appendDecoded(SinkRecord record, Object key, dev.quiver.decode.ValueDecoder decoder, Object raw) {
        if (decoder.valueSchema() != layout.valueSchema()) {
            throw new IllegalStateException("the batch's value schema is not the decoder's");
        }
        int row = rows;
        decoder.decode(raw, valueVectors, row);
        for (int i = 0; i < appenders.length; i++) {
            RowLayout.Source source = sources[i];
            if (source != RowLayout.Source.VALUE_FIELD && source != RowLayout.Source.VALUE) {
                appenders[i].append(row, columnValue(i, record, key, null, false));
            }
        }
        rows = row + 1;
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
                    for (int row = 0; row < rows; row++) {
                        next.appenders[i].append(row, null);
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

    /** Bytes of Arrow buffers this batch holds, as its allocator counts them. */
    public long bufferBytes() {
        return allocator.getAllocatedMemory();
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
        for (FieldVector vector : root.getFieldVectors()) {
            vector.reset();
        }
        root.setRowCount(0);
        rows = 0;
    }

    @Override
    public void close() {
        root.close();
        allocator.close();
    }
}
