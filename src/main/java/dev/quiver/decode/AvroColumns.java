package dev.quiver.decode;

import dev.quiver.arrow.DirectWrites;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
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
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.kafka.connect.errors.DataException;

/**
 * Binds an Avro writer schema to a batch's Arrow vectors: a tree of {@link Node}s, one per schema node, each reading
 * its value from {@link AvroInput} and writing it straight into its vector. The vectors are those
 * {@code dev.quiver.arrow.ArrowSchemas} made from {@link AvroSchemas#toConnect} of this writer schema or of a schema
 * the lattice merged it into ({@code dev.quiver.arrow.SchemaMerger}): fields are found by name, a field the batch has
 * and this writer lacks is written null, and a widened type (int into a long or double column, float into double)
 * is written widened. Anything else is a batch that was not made for this writer, a bug, reported as such.
 */
final class AvroColumns {

    private AvroColumns() {
    }

    /** One value of a schema node, read and written at an index of its vector. */
    abstract static class Node {
        /** Kinds a record reads without a virtual call (see {@link RecordNode#read}); 0 for the others. */
        static final int OTHER = 0;
        static final int LONG = 1;
        static final int INT = 2;
        static final int DOUBLE = 3;
        static final int STRING = 4;
        static final int BOOLEAN = 5;
        static final int TIMESTAMP = 6;

        final String path;
        final int kind;

        Node(String path) {
            this(path, OTHER);
        }

        Node(String path, int kind) {
            this.path = path;
            this.kind = kind;
        }

        abstract void read(AvroInput in, int i);

        abstract void writeNull(int i);
    }

    /** The reader for a whole value written with {@code writer}, into a batch's value columns. */
    static Node root(Schema writer, List<FieldVector> columns) {
        Schema record = unwrapOptional(writer);
        if (record.getType() == Schema.Type.RECORD) {
            Node fields = record(record, null, columns, "");
            return record == writer ? fields : optional(writer, fields, "");
        }
        if (record.getType() == Schema.Type.UNION) {
            // A union of several types is a struct of its members: one column per member at the top.
            return union(writer, null, columns, "");
        }
        if (columns.size() != 1) {
            throw new IllegalStateException("a value of Avro type " + writer.getType() + " needs one column, got "
                    + columns.size());
        }
        return bind(writer, columns.get(0), "");
    }

    /** The single non-null member of a null+T union, else the schema itself. */
    private static Schema unwrapOptional(Schema s) {
        if (s.getType() != Schema.Type.UNION) {
            return s;
        }
        Schema only = null;
        for (Schema m : s.getTypes()) {
            if (m.getType() != Schema.Type.NULL) {
                if (only != null) {
                    return s;
                }
                only = m;
            }
        }
        return only == null ? s : only;
    }

