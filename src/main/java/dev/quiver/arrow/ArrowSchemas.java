package dev.quiver.arrow;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/** Translates Connect schemas into Arrow fields, logical types included. */
public final class ArrowSchemas {
    /** The column that holds a record value whose schema is not a struct. */
    public static final String VALUE_COLUMN = "value";

    /** Arrow's Decimal128 holds at most 38 digits. */
    static final int MAX_DECIMAL_PRECISION = 38;

    /** Connect stores a decimal's declared precision in this schema parameter (Debezium and JDBC source set it). */
    static final String DECIMAL_PRECISION_PARAMETER = "connect.decimal.precision";

    /**
     * Logical names for the time types Connect lacks, on INT64 schemas: microseconds of the day, microseconds since
     * the epoch (UTC), and wall-clock timestamps with no zone in milliseconds or microseconds. The Avro decoder makes
     * them (Avro's time-micros, timestamp-micros, local-timestamp-millis/micros); each becomes its Arrow time or
     * timestamp type, so the column keeps its precision and its zone semantics.
     */
    public static final String TIME_MICROS = "dev.quiver.TimeMicros";
    /** See {@link #TIME_MICROS}. */
    public static final String TIMESTAMP_MICROS = "dev.quiver.TimestampMicros";
    /** See {@link #TIME_MICROS}. */
    public static final String LOCAL_TIMESTAMP_MILLIS = "dev.quiver.LocalTimestampMillis";
    /** See {@link #TIME_MICROS}. */
    public static final String LOCAL_TIMESTAMP_MICROS = "dev.quiver.LocalTimestampMicros";

    private ArrowSchemas() {
    }

    /** True for the INT64 time names above, whose values are plain longs in their unit. */
    static boolean isLongTime(String logical) {
        return TIME_MICROS.equals(logical) || TIMESTAMP_MICROS.equals(logical)
                || LOCAL_TIMESTAMP_MILLIS.equals(logical) || LOCAL_TIMESTAMP_MICROS.equals(logical);
    }

    /** The Arrow field for a Connect schema; {@code path} names the field in error messages. */
    static Field toArrow(String name, Schema schema, String path) {
        boolean nullable = schema.isOptional();
        String logical = schema.name();
        if (logical != null) {
            switch (logical) {
                case Decimal.LOGICAL_NAME:
                    return leaf(name, nullable, new ArrowType.Decimal(decimalPrecision(schema, path), decimalScale(schema), 128));
                case Date.LOGICAL_NAME:
                    return leaf(name, nullable, new ArrowType.Date(DateUnit.DAY));
                case Time.LOGICAL_NAME:
                    return leaf(name, nullable, new ArrowType.Time(TimeUnit.MILLISECOND, 32));
                case Timestamp.LOGICAL_NAME:
                    return leaf(name, nullable, new ArrowType.Timestamp(TimeUnit.MILLISECOND, "UTC"));
                case TIME_MICROS:
                    return leaf(name, nullable, new ArrowType.Time(TimeUnit.MICROSECOND, 64));
                case TIMESTAMP_MICROS:
                    return leaf(name, nullable, new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC"));
                case LOCAL_TIMESTAMP_MILLIS:
                    return leaf(name, nullable, new ArrowType.Timestamp(TimeUnit.MILLISECOND, null));
                case LOCAL_TIMESTAMP_MICROS:
                    return leaf(name, nullable, new ArrowType.Timestamp(TimeUnit.MICROSECOND, null));
                default:
                    // Other named schemas (Debezium's io.debezium.time.*, user record names) keep their physical type.
                    break;
            }
        }
        switch (schema.type()) {
            case INT8:
                return leaf(name, nullable, new ArrowType.Int(8, true));
            case INT16:
                return leaf(name, nullable, new ArrowType.Int(16, true));
            case INT32:
                return leaf(name, nullable, new ArrowType.Int(32, true));
            case INT64:
                return leaf(name, nullable, new ArrowType.Int(64, true));
            case FLOAT32:
                return leaf(name, nullable, new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE));
            case FLOAT64:
                return leaf(name, nullable, new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));
            case BOOLEAN:
                return leaf(name, nullable, ArrowType.Bool.INSTANCE);
            case STRING:
                return leaf(name, nullable, ArrowType.Utf8.INSTANCE);
            case BYTES:
                return leaf(name, nullable, ArrowType.Binary.INSTANCE);
            case STRUCT: {
                List<Field> children = new ArrayList<>(schema.fields().size());
                for (org.apache.kafka.connect.data.Field f : schema.fields()) {
                    children.add(toArrow(f.name(), f.schema(), path + "." + f.name()));
                }
                if (children.isEmpty()) {
                    // Parquet has no empty groups; better a clear error than a file no reader opens.
                    throw new DataException("field '" + path + "' is a struct with no fields, which Parquet cannot store");
                }
                return new Field(name, new FieldType(nullable, ArrowType.Struct.INSTANCE, null), children);
            }
            case ARRAY:
                return new Field(name, new FieldType(nullable, ArrowType.List.INSTANCE, null),
                        List.of(toArrow("element", schema.valueSchema(), path + "[]")));
            case MAP: {
                Field key = toArrow("key", schema.keySchema(), path + ".key");
                // Arrow and Parquet both require map keys to be non-null.
                Field requiredKey = new Field("key", new FieldType(false, key.getType(), null), key.getChildren());
                Field value = toArrow("value", schema.valueSchema(), path + ".value");
                Field entries = new Field("entries", new FieldType(false, ArrowType.Struct.INSTANCE, null),
                        List.of(requiredKey, value));
                return new Field(name, new FieldType(nullable, new ArrowType.Map(false), null), List.of(entries));
            }
            default:
                throw new DataException("field '" + path + "' has Connect type " + schema.type()
                        + ", which Quiver cannot store");
        }
    }

    private static Field leaf(String name, boolean nullable, ArrowType type) {
        return new Field(name, new FieldType(nullable, type, null), null);
    }

    static int decimalScale(Schema schema) {
        return Integer.parseInt(schema.parameters().get(Decimal.SCALE_FIELD));
    }

    static int decimalPrecision(Schema schema, String path) {
        String declared = schema.parameters() == null ? null : schema.parameters().get(DECIMAL_PRECISION_PARAMETER);
        if (declared == null) {
            // Connect's Decimal carries no precision; the widest Arrow decimal loses no value that fits 38 digits.
            return MAX_DECIMAL_PRECISION;
        }
        int precision = Integer.parseInt(declared);
        if (precision > MAX_DECIMAL_PRECISION) {
            throw new DataException("field '" + path + "' declares decimal precision " + precision
                    + ", above the 38 digits Arrow and Parquet decimals of this writer hold");
        }
        return Math.max(precision, decimalScale(schema));
    }

    static String describe(Schema schema) {
        return schema.name() != null ? schema.name() : schema.type().toString();
    }
}
