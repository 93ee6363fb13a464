package dev.quiver.decode;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.WireFormat;
import dev.quiver.arrow.ColumnAppender.FieldException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TimeStampMilliTZVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;

/**
 * Decodes Protobuf messages straight into a batch's value vectors with {@link CodedInputStream}: one handler per
 * field, chosen once per batch and found by field number, so no DynamicMessage, Struct or String exists per record
 * (string and bytes fields are checked and copied from the input array into the vectors).
 *
 * <p>Columns and their types are those of {@link ProtobufSchemas#toConnect}. On the wire it follows protobuf's
 * rules: unknown fields are skipped; repeated scalars may be packed or not; a singular field seen twice keeps the last
 * value (a message seen twice is merged); of a oneof only the last member set is non-null. It is strict where the
 * bytes are wrong: a truncated or malformed message, a field with the wrong wire type, a string that is not UTF-8, or
 * group nesting past protobuf's recursion limit is a bad record whose message names the field.
 *
 * <p>Wire formats ({@link WireFormat}): PLAIN bytes of the message; CONFLUENT, Confluent's serializer framing (magic
 * byte 0, 4-byte schema id, then the message indexes as zigzag varints: a count followed by that many indexes, or a
 * single 0 for the file's first message); AUTO tells them apart by the first byte, which is safe because a plain
 * message never starts with a zero byte (that would be field number 0, which protobuf forbids). With the Confluent
 * framing the indexes must name the configured message in its file, else the record is bad: it was written with
 * another message type. With a descriptor set in the config the schema id is not checked (there is no registry to
 * ask); with a Schema Registry, {@link ProtobufRegistryDecoder} picks a decoder per schema id and message indexes.
 *
 * <p>Not thread-safe: one decoder per task.
 */
public final class ProtobufDecoder implements ValueDecoder {

    /** How values are framed. */
    public enum Framing {
        PLAIN, CONFLUENT, AUTO;

        /** Case-insensitive; throws IllegalArgumentException for anything else. */
        public static Framing parse(String text) {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        }
    }

    private static final int MAX_INDEXES = 64;
    private static final int DENSE_FIELD_NUMBERS = 1024;

    private final Descriptor message;
    private final Schema schema;
    /** The schema of the columns this decoder writes: its own, or a batch's that the lattice merged it into. */
    private final Schema columnsSchema;
    private final Framing framing;
    private final int[] confluentIndexes;
    private final ColumnBindings<MessageNode> bindings = new ColumnBindings<>(this::bind);
    private final RawBytes rawBytes = new RawBytes();
    /** The array being decoded and where the CodedInputStream starts in it, for zero-copy strings and bytes. */
    private byte[] input;
    private int inputBase;

    public ProtobufDecoder(Descriptor message, Framing framing) {
        this.message = Objects.requireNonNull(message, "message");
        this.framing = Objects.requireNonNull(framing, "framing");
        this.schema = ProtobufSchemas.toConnect(message);
        this.columnsSchema = schema;
        this.confluentIndexes = ProtobufSchemas.confluentIndexes(message);
    }

    /** {@code writer} bound to the columns of {@code batchSchema}. */
    private ProtobufDecoder(ProtobufDecoder writer, Schema batchSchema) {
        this.message = writer.message;
        this.framing = writer.framing;
        this.schema = batchSchema;
        this.columnsSchema = batchSchema;
        this.confluentIndexes = writer.confluentIndexes;
    }

    /** A decoder for message {@code messageName} of a serialized FileDescriptorSet. */
    public static ProtobufDecoder fromDescriptorSet(byte[] descriptorSet, String messageName, Framing framing) {
        return new ProtobufDecoder(ProtobufSchemas.find(ProtobufSchemas.load(descriptorSet), messageName), framing);
    }

    @Override
    public Schema valueSchema() {
        return schema;
    }

    public Descriptor message() {
        return message;
    }

    private Schema boundSchema;
    private ProtobufDecoder bound;

    /**
     * This message's decoder writing into the columns of {@code batchSchema}, a schema the lattice
     * ({@code dev.quiver.arrow.SchemaMerger}) merged this message's schema into (Protobuf from a Schema Registry, where
     * the records of one partition may carry several schema ids): columns are found by field name, a column this
     * message lacks is written null, and a widened type (an int32 into an int64 or double column, a float into a
     * double one) is written widened. Absent fields without presence still land as their proto3 default.
     */
    @Override
    public ValueDecoder boundTo(Schema batchSchema) {
        if (batchSchema == columnsSchema) {
            return this;
        }
        if (batchSchema != boundSchema) {
            boundSchema = batchSchema;
            bound = new ProtobufDecoder(this, batchSchema);
        }
        return bound;
    }

