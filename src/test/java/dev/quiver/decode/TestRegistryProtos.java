package dev.quiver.decode;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import com.google.protobuf.TimestampProto;
import dev.quiver.testing.TestSchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The Protobuf schemas of the registry tests, built as protoc describes them, registered in Confluent's serialized
 * form, and values framed as Confluent's serializer frames them:
 *
 * <pre>
 * // shop/common.proto
 * syntax = "proto3"; package shop.common;
 * message Money { string currency = 1; int64 units = 2; }
 *
 * // shop/order.proto, version 1 (version 2: qty is int64, weight double, and optional string note = 8 is added)
 * syntax = "proto3"; package shop.v1;
 * import "shop/common.proto"; import "google/protobuf/timestamp.proto";
 * enum Status { NEW = 0; PAID = 1; }
 * message Order {
 *   message Line { string sku = 1; int32 n = 2; }
 *   string id = 1; int32 qty = 2; shop.common.Money price = 3; google.protobuf.Timestamp at = 4;
 *   repeated Line lines = 5; Status status = 6; float weight = 7;
 * }
 * message Refund { string order_id = 1; double amount = 2; }
 * </pre>
 */
public final class TestRegistryProtos {
    public static final String COMMON = "shop/common.proto";
    public static final String TIMESTAMP = "google/protobuf/timestamp.proto";

    private TestRegistryProtos() {
    }

    /** shop/common.proto. */
    public static FileDescriptorProto common() {
        return FileDescriptorProto.newBuilder().setName(COMMON).setPackage("shop.common").setSyntax("proto3")
                .addMessageType(DescriptorProto.newBuilder().setName("Money")
                        .addField(field("currency", 1, Type.TYPE_STRING))
                        .addField(field("units", 2, Type.TYPE_INT64)))
                .build();
    }

    /** shop/order.proto in version 1 or 2. */
    public static FileDescriptorProto order(int version) {
        DescriptorProto.Builder order = DescriptorProto.newBuilder().setName("Order")
                .addNestedType(DescriptorProto.newBuilder().setName("Line")
                        .addField(field("sku", 1, Type.TYPE_STRING))
                        .addField(field("n", 2, Type.TYPE_INT32)))
                .addField(field("id", 1, Type.TYPE_STRING))
                .addField(field("qty", 2, version == 1 ? Type.TYPE_INT32 : Type.TYPE_INT64))
                .addField(field("price", 3, Type.TYPE_MESSAGE).setTypeName(".shop.common.Money"))
                .addField(field("at", 4, Type.TYPE_MESSAGE).setTypeName(".google.protobuf.Timestamp"))
                .addField(field("lines", 5, Type.TYPE_MESSAGE).setTypeName(".shop.v1.Order.Line")
                        .setLabel(Label.LABEL_REPEATED))
                .addField(field("status", 6, Type.TYPE_ENUM).setTypeName(".shop.v1.Status"))
                .addField(field("weight", 7, version == 1 ? Type.TYPE_FLOAT : Type.TYPE_DOUBLE));
        if (version > 1) {
            // proto3 optional: a synthetic oneof, as protoc writes it.
            order.addField(field("note", 8, Type.TYPE_STRING).setProto3Optional(true).setOneofIndex(0))
                    .addOneofDecl(com.google.protobuf.DescriptorProtos.OneofDescriptorProto.newBuilder()
                            .setName("_note"));
        }
        return FileDescriptorProto.newBuilder().setName("shop/order.proto").setPackage("shop.v1").setSyntax("proto3")
                .addDependency(COMMON).addDependency(TIMESTAMP)
                .addEnumType(EnumDescriptorProto.newBuilder().setName("Status")
                        .addValue(EnumValueDescriptorProto.newBuilder().setName("NEW").setNumber(0))
                        .addValue(EnumValueDescriptorProto.newBuilder().setName("PAID").setNumber(1)))
                .addMessageType(order)
                .addMessageType(DescriptorProto.newBuilder().setName("Refund")
                        .addField(field("order_id", 1, Type.TYPE_STRING))
                        .addField(field("amount", 2, Type.TYPE_DOUBLE)))
                .build();
    }

