package dev.quiver.arrow;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * Infers a Connect schema for a value that arrived without one: the Maps, Lists and primitives of JsonConverter with
 * {@code schemas.enable=false}, or the parse of a JSON string. Every inferred field is optional, because schemaless
 * data may omit any field in the next record.
 *
 * <p>Objects become structs with their keys in sorted order, so the column order does not depend on which record
 * came first; arrays become lists of the merge of their elements' types; a null becomes {@link SchemaMerger#UNKNOWN}.
 */
public final class SchemaInference {
    private SchemaInference() {
    }

    /** The inferred schema of {@code value}. */
    public static Schema infer(Object value) {
        if (value == null) {
            return SchemaMerger.UNKNOWN;
        }
        if (value instanceof String) {
            return Schema.OPTIONAL_STRING_SCHEMA;
        }
        if (value instanceof Long) {
            return Schema.OPTIONAL_INT64_SCHEMA;
        }
        if (value instanceof Integer) {
            return Schema.OPTIONAL_INT32_SCHEMA;
        }
        if (value instanceof Short) {
            return Schema.OPTIONAL_INT16_SCHEMA;
        }
        if (value instanceof Byte) {
            return Schema.OPTIONAL_INT8_SCHEMA;
        }
        if (value instanceof Double) {
            return Schema.OPTIONAL_FLOAT64_SCHEMA;
        }
        if (value instanceof Float) {
            return Schema.OPTIONAL_FLOAT32_SCHEMA;
        }
        if (value instanceof Boolean) {
            return Schema.OPTIONAL_BOOLEAN_SCHEMA;
        }
        if (value instanceof byte[] || value instanceof ByteBuffer) {
            return Schema.OPTIONAL_BYTES_SCHEMA;
        }
        if (value instanceof BigDecimal) {
            return Decimal.builder(Math.max(0, ((BigDecimal) value).scale())).optional().build();
        }
        if (value instanceof java.util.Date) {
            return org.apache.kafka.connect.data.Timestamp.builder().optional().build();
        }
        if (value instanceof Struct) {
            return SchemaMerger.optionalIf(((Struct) value).schema(), true);
        }
        if (value instanceof Map) {
            Map<?, ?> map = (Map<?, ?>) value;
            if (map.isEmpty()) {
                // An empty object says nothing about its fields; JSON text keeps it without inventing columns.
                return JsonText.SCHEMA;
            }
            TreeMap<String, Schema> fields = new TreeMap<>();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!(entry.getKey() instanceof String)) {
                    return JsonText.SCHEMA;
                }
                fields.put((String) entry.getKey(), infer(entry.getValue()));
            }
            SchemaBuilder struct = SchemaBuilder.struct().optional();
            fields.forEach(struct::field);
            return struct.build();
        }
        if (value instanceof List) {
            Schema element = SchemaMerger.UNKNOWN;
            for (Object item : (List<?>) value) {
                element = SchemaMerger.merge(element, infer(item), SchemaMerger.Mode.LENIENT);
            }
            return SchemaBuilder.array(SchemaMerger.optionalIf(element, true)).optional().build();
        }
        return JsonText.SCHEMA;
    }
}
