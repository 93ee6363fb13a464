package dev.quiver.decode;

import com.google.protobuf.AnyProto;
import com.google.protobuf.ApiProto;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DurationProto;
import com.google.protobuf.EmptyProto;
import com.google.protobuf.FieldMaskProto;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.SourceContextProto;
import com.google.protobuf.StructProto;
import com.google.protobuf.TimestampProto;
import com.google.protobuf.TypeProto;
import com.google.protobuf.WrappersProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Loads message descriptors from a FileDescriptorSet ({@code protoc --include_imports --descriptor_set_out}) and
 * translates a message into the Connect schema of its rows, once, when the decoder is built.
 *
 * <p>The mapping:
 * <table>
 *   <caption>Protobuf to column types</caption>
 *   <tr><th>protobuf</th><th>column</th></tr>
 *   <tr><td>int32, sint32, sfixed32</td><td>int32</td></tr>
 *   <tr><td>int64, sint64, sfixed64</td><td>int64</td></tr>
 *   <tr><td>uint32, fixed32</td><td>int64 (every value fits)</td></tr>
 *   <tr><td>uint64, fixed64</td><td>decimal(20, 0): exact for every value, including those above 2^63 that an
 *       int64 would turn negative</td></tr>
 *   <tr><td>float, double, bool, string, bytes</td><td>float32, float64, boolean, string, bytes</td></tr>
 *   <tr><td>enum</td><td>string: the value's name; a number the enum does not declare lands as its digits</td></tr>
 *   <tr><td>message</td><td>struct (nullable: absent is null)</td></tr>
 *   <tr><td>repeated T</td><td>list of T (never null: absent is an empty list)</td></tr>
 *   <tr><td>map&lt;K, V&gt;</td><td>map (never null)</td></tr>
 *   <tr><td>google.protobuf.Timestamp</td><td>timestamp (ms, UTC; sub-millisecond digits truncated toward the
 *       past)</td></tr>
 *   <tr><td>google.protobuf.Duration</td><td>int64 milliseconds (sub-millisecond digits truncated toward zero)</td></tr>
 *   <tr><td>google.protobuf.*Value wrappers</td><td>the wrapped type, nullable (absent is null)</td></tr>
 *   <tr><td>a message that contains itself (directly or not, e.g. google.protobuf.Struct)</td><td>bytes: the
 *       field's serialized message, since columns cannot nest without end</td></tr>
 *   <tr><td>a message with no fields (google.protobuf.Empty), proto2 groups</td><td>no column: Parquet cannot
 *       store an empty struct</td></tr>
 * </table>
 * A field with explicit presence (proto3 {@code optional}, a oneof member, a proto2 optional field, a message) is a
 * nullable column, null when absent. A field without presence (a plain proto3 scalar) is a required column holding the
 * proto3 default (0, "", false, empty bytes, the first enum value) when absent, which is what every protobuf reader
 * returns for it.
 */
public final class ProtobufSchemas {
    /** Connect's decimal precision parameter, which ArrowSchemas reads. */
    static final String PRECISION = "connect.decimal.precision";
    static final Schema UINT64 = Decimal.builder(0).parameter(PRECISION, "20").build();
    static final Schema OPTIONAL_UINT64 = Decimal.builder(0).parameter(PRECISION, "20").optional().build();

    static final String TIMESTAMP = "google.protobuf.Timestamp";
    static final String DURATION = "google.protobuf.Duration";

    /** The well-known files a descriptor set may leave out (protoc without --include_imports). */
    private static final Map<String, FileDescriptor> WELL_KNOWN = wellKnown();

    private ProtobufSchemas() {
    }

    private static Map<String, FileDescriptor> wellKnown() {
        Map<String, FileDescriptor> files = new HashMap<>();
        for (FileDescriptor f : List.of(TimestampProto.getDescriptor(), DurationProto.getDescriptor(),
                WrappersProto.getDescriptor(), EmptyProto.getDescriptor(), StructProto.getDescriptor(),
                AnyProto.getDescriptor(), FieldMaskProto.getDescriptor(), SourceContextProto.getDescriptor(),
                TypeProto.getDescriptor(), ApiProto.getDescriptor(), DescriptorProtos.getDescriptor())) {
            files.put(f.getName(), f);
        }
        return files;
    }

    /** protobuf-java's built-in descriptor of a well-known file (e.g. google/protobuf/timestamp.proto), or null. */
    static FileDescriptor wellKnown(String name) {
        return WELL_KNOWN.get(name);
    }

