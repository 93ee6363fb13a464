package dev.quiver.decode;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FieldOptions;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DurationProto;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.TimestampProto;
import com.google.protobuf.WrappersProto;

/**
 * The test schema, built as protoc would describe it (no protoc needed):
 *
 * <pre>
 * syntax = "proto3";
 * package test.v1;
 * import "google/protobuf/timestamp.proto"; import "google/protobuf/duration.proto";
 * import "google/protobuf/wrappers.proto";
 * enum Color { COLOR_UNSPECIFIED = 0; RED = 1; GREEN = 2; }
 * message Address { string city = 1; int32 zip = 2; }
 * message Tree { string name = 1; Tree child = 2; }
 * message Everything {
 *   int32 i32 = 1; int64 i64 = 2; uint32 u32 = 3; uint64 u64 = 4; sint32 s32 = 5; sint64 s64 = 6;
 *   fixed32 f32 = 7; fixed64 f64 = 8; sfixed32 sf32 = 9; sfixed64 sf64 = 10;
 *   float fl = 11; double db = 12; bool b = 13; string s = 14; bytes by = 15; Color color = 16;
 *   optional int32 opt = 17; Address address = 18; repeated int64 longs = 19; repeated string tags = 20;
 *   repeated Address addresses = 21; map&lt;string, int32&gt; counts = 22; map&lt;int64, Address&gt; by_id = 23;
 *   oneof choice { string text = 24; int64 number = 25; Address place = 26; }
 *   google.protobuf.Timestamp at = 27; google.protobuf.Duration took = 28;
 *   google.protobuf.Int32Value maybe_int = 29; google.protobuf.StringValue maybe_str = 30;
 *   repeated int32 unpacked = 31 [packed = false]; Tree tree = 32; google.protobuf.UInt64Value maybe_u64 = 33;
 *   repeated google.protobuf.Timestamp times = 34;
 * }
 * message Outer { message Inner { string v = 1; } }
 * </pre>
 */
final class TestProtos {
    static final String FILE = "test/v1/everything.proto";

    private TestProtos() {
    }

