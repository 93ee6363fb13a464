package dev.quiver.arrow;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;

/**
 * Reads values back out of vectors as the Java objects Connect uses, for one purpose: moving the rows of a column
 * whose type widened into the wider column. Only schema evolution pays for this, never the per-record path.
 */
final class ColumnReaders {
    private static final long MILLIS_PER_DAY = 86_400_000L;

    private ColumnReaders() {
    }

    /** Reads row {@code row} of {@code vector}, which was built for {@code schema}; null for a null slot. */
    static Object read(FieldVector vector, Schema schema, int row) {
        if (vector.isNull(row)) {
            return null;
        }
        if (JsonText.is(schema)) {
            return new JsonText.Raw(new String(((VarCharVector) vector).get(row), StandardCharsets.UTF_8));
        }
        if (vector instanceof TinyIntVector) {
            return ((TinyIntVector) vector).get(row);
        }
        if (vector instanceof SmallIntVector) {
            return ((SmallIntVector) vector).get(row);
        }
        if (vector instanceof IntVector) {
            return ((IntVector) vector).get(row);
        }
        if (vector instanceof BigIntVector) {
            return ((BigIntVector) vector).get(row);
        }
        if (vector instanceof Float4Vector) {
            return ((Float4Vector) vector).get(row);
        }
        if (vector instanceof Float8Vector) {
            return ((Float8Vector) vector).get(row);
        }
        if (vector instanceof BitVector) {
            return ((BitVector) vector).get(row) != 0;
        }
        if (vector instanceof VarCharVector) {
            return new String(((VarCharVector) vector).get(row), StandardCharsets.UTF_8);
        }
        if (vector instanceof VarBinaryVector) {
            return ((VarBinaryVector) vector).get(row);
        }
        if (vector instanceof DecimalVector) {
            return ((DecimalVector) vector).getObject(row);
        }
        if (vector instanceof DateDayVector) {
            return new java.util.Date(((DateDayVector) vector).get(row) * MILLIS_PER_DAY);
        }
        if (vector instanceof TimeMilliVector) {
            return new java.util.Date(((TimeMilliVector) vector).get(row));
        }
        if (vector instanceof TimeStampMilliTZVector) {
            return new java.util.Date(((TimeStampMilliTZVector) vector).get(row));
        }
        if (vector instanceof TimeStampVector) {
            // The zone-less and microsecond timestamps (ArrowSchemas.TIMESTAMP_MICROS...): longs in their unit.
            return ((TimeStampVector) vector).get(row);
        }
        if (vector instanceof TimeMicroVector) {
            return ((TimeMicroVector) vector).get(row);
        }
        if (vector instanceof StructVector) {
            // A Map by field name, not a Struct: a field read back as JSON text (JsonText.Raw) is no String, which a
            // Struct would refuse; the struct and JSON-text appenders take Maps alike.
            StructVector struct = (StructVector) vector;
            Map<String, Object> value = new LinkedHashMap<>();
            List<Field> fields = schema.fields();
            for (int i = 0; i < fields.size(); i++) {
                value.put(fields.get(i).name(), read((FieldVector) struct.getChildByOrdinal(i), fields.get(i).schema(),
                        row));
            }
            return value;
        }
        if (vector instanceof MapVector) {
            MapVector map = (MapVector) vector;
            StructVector entries = (StructVector) map.getDataVector();
            Map<Object, Object> value = new LinkedHashMap<>();
            for (int i = map.getElementStartIndex(row); i < map.getElementEndIndex(row); i++) {
                value.put(read((FieldVector) entries.getChildByOrdinal(0), schema.keySchema(), i),
                        read((FieldVector) entries.getChildByOrdinal(1), schema.valueSchema(), i));
            }
            return value;
        }
        if (vector instanceof ListVector) {
            ListVector list = (ListVector) vector;
            List<Object> value = new ArrayList<>();
            for (int i = list.getElementStartIndex(row); i < list.getElementEndIndex(row); i++) {
                value.add(read(list.getDataVector(), schema.valueSchema(), i));
            }
            return value;
        }
        throw new IllegalStateException("no reader for " + vector.getClass().getSimpleName());
    }
}
