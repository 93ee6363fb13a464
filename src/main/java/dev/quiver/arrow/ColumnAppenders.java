package dev.quiver.arrow;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeStampMilliTZVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Builds the appender tree for a Connect schema over vectors made from {@link ArrowSchemas}: one small appender per
 * type, chosen once per column when the batch opens, so the per-record path has no type switch.
 */
public final class ColumnAppenders {
    private static final long MILLIS_PER_DAY = 86_400_000L;

    private ColumnAppenders() {
    }

    /** The appender for {@code schema} writing into {@code vector}, which must have been made from the same schema. */
    public static ColumnAppender create(Schema schema, FieldVector vector, String path) {
        boolean nullable = schema.isOptional();
        String logical = schema.name();
        if (logical != null) {
            switch (logical) {
                case JsonText.LOGICAL_NAME:
                    return new JsonTextAppender(path, nullable, (VarCharVector) vector);
                case Decimal.LOGICAL_NAME:
                    return new DecimalAppender(path, nullable, (DecimalVector) vector);
                case Date.LOGICAL_NAME:
                    return new DateAppender(path, nullable, (DateDayVector) vector);
                case Time.LOGICAL_NAME:
                    return new TimeAppender(path, nullable, (TimeMilliVector) vector);
                case Timestamp.LOGICAL_NAME:
                    return new TimestampAppender(path, nullable, (TimeStampMilliTZVector) vector);
                case ArrowSchemas.TIME_MICROS:
                case ArrowSchemas.TIMESTAMP_MICROS:
                case ArrowSchemas.LOCAL_TIMESTAMP_MILLIS:
                case ArrowSchemas.LOCAL_TIMESTAMP_MICROS:
                    return new LongTimeAppender(path, nullable, vector);
                default:
                    break;
            }
        }
        switch (schema.type()) {
            case INT8:
                return new Int8Appender(path, nullable, (TinyIntVector) vector);
            case INT16:
                return new Int16Appender(path, nullable, (SmallIntVector) vector);
            case INT32:
                return new Int32Appender(path, nullable, (IntVector) vector);
            case INT64:
                return new Int64Appender(path, nullable, (BigIntVector) vector);
            case FLOAT32:
                return new Float32Appender(path, nullable, (Float4Vector) vector);
            case FLOAT64:
                return new Float64Appender(path, nullable, (Float8Vector) vector);
            case BOOLEAN:
                return new BooleanAppender(path, nullable, (BitVector) vector);
            case STRING:
                return new StringAppender(path, nullable, (VarCharVector) vector);
            case BYTES:
                return new BytesAppender(path, nullable, (VarBinaryVector) vector);
            case STRUCT:
                return new StructAppender(path, nullable, (StructVector) vector, schema);
            case ARRAY:
                return new ListAppender(path, nullable, (ListVector) vector, schema);
            case MAP:
                return new MapAppender(path, nullable, (MapVector) vector, schema);
            default:
                throw new ColumnAppender.FieldException(path, "has unsupported Connect type " + schema.type());
        }
    }

    /** An int from a narrower integer type; anything else is a type error, never a silent truncation. */
    static int narrowInt(Object value) {
        if (value instanceof Short) {
            return (Short) value;
        }
        return (Byte) value;
    }

    /** A double from a float or an integer type, as widening merges allow. */
    static double exactDouble(Object value) {
        if (value instanceof Float) {
            // Through the decimal string, so 0.1f lands as 0.1 rather than 0.10000000149011612.
            return Double.parseDouble(value.toString());
        }
        if (value instanceof Long) {
            return (Long) value;
        }
        if (value instanceof Integer) {
            return (Integer) value;
        }
        return narrowInt(value);
    }

    static final class Int8Appender extends ColumnAppender {
        private final TinyIntVector vector;

        Int8Appender(String path, boolean nullable, TinyIntVector vector) {
            super(path, nullable);
            this.vector = vector;
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            vector.setSafe(row, (Byte) value);
        }

        @Override
        String expected() {
            return "an int8 (Byte)";
        }
    }

    static final class Int16Appender extends ColumnAppender {
        private final SmallIntVector vector;

        Int16Appender(String path, boolean nullable, SmallIntVector vector) {
            super(path, nullable);
            this.vector = vector;
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            vector.setSafe(row, value instanceof Byte ? (Byte) value : (Short) value);
        }

        @Override
        String expected() {
            return "an int16 (Short)";
        }
    }

    static final class Int32Appender extends ColumnAppender {
        private final IntVector vector;

        Int32Appender(String path, boolean nullable, IntVector vector) {
            super(path, nullable);
            this.vector = vector;
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            vector.setSafe(row, value instanceof Integer ? (Integer) value : narrowInt(value));
        }

        @Override
        String expected() {
            return "an int32 (Integer)";
        }
    }

    static final class Int64Appender extends ColumnAppender {
        private final BigIntVector vector;