    private static Node bind(Schema s, FieldVector v, String path) {
        if (s.getType() == Schema.Type.UNION) {
            Schema member = unwrapOptional(s);
            if (member != s) {
                Node inner = bind(member, v, path);
                return s.getTypes().size() == 1 ? inner : optional(s, inner, path);
            }
            if (nonNullMembers(s) == 0) {
                return new NullNode(v, path);
            }
            return union(s, expect(v, StructVector.class, s, path), null, path);
        }
        LogicalType logical = s.getLogicalType();
        switch (s.getType()) {
            case NULL:
                return new NullNode(v, path);
            case BOOLEAN:
                return new BooleanNode(expect(v, BitVector.class, s, path), path);
            case INT:
                if (logical instanceof LogicalTypes.Date) {
                    return new DateNode(expect(v, DateDayVector.class, s, path), path);
                }
                if (logical instanceof LogicalTypes.TimeMillis) {
                    return new TimeMillisNode(expect(v, TimeMilliVector.class, s, path), path);
                }
                if (v instanceof BigIntVector) {
                    return new LongNode((BigIntVector) v, path, true);
                }
                if (v instanceof Float8Vector) {
                    return new DoubleNode((Float8Vector) v, path, Schema.Type.INT);
                }
                return new IntNode(expect(v, IntVector.class, s, path), path);
            case LONG:
                if (logical instanceof LogicalTypes.TimestampMillis) {
                    return new TimestampNode(expect(v, TimeStampVector.class, s, path), path);
                }
                if (logical instanceof LogicalTypes.TimeMicros) {
                    return new TimeMicrosNode(expect(v, TimeMicroVector.class, s, path), path);
                }
                if (logical instanceof LogicalTypes.TimestampMicros || logical instanceof LogicalTypes.LocalTimestampMillis
                        || logical instanceof LogicalTypes.LocalTimestampMicros) {
                    // Their own timestamp vectors (AvroSchemas): microseconds with UTC, or wall-clock with no zone.
                    return new TimestampNode(expect(v, TimeStampVector.class, s, path), path);
                }
                return new LongNode(expect(v, BigIntVector.class, s, path), path, false);
            case FLOAT:
                if (v instanceof Float8Vector) {
                    return new DoubleNode((Float8Vector) v, path, Schema.Type.FLOAT);
                }
                return new FloatNode(expect(v, Float4Vector.class, s, path), path);
            case DOUBLE:
                return new DoubleNode(expect(v, Float8Vector.class, s, path), path, Schema.Type.DOUBLE);
            case STRING:
                return new StringNode(expect(v, VarCharVector.class, s, path), path);
            case ENUM:
                return new EnumNode(expect(v, VarCharVector.class, s, path), path, s.getEnumSymbols());
            case BYTES:
            case FIXED: {
                int size = s.getType() == Schema.Type.FIXED ? s.getFixedSize() : -1;
                if (logical instanceof LogicalTypes.Decimal) {
                    return new DecimalNode(expect(v, DecimalVector.class, s, path), path, size);
                }
                return new BytesNode(expect(v, VarBinaryVector.class, s, path), path, size);
            }
            case RECORD: {
                StructVector struct = expect(v, StructVector.class, s, path);
                return record(s, struct, null, path);
            }
            case ARRAY: {
                ListVector list = expect(v, ListVector.class, s, path);
                if (list instanceof MapVector) {
                    throw mismatch(s, v, path);
                }
                return new ArrayNode(list, bind(s.getElementType(), list.getDataVector(), path + "[]"), path);
            }
            case MAP: {
                MapVector map = expect(v, MapVector.class, s, path);
                StructVector entries = (StructVector) map.getDataVector();
                VarCharVector keys = expect((FieldVector) entries.getChildByOrdinal(0), VarCharVector.class,
                        Schema.create(Schema.Type.STRING), path + ".key");
                Node value = bind(s.getValueType(), (FieldVector) entries.getChildByOrdinal(1), path + ".value");
                return new MapNode(map, entries, new StringNode(keys, path + ".key"), value, path);
            }
            default:
                throw new DataException("field '" + path + "' has Avro type " + s.getType()
                        + ", which Quiver cannot store");
        }
    }

    private static int nonNullMembers(Schema union) {
        int n = 0;
        for (Schema m : union.getTypes()) {
            if (m.getType() != Schema.Type.NULL) {
                n++;
            }
        }
        return n;
    }

    private static Node optional(Schema union, Node inner, String path) {
        List<Schema> types = union.getTypes();
        int nullIndex = -1;
        for (int k = 0; k < types.size(); k++) {
            if (types.get(k).getType() == Schema.Type.NULL) {
                nullIndex = k;
            }
        }
        return new OptionalNode(inner, nullIndex, types.size(), path);
    }

    /** A record into a struct vector, or at the top into the value columns ({@code struct} null). */
    private static Node record(Schema s, StructVector struct, List<FieldVector> columns, String path) {
        Map<String, FieldVector> byName = children(struct, columns);
        List<Node> fields = new ArrayList<>();
        for (Schema.Field f : s.getFields()) {
            String childPath = path.isEmpty() ? f.name() : path + "." + f.name();
            FieldVector child = byName.remove(f.name());
            if (child == null) {
                throw new IllegalStateException("the batch has no column for Avro field '" + childPath + "'");
            }
            fields.add(bind(f.schema(), child, childPath));
        }
        return new RecordNode(struct, fields.toArray(new Node[0]), absent(byName, path), path);
    }