    /**
     * Every file of a serialized FileDescriptorSet, built and linked.
     *
     * @throws IllegalArgumentException when the bytes are not a descriptor set or a file cannot be built
     */
    public static List<FileDescriptor> load(byte[] descriptorSet) {
        FileDescriptorSet set;
        try {
            set = FileDescriptorSet.parseFrom(descriptorSet);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("is not a serialized FileDescriptorSet (protoc --descriptor_set_out):"
                    + " " + e.getMessage());
        }
        if (set.getFileCount() == 0) {
            throw new IllegalArgumentException("is an empty FileDescriptorSet: it describes no .proto file");
        }
        Map<String, FileDescriptorProto> protos = new LinkedHashMap<>();
        for (FileDescriptorProto file : set.getFileList()) {
            protos.put(file.getName(), file);
        }
        Map<String, FileDescriptor> built = new HashMap<>();
        List<FileDescriptor> out = new ArrayList<>();
        for (String name : protos.keySet()) {
            out.add(build(name, protos, built, new HashSet<>()));
        }
        return out;
    }

    private static FileDescriptor build(String name, Map<String, FileDescriptorProto> protos,
            Map<String, FileDescriptor> built, Set<String> visiting) {
        FileDescriptor done = built.get(name);
        if (done != null) {
            return done;
        }
        FileDescriptorProto proto = protos.get(name);
        if (proto == null) {
            FileDescriptor known = WELL_KNOWN.get(name);
            if (known != null) {
                return known;
            }
            throw new IllegalArgumentException("does not contain '" + name + "', which another file imports; build it"
                    + " with protoc --include_imports");
        }
        if (!visiting.add(name)) {
            throw new IllegalArgumentException("has an import cycle through '" + name + "'");
        }
        FileDescriptor[] dependencies = new FileDescriptor[proto.getDependencyCount()];
        for (int i = 0; i < dependencies.length; i++) {
            dependencies[i] = build(proto.getDependency(i), protos, built, visiting);
        }
        try {
            FileDescriptor file = FileDescriptor.buildFrom(proto, dependencies);
            built.put(name, file);
            return file;
        } catch (Descriptors.DescriptorValidationException e) {
            throw new IllegalArgumentException("has a file '" + name + "' that does not link: " + e.getMessage());
        }
    }

    /**
     * The message named {@code fullName} (package included, e.g. {@code shop.v1.Order}) in {@code files}.
     *
     * @throws IllegalArgumentException naming the messages there are when it is not found
     */
    public static Descriptor find(List<FileDescriptor> files, String fullName) {
        String wanted = fullName.startsWith(".") ? fullName.substring(1) : fullName;
        Set<String> names = new TreeSet<>();
        for (FileDescriptor file : files) {
            Descriptor found = findNested(file.getMessageTypes(), wanted, names);
            if (found != null) {
                return found;
            }
        }
        throw new IllegalArgumentException("'" + fullName + "' is not a message of the descriptor set; it has "
                + (names.size() > 30 ? new ArrayList<>(names).subList(0, 30) + " and more" : names));
    }

    private static Descriptor findNested(List<Descriptor> messages, String wanted, Set<String> names) {
        for (Descriptor d : messages) {
            if (d.getFullName().equals(wanted)) {
                return d;
            }
            if (!d.getOptions().getMapEntry()) {
                names.add(d.getFullName());
            }
            Descriptor nested = findNested(d.getNestedTypes(), wanted, names);
            if (nested != null) {
                return nested;
            }
        }
        return null;
    }

    /** The Connect schema of {@code message}'s rows: a required struct. */
    public static Schema toConnect(Descriptor message) {
        Set<String> stack = new HashSet<>();
        SchemaBuilder struct = structOf(message, stack);
        if (struct == null) {
            throw new IllegalArgumentException("message '" + message.getFullName() + "' has no fields that can be"
                    + " columns");
        }
        return struct.build();
    }

    /** A struct of the message's fields, or null when none of them can be a column. */
    private static SchemaBuilder structOf(Descriptor message, Set<String> stack) {
        stack.add(message.getFullName());
        try {
            SchemaBuilder struct = SchemaBuilder.struct().name(message.getFullName());
            int columns = 0;
            for (FieldDescriptor field : message.getFields()) {
                Schema schema = fieldSchema(field, stack);
                if (schema != null) {
                    struct.field(field.getName(), schema);
                    columns++;
                }
            }
            return columns == 0 ? null : struct;
        } finally {
            stack.remove(message.getFullName());
        }
    }