    /** The descriptor set; {@code includeImports} adds the well-known files as protoc --include_imports does. */
    static FileDescriptorSet descriptorSet(boolean includeImports) {
        FileDescriptorProto.Builder file = FileDescriptorProto.newBuilder()
                .setName(FILE).setPackage("test.v1").setSyntax("proto3")
                .addDependency("google/protobuf/timestamp.proto")
                .addDependency("google/protobuf/duration.proto")
                .addDependency("google/protobuf/wrappers.proto");
        file.addEnumType(EnumDescriptorProto.newBuilder().setName("Color")
                .addValue(EnumValueDescriptorProto.newBuilder().setName("COLOR_UNSPECIFIED").setNumber(0))
                .addValue(EnumValueDescriptorProto.newBuilder().setName("RED").setNumber(1))
                .addValue(EnumValueDescriptorProto.newBuilder().setName("GREEN").setNumber(2)));
        file.addMessageType(DescriptorProto.newBuilder().setName("Address")
                .addField(field("city", 1, Type.TYPE_STRING))
                .addField(field("zip", 2, Type.TYPE_INT32)));
        file.addMessageType(DescriptorProto.newBuilder().setName("Tree")
                .addField(field("name", 1, Type.TYPE_STRING))
                .addField(message("child", 2, ".test.v1.Tree")));
        DescriptorProto.Builder everything = DescriptorProto.newBuilder().setName("Everything")
                .addField(field("i32", 1, Type.TYPE_INT32))
                .addField(field("i64", 2, Type.TYPE_INT64))
                .addField(field("u32", 3, Type.TYPE_UINT32))
                .addField(field("u64", 4, Type.TYPE_UINT64))
                .addField(field("s32", 5, Type.TYPE_SINT32))
                .addField(field("s64", 6, Type.TYPE_SINT64))
                .addField(field("f32", 7, Type.TYPE_FIXED32))
                .addField(field("f64", 8, Type.TYPE_FIXED64))
                .addField(field("sf32", 9, Type.TYPE_SFIXED32))
                .addField(field("sf64", 10, Type.TYPE_SFIXED64))
                .addField(field("fl", 11, Type.TYPE_FLOAT))
                .addField(field("db", 12, Type.TYPE_DOUBLE))
                .addField(field("b", 13, Type.TYPE_BOOL))
                .addField(field("s", 14, Type.TYPE_STRING))
                .addField(field("by", 15, Type.TYPE_BYTES))
                .addField(field("color", 16, Type.TYPE_ENUM).setTypeName(".test.v1.Color"))
                .addField(field("opt", 17, Type.TYPE_INT32).setProto3Optional(true).setOneofIndex(1))
                .addField(message("address", 18, ".test.v1.Address"))
                .addField(field("longs", 19, Type.TYPE_INT64).setLabel(Label.LABEL_REPEATED))
                .addField(field("tags", 20, Type.TYPE_STRING).setLabel(Label.LABEL_REPEATED))
                .addField(message("addresses", 21, ".test.v1.Address").setLabel(Label.LABEL_REPEATED))
                .addField(message("counts", 22, ".test.v1.Everything.CountsEntry").setLabel(Label.LABEL_REPEATED))
                .addField(message("by_id", 23, ".test.v1.Everything.ByIdEntry").setLabel(Label.LABEL_REPEATED))
                .addField(field("text", 24, Type.TYPE_STRING).setOneofIndex(0))
                .addField(field("number", 25, Type.TYPE_INT64).setOneofIndex(0))
                .addField(message("place", 26, ".test.v1.Address").setOneofIndex(0))
                .addField(message("at", 27, ".google.protobuf.Timestamp"))
                .addField(message("took", 28, ".google.protobuf.Duration"))
                .addField(message("maybe_int", 29, ".google.protobuf.Int32Value"))
                .addField(message("maybe_str", 30, ".google.protobuf.StringValue"))
                .addField(field("unpacked", 31, Type.TYPE_INT32).setLabel(Label.LABEL_REPEATED)
                        .setOptions(FieldOptions.newBuilder().setPacked(false)))
                .addField(message("tree", 32, ".test.v1.Tree"))
                .addField(message("maybe_u64", 33, ".google.protobuf.UInt64Value"))
                .addField(message("times", 34, ".google.protobuf.Timestamp").setLabel(Label.LABEL_REPEATED))
                // oneof 0 is "choice"; oneof 1 is the synthetic one of "optional int32 opt", declared after.
                .addOneofDecl(OneofDescriptorProto.newBuilder().setName("choice"))
                .addOneofDecl(OneofDescriptorProto.newBuilder().setName("_opt"))
                .addNestedType(mapEntry("CountsEntry", Type.TYPE_STRING, field("value", 2, Type.TYPE_INT32)))
                .addNestedType(mapEntry("ByIdEntry", Type.TYPE_INT64, message("value", 2, ".test.v1.Address")));
        file.addMessageType(everything);
        file.addMessageType(DescriptorProto.newBuilder().setName("Outer")
                .addNestedType(DescriptorProto.newBuilder().setName("Inner").addField(field("v", 1, Type.TYPE_STRING))));
        FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
        if (includeImports) {
            set.addFile(TimestampProto.getDescriptor().toProto())
                    .addFile(DurationProto.getDescriptor().toProto())
                    .addFile(WrappersProto.getDescriptor().toProto());
        }
        return set.addFile(file).build();
    }

    private static FieldDescriptorProto.Builder field(String name, int number, Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(Label.LABEL_OPTIONAL).setJsonName(name);
    }

    private static FieldDescriptorProto.Builder message(String name, int number, String typeName) {
        return field(name, number, Type.TYPE_MESSAGE).setTypeName(typeName);
    }

    private static DescriptorProto.Builder mapEntry(String name, Type keyType, FieldDescriptorProto.Builder value) {
        return DescriptorProto.newBuilder().setName(name)
                .setOptions(MessageOptions.newBuilder().setMapEntry(true))
                .addField(field("key", 1, keyType))
                .addField(value);
    }

    /** A message builder with terse setters for tests. */
    static final class Msg {
        final DynamicMessage.Builder builder;

        Msg(Descriptor type) {
            this.builder = DynamicMessage.newBuilder(type);
        }

        FieldDescriptor fd(String name) {
            FieldDescriptor fd = builder.getDescriptorForType().findFieldByName(name);
            if (fd == null) {
                throw new IllegalArgumentException(name);
            }
            return fd;
        }

        Msg set(String name, Object value) {
            FieldDescriptor fd = fd(name);
            if (fd.getJavaType() == FieldDescriptor.JavaType.ENUM && value instanceof String) {
                value = fd.getEnumType().findValueByName((String) value);
            }
            builder.setField(fd, value instanceof Msg ? ((Msg) value).build() : value);
            return this;
        }

        Msg add(String name, Object value) {
            builder.addRepeatedField(fd(name), value instanceof Msg ? ((Msg) value).build() : value);
            return this;
        }

        /** A new message of the type of message field {@code name}. */
        Msg sub(String name) {
            return new Msg(fd(name).getMessageType());
        }

        DynamicMessage build() {
            return builder.build();
        }

        byte[] bytes() {
            return build().toByteArray();
        }
    }
}
