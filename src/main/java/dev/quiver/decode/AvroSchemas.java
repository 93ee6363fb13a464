package dev.quiver.decode;

import dev.quiver.arrow.ArrowSchemas;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/**
 * Maps an Avro writer schema to the Connect schema whose Arrow columns an Avro decoder fills, so Avro values share
 * the column rules ({@code dev.quiver.arrow.ArrowSchemas}) and the schema-merge lattice of every other format.
 *
 * <table>
 *   <caption>Avro to Connect</caption>
 *   <tr><td>null/boolean/int/long/float/double/string/bytes</td><td>the same Connect type (a bare null: optional string,
 *       always null)</td></tr>
 *   <tr><td>record</td><td>struct, same field order</td></tr>
 *   <tr><td>enum</td><td>string (the symbol)</td></tr>
 *   <tr><td>array / map</td><td>array / map with string keys</td></tr>
 *   <tr><td>fixed</td><td>bytes</td></tr>
 *   <tr><td>union of null and one type T</td><td>optional T</td></tr>
 *   <tr><td>any other union</td><td>optional struct with one optional field per member, named by the member's type
 *       ({@code int}, {@code string}, a record's full name with dots as underscores); exactly one is set</td></tr>
 *   <tr><td>decimal (bytes or fixed)</td><td>Connect Decimal with its precision kept as a parameter</td></tr>
 *   <tr><td>date / time-millis / timestamp-millis</td><td>Connect Date / Time / Timestamp</td></tr>
 *   <tr><td>time-micros, timestamp-micros, local-timestamp-millis/micros</td><td>int64 named
 *       {@link ArrowSchemas#TIME_MICROS} and its siblings (Connect has no microsecond or zone-less type), which become
 *       Arrow time(us), timestamp(us, UTC) and zone-less timestamp(ms/us) columns</td></tr>
 *   <tr><td>uuid</td><td>string</td></tr>
 * </table>
 *
 * <p>Recursive records cannot become Arrow columns and are refused with the record's name.
 */
public final class AvroSchemas {

    /** Where the declared precision of a decimal is kept, as Debezium and JDBC sources do. */
    static final String PRECISION = "connect.decimal.precision";

    private AvroSchemas() {
    }

    /** The Connect schema for values written with {@code avro}; top-level values are required unless a union says. */
    public static Schema toConnect(org.apache.avro.Schema avro) {
        return convert(avro, false, "value", new IdentityHashMap<>());
    }

    private static Schema convert(org.apache.avro.Schema s, boolean optional, String path,
            Map<org.apache.avro.Schema, Boolean> open) {
        LogicalType logical = s.getLogicalType();
        if (logical != null) {
            Schema mapped = logical(s, logical, optional);
            if (mapped != null) {
                return mapped;
            }
        }
        switch (s.getType()) {
            case NULL:
                return Schema.OPTIONAL_STRING_SCHEMA;
            case BOOLEAN:
                return optional ? Schema.OPTIONAL_BOOLEAN_SCHEMA : Schema.BOOLEAN_SCHEMA;
            case INT:
                return optional ? Schema.OPTIONAL_INT32_SCHEMA : Schema.INT32_SCHEMA;
            case LONG:
                return optional ? Schema.OPTIONAL_INT64_SCHEMA : Schema.INT64_SCHEMA;
            case FLOAT:
                return optional ? Schema.OPTIONAL_FLOAT32_SCHEMA : Schema.FLOAT32_SCHEMA;
            case DOUBLE:
                return optional ? Schema.OPTIONAL_FLOAT64_SCHEMA : Schema.FLOAT64_SCHEMA;
            case STRING:
            case ENUM:
                return optional ? Schema.OPTIONAL_STRING_SCHEMA : Schema.STRING_SCHEMA;
            case BYTES:
            case FIXED:
                return optional ? Schema.OPTIONAL_BYTES_SCHEMA : Schema.BYTES_SCHEMA;
            case ARRAY: {
                SchemaBuilder b = SchemaBuilder.array(convert(s.getElementType(), false, path + "[]", open));
                return optional ? b.optional().build() : b.build();
            }
            case MAP: {
                SchemaBuilder b = SchemaBuilder.map(Schema.STRING_SCHEMA,
                        convert(s.getValueType(), false, path + ".value", open));
                return optional ? b.optional().build() : b.build();
            }
            case RECORD: {
                if (open.put(s, Boolean.TRUE) != null) {
                    throw new DataException("field '" + path + "' is the recursive record " + s.getFullName()
                            + ", which has no finite column layout");
                }
                SchemaBuilder b = SchemaBuilder.struct().name(s.getFullName());
                for (org.apache.avro.Schema.Field f : s.getFields()) {
                    b.field(f.name(), convert(f.schema(), false, path + "." + f.name(), open));
                }
                open.remove(s);
                return optional ? b.optional().build() : b.build();
            }
            case UNION:
                return union(s, path, open);
            default:
                throw new DataException("field '" + path + "' has Avro type " + s.getType() + ", which Quiver cannot store");
        }
    }