    /** The column schema of a field, or null for a field that has no column. */
    static Schema fieldSchema(FieldDescriptor field, Set<String> stack) {
        if (field.isMapField()) {
            Descriptor entry = field.getMessageType();
            Schema key = valueSchema(entry.findFieldByNumber(1), stack, false);
            Schema value = valueSchema(entry.findFieldByNumber(2), stack, entry.findFieldByNumber(2).hasPresence());
            if (key == null || value == null) {
                return null;
            }
            return SchemaBuilder.map(key, value).build();
        }
        if (field.isRepeated()) {
            Schema element = valueSchema(field, stack, false);
            return element == null ? null : SchemaBuilder.array(element).build();
        }
        return valueSchema(field, stack, field.hasPresence());
    }

    /** The schema of one value of {@code field} (an element, for repeated fields). */
    private static Schema valueSchema(FieldDescriptor field, Set<String> stack, boolean optional) {
        switch (field.getType()) {
            case INT32:
            case SINT32:
            case SFIXED32:
                return optional ? Schema.OPTIONAL_INT32_SCHEMA : Schema.INT32_SCHEMA;
            case INT64:
            case SINT64:
            case SFIXED64:
            case UINT32:
            case FIXED32:
                return optional ? Schema.OPTIONAL_INT64_SCHEMA : Schema.INT64_SCHEMA;
            case UINT64:
            case FIXED64:
                return optional ? OPTIONAL_UINT64 : UINT64;
            case FLOAT:
                return optional ? Schema.OPTIONAL_FLOAT32_SCHEMA : Schema.FLOAT32_SCHEMA;
            case DOUBLE:
                return optional ? Schema.OPTIONAL_FLOAT64_SCHEMA : Schema.FLOAT64_SCHEMA;
            case BOOL:
                return optional ? Schema.OPTIONAL_BOOLEAN_SCHEMA : Schema.BOOLEAN_SCHEMA;
            case STRING:
            case ENUM:
                return optional ? Schema.OPTIONAL_STRING_SCHEMA : Schema.STRING_SCHEMA;
            case BYTES:
                return optional ? Schema.OPTIONAL_BYTES_SCHEMA : Schema.BYTES_SCHEMA;
            case GROUP:
                // Deprecated proto2 groups: skipped on the wire like unknown fields.
                return null;
            case MESSAGE:
                return messageSchema(field.getMessageType(), stack, optional);
            default:
                throw new IllegalArgumentException("field '" + field.getFullName() + "' has unsupported type "
                        + field.getType());
        }
    }

    private static Schema messageSchema(Descriptor message, Set<String> stack, boolean optional) {
        String name = message.getFullName();
        if (name.equals(TIMESTAMP)) {
            return optional ? Timestamp.builder().optional().build() : Timestamp.SCHEMA;
        }
        if (name.equals(DURATION)) {
            return optional ? Schema.OPTIONAL_INT64_SCHEMA : Schema.INT64_SCHEMA;
        }
        FieldDescriptor wrapped = wrappedField(message);
        if (wrapped != null) {
            // Wrappers exist to say "absent"; the column keeps that as null wherever the wrapper sits.
            return valueSchema(wrapped, stack, true);
        }
        if (stack.contains(name)) {
            return optional ? Schema.OPTIONAL_BYTES_SCHEMA : Schema.BYTES_SCHEMA;
        }
        SchemaBuilder struct = structOf(message, stack);
        if (struct == null) {
            return null;
        }
        if (optional) {
            struct.optional();
        }
        return struct.build();
    }

    /** The {@code value} field of a google.protobuf wrapper (Int32Value and the others), or null. */
    static FieldDescriptor wrappedField(Descriptor message) {
        if (!message.getFile().getName().equals("google/protobuf/wrappers.proto")) {
            return null;
        }
        return message.findFieldByNumber(1);
    }

    /** The message indexes Confluent's serializer writes for {@code message}: its position in its file. */
    static int[] confluentIndexes(Descriptor message) {
        List<Integer> path = new ArrayList<>();
        for (Descriptor d = message; d != null; d = d.getContainingType()) {
            path.add(0, d.getIndex());
        }
        return path.stream().mapToInt(Integer::intValue).toArray();
    }
}