        Int64Appender(String path, boolean nullable, BigIntVector vector) {
            super(path, nullable);
            this.vector = vector;
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            // An Integer too: an int32 column widened to int64 re-appends its earlier rows as they were read.
            vector.setSafe(row, value instanceof Long ? (Long) value
                    : value instanceof Integer ? (Integer) value : narrowInt(value));
        }

        @Override
        String expected() {
            return "an int64 (Long)";
        }
    }

    static final class Float32Appender extends ColumnAppender {
        private final Float4Vector vector;

        Float32Appender(String path, boolean nullable, Float4Vector vector) {
            super(path, nullable);
            this.vector = vector;
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            vector.setSafe(row, (Float) value);
        }

        @Override
        String expected() {
            return "a float32 (Float)";
        }
    }

    static final class Float64Appender extends ColumnAppender {
        private final Float8Vector vector;

        Float64Appender(String path, boolean nullable, Float8Vector vector) {
            super(path, nullable);
            this.vector = vector;
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            vector.setSafe(row, value instanceof Double ? (Double) value : exactDouble(value));
        }

        @Override
        String expected() {
            return "a float64 (Double)";
        }
    }

    static final class BooleanAppender extends ColumnAppender {
        private final BitVector vector;

        BooleanAppender(String path, boolean nullable, BitVector vector) {
            super(path, nullable);
            this.vector = vector;
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            vector.setSafe(row, (Boolean) value ? 1 : 0);
        }

        @Override
        String expected() {
            return "a boolean";
        }
    }

    static final class StringAppender extends ColumnAppender {
        private final VarCharVector vector;