    private static Schema union(org.apache.avro.Schema s, String path, Map<org.apache.avro.Schema, Boolean> open) {
        List<org.apache.avro.Schema> members = new ArrayList<>();
        boolean hasNull = false;
        for (org.apache.avro.Schema m : s.getTypes()) {
            if (m.getType() == org.apache.avro.Schema.Type.NULL) {
                hasNull = true;
            } else {
                members.add(m);
            }
        }
        if (members.isEmpty()) {
            return Schema.OPTIONAL_STRING_SCHEMA;
        }
        if (members.size() == 1) {
            return convert(members.get(0), hasNull, path, open);
        }
        SchemaBuilder b = SchemaBuilder.struct();
        for (org.apache.avro.Schema m : members) {
            String name = memberName(m);
            b.field(name, convert(m, true, path + "." + name, open));
        }
        return b.optional().build();
    }

    /** The struct field name of a union member: its type name, or a named type's full name with '_' for '.'. */
    static String memberName(org.apache.avro.Schema m) {
        switch (m.getType()) {
            case RECORD:
            case ENUM:
            case FIXED:
                return m.getFullName().replace('.', '_');
            default:
                return m.getType().getName();
        }
    }

    private static Schema logical(org.apache.avro.Schema s, LogicalType logical, boolean optional) {
        SchemaBuilder b;
        if (logical instanceof LogicalTypes.Decimal) {
            LogicalTypes.Decimal d = (LogicalTypes.Decimal) logical;
            b = Decimal.builder(d.getScale()).parameter(PRECISION, Integer.toString(d.getPrecision()));
        } else if (logical instanceof LogicalTypes.Date) {
            b = Date.builder();
        } else if (logical instanceof LogicalTypes.TimeMillis) {
            b = Time.builder();
        } else if (logical instanceof LogicalTypes.TimestampMillis) {
            b = Timestamp.builder();
        } else if (logical instanceof LogicalTypes.TimeMicros) {
            b = SchemaBuilder.int64().name(ArrowSchemas.TIME_MICROS);
        } else if (logical instanceof LogicalTypes.TimestampMicros) {
            b = SchemaBuilder.int64().name(ArrowSchemas.TIMESTAMP_MICROS);
        } else if (logical instanceof LogicalTypes.LocalTimestampMillis) {
            b = SchemaBuilder.int64().name(ArrowSchemas.LOCAL_TIMESTAMP_MILLIS);
        } else if (logical instanceof LogicalTypes.LocalTimestampMicros) {
            b = SchemaBuilder.int64().name(ArrowSchemas.LOCAL_TIMESTAMP_MICROS);
        } else {
            // uuid stays a string (Parquet's UUID type is not read as text everywhere); nanosecond types, new in
            // Avro 1.12, keep their long.
            return null;
        }
        return optional ? b.optional().build() : b.build();
    }
}