    @Override
    public void decode(Object raw, List<FieldVector> columns, int row) {
        MessageNode root = bindings.forColumns(columns);
        RawBytes value = rawBytes.reset(raw, "a Protobuf decoder");
        byte[] bytes = value.bytes;
        int offset = value.offset;
        int length = value.length;
        if (framing == Framing.CONFLUENT || (framing == Framing.AUTO && length > 0 && bytes[offset] == 0)) {
            int header = confluentHeader(bytes, offset, length);
            offset += header;
            length -= header;
        }
        input = bytes;
        inputBase = offset;
        CodedInputStream in = CodedInputStream.newInstance(bytes, offset, length);
        root.begin(row);
        root.body(in, row);
        root.finish(row);
    }

    /** Checks the Confluent framing and returns its length. */
    private int confluentHeader(byte[] bytes, int offset, int length) {
        if (length < 6 || bytes[offset] != 0) {
            throw new DataException("value does not start with the Confluent wire-format header (magic byte 0, a"
                    + " 4-byte schema id and the message indexes)");
        }
        int schemaId = ((bytes[offset + 1] & 0xFF) << 24) | ((bytes[offset + 2] & 0xFF) << 16)
                | ((bytes[offset + 3] & 0xFF) << 8) | (bytes[offset + 4] & 0xFF);
        CodedInputStream header = CodedInputStream.newInstance(bytes, offset + 5, length - 5);
        // Compared as read: no array per record (the common case matches); the mismatch message reads them again.
        boolean matches;
        try {
            int count = header.readSInt32();
            if (count < 0 || count > MAX_INDEXES) {
                throw new DataException("value's Confluent header (schema id " + schemaId + ") has " + count
                        + " message indexes, which is not a valid count");
            }
            if (count == 0) {
                matches = confluentIndexes.length == 1 && confluentIndexes[0] == 0;
            } else {
                matches = count == confluentIndexes.length;
                for (int i = 0; i < count; i++) {
                    int index = header.readSInt32();
                    matches &= i < confluentIndexes.length && index == confluentIndexes[i];
                }
            }
        } catch (IOException e) {
            throw new DataException("value's Confluent header (schema id " + schemaId + ") ends inside its message"
                    + " indexes: " + e.getMessage());
        }
        if (!matches) {
            throw new DataException("value's Confluent header (schema id " + schemaId + ") names message indexes "
                    + Arrays.toString(indexesOf(bytes, offset + 5, length - 5)) + " of its file, but "
                    + message.getFullName() + " is at " + Arrays.toString(confluentIndexes)
                    + ": the record was written with another message type");
        }
        return 5 + header.getTotalBytesRead();
    }