    /** A union of several types into a struct of its members, named as {@link AvroSchemas#memberName} names them. */
    private static Node union(Schema s, StructVector struct, List<FieldVector> columns, String path) {
        Map<String, FieldVector> byName = children(struct, columns);
        List<Schema> types = s.getTypes();
        Node[] members = new Node[types.size()];
        List<Node> written = new ArrayList<>();
        for (int k = 0; k < types.size(); k++) {
            Schema m = types.get(k);
            if (m.getType() == Schema.Type.NULL) {
                continue;
            }
            String name = AvroSchemas.memberName(m);
            String childPath = path.isEmpty() ? name : path + "." + name;
            FieldVector child = byName.remove(name);
            if (child == null) {
                throw new IllegalStateException("the batch has no column for union member '" + childPath + "'");
            }
            members[k] = bind(m, child, childPath);
            written.add(members[k]);
        }
        return new UnionNode(struct, members, written.toArray(new Node[0]), absent(byName, path), path);
    }

    private static Map<String, FieldVector> children(StructVector struct, List<FieldVector> columns) {
        Map<String, FieldVector> byName = new HashMap<>();
        for (FieldVector c : struct != null ? struct.getChildrenFromFields() : columns) {
            byName.put(c.getName(), c);
        }
        return byName;
    }

    /** Columns the batch has and this writer does not: written null on every row. */
    private static Node[] absent(Map<String, FieldVector> rest, String path) {
        List<Node> nulls = new ArrayList<>();
        for (Map.Entry<String, FieldVector> e : rest.entrySet()) {
            nulls.add(new NullNode(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey()));
        }
        return nulls.toArray(new Node[0]);
    }

    private static <V> V expect(FieldVector v, Class<V> type, Schema s, String path) {
        if (!type.isInstance(v)) {
            throw mismatch(s, v, path);
        }
        return type.cast(v);
    }

    private static IllegalStateException mismatch(Schema s, FieldVector v, String path) {
        return new IllegalStateException("field '" + path + "': Avro " + s + " cannot be written into a column of "
                + v.getField().getType() + "; the batch was not made for this writer schema");
    }