        StringAppender(String path, boolean nullable, VarCharVector vector) {
            super(path, nullable);
            this.vector = vector;
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            DirectWrites.setBytes(vector, row, ((String) value).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        String expected() {
            return "a string";
        }
    }

    static final class BytesAppender extends ColumnAppender {
        private final VarBinaryVector vector;

        BytesAppender(String path, boolean nullable, VarBinaryVector vector) {
            super(path, nullable);
            this.vector = vector;
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            if (value instanceof byte[]) {
                DirectWrites.setBytes(vector, row, (byte[]) value);
            } else {
                ByteBuffer buffer = (ByteBuffer) value;
                vector.setSafe(row, buffer, buffer.position(), buffer.remaining());
            }
        }

        @Override
        String expected() {
            return "bytes (byte[] or ByteBuffer)";
        }
    }

    static final class DecimalAppender extends ColumnAppender {
        private final DecimalVector vector;
        private final int scale;
        private final int precision;

        DecimalAppender(String path, boolean nullable, DecimalVector vector) {
            super(path, nullable);
            this.vector = vector;
            this.scale = vector.getScale();
            this.precision = vector.getPrecision();
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            BigDecimal decimal = (BigDecimal) value;
            if (decimal.scale() != scale) {
                // Connect decimals carry their schema's scale; a different one only comes from a hand-built Struct.
                try {
                    decimal = decimal.setScale(scale, RoundingMode.UNNECESSARY);
                } catch (ArithmeticException e) {
                    throw new FieldException(path(), "has decimal " + decimal + " whose scale " + decimal.scale()
                            + " does not reduce to the schema's scale " + scale + " without rounding");
                }
            }
            if (decimal.precision() > precision) {
                throw new FieldException(path(), "has decimal " + decimal + " with " + decimal.precision()
                        + " digits, more than the precision " + precision + " of its column");
            }
            vector.setSafe(row, decimal);
        }

        @Override
        String expected() {
            return "a decimal (BigDecimal)";
        }
    }

    static final class DateAppender extends ColumnAppender {
        private final DateDayVector vector;

        DateAppender(String path, boolean nullable, DateDayVector vector) {
            super(path, nullable);
            this.vector = vector;
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            vector.setSafe(row, Math.toIntExact(Math.floorDiv(((java.util.Date) value).getTime(), MILLIS_PER_DAY)));
        }

        @Override
        String expected() {
            return "a date (java.util.Date)";
        }
    }

    static final class TimeAppender extends ColumnAppender {
        private final TimeMilliVector vector;

        TimeAppender(String path, boolean nullable, TimeMilliVector vector) {
            super(path, nullable);
            this.vector = vector;
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            vector.setSafe(row, (int) Math.floorMod(((java.util.Date) value).getTime(), MILLIS_PER_DAY));
        }

        @Override
        String expected() {
            return "a time (java.util.Date)";
        }
    }

    static final class TimestampAppender extends ColumnAppender {
        private final TimeStampMilliTZVector vector;

        TimestampAppender(String path, boolean nullable, TimeStampMilliTZVector vector) {
            super(path, nullable);
            this.vector = vector;
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            // Kafka record timestamps arrive as a Long; Connect Timestamp fields as a Date.
            vector.setSafe(row, value instanceof Long ? (Long) value : ((java.util.Date) value).getTime());
        }

        @Override
        String expected() {
            return "a timestamp (java.util.Date)";
        }
    }

    /** A time or timestamp of {@link ArrowSchemas#isLongTime} kind: a Long in the column's own unit. */
    static final class LongTimeAppender extends ColumnAppender {
        private final FieldVector vector;
        private final TimeStampVector timestamps;
        private final TimeMicroVector times;

        LongTimeAppender(String path, boolean nullable, FieldVector vector) {
            super(path, nullable);
            this.vector = vector;
            this.timestamps = vector instanceof TimeStampVector ? (TimeStampVector) vector : null;
            this.times = timestamps == null ? (TimeMicroVector) vector : null;
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            long v = (Long) value;
            if (timestamps != null) {
                timestamps.setSafe(row, v);
            } else {
                times.setSafe(row, v);
            }
        }

        @Override
        String expected() {
            return "an int64 (Long) in the column's unit";
        }
    }

    /** Any value, rendered as JSON text: the column of a schemaless field whose types conflict. */
    static final class JsonTextAppender extends ColumnAppender {
        private final VarCharVector vector;

        JsonTextAppender(String path, boolean nullable, VarCharVector vector) {
            super(path, nullable);
            this.vector = vector;
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            vector.setSafe(row, JsonText.render(value).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        String expected() {
            return "any value";
        }
    }

    /** A struct: its fields' appenders, in schema order, over the struct's child vectors. */
    static final class StructAppender extends ColumnAppender {
        private final StructVector vector;
        private final Schema schema;
        private final Field[] fields;
        private final ColumnAppender[] children;

        StructAppender(String path, boolean nullable, StructVector vector, Schema schema) {
            super(path, nullable);
            this.vector = vector;
            this.schema = schema;
            List<Field> schemaFields = schema.fields();
            this.fields = schemaFields.toArray(new Field[0]);
            this.children = new ColumnAppender[fields.length];
            for (int i = 0; i < fields.length; i++) {
                children[i] = create(fields[i].schema(), (FieldVector) vector.getChildByOrdinal(i),
                        path + "." + fields[i].name());
            }
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            vector.setIndexDefined(row);
            if (value instanceof Struct) {
                Struct struct = (Struct) value;
                if (struct.schema() == schema) {
                    for (int i = 0; i < children.length; i++) {
                        // Struct.get(Field) applies the field's default when the value is null.
                        children[i].append(row, struct.get(fields[i]));
                    }
                } else {
                    // An older or narrower version of the schema, merged into this one: match fields by name.
                    Schema own = struct.schema();
                    for (int i = 0; i < children.length; i++) {
                        Field field = own.field(fields[i].name());
                        children[i].append(row, field == null ? null : struct.get(field));
                    }
                }
            } else {
                // Schemaless data: a Map keyed by field name.
                Map<?, ?> map = (Map<?, ?>) value;
                for (int i = 0; i < children.length; i++) {
                    children[i].append(row, map.get(fields[i].name()));
                }
            }
        }

        @Override
        void appendNull(int row) {
            vector.setNull(row);
            for (ColumnAppender child : children) {
                child.appendNull(row);
            }
        }

        @Override
        String expected() {
            return "a struct or an object";
        }
    }

    /** A list: elements go to the child vector at the positions the list's offsets give. */
    static final class ListAppender extends ColumnAppender {
        private final ListVector vector;
        private final ColumnAppender element;

        ListAppender(String path, boolean nullable, ListVector vector, Schema schema) {
            super(path, nullable);
            this.vector = vector;
            this.element = create(schema.valueSchema(), vector.getDataVector(), path + "[]");
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object value) {
            List<?> list = (List<?>) value;
            int start = vector.startNewValue(row);
            int size = list.size();
            for (int i = 0; i < size; i++) {
                element.append(start + i, list.get(i));
            }
            vector.endValue(row, size);
        }

        @Override
        String expected() {
            return "a list";
        }
    }

    /** A map: entries become (key, value) structs of a list, which is Arrow's and Parquet's map layout. */
    static final class MapAppender extends ColumnAppender {
        private final MapVector vector;
        private final StructVector entries;
        private final ColumnAppender key;
        private final ColumnAppender value;

        MapAppender(String path, boolean nullable, MapVector vector, Schema schema) {
            super(path, nullable);
            this.vector = vector;
            this.entries = (StructVector) vector.getDataVector();
            this.key = create(schema.keySchema(), (FieldVector) entries.getChildByOrdinal(0), path + ".key");
            this.value = create(schema.valueSchema(), (FieldVector) entries.getChildByOrdinal(1), path + ".value");
        }

        @Override
        FieldVector vector() {
            return vector;
        }

        @Override
        void appendValue(int row, Object map) {
            Map<?, ?> entriesOfRow = (Map<?, ?>) map;
            int start = vector.startNewValue(row);
            int i = 0;
            for (Map.Entry<?, ?> entry : entriesOfRow.entrySet()) {
                if (entry.getKey() == null) {
                    throw new FieldException(path(), "has a null map key, which Parquet maps cannot hold");
                }
                entries.setIndexDefined(start + i);
                key.append(start + i, entry.getKey());
                value.append(start + i, entry.getValue());
                i++;
            }
            vector.endValue(row, i);
        }

        @Override
        String expected() {
            return "a map";
        }
    }
}
