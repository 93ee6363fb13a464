package dev.quiver.arrow;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/**
 * The columns of a batch, in file order: the value's fields (or one {@code value} column when the value is not a
 * struct), then the enabled Kafka metadata columns, then the tombstone flag. Immutable; a batch whose schema evolves
 * gets a new layout.
 */
public final class RowLayout {

    /** Where a column's values come from. */
    public enum Source { VALUE_FIELD, VALUE, KEY, TOPIC, PARTITION, OFFSET, TIMESTAMP, TIMESTAMP_TYPE, HEADERS, TOMBSTONE }

    /** One column: its name, its Connect schema and where its values come from. */
    public record Column(String name, Schema schema, Source source) {
    }

    /** The schema of one Kafka header in the headers column: its name and its value as text. */
    public static final Schema HEADER_SCHEMA = SchemaBuilder.struct().name("dev.quiver.Header")
            .field("key", Schema.STRING_SCHEMA)
            .field("value", Schema.OPTIONAL_STRING_SCHEMA)
            .build();
    static final Schema HEADERS_SCHEMA = SchemaBuilder.array(HEADER_SCHEMA).build();
    private static final Schema TIMESTAMP_SCHEMA = Timestamp.builder().optional().build();

    private final Schema valueSchema;
    private final Schema keySchema;
    private final MetadataColumns metadata;
    private final List<Column> columns;

    /**
     * @param valueSchema schema of the values, or null while the batch has seen only tombstones
     * @param keySchema   schema of the keys, or null while every key was null (the key column is then all nulls)
     */
    public RowLayout(Schema valueSchema, Schema keySchema, MetadataColumns metadata) {
        this.valueSchema = valueSchema;
        this.keySchema = keySchema;
        this.metadata = Objects.requireNonNull(metadata, "metadata");
        this.columns = List.copyOf(buildColumns());
    }

    private List<Column> buildColumns() {
        List<Column> out = new ArrayList<>();
        if (valueSchema != null) {
            if (valueSchema.type() == Schema.Type.STRUCT) {
                if (valueSchema.fields().isEmpty()) {
                    throw new DataException("the value's struct schema has no fields, which Parquet cannot store");
                }
                for (Field field : valueSchema.fields()) {
                    out.add(new Column(field.name(), field.schema(), Source.VALUE_FIELD));
                }
            } else {
                out.add(new Column(ArrowSchemas.VALUE_COLUMN, valueSchema, Source.VALUE));
            }
        }
        metadata.names().forEach((kind, name) -> out.add(new Column(name, metadataSchema(kind), source(kind))));
        if (metadata.tombstoneColumn() != null) {
            out.add(new Column(metadata.tombstoneColumn(), Schema.BOOLEAN_SCHEMA, Source.TOMBSTONE));
        }
        Set<String> seen = new HashSet<>();
        for (Column column : out) {
            if (!seen.add(column.name())) {
                throw new DataException("column '" + column.name() + "' is both a value field and a Kafka metadata"
                        + " column; rename the metadata column with metadata.column.names");
            }
        }
        return out;
    }

    private Schema metadataSchema(MetadataColumns.Kind kind) {
        switch (kind) {
            case TOPIC:
            case TIMESTAMP_TYPE:
                return Schema.STRING_SCHEMA;
            case PARTITION:
                return Schema.INT32_SCHEMA;
            case OFFSET:
                return Schema.INT64_SCHEMA;
            case TIMESTAMP:
                return TIMESTAMP_SCHEMA;
            case KEY:
                return keySchema == null ? SchemaMerger.UNKNOWN : SchemaMerger.optionalIf(keySchema, true);
            case HEADERS:
                return HEADERS_SCHEMA;
            default:
                throw new IllegalStateException("unhandled " + kind);
        }
    }

    private static Source source(MetadataColumns.Kind kind) {
        return Source.valueOf(kind.name());
    }

    public List<Column> columns() {
        return columns;
    }

    /** The value schema, or null for none yet. */
    public Schema valueSchema() {
        return valueSchema;
    }

    /** The key schema, or null for none yet. */
    public Schema keySchema() {
        return keySchema;
    }

    public MetadataColumns metadata() {
        return metadata;
    }

    /** This layout with another value schema. */
    public RowLayout withValueSchema(Schema schema) {
        return new RowLayout(schema, keySchema, metadata);
    }

    /** This layout with another key schema. */
    public RowLayout withKeySchema(Schema schema) {
        return new RowLayout(valueSchema, schema, metadata);
    }
}