    static DataException error(String path, String problem) {
        return path.isEmpty() ? new DataException("value " + problem)
                : new dev.quiver.arrow.ColumnAppender.FieldException(path, problem);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Containers

    private static final class RecordNode extends Node {
        private final StructVector struct;
        private final Node[] fields;
        private final Node[] absent;

        RecordNode(StructVector struct, Node[] fields, Node[] absent, String path) {
            super(path);
            this.struct = struct;
            this.fields = fields;
            this.absent = absent;
        }

        @Override
        void read(AvroInput in, int i) {
            // The common leaves by kind, so their reads inline here; a call through Node.read over a record's mix of
            // leaf classes is a megamorphic virtual call per field.
            for (Node f : fields) {
                switch (f.kind) {
                    case LONG:
                        ((LongNode) f).read(in, i);
                        break;
                    case INT:
                        ((IntNode) f).read(in, i);
                        break;
                    case DOUBLE:
                        ((DoubleNode) f).read(in, i);
                        break;
                    case STRING:
                        ((StringNode) f).read(in, i);
                        break;
                    case BOOLEAN:
                        ((BooleanNode) f).read(in, i);
                        break;
                    case TIMESTAMP:
                        ((TimestampNode) f).read(in, i);
                        break;
                    default:
                        f.read(in, i);
                }
            }
            for (Node a : absent) {
                a.writeNull(i);
            }
            if (struct != null) {
                struct.setIndexDefined(i);
            }
        }

        @Override
        void writeNull(int i) {
            if (struct != null) {
                struct.setNull(i);
            }
            for (Node f : fields) {
                f.writeNull(i);
            }
            for (Node a : absent) {
                a.writeNull(i);
            }
        }
    }

    private static final class UnionNode extends Node {
        private final StructVector struct;
        /** By union index; null for the null member. */
        private final Node[] byIndex;
        private final Node[] members;
        private final Node[] absent;

        UnionNode(StructVector struct, Node[] byIndex, Node[] members, Node[] absent, String path) {
            super(path);
            this.struct = struct;
            this.byIndex = byIndex;
            this.members = members;
            this.absent = absent;
        }

        @Override
        void read(AvroInput in, int i) {
            in.field = path;
            int index = in.readInt();
            if (index < 0 || index >= byIndex.length) {
                throw error(path, "is a union with " + byIndex.length + " members, but the value names member "
                        + index);
            }
            Node chosen = byIndex[index];
            if (chosen == null) {
                writeNull(i);
                in.rootNull = path.isEmpty();
                return;
            }
            for (Node m : members) {
                if (m == chosen) {
                    m.read(in, i);
                } else {
                    m.writeNull(i);
                }
            }
            for (Node a : absent) {
                a.writeNull(i);
            }
            if (struct != null) {
                struct.setIndexDefined(i);
            }
        }

        @Override
        void writeNull(int i) {
            if (struct != null) {
                struct.setNull(i);
            }
            for (Node m : members) {
                m.writeNull(i);
            }
            for (Node a : absent) {
                a.writeNull(i);
            }
        }
    }

    private static final class OptionalNode extends Node {
        private final Node inner;
        private final int nullIndex;
        private final int size;

        OptionalNode(Node inner, int nullIndex, int size, String path) {
            super(path);
            this.inner = inner;
            this.nullIndex = nullIndex;
            this.size = size;
        }

        @Override
        void read(AvroInput in, int i) {
            in.field = path;
            int index = in.readInt();
            if (index == nullIndex) {
                inner.writeNull(i);
                in.rootNull = path.isEmpty();
            } else if (index >= 0 && index < size) {
                inner.read(in, i);
            } else {
                throw error(path, "is a union with " + size + " members, but the value names member " + index);
            }
        }

        @Override
        void writeNull(int i) {
            inner.writeNull(i);
        }
    }

    private static final class ArrayNode extends Node {
        private final ListVector list;
        private final Node element;

        ArrayNode(ListVector list, Node element, String path) {
            super(path);
            this.list = list;
            this.element = element;
        }

        @Override
        void read(AvroInput in, int i) {
            int start = list.startNewValue(i);
            int count = 0;
            while (true) {
                in.field = path;
                long block = in.readBlockCount();
                if (block == 0) {
                    break;
                }
                for (long n = 0; n < block; n++) {
                    element.read(in, start + count++);
                }
            }
            list.endValue(i, count);
        }

        @Override
        void writeNull(int i) {
            list.setNull(i);
        }
    }

    private static final class MapNode extends Node {
        private final MapVector map;
        private final StructVector entries;
        private final Node key;
        private final Node value;

        MapNode(MapVector map, StructVector entries, Node key, Node value, String path) {
            super(path);
            this.map = map;
            this.entries = entries;
            this.key = key;
            this.value = value;
        }

        @Override
        void read(AvroInput in, int i) {
            int start = map.startNewValue(i);
            int count = 0;
            while (true) {
                in.field = path;
                long block = in.readBlockCount();
                if (block == 0) {
                    break;
                }
                for (long n = 0; n < block; n++) {
                    int at = start + count++;
                    key.read(in, at);
                    value.read(in, at);
                    entries.setIndexDefined(at);
                }
            }
            map.endValue(i, count);
        }

        @Override
        void writeNull(int i) {
            map.setNull(i);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Leaves

    /** A column this writer has no value for (an Avro null, or a field only other writer schemas have). */
    private static final class NullNode extends Node {
        private final FieldVector vector;

        NullNode(FieldVector vector, String path) {
            super(path);
            this.vector = vector;
        }

        @Override
        void read(AvroInput in, int i) {
            writeNull(i);
        }

        @Override
        void writeNull(int i) {
            nullAll(vector, i);
        }

        /** Structs null their children too, as every node writes every vector of its row. */
        private static void nullAll(FieldVector v, int i) {
            v.setNull(i);
            if (v instanceof StructVector) {
                for (FieldVector c : ((StructVector) v).getChildrenFromFields()) {
                    nullAll(c, i);
                }
            }
        }
    }

    private static final class BooleanNode extends Node {
        private final BitVector vector;

        BooleanNode(BitVector vector, String path) {
            super(path, BOOLEAN);
            this.vector = vector;
        }

        @Override
        void read(AvroInput in, int i) {
            in.field = path;
            boolean v = in.readBoolean();
            if (!DirectWrites.putBit(vector, i, v)) {
                vector.setSafe(i, v ? 1 : 0);
            }
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    private static final class IntNode extends Node {
        private final IntVector vector;

        IntNode(IntVector vector, String path) {
            super(path, INT);
            this.vector = vector;
        }

        @Override
        void read(AvroInput in, int i) {
            in.field = path;
            int v = in.readInt();
            if (!DirectWrites.putInt(vector, i, v)) {
                vector.setSafe(i, v);
            }
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    private static final class DateNode extends Node {
        private final DateDayVector vector;

        DateNode(DateDayVector vector, String path) {
            super(path);
            this.vector = vector;
        }

        @Override
        void read(AvroInput in, int i) {
            in.field = path;
            vector.setSafe(i, in.readInt());
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    private static final class TimeMillisNode extends Node {
        private final TimeMilliVector vector;

        TimeMillisNode(TimeMilliVector vector, String path) {
            super(path);
            this.vector = vector;
        }

        @Override
        void read(AvroInput in, int i) {
            in.field = path;
            vector.setSafe(i, in.readInt());
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    /** A long, or an int widened into a long column. */
    private static final class LongNode extends Node {
        private final BigIntVector vector;
        private final boolean fromInt;

        LongNode(BigIntVector vector, String path, boolean fromInt) {
            super(path, LONG);
            this.vector = vector;
            this.fromInt = fromInt;
        }

        @Override
        void read(AvroInput in, int i) {
            in.field = path;
            long v = fromInt ? in.readInt() : in.readLong();
            if (!DirectWrites.putLong(vector, i, v)) {
                vector.setSafe(i, v);
            }
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    private static final class TimestampNode extends Node {
        private final TimeStampVector vector;

        TimestampNode(TimeStampVector vector, String path) {
            super(path, TIMESTAMP);
            this.vector = vector;
        }

        @Override
        void read(AvroInput in, int i) {
            in.field = path;
            long v = in.readLong();
            if (!DirectWrites.putLong(vector, i, v)) {
                vector.setSafe(i, v);
            }
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    private static final class TimeMicrosNode extends Node {
        private final TimeMicroVector vector;

        TimeMicrosNode(TimeMicroVector vector, String path) {
            super(path);
            this.vector = vector;
        }

        @Override
        void read(AvroInput in, int i) {
            in.field = path;
            vector.setSafe(i, in.readLong());
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    private static final class FloatNode extends Node {
        private final Float4Vector vector;

        FloatNode(Float4Vector vector, String path) {
            super(path);
            this.vector = vector;
        }

        @Override
        void read(AvroInput in, int i) {
            in.field = path;
            vector.setSafe(i, in.readFloat());
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    /** A double, or an int or float widened into a double column (exactly: both fit a double). */
    private static final class DoubleNode extends Node {
        private final Float8Vector vector;
        private final Schema.Type written;

        DoubleNode(Float8Vector vector, String path, Schema.Type written) {
            super(path, DOUBLE);
            this.vector = vector;
            this.written = written;
        }

        @Override
        void read(AvroInput in, int i) {
            in.field = path;
            double v = written == Schema.Type.DOUBLE ? in.readDouble()
                    : written == Schema.Type.FLOAT ? in.readFloat() : in.readInt();
            if (!DirectWrites.putLong(vector, i, Double.doubleToRawLongBits(v))) {
                vector.setSafe(i, v);
            }
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    /** Strings (uuid too) are checked as UTF-8 and copied from the input into the vector: no String per value. */
    private static final class StringNode extends Node {
        private final VarCharVector vector;

        StringNode(VarCharVector vector, String path) {
            super(path, STRING);
            this.vector = vector;
        }

        @Override
        void read(AvroInput in, int i) {
            in.field = path;
            int length = in.readLength();
            int at = in.pos;
            if (!Utf8Buffer.isValidUtf8(in.buf, at, length)) {
                throw error(path, "is a string whose bytes are not valid UTF-8");
            }
            DirectWrites.setBytes(vector, i, in.buf, at, length);
            in.pos = at + length;
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    private static final class EnumNode extends Node {
        private final VarCharVector vector;
        private final byte[][] symbols;

        EnumNode(VarCharVector vector, String path, List<String> names) {
            super(path);
            this.vector = vector;
            this.symbols = new byte[names.size()][];
            for (int k = 0; k < symbols.length; k++) {
                symbols[k] = names.get(k).getBytes(StandardCharsets.UTF_8);
            }
        }

        @Override
        void read(AvroInput in, int i) {
            in.field = path;
            int index = in.readInt();
            if (index < 0 || index >= symbols.length) {
                throw error(path, "is an enum of " + symbols.length + " symbols, but the value names symbol " + index);
            }
            vector.setSafe(i, symbols[index]);
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    /** Bytes (length-prefixed) or fixed ({@code size} bytes). */
    private static final class BytesNode extends Node {
        private final VarBinaryVector vector;
        private final int size;

        BytesNode(VarBinaryVector vector, String path, int size) {
            super(path);
            this.vector = vector;
            this.size = size;
        }

        @Override
        void read(AvroInput in, int i) {
            in.field = path;
            int length = size >= 0 ? size : in.readLength();
            in.need(length);
            DirectWrites.setBytes(vector, i, in.buf, in.pos, length);
            in.pos += length;
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    /**
     * A decimal: the unscaled value as big-endian two's complement, in bytes or a fixed. Up to 8 bytes it is a long;
     * up to 16 it goes through a scratch array per length, so no array is made per value.
     */
    private static final class DecimalNode extends Node {
        private final DecimalVector vector;
        private final int size;
        private final byte[][] scratch = new byte[17][];

        DecimalNode(DecimalVector vector, String path, int size) {
            super(path);
            this.vector = vector;
            this.size = size;
        }

        @Override
        void read(AvroInput in, int i) {
            in.field = path;
            int length = size >= 0 ? size : in.readLength();
            in.need(length);
            byte[] b = in.buf;
            int at = in.pos;
            in.pos = at + length;
            // A wide fixed may carry redundant sign bytes; strip them so the value is judged by its digits.
            while (length > 16 && (b[at] == 0 && b[at + 1] >= 0 || b[at] == -1 && b[at + 1] < 0)) {
                at++;
                length--;
            }
            if (length == 0) {
                vector.setSafe(i, 0L);
            } else if (length <= 8) {
                long v = b[at]; // sign-extended
                for (int k = 1; k < length; k++) {
                    v = (v << 8) | (b[at + k] & 0xff);
                }
                vector.setSafe(i, v);
            } else if (length <= 16) {
                byte[] s = scratch[length];
                if (s == null) {
                    s = scratch[length] = new byte[length];
                }
                System.arraycopy(b, at, s, 0, length);
                vector.setBigEndianSafe(i, s);
            } else {
                throw error(path, "is a decimal of " + length + " bytes, beyond the 38 digits a Parquet decimal of"
                        + " this writer holds");
            }
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }
}