    /** shop/order.proto of {@code version}, built and linked for producers. */
    public static FileDescriptor orderFile(int version) {
        try {
            FileDescriptor common = FileDescriptor.buildFrom(common(), new FileDescriptor[0]);
            return FileDescriptor.buildFrom(order(version),
                    new FileDescriptor[] {common, TimestampProto.getDescriptor()});
        } catch (com.google.protobuf.Descriptors.DescriptorValidationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A schema in Confluent's serialized form: the base64 of its FileDescriptorProto. */
    public static String serialized(FileDescriptorProto file) {
        return Base64.getEncoder().encodeToString(file.toByteArray());
    }

    /** The schema ids of a registry filled as a Protobuf serializer would fill it. */
    public record Ids(int common, int v1, int v2) {
    }

    /**
     * Registers shop/common.proto under its import path (Confluent's default reference subject), the well-known
     * timestamp file likewise, and both order versions under {@code subject}, referencing them.
     */
    public static Ids register(String url, String subject) throws IOException, InterruptedException {
        int common = TestSchemaRegistry.register(url, COMMON, serialized(common()), "PROTOBUF", List.of());
        TestSchemaRegistry.register(url, TIMESTAMP, serialized(TimestampProto.getDescriptor().toProto()), "PROTOBUF",
                List.of());
        List<Map<String, Object>> refs = List.of(Map.of("name", COMMON, "subject", COMMON, "version", 1),
                Map.of("name", TIMESTAMP, "subject", TIMESTAMP, "version", 1));
        int v1 = TestSchemaRegistry.register(url, subject, serialized(order(1)), "PROTOBUF", refs);
        int v2 = TestSchemaRegistry.register(url, subject, serialized(order(2)), "PROTOBUF", refs);
        return new Ids(common, v1, v2);
    }

    /**
     * Confluent's framing of {@code message} under {@code id}: magic byte 0, the id big-endian, the message-index
     * path (a single 0 for the file's first message, else its count and indexes, zigzag varints), the message.
     */
    public static byte[] framed(int id, Message message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        try {
            CodedOutputStream header = CodedOutputStream.newInstance(out);
            List<Integer> path = new java.util.ArrayList<>();
            for (Descriptor d = message.getDescriptorForType(); d != null; d = d.getContainingType()) {
                path.add(0, d.getIndex());
            }
            if (path.equals(List.of(0))) {
                header.writeSInt32NoTag(0);
            } else {
                header.writeSInt32NoTag(path.size());
                for (int index : path) {
                    header.writeSInt32NoTag(index);
                }
            }
            header.flush();
            message.writeTo(out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** A message of {@code type} (e.g. Order, Order.Line, Refund) in shop/order.proto of {@code version}. */
    public static DynamicMessage.Builder builder(int version, String type) {
        Descriptor d = orderFile(version).findMessageTypeByName(type.contains(".") ? type.substring(0,
                type.indexOf('.')) : type);
        if (type.contains(".")) {
            d = d.findNestedTypeByName(type.substring(type.indexOf('.') + 1));
        }
        return DynamicMessage.newBuilder(d);
    }

    /**
     * An Order of {@code version}: qty as int32 (v1) or int64 (v2), weight as float or double, a Line per sku (n = its
     * position + 1), price in EUR, at in epoch milliseconds, note only in v2 (null leaves it unset).
     */
    public static DynamicMessage order(int version, String id, long qty, long units, long atMillis, List<String> skus,
            boolean paid, double weight, String note) {
        DynamicMessage.Builder b = builder(version, "Order");
        Descriptor d = b.getDescriptorForType();
        b.setField(d.findFieldByName("id"), id);
        b.setField(d.findFieldByName("qty"), version == 1 ? (Object) Math.toIntExact(qty) : (Object) qty);
        Descriptor money = d.findFieldByName("price").getMessageType();
        b.setField(d.findFieldByName("price"), DynamicMessage.newBuilder(money)
                .setField(money.findFieldByName("currency"), "EUR")
                .setField(money.findFieldByName("units"), units).build());
        b.setField(d.findFieldByName("at"), com.google.protobuf.Timestamp.newBuilder()
                .setSeconds(Math.floorDiv(atMillis, 1000)).setNanos((int) Math.floorMod(atMillis, 1000) * 1_000_000)
                .build());
        Descriptor line = d.findNestedTypeByName("Line");
        for (int i = 0; i < skus.size(); i++) {
            b.addRepeatedField(d.findFieldByName("lines"), DynamicMessage.newBuilder(line)
                    .setField(line.findFieldByName("sku"), skus.get(i))
                    .setField(line.findFieldByName("n"), i + 1).build());
        }
        b.setField(d.findFieldByName("status"), d.getFile().findEnumTypeByName("Status").findValueByNumber(paid ? 1 : 0));
        b.setField(d.findFieldByName("weight"), version == 1 ? (Object) (float) weight : (Object) weight);
        if (note != null) {
            b.setField(d.findFieldByName("note"), note);
        }
        return b.build();
    }

    private static FieldDescriptorProto.Builder field(String name, int number, Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(Label.LABEL_OPTIONAL).setJsonName(name);
    }
}
