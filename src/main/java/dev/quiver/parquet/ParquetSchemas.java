package dev.quiver.parquet;

import java.util.List;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
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

    private ParquetSchemas() {
    }

    /** The Parquet message type for these top-level Arrow fields. */
    public static MessageType toParquet(List<Field> fields) {
        Types.MessageTypeBuilder message = Types.buildMessage();
        for (Field field : fields) {
            message.addField(toParquet(field));
        }
        return message.named(MESSAGE_NAME);
    }

    static Type toParquet(Field field) {
        return toParquet(field, field.getName());
    }

    private static Type toParquet(Field field, String name) {
        Repetition repetition = field.isNullable() ? Repetition.OPTIONAL : Repetition.REQUIRED;
        ArrowType type = field.getType();
        switch (type.getTypeID()) {
            case Int: {
                ArrowType.Int integer = (ArrowType.Int) type;
                if (integer.getBitWidth() == 64) {
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
                        ? PrimitiveTypeName.FLOAT : PrimitiveTypeName.DOUBLE;
                return Types.primitive(physical, repetition).named(name);
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
                LogicalTypeAnnotation annotation =
                        LogicalTypeAnnotation.decimalType(decimal.getScale(), decimal.getPrecision());
                // The narrowest physical type that holds the precision, as the Parquet spec recommends.
                if (decimal.getPrecision() <= 9) {
                    return Types.primitive(PrimitiveTypeName.INT32, repetition).as(annotation).named(name);
                }
                if (decimal.getPrecision() <= 18) {
                    return Types.primitive(PrimitiveTypeName.INT64, repetition).as(annotation).named(name);
                }
                return Types.primitive(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY, repetition)
                        .length(decimalBytes(decimal.getPrecision())).as(annotation).named(name);
            }
            case Date:
                return Types.primitive(PrimitiveTypeName.INT32, repetition).as(LogicalTypeAnnotation.dateType())
                        .named(name);
            case Time:
                // A time of day with no zone: "adjusted to UTC" would make DuckDB read TIME WITH TIME ZONE.
                return Types.primitive(PrimitiveTypeName.INT32, repetition)
                        .as(LogicalTypeAnnotation.timeType(false, LogicalTypeAnnotation.TimeUnit.MILLIS)).named(name);
            case Timestamp: {
                ArrowType.Timestamp ts = (ArrowType.Timestamp) type;
                return Types.primitive(PrimitiveTypeName.INT64, repetition)
                        .as(LogicalTypeAnnotation.timestampType(ts.getTimezone() != null,
                                LogicalTypeAnnotation.TimeUnit.MILLIS))
                        .named(name);
            }
            case Struct: {
                Types.GroupBuilder<org.apache.parquet.schema.GroupType> group = Types.buildGroup(repetition);
                for (Field child : field.getChildren()) {
                    group.addField(toParquet(child));
                }
                return group.named(name);
            }
            case List: {
                Type element = toParquet(field.getChildren().get(0), "element");
                return Types.buildGroup(repetition).as(LogicalTypeAnnotation.listType())
                        .addField(Types.repeatedGroup().addField(element).named("list"))
                        .named(name);
            }
            case Map: {
                Field entries = field.getChildren().get(0);
                Type key = toParquet(entries.getChildren().get(0), "key");
                Type value = toParquet(entries.getChildren().get(1), "value");
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