    /** The message indexes of a header already read once without error. */
    private static int[] indexesOf(byte[] bytes, int offset, int length) {
        CodedInputStream in = CodedInputStream.newInstance(bytes, offset, length);
        try {
            int count = in.readSInt32();
            if (count == 0) {
                return new int[] {0};
            }
            int[] out = new int[count];
            for (int i = 0; i < count; i++) {
                out[i] = in.readSInt32();
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("a header read once did not read again", e);
        }
    }

    private MessageNode bind(List<FieldVector> columns) {
        List<org.apache.kafka.connect.data.Field> fields = columnsSchema.fields();
        if (columns.size() != fields.size()) {
            throw new IllegalStateException("expected " + fields.size() + " value columns, got " + columns.size());
        }
        return new MessageNode(message, columnsSchema, columns, "");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Errors

    static DataException malformed(String path, IOException e) {
        return error(path, "is truncated or malformed protobuf: " + e.getMessage());
    }

    /** An error at a field (its path), or at the value itself (the empty path). */
    static DataException error(String path, String problem) {
        return path.isEmpty() ? new DataException("value " + problem) : new FieldException(path, problem);
    }

    private static int tag(int number, int wireType) {
        return (number << 3) | wireType;
    }

    private static String wireTypeName(int wireType) {
        switch (wireType) {
            case WireFormat.WIRETYPE_VARINT:
                return "varint (0)";
            case WireFormat.WIRETYPE_FIXED64:
                return "64-bit (1)";
            case WireFormat.WIRETYPE_LENGTH_DELIMITED:
                return "length-delimited (2)";
            case WireFormat.WIRETYPE_START_GROUP:
                return "start-group (3)";
            case WireFormat.WIRETYPE_END_GROUP:
                return "end-group (4)";
            case WireFormat.WIRETYPE_FIXED32:
                return "32-bit (5)";
            default:
                return "invalid (" + wireType + ")";
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Messages and fields

    /** One message type at one place in the columns: its fields' handlers, found by number. */
    private final class MessageNode {
        private final String path;
        private final FieldHandler[] fields;
        private final FieldHandler[] dense;
        private final Map<Integer, FieldHandler> sparse;

        MessageNode(Descriptor descriptor, Schema struct, List<FieldVector> vectors, String path) {
            this.path = path;
            List<org.apache.kafka.connect.data.Field> columns = struct.fields();
            this.fields = new FieldHandler[columns.size()];
            int maxNumber = 0;
            for (int k = 0; k < fields.length; k++) {
                org.apache.kafka.connect.data.Field column = columns.get(k);
                FieldDescriptor fd = descriptor.findFieldByName(column.name());
                String fieldPath = path.isEmpty() ? column.name() : path + "." + column.name();
                if (fd == null || ProtobufSchemas.fieldSchema(fd, new java.util.HashSet<>()) == null) {
                    // A column of a batch merged from several schemas that this message does not have.
                    fields[k] = new Absent(fieldPath, vectors.get(k), column.schema());
                    continue;
                }
                fields[k] = handler(fd, column.schema(), vectors.get(k), fieldPath);
                maxNumber = Math.max(maxNumber, fd.getNumber());
            }
            // Oneof members clear each other: the last one set is the one that counts.
            Map<Integer, List<FieldHandler>> oneofs = new HashMap<>();
            for (int k = 0; k < fields.length; k++) {
                FieldDescriptor fd = descriptor.findFieldByName(columns.get(k).name());
                if (fields[k] instanceof Absent) {
                    continue;
                }
                if (fd.getRealContainingOneof() != null) {
                    oneofs.computeIfAbsent(fd.getRealContainingOneof().getIndex(), x -> new ArrayList<>())
                            .add(fields[k]);
                }
            }
            for (List<FieldHandler> members : oneofs.values()) {
                if (members.size() > 1) {
                    FieldHandler[] group = members.toArray(new FieldHandler[0]);
                    for (FieldHandler member : group) {
                        member.oneof = group;
                    }
                }
            }
            if (maxNumber < DENSE_FIELD_NUMBERS) {
                dense = new FieldHandler[maxNumber + 1];
                sparse = null;
                for (FieldHandler f : fields) {
                    if (f.number > 0) {
                        dense[f.number] = f;
                    }
                }
            } else {
                dense = null;
                sparse = new HashMap<>();
                for (FieldHandler f : fields) {
                    if (f.number > 0) {
                        sparse.put(f.number, f);
                    }
                }
            }
        }

        void begin(int row) {
            for (FieldHandler f : fields) {
                f.begin(row);
            }
        }

        /** Reads fields until the input (or its pushed limit) ends. */
        void body(CodedInputStream in, int row) {
            FieldHandler[] dense = this.dense;
            while (true) {
                int tag;
                try {
                    tag = in.readTag();
                } catch (IOException e) {
                    if (path.isEmpty() && framing == Framing.PLAIN && in.getTotalBytesRead() <= 1) {
                        throw error(path, "is not a plain protobuf message (" + e.getMessage() + "); if the producer"
                                + " uses Confluent's serializer, set value.protobuf.wire.format=confluent or auto");
                    }
                    throw malformed(path, e);
                }
                if (tag == 0) {
                    return;
                }
                int number = tag >>> 3;
                FieldHandler f = dense != null ? (number < dense.length ? dense[number] : null) : sparse.get(number);
                int wireType = tag & 7;
                if (f == null) {
                    skip(in, tag, wireType, number);
                    continue;
                }
                try {
                    f.read(in, wireType, row);
                } catch (IOException e) {
                    throw malformed(f.path, e);
                }
                if (f.oneof != null) {
                    for (FieldHandler member : f.oneof) {
                        if (member != f) {
                            member.seen = false;
                        }
                    }
                }
            }
        }

        private void skip(CodedInputStream in, int tag, int wireType, int number) {
            if (wireType == WireFormat.WIRETYPE_END_GROUP) {
                throw error(path, "is malformed protobuf: an end-group tag (field " + number + ") with no group open");
            }
            try {
                if (!in.skipField(tag)) {
                    throw error(path, "is malformed protobuf at field " + number);
                }
            } catch (IOException e) {
                throw error(path, "is truncated or malformed protobuf in unknown field " + number + ": "
                        + e.getMessage());
            }
        }

        void finish(int row) {
            for (FieldHandler f : fields) {
                f.finish(row);
            }
        }

        void writeNull(int row) {
            for (FieldHandler f : fields) {
                f.writeNull(row);
            }
        }
    }

    private FieldHandler handler(FieldDescriptor fd, Schema column, FieldVector vector, String path) {
        if (fd.isMapField()) {
            ListVector map = (ListVector) vector;
            StructVector entries = (StructVector) map.getDataVector();
            Descriptor entry = fd.getMessageType();
            // The entry is a message of key (1) and value (2); its columns are the map's key and value.
            Schema entrySchema = org.apache.kafka.connect.data.SchemaBuilder.struct()
                    .field("key", column.keySchema()).field("value", column.valueSchema()).build();
            MessageNode node = new MessageNode(entry, entrySchema,
                    List.of((FieldVector) entries.getChildByOrdinal(0), (FieldVector) entries.getChildByOrdinal(1)),
                    path);
            return new RepeatedMessage(fd, path, map, entries, node);
        }
        if (fd.isRepeated()) {
            ListVector list = (ListVector) vector;
            Schema element = column.valueSchema();
            if (element.type() == Schema.Type.STRUCT) {
                StructVector structs = (StructVector) list.getDataVector();
                return new RepeatedMessage(fd, path, list, structs,
                        new MessageNode(fd.getMessageType(), element, children(structs), path + "[]"));
            }
            return new Repeated(fd, path, list, value(fd, element, list.getDataVector(), path + "[]"));
        }
        if (fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE && column.type() == Schema.Type.STRUCT) {
            StructVector struct = (StructVector) vector;
            return new Singular(fd, path, struct, new MessageNode(fd.getMessageType(), column, children(struct), path));
        }
        // Null when absent only where the writer's field has presence: a plain proto3 scalar in a column made optional
        // by another schema version still lands as its default, as every protobuf reader of this writer sees it.
        return new Single(fd, path, value(fd, column, vector, path), column.isOptional() && fd.hasPresence());
    }

    private static List<FieldVector> children(StructVector struct) {
        List<FieldVector> out = new ArrayList<>(struct.size());
        for (int i = 0; i < struct.size(); i++) {
            out.add((FieldVector) struct.getChildByOrdinal(i));
        }
        return out;
    }

    private Value value(FieldDescriptor fd, Schema column, FieldVector vector, String path) {
        switch (fd.getType()) {
            case INT32:
            case SINT32:
            case SFIXED32:
                if (!(vector instanceof IntVector)) {
                    return new WidenedInt32Value(fd.getType(), vector);
                }
                return new Int32Value(fd.getType(), (IntVector) vector);
            case INT64:
            case SINT64:
            case SFIXED64:
            case UINT32:
            case FIXED32:
                return new Int64Value(fd.getType(), (BigIntVector) vector);
            case UINT64:
            case FIXED64:
                return new UInt64Value(fd.getType(), (DecimalVector) vector);
            case FLOAT:
                if (vector instanceof Float8Vector) {
                    return new WidenedFloatValue((Float8Vector) vector);
                }
                return new FloatValue((Float4Vector) vector);
            case DOUBLE:
                return new DoubleValue((Float8Vector) vector);
            case BOOL:
                return new BoolValue((BitVector) vector);
            case STRING:
                return new StringValue((VarCharVector) vector, path);
            case BYTES:
                return new BytesValue((VarBinaryVector) vector);
            case ENUM:
                return new EnumValue(fd, (VarCharVector) vector);
            case MESSAGE: {
                String name = fd.getMessageType().getFullName();
                if (name.equals(ProtobufSchemas.TIMESTAMP)) {
                    return new TimestampValue((TimeStampMilliTZVector) vector, path);
                }
                if (name.equals(ProtobufSchemas.DURATION)) {
                    return new DurationValue((BigIntVector) vector, path);
                }
                FieldDescriptor wrapped = ProtobufSchemas.wrappedField(fd.getMessageType());
                if (wrapped != null) {
                    return new WrapperValue(value(wrapped, column, vector, path), path);
                }
                // A recursive message: its serialized bytes.
                return new BytesValue((VarBinaryVector) vector);
            }
            default:
                throw new IllegalStateException("no column for " + fd.getFullName());
        }
    }

    /** The handler of one field (one column) of a message. */
    private abstract static class FieldHandler {
        final int number;
        final String path;
        final String typeName;
        boolean seen;
        FieldHandler[] oneof;

        FieldHandler(FieldDescriptor fd, String path) {
            this.number = fd.getNumber();
            this.path = path;
            this.typeName = fd.getType().name().toLowerCase(Locale.ROOT);
        }

        /** A handler of no field (number 0, which protobuf forbids, so no tag finds it). */
        FieldHandler(String path) {
            this.number = 0;
            this.path = path;
            this.typeName = "absent";
        }

        void begin(int row) {
            seen = false;
        }

        abstract void read(CodedInputStream in, int wireType, int row) throws IOException;

        /** Writes what the record left unset: the default, null, the list's end. */
        abstract void finish(int row);

        /** The containing message is null: write null here (and below). */
        abstract void writeNull(int row);

        final FieldException wrongWireType(int wireType, int expected) {
            return new FieldException(path, "has wire type " + wireTypeName(wireType) + ", but a " + typeName
                    + " field is encoded as " + wireTypeName(expected));
        }
    }

    /** A column of a merged batch schema that this message lacks: null in every row this message writes. */
    private static final class Absent extends FieldHandler {
        private final FieldVector vector;

        Absent(String path, FieldVector vector, Schema column) {
            super(path);
            if (!column.isOptional()) {
                throw new IllegalStateException("column '" + path + "' is required, but the message has no such"
                        + " field: the batch was not made for this message");
            }
            this.vector = vector;
        }

        @Override
        void read(CodedInputStream in, int wireType, int row) {
            throw new IllegalStateException("no field is read into an absent column");
        }

        @Override
        void finish(int row) {
            writeNull(row);
        }

        @Override
        void writeNull(int row) {
            if (vector instanceof StructVector) {
                nullStruct((StructVector) vector, row);
            } else {
                vector.setNull(row);
            }
        }

        /** A struct and every child below it null at {@code row}: its children's rows are written too. */
        private static void nullStruct(StructVector struct, int row) {
            struct.setNull(row);
            for (FieldVector child : children(struct)) {
                if (child instanceof StructVector) {
                    nullStruct((StructVector) child, row);
                } else {
                    child.setNull(row);
                }
            }
        }
    }

    /** A singular scalar, enum, string, bytes or well-known-type field. */
    private static final class Single extends FieldHandler {
        private final Value value;
        private final boolean nullable;

        Single(FieldDescriptor fd, String path, Value value, boolean nullable) {
            super(fd, path);
            this.value = value;
            this.nullable = nullable;
        }

        @Override
        void read(CodedInputStream in, int wireType, int row) throws IOException {
            if (wireType != value.wireType) {
                throw wrongWireType(wireType, value.wireType);
            }
            value.read(in, row);
            seen = true;
        }

        @Override
        void finish(int row) {
            if (!seen) {
                if (nullable) {
                    value.writeNull(row);
                } else {
                    value.writeDefault(row);
                }
            }
        }

        @Override
        void writeNull(int row) {
            value.writeNull(row);
        }
    }

    /** A repeated scalar, enum, string, bytes or well-known-type field, packed or not. */
    private static final class Repeated extends FieldHandler {
        private final ListVector list;
        private final Value element;
        private int start;
        private int count;

        Repeated(FieldDescriptor fd, String path, ListVector list, Value element) {
            super(fd, path);
            this.list = list;
            this.element = element;
        }

        @Override
        void begin(int row) {
            start = list.startNewValue(row);
            count = 0;
        }

        @Override
        void read(CodedInputStream in, int wireType, int row) throws IOException {
            if (wireType == element.wireType) {
                element.read(in, start + count++);
            } else if (wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED && element.packable) {
                int limit = in.pushLimit(in.readRawVarint32());
                while (in.getBytesUntilLimit() > 0) {
                    element.read(in, start + count++);
                }
                in.popLimit(limit);
            } else {
                throw wrongWireType(wireType, element.wireType);
            }
        }

        @Override
        void finish(int row) {
            list.endValue(row, count);
        }

        @Override
        void writeNull(int row) {
            list.setNull(row);
        }
    }

    /** A singular message field: a nullable struct; a message seen twice is merged, as protobuf does. */
    private static final class Singular extends FieldHandler {
        private final StructVector struct;
        private final MessageNode node;

        Singular(FieldDescriptor fd, String path, StructVector struct, MessageNode node) {
            super(fd, path);
            this.struct = struct;
            this.node = node;
        }

        @Override
        void read(CodedInputStream in, int wireType, int row) throws IOException {
            if (wireType != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                throw wrongWireType(wireType, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            }
            int length = in.readRawVarint32();
            int limit = in.pushLimit(length);
            if (!seen) {
                node.begin(row);
                seen = true;
            }
            node.body(in, row);
            if (in.getBytesUntilLimit() != 0) {
                throw new FieldException(path, "is truncated: the input ends inside the message");
            }
            in.popLimit(limit);
        }

        @Override
        void finish(int row) {
            if (seen) {
                node.finish(row);
                struct.setIndexDefined(row);
            } else {
                writeNull(row);
            }
        }

        @Override
        void writeNull(int row) {
            struct.setNull(row);
            node.writeNull(row);
        }
    }

    /** A repeated message field, or a map (whose entries are messages of key and value). */
    private static final class RepeatedMessage extends FieldHandler {
        private final ListVector list;
        private final StructVector elements;
        private final MessageNode node;
        private int start;
        private int count;

        RepeatedMessage(FieldDescriptor fd, String path, ListVector list, StructVector elements, MessageNode node) {
            super(fd, path);
            this.list = list;
            this.elements = elements;
            this.node = node;
        }

        @Override
        void begin(int row) {
            start = list.startNewValue(row);
            count = 0;
        }

        @Override
        void read(CodedInputStream in, int wireType, int row) throws IOException {
            if (wireType != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                throw wrongWireType(wireType, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            }
            int index = start + count++;
            int limit = in.pushLimit(in.readRawVarint32());
            node.begin(index);
            node.body(in, index);
            if (in.getBytesUntilLimit() != 0) {
                throw new FieldException(path, "is truncated: the input ends inside element " + (count - 1));
            }
            in.popLimit(limit);
            node.finish(index);
            elements.setIndexDefined(index);
        }

        @Override
        void finish(int row) {
            list.endValue(row, count);
        }

        @Override
        void writeNull(int row) {
            list.setNull(row);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Values: one value of a field, read from the wire and written at an index.

    private abstract static class Value {
        final int wireType;
        final boolean packable;

        Value(int wireType) {
            this.wireType = wireType;
            this.packable = wireType != WireFormat.WIRETYPE_LENGTH_DELIMITED;
        }

        abstract void read(CodedInputStream in, int i) throws IOException;

        abstract void writeDefault(int i);

        abstract void writeNull(int i);
    }

    private static int wireTypeOf(FieldDescriptor.Type type) {
        switch (type) {
            case FIXED64:
            case SFIXED64:
            case DOUBLE:
                return WireFormat.WIRETYPE_FIXED64;
            case FIXED32:
            case SFIXED32:
            case FLOAT:
                return WireFormat.WIRETYPE_FIXED32;
            case STRING:
            case BYTES:
            case MESSAGE:
                return WireFormat.WIRETYPE_LENGTH_DELIMITED;
            default:
                return WireFormat.WIRETYPE_VARINT;
        }
    }

    private static final class Int32Value extends Value {
        private final FieldDescriptor.Type type;
        private final IntVector vector;

        Int32Value(FieldDescriptor.Type type, IntVector vector) {
            super(wireTypeOf(type));
            this.type = type;
            this.vector = vector;
        }

        @Override
        void read(CodedInputStream in, int i) throws IOException {
            int v;
            switch (type) {
                case SINT32:
                    v = in.readSInt32();
                    break;
                case SFIXED32:
                    v = in.readSFixed32();
                    break;
                default:
                    v = in.readInt32();
                    break;
            }
            vector.setSafe(i, v);
        }

        @Override
        void writeDefault(int i) {
            vector.setSafe(i, 0);
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    private static final class Int64Value extends Value {
        private final FieldDescriptor.Type type;
        private final BigIntVector vector;

        Int64Value(FieldDescriptor.Type type, BigIntVector vector) {
            super(wireTypeOf(type));
            this.type = type;
            this.vector = vector;
        }

        @Override
        void read(CodedInputStream in, int i) throws IOException {
            long v;
            switch (type) {
                case SINT64:
                    v = in.readSInt64();
                    break;
                case SFIXED64:
                    v = in.readSFixed64();
                    break;
                case UINT32:
                    v = in.readUInt32() & 0xFFFF_FFFFL;
                    break;
                case FIXED32:
                    v = in.readFixed32() & 0xFFFF_FFFFL;
                    break;
                default:
                    v = in.readInt64();
                    break;
            }
            vector.setSafe(i, v);
        }

        @Override
        void writeDefault(int i) {
            vector.setSafe(i, 0L);
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    /** uint64 and fixed64 as decimal(20, 0), exact across the whole unsigned range. */
    private static final class UInt64Value extends Value {
        private final FieldDescriptor.Type type;
        private final DecimalVector vector;

        UInt64Value(FieldDescriptor.Type type, DecimalVector vector) {
            super(wireTypeOf(type));
            this.type = type;
            this.vector = vector;
        }

        @Override
        void read(CodedInputStream in, int i) throws IOException {
            long v = type == FieldDescriptor.Type.FIXED64 ? in.readFixed64() : in.readUInt64();
            if (v >= 0) {
                vector.setSafe(i, v);
            } else {
                vector.setSafe(i, new BigDecimal(new BigInteger(Long.toUnsignedString(v))));
            }
        }

        @Override
        void writeDefault(int i) {
            vector.setSafe(i, 0L);
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    /** An int32, sint32 or sfixed32 written into an int64 or double column of a merged schema. */
    private static final class WidenedInt32Value extends Value {
        private final FieldDescriptor.Type type;
        private final BigIntVector longs;
        private final Float8Vector doubles;

        WidenedInt32Value(FieldDescriptor.Type type, FieldVector vector) {
            super(wireTypeOf(type));
            this.type = type;
            this.longs = vector instanceof BigIntVector ? (BigIntVector) vector : null;
            this.doubles = vector instanceof Float8Vector ? (Float8Vector) vector : null;
            if (longs == null && doubles == null) {
                throw new IllegalStateException("an int32 field cannot be written into a " + vector.getMinorType()
                        + " column");
            }
        }

        @Override
        void read(CodedInputStream in, int i) throws IOException {
            int v = type == FieldDescriptor.Type.SINT32 ? in.readSInt32()
                    : type == FieldDescriptor.Type.SFIXED32 ? in.readSFixed32() : in.readInt32();
            if (longs != null) {
                longs.setSafe(i, v);
            } else {
                doubles.setSafe(i, v);
            }
        }

        @Override
        void writeDefault(int i) {
            if (longs != null) {
                longs.setSafe(i, 0L);
            } else {
                doubles.setSafe(i, 0d);
            }
        }

        @Override
        void writeNull(int i) {
            if (longs != null) {
                longs.setNull(i);
            } else {
                doubles.setNull(i);
            }
        }
    }

    /** A float written into a double column of a merged schema. */
    private static final class WidenedFloatValue extends Value {
        private final Float8Vector vector;

        WidenedFloatValue(Float8Vector vector) {
            super(WireFormat.WIRETYPE_FIXED32);
            this.vector = vector;
        }

        @Override
        void read(CodedInputStream in, int i) throws IOException {
            vector.setSafe(i, in.readFloat());
        }

        @Override
        void writeDefault(int i) {
            vector.setSafe(i, 0d);
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    private static final class FloatValue extends Value {
        private final Float4Vector vector;

        FloatValue(Float4Vector vector) {
            super(WireFormat.WIRETYPE_FIXED32);
            this.vector = vector;
        }

        @Override
        void read(CodedInputStream in, int i) throws IOException {
            vector.setSafe(i, in.readFloat());
        }

        @Override
        void writeDefault(int i) {
            vector.setSafe(i, 0f);
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    private static final class DoubleValue extends Value {
        private final Float8Vector vector;

        DoubleValue(Float8Vector vector) {
            super(WireFormat.WIRETYPE_FIXED64);
            this.vector = vector;
        }

        @Override
        void read(CodedInputStream in, int i) throws IOException {
            vector.setSafe(i, in.readDouble());
        }

        @Override
        void writeDefault(int i) {
            vector.setSafe(i, 0d);
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    private static final class BoolValue extends Value {
        private final BitVector vector;

        BoolValue(BitVector vector) {
            super(WireFormat.WIRETYPE_VARINT);
            this.vector = vector;
        }

        @Override
        void read(CodedInputStream in, int i) throws IOException {
            vector.setSafe(i, in.readBool() ? 1 : 0);
        }

        @Override
        void writeDefault(int i) {
            vector.setSafe(i, 0);
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    /** Where the next length-delimited payload sits in the input array; advances the stream past it. */
    private int payload(CodedInputStream in, int length) throws IOException {
        int at = inputBase + in.getTotalBytesRead();
        in.skipRawBytes(length);
        return at;
    }

    private final class StringValue extends Value {
        private final VarCharVector vector;
        private final String path;

        StringValue(VarCharVector vector, String path) {
            super(WireFormat.WIRETYPE_LENGTH_DELIMITED);
            this.vector = vector;
            this.path = path;
        }

        @Override
        void read(CodedInputStream in, int i) throws IOException {
            int length = in.readRawVarint32();
            int at = payload(in, length);
            if (!Utf8Buffer.isValidUtf8(input, at, length)) {
                throw new FieldException(path, "is a string field whose bytes are not valid UTF-8");
            }
            vector.setSafe(i, input, at, length);
        }

        @Override
        void writeDefault(int i) {
            vector.setSafe(i, input, 0, 0);
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    private final class BytesValue extends Value {
        private final VarBinaryVector vector;

        BytesValue(VarBinaryVector vector) {
            super(WireFormat.WIRETYPE_LENGTH_DELIMITED);
            this.vector = vector;
        }

        @Override
        void read(CodedInputStream in, int i) throws IOException {
            int length = in.readRawVarint32();
            int at = payload(in, length);
            vector.setSafe(i, input, at, length);
        }

        @Override
        void writeDefault(int i) {
            vector.setSafe(i, input, 0, 0);
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    /** An enum as the name of its value; a number the enum does not declare (proto3 keeps them) as its digits. */
    private static final class EnumValue extends Value {
        private final VarCharVector vector;
        private final Map<Integer, byte[]> names = new HashMap<>();
        private final byte[][] dense;
        private final byte[] defaultName;

        EnumValue(FieldDescriptor fd, VarCharVector vector) {
            super(WireFormat.WIRETYPE_VARINT);
            this.vector = vector;
            int max = -1;
            for (EnumValueDescriptor v : fd.getEnumType().getValues()) {
                // Aliases share a number; the first name declared wins, as protobuf's own lookup does.
                names.putIfAbsent(v.getNumber(), v.getName().getBytes(StandardCharsets.UTF_8));
                max = Math.max(max, v.getNumber());
            }
            dense = new byte[Math.min(max + 1, 1024)][];
            for (Map.Entry<Integer, byte[]> e : names.entrySet()) {
                if (e.getKey() >= 0 && e.getKey() < dense.length) {
                    dense[e.getKey()] = e.getValue();
                }
            }
            EnumValueDescriptor first = fd.getEnumType().getValues().get(0);
            byte[] def = names.get(fd.hasDefaultValue() ? ((EnumValueDescriptor) fd.getDefaultValue()).getNumber()
                    : first.getNumber());
            this.defaultName = def;
        }

        @Override
        void read(CodedInputStream in, int i) throws IOException {
            int number = in.readEnum();
            byte[] name = number >= 0 && number < dense.length ? dense[number] : null;
            if (name == null) {
                name = names.get(number);
                if (name == null) {
                    name = Integer.toString(number).getBytes(StandardCharsets.US_ASCII);
                }
            }
            vector.setSafe(i, name);
        }

        @Override
        void writeDefault(int i) {
            vector.setSafe(i, defaultName);
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    /** Reads the seconds (1) and nanos (2) of a Timestamp or Duration message. */
    private static long[] secondsAndNanos(CodedInputStream in, long[] out, String path) throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        long seconds = 0;
        long nanos = 0;
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            if (tag == tag(1, WireFormat.WIRETYPE_VARINT)) {
                seconds = in.readInt64();
            } else if (tag == tag(2, WireFormat.WIRETYPE_VARINT)) {
                nanos = in.readInt32();
            } else if (!in.skipField(tag)) {
                throw new FieldException(path, "is malformed protobuf: an end-group tag with no group open");
            }
        }
        if (in.getBytesUntilLimit() != 0) {
            throw new FieldException(path, "is truncated: the input ends inside the message");
        }
        in.popLimit(limit);
        out[0] = seconds;
        out[1] = nanos;
        return out;
    }

    private static final class TimestampValue extends Value {
        private final TimeStampMilliTZVector vector;
        private final String path;
        private final long[] parts = new long[2];

        TimestampValue(TimeStampMilliTZVector vector, String path) {
            super(WireFormat.WIRETYPE_LENGTH_DELIMITED);
            this.vector = vector;
            this.path = path;
        }

        @Override
        void read(CodedInputStream in, int i) throws IOException {
            secondsAndNanos(in, parts, path);
            try {
                vector.setSafe(i, Math.addExact(Math.multiplyExact(parts[0], 1000L),
                        Math.floorDiv(parts[1], 1_000_000L)));
            } catch (ArithmeticException e) {
                throw new FieldException(path, "has a Timestamp of " + parts[0] + " seconds, beyond what epoch"
                        + " milliseconds can hold");
            }
        }

        @Override
        void writeDefault(int i) {
            vector.setSafe(i, 0L);
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    /** Duration as int64 milliseconds, sub-millisecond digits truncated toward zero. */
    private static final class DurationValue extends Value {
        private final BigIntVector vector;
        private final String path;
        private final long[] parts = new long[2];

        DurationValue(BigIntVector vector, String path) {
            super(WireFormat.WIRETYPE_LENGTH_DELIMITED);
            this.vector = vector;
            this.path = path;
        }

        @Override
        void read(CodedInputStream in, int i) throws IOException {
            secondsAndNanos(in, parts, path);
            try {
                vector.setSafe(i, Math.addExact(Math.multiplyExact(parts[0], 1000L), parts[1] / 1_000_000L));
            } catch (ArithmeticException e) {
                throw new FieldException(path, "has a Duration of " + parts[0] + " seconds, beyond what int64"
                        + " milliseconds can hold");
            }
        }

        @Override
        void writeDefault(int i) {
            vector.setSafe(i, 0L);
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    /** google.protobuf.Int32Value and friends: field 1 of the wrapped type, its default when the wrapper is empty. */
    private static final class WrapperValue extends Value {
        private final Value inner;
        private final int innerTag;
        private final String path;

        WrapperValue(Value inner, String path) {
            super(WireFormat.WIRETYPE_LENGTH_DELIMITED);
            this.inner = inner;
            this.innerTag = tag(1, inner.wireType);
            this.path = path;
        }

        @Override
        void read(CodedInputStream in, int i) throws IOException {
            int limit = in.pushLimit(in.readRawVarint32());
            boolean set = false;
            while (true) {
                int tag = in.readTag();
                if (tag == 0) {
                    break;
                }
                if (tag == innerTag) {
                    inner.read(in, i);
                    set = true;
                } else if ((tag >>> 3) == 1) {
                    throw new FieldException(path, "has a wrapper whose value has wire type "
                            + wireTypeName(tag & 7) + " instead of " + wireTypeName(inner.wireType));
                } else if (!in.skipField(tag)) {
                    throw new FieldException(path, "is malformed protobuf: an end-group tag with no group open");
                }
            }
            if (in.getBytesUntilLimit() != 0) {
                throw new FieldException(path, "is truncated: the input ends inside the message");
            }
            in.popLimit(limit);
            if (!set) {
                inner.writeDefault(i);
            }
        }

        @Override
        void writeDefault(int i) {
            inner.writeDefault(i);
        }

        @Override
        void writeNull(int i) {
            inner.writeNull(i);
        }
    }
}
