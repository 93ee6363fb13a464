package dev.quiver.parquet;

import java.util.List;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.parquet.schema.ColumnOrder;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;

/**
 * Translates an Arrow schema into the Parquet schema readers expect: logical type annotations on every primitive, and
 * the standard three-level LIST and MAP groups, so DuckDB, Spark, Trino and pyarrow all read the same types.
 */
public final class ParquetSchemas {
    /** Name of the Parquet message; readers ignore it. */
    static final String MESSAGE_NAME = "quiver";
    /** The precision of every decimal with {@link TypeMapping#widest()}: the most Connect decimals carry here. */
    static final int WIDEST_DECIMAL_PRECISION = 38;

    private ParquetSchemas() {
    }

    /** The Parquet message type for these top-level Arrow fields, with the default {@link TypeMapping}. */
    public static MessageType toParquet(List<Field> fields) {
        return toParquet(fields, TypeMapping.DEFAULTS);
    }

    /** The Parquet message type for these top-level Arrow fields. */
    public static MessageType toParquet(List<Field> fields, TypeMapping mapping) {
        Types.MessageTypeBuilder message = Types.buildMessage();
        for (Field field : fields) {
            message.addField(toParquet(field, field.getName(), mapping));
        }
        return message.named(MESSAGE_NAME);
    }

    private static Type toParquet(Field field, String name, TypeMapping mapping) {
        Repetition repetition = field.isNullable() ? Repetition.OPTIONAL : Repetition.REQUIRED;
        ArrowType type = field.getType();
        switch (type.getTypeID()) {
            case Int: {
                ArrowType.Int integer = (ArrowType.Int) type;
                if (integer.getBitWidth() == 64 || mapping.widest()) {
                    return Types.primitive(PrimitiveTypeName.INT64, repetition).named(name);
                }
                Types.PrimitiveBuilder<org.apache.parquet.schema.PrimitiveType> builder = Types.primitive(PrimitiveTypeName.INT32, repetition);
                if (integer.getBitWidth() < 32) {
                    // Without the annotation, readers would widen int8 and int16 columns to int32.
                    builder.as(LogicalTypeAnnotation.intType(integer.getBitWidth(), true));
                }
                return builder.named(name);
            }
            case FloatingPoint: {
                ArrowType.FloatingPoint fp = (ArrowType.FloatingPoint) type;
                PrimitiveTypeName physical = fp.getPrecision() == org.apache.arrow.vector.types.FloatingPointPrecision.SINGLE
                        && !mapping.widest() ? PrimitiveTypeName.FLOAT : PrimitiveTypeName.DOUBLE;
                // parquet-java 1.18 declares the IEEE 754 total order by default; readers before it then drop the
                // column's statistics, so the default declares the type-defined order every reader knows.
                ColumnOrder order = mapping.floatOrder() == TypeMapping.FloatOrder.TYPE_DEFINED
                        ? ColumnOrder.typeDefined() : ColumnOrder.ieee754TotalOrder();
                return Types.primitive(physical, repetition).columnOrder(order).named(name);
            }
            case Bool:
                return Types.primitive(PrimitiveTypeName.BOOLEAN, repetition).named(name);
            case Utf8:
                return Types.primitive(PrimitiveTypeName.BINARY, repetition).as(LogicalTypeAnnotation.stringType())
                        .named(name);
            case Binary:
                return Types.primitive(PrimitiveTypeName.BINARY, repetition).named(name);
            case Decimal: {
                ArrowType.Decimal decimal = (ArrowType.Decimal) type;
                int precision = mapping.widest() ? WIDEST_DECIMAL_PRECISION : decimal.getPrecision();
                LogicalTypeAnnotation annotation = LogicalTypeAnnotation.decimalType(decimal.getScale(), precision);
                // The narrowest physical type that holds the precision, as the Parquet spec recommends.
                if (precision <= 9) {
                    return Types.primitive(PrimitiveTypeName.INT32, repetition).as(annotation).named(name);
                }
                if (precision <= 18) {
                    return Types.primitive(PrimitiveTypeName.INT64, repetition).as(annotation).named(name);
                }
                return Types.primitive(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY, repetition)
                        .length(decimalBytes(precision)).as(annotation).named(name);
            }
            case Date:
                return Types.primitive(PrimitiveTypeName.INT32, repetition).as(LogicalTypeAnnotation.dateType())
                        .named(name);
            case Time:
                if (((ArrowType.Time) type).getUnit() == org.apache.arrow.vector.types.TimeUnit.MICROSECOND
                        && mapping.time() == TypeMapping.Time.INT32_MILLIS) {
                    // Avro time-micros, under the Spark-safe default: its microseconds as a plain INT64.
                    return Types.primitive(PrimitiveTypeName.INT64, repetition).named(name);
                }
                if (mapping.time() == TypeMapping.Time.INT32_MILLIS) {
                    // Spark refuses a file with any INT32 TIME column, so by default a time is its milliseconds.
                    return Types.primitive(PrimitiveTypeName.INT32, repetition).named(name);
                }
                // A time of day with no zone: "adjusted to UTC" would make DuckDB read TIME WITH TIME ZONE. MICROS
                // on INT64 is the one TIME that Spark (4.1+, with spark.sql.timeType.enabled) reads.
                return Types.primitive(PrimitiveTypeName.INT64, repetition)
                        .as(LogicalTypeAnnotation.timeType(false, LogicalTypeAnnotation.TimeUnit.MICROS)).named(name);
            case Timestamp: {
                ArrowType.Timestamp ts = (ArrowType.Timestamp) type;
                return Types.primitive(PrimitiveTypeName.INT64, repetition)
                        .as(LogicalTypeAnnotation.timestampType(ts.getTimezone() != null,
                                ts.getUnit() == org.apache.arrow.vector.types.TimeUnit.MICROSECOND
                                        ? LogicalTypeAnnotation.TimeUnit.MICROS : LogicalTypeAnnotation.TimeUnit.MILLIS))
                        .named(name);
            }
            case Struct: {
                Types.GroupBuilder<org.apache.parquet.schema.GroupType> group = Types.buildGroup(repetition);
                for (Field child : field.getChildren()) {
                    group.addField(toParquet(child, child.getName(), mapping));
                }
                return group.named(name);
            }
            case List: {
                Type element = toParquet(field.getChildren().get(0), "element", mapping);
                return Types.buildGroup(repetition).as(LogicalTypeAnnotation.listType())
                        .addField(Types.repeatedGroup().addField(element).named("list"))
                        .named(name);
            }
            case Map: {
                Field entries = field.getChildren().get(0);
                Type key = toParquet(entries.getChildren().get(0), "key", mapping);
                Type value = toParquet(entries.getChildren().get(1), "value", mapping);
                return Types.buildGroup(repetition).as(LogicalTypeAnnotation.mapType())
                        .addField(Types.repeatedGroup().addField(key).addField(value).named("key_value"))
                        .named(name);
            }
            default:
                throw new IllegalArgumentException("Arrow type " + type + " of column '" + name
                        + "' has no Parquet mapping in Quiver");
        }
    }

    /** The fewest bytes whose two's complement holds every unscaled value of {@code precision} digits. */
    static int decimalBytes(int precision) {
        int bytes = 1;
        while (Math.pow(2, 8 * bytes - 1) < Math.pow(10, precision)) {
            bytes++;
        }
        return bytes;
    }
}
