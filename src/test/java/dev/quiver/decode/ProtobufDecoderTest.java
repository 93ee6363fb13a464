package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.quiver.arrow.ArrowBatch;
import dev.quiver.arrow.MetadataColumns;
import dev.quiver.arrow.RowLayout;
import dev.quiver.parquet.EncodedFile;
import dev.quiver.parquet.ParquetEncoder;
import dev.quiver.parquet.WriterOptions;
import dev.quiver.testing.ParquetReadback;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.util.Text;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProtobufDecoderTest {
    private final RootAllocator allocator = new RootAllocator();

    @AfterEach
    void noLeaks() {
        assertThat(allocator.getAllocatedMemory()).isZero();
        allocator.close();
    }

    private static ProtobufDecoder decoder(ProtobufDecoder.Framing framing, boolean includeImports) {
        return ProtobufDecoder.fromDescriptorSet(TestProtos.descriptorSet(includeImports).toByteArray(),
                "test.v1.Everything", framing);
    }

    private static ProtobufDecoder decoder() {
        return decoder(ProtobufDecoder.Framing.AUTO, true);
    }

    private static TestProtos.Msg everything(ProtobufDecoder d) {
        return new TestProtos.Msg(d.message());
    }

    private static final MetadataColumns OFFSET_ONLY =
            new MetadataColumns(Map.of(MetadataColumns.Kind.OFFSET, "_kafka_offset"), null);

    private ArrowBatch open(ProtobufDecoder d) {
        return ArrowBatch.open(new RowLayout(d.valueSchema(), null, OFFSET_ONLY), allocator, "pb");
    }

    private static void append(ArrowBatch batch, ProtobufDecoder d, long offset, Object raw) {
        batch.appendDecoded(new SinkRecord("t", 0, null, null, null, raw, offset), null, d, raw);
    }

    private static Map<String, Object> row(VectorSchemaRoot root, int row) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (FieldVector v : root.getFieldVectors()) {
            Object o = v.getObject(row);
            out.put(v.getName(), o instanceof Text || o instanceof List || o instanceof Map ? String.valueOf(o) : o);
        }
        return out;
    }

    /** A message with every field set. */
    private static byte[] full(ProtobufDecoder d) {
        TestProtos.Msg m = everything(d);
        m.set("i32", -5).set("i64", -6_000_000_000L).set("u32", 0xFFFF_FFFF).set("u64", -1L).set("s32", -7)
                .set("s64", -8L).set("f32", 0x8000_0000).set("f64", Long.MIN_VALUE).set("sf32", -9).set("sf64", -10L)
                .set("fl", 1.5f).set("db", 2.25).set("b", true).set("s", "h\u00e9llo \uD83D\uDE00")
                .set("by", ByteString.copyFrom(new byte[] {0, 1, (byte) 0xFF})).set("color", "GREEN").set("opt", 0)
                .set("address", m.sub("address").set("city", "Lyon").set("zip", 69001))
                .add("longs", 1L).add("longs", -2L).add("tags", "a").add("tags", "b")
                .add("addresses", m.sub("addresses").set("city", "A")).add("addresses", m.sub("addresses").set("zip", 2))
                .add("counts", m.sub("counts").set("key", "x").set("value", 1))
                .add("by_id", m.sub("by_id").set("key", 7L).set("value", m.sub("address").set("city", "Seven")))
                .set("number", 42L)
                .set("at", m.sub("at").set("seconds", 1_714_557_600L).set("nanos", 123_999_999))
                .set("took", m.sub("took").set("seconds", -1L).set("nanos", -500_000_000))
                .set("maybe_int", m.sub("maybe_int").set("value", 0))
                .set("maybe_str", m.sub("maybe_str").set("value", "w"))
                .add("unpacked", 3).add("unpacked", 4)
                .set("tree", m.sub("tree").set("name", "root").set("child", m.sub("tree").set("name", "leaf")))
                .set("maybe_u64", m.sub("maybe_u64").set("value", -2L))
                .add("times", m.sub("at").set("seconds", -1L).set("nanos", 999_999_999));
        return m.bytes();
    }

    @Test
    void everyProto3TypeLandsWithItsValueAndArrowType() {
        ProtobufDecoder d = decoder();
        try (ArrowBatch batch = open(d)) {
            append(batch, d, 5, full(d));
            append(batch, d, 6, new byte[0]); // every field absent
            VectorSchemaRoot root = batch.seal();

            Map<String, ArrowType> types = new LinkedHashMap<>();
            Map<String, Boolean> nullable = new LinkedHashMap<>();
            for (FieldVector v : root.getFieldVectors()) {
                types.put(v.getName(), v.getField().getType());
                nullable.put(v.getName(), v.getField().isNullable());
            }
            assertThat(types.get("i32")).isEqualTo(new ArrowType.Int(32, true));
            assertThat(types.get("u32")).isEqualTo(new ArrowType.Int(64, true));
            assertThat(types.get("u64")).isEqualTo(new ArrowType.Decimal(20, 0, 128));
            assertThat(types.get("f32")).isEqualTo(new ArrowType.Int(64, true));
            assertThat(types.get("f64")).isEqualTo(new ArrowType.Decimal(20, 0, 128));
            assertThat(types.get("sf32")).isEqualTo(new ArrowType.Int(32, true));
            assertThat(types.get("color")).isEqualTo(ArrowType.Utf8.INSTANCE);
            assertThat(types.get("at")).isEqualTo(new ArrowType.Timestamp(
                    org.apache.arrow.vector.types.TimeUnit.MILLISECOND, "UTC"));
            assertThat(types.get("took")).isEqualTo(new ArrowType.Int(64, true));
            assertThat(types.get("maybe_int")).isEqualTo(new ArrowType.Int(32, true));
            assertThat(types.get("maybe_u64")).isEqualTo(new ArrowType.Decimal(20, 0, 128));
            assertThat(types.get("tree")).isInstanceOf(ArrowType.Struct.class);
            assertThat(root.getVector("tree").getChildrenFromFields().get(1).getField().getType())
                    .as("the recursive field lands as its bytes").isEqualTo(ArrowType.Binary.INSTANCE);
            assertThat(types.get("counts")).isInstanceOf(ArrowType.Map.class);
            // Presence decides nullability: plain proto3 scalars and repeated fields are required columns.
            assertThat(nullable).containsEntry("i32", false).containsEntry("s", false).containsEntry("color", false)
                    .containsEntry("longs", false).containsEntry("counts", false).containsEntry("opt", true)
                    .containsEntry("address", true).containsEntry("text", true).containsEntry("at", true)
                    .containsEntry("maybe_int", true);

            Map<String, Object> r = row(root, 0);
            assertThat(r).containsEntry("i32", -5).containsEntry("i64", -6_000_000_000L)
                    .containsEntry("u32", 4_294_967_295L).containsEntry("u64", new BigDecimal("18446744073709551615"))
                    .containsEntry("s32", -7).containsEntry("s64", -8L).containsEntry("f32", 2_147_483_648L)
                    .containsEntry("f64", new BigDecimal("9223372036854775808")).containsEntry("sf32", -9)
                    .containsEntry("sf64", -10L).containsEntry("fl", 1.5f).containsEntry("db", 2.25)
                    .containsEntry("b", true).containsEntry("s", "h\u00e9llo \uD83D\uDE00")
                    .containsEntry("color", "GREEN").containsEntry("opt", 0)
                    .containsEntry("address", "{\"city\":\"Lyon\",\"zip\":69001}")
                    .containsEntry("longs", "[1,-2]").containsEntry("tags", "[\"a\",\"b\"]")
                    .containsEntry("addresses", "[{\"city\":\"A\",\"zip\":0},{\"city\":\"\",\"zip\":2}]")
                    .containsEntry("counts", "[{\"key\":\"x\",\"value\":1}]")
                    .containsEntry("by_id", "[{\"key\":7,\"value\":{\"city\":\"Seven\",\"zip\":0}}]")
                    .containsEntry("text", null).containsEntry("number", 42L).containsEntry("place", null)
                    .containsEntry("at", 1_714_557_600_123L).containsEntry("took", -1_500L)
                    .containsEntry("maybe_int", 0).containsEntry("maybe_str", "w")
                    .containsEntry("unpacked", "[3,4]")
                    .containsEntry("maybe_u64", new BigDecimal("18446744073709551614"))
                    .containsEntry("times", "[-1]")
                    .containsEntry("_kafka_offset", 5L);
            assertThat((byte[]) r.get("by")).containsExactly(0, 1, 0xFF);
            assertThat(String.valueOf(r.get("tree"))).startsWith("{\"name\":\"root\",\"child\":");

            Map<String, Object> empty = row(root, 1);
            assertThat(empty).containsEntry("i32", 0).containsEntry("u64", BigDecimal.ZERO).containsEntry("s", "")
                    .containsEntry("b", false).containsEntry("fl", 0f).containsEntry("color", "COLOR_UNSPECIFIED")
                    .containsEntry("opt", null).containsEntry("address", null).containsEntry("longs", "[]")
                    .containsEntry("counts", "[]").containsEntry("text", null).containsEntry("number", null)
                    .containsEntry("at", null).containsEntry("maybe_int", null).containsEntry("tree", null)
                    .containsEntry("_kafka_offset", 6L);
            assertThat((byte[]) empty.get("by")).isEmpty();
        }
    }

    /** Raw wire bytes, for what DynamicMessage would never write. */
    private static byte[] wire(WireWriter w) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        w.write(out);
        out.flush();
        return bytes.toByteArray();
    }

    interface WireWriter {
        void write(CodedOutputStream out) throws Exception;
    }

    private Map<String, Object> decodeOne(ProtobufDecoder d, Object bytes) {
        try (ArrowBatch batch = ArrowBatch.open(d.valueSchema(), allocator, "one")) {
            batch.appendDecoded(null, null, d, bytes);
            return row(batch.seal(), 0);
        }
    }

    private void decodeFails(ProtobufDecoder d, Object raw, String... messageParts) {
        try (ArrowBatch batch = ArrowBatch.open(d.valueSchema(), allocator, "bad")) {
            assertThatThrownBy(() -> batch.appendDecoded(null, null, d, raw))
                    .isInstanceOf(DataException.class).hasMessageContainingAll(messageParts);
        }
    }

    @Test
    void wireRulesPackedAndUnpackedOneofLastWinsMergingUnknownFieldsAndUnknownEnums() throws Exception {
        ProtobufDecoder d = decoder();
        byte[] bytes = wire(out -> {
            out.writeInt64(19, 1);                 // longs, unpacked although declared packed
            out.writeTag(19, WireFormat.WIRETYPE_LENGTH_DELIMITED); // longs, packed
            out.writeUInt32NoTag(CodedOutputStream.computeInt64SizeNoTag(2) + CodedOutputStream.computeInt64SizeNoTag(3));
            out.writeInt64NoTag(2);
            out.writeInt64NoTag(3);
            out.writeTag(31, WireFormat.WIRETYPE_LENGTH_DELIMITED); // unpacked declared, sent packed
            out.writeUInt32NoTag(2);
            out.writeInt32NoTag(7);
            out.writeInt32NoTag(8);
            out.writeString(24, "first");           // oneof: text, then number: number wins
            out.writeInt64(25, 9);
            out.writeString(999, "unknown field");  // skipped
            out.writeFixed64(1000, 1);
            out.writeGroup(1001, com.google.protobuf.Empty.getDefaultInstance());
            out.writeEnum(16, 77);                  // enum number not declared
            out.writeInt32(1, 1);                    // i32 twice: last wins
            out.writeInt32(1, 2);
            out.writeTag(18, WireFormat.WIRETYPE_LENGTH_DELIMITED); // address twice: merged
            out.writeUInt32NoTag(CodedOutputStream.computeStringSize(1, "Paris"));
            out.writeString(1, "Paris");
            out.writeTag(18, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(CodedOutputStream.computeInt32Size(2, 75001));
            out.writeInt32(2, 75001);
        });
        Map<String, Object> r = decodeOne(d, bytes);
        assertThat(r).containsEntry("longs", "[1,2,3]").containsEntry("unpacked", "[7,8]")
                .containsEntry("text", null).containsEntry("number", 9L).containsEntry("color", "77")
                .containsEntry("i32", 2).containsEntry("address", "{\"city\":\"Paris\",\"zip\":75001}");
    }

    @Test
    void malformedInputIsABadRecordNamingTheField() throws Exception {
        ProtobufDecoder d = decoder(ProtobufDecoder.Framing.PLAIN, true);
        byte[] good = full(d);
        // Every truncation is either a valid shorter message or a DataException: never another exception. One batch
        // takes them all, so the failed ones also exercise the rollback.
        int bad = 0;
        try (ArrowBatch batch = ArrowBatch.open(d.valueSchema(), allocator, "fuzz")) {
            for (int cut = 0; cut < good.length; cut++) {
                try {
                    batch.appendDecoded(null, null, d, Arrays.copyOf(good, cut));
                } catch (DataException e) {
                    bad++;
                    assertThat(e.getMessage()).containsAnyOf("field '", "value");
                }
            }
            // Random corruption: the same guarantee.
            Random random = new Random(42);
            for (int i = 0; i < 3000; i++) {
                byte[] corrupt = good.clone();
                for (int k = 0; k < 3; k++) {
                    corrupt[random.nextInt(corrupt.length)] = (byte) random.nextInt(256);
                }
                try {
                    batch.appendDecoded(null, null, d, corrupt);
                } catch (DataException expected) {
                    // fine
                }
            }
            batch.appendDecoded(null, null, d, good);
            assertThat(row(batch.seal(), batch.rows() - 1)).containsEntry("s", "h\u00e9llo \uD83D\uDE00");
        }
        assertThat(bad).isGreaterThan(good.length / 2);
        decodeFails(d, wire(out -> {
            out.writeTag(14, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(10);
            out.writeRawBytes("abc".getBytes());
        }), "field 's' is truncated or malformed protobuf");
        decodeFails(d, wire(out -> {
            out.writeTag(18, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(30);
            out.writeString(1, "Lyon");
        }), "field 'address'", "truncated");
        decodeFails(d, wire(out -> {
            out.writeTag(21, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(4);
            out.writeTag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(9);
            out.writeRawBytes(new byte[] {'a', 'b'});
        }), "field 'addresses[].city' is truncated or malformed protobuf");
        decodeFails(d, wire(out -> out.writeByteArray(14, new byte[] {(byte) 0xC3, 0x28})),
                "field 's' is a string field whose bytes are not valid UTF-8");
        decodeFails(d, wire(out -> out.writeByteArray(1, new byte[] {1})),
                "field 'i32' has wire type length-delimited (2), but a int32 field is encoded as varint (0)");
        decodeFails(d, wire(out -> out.writeString(27, "not a timestamp")),
                "field 'at' is truncated or malformed protobuf");
        decodeFails(d, new byte[] {0, 0, 0, 0, 1, 0, 8, 1}, "value is not a plain protobuf message",
                "invalid tag (zero)", "value.protobuf.wire.format=confluent or auto");
        decodeFails(d, "text", "needs bytes");
        decodeFails(d, wire(out -> out.writeTag(500, WireFormat.WIRETYPE_END_GROUP)), "end-group tag");
    }

    @Test
    void deepNestingNeverOverflowsTheStack() throws Exception {
        ProtobufDecoder d = decoder();
        // 10,000 nested groups in an unknown field: protobuf's own recursion limit refuses them.
        ByteArrayOutputStream deep = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(deep);
        for (int i = 0; i < 10_000; i++) {
            out.writeTag(500, WireFormat.WIRETYPE_START_GROUP);
        }
        for (int i = 0; i < 10_000; i++) {
            out.writeTag(500, WireFormat.WIRETYPE_END_GROUP);
        }
        out.flush();
        decodeFails(d, deep.toByteArray(), "unknown field 500");
        // A recursive message 10,000 levels deep (written by hand: protobuf-java's own serializer overflows) lands as
        // the bytes of its recursive field, not as recursion.
        byte[] tree = wire(o -> o.writeString(1, "leaf"));
        for (int i = 0; i < 10_000; i++) {
            byte[] child = tree;
            String name = "n" + i;
            tree = wire(o -> {
                o.writeString(1, name);
                o.writeByteArray(2, child);
            });
        }
        byte[] top = tree;
        Map<String, Object> r = decodeOne(d, wire(o -> o.writeByteArray(32, top)));
        assertThat(String.valueOf(r.get("tree"))).startsWith("{\"name\":\"n9999\",\"child\":");
    }

    @Test
    void confluentFramingWithIndexesAndAutoDetection() throws Exception {
        ProtobufDecoder auto = decoder(ProtobufDecoder.Framing.AUTO, false);
        ProtobufDecoder confluent = decoder(ProtobufDecoder.Framing.CONFLUENT, false);
        ProtobufDecoder plain = decoder(ProtobufDecoder.Framing.PLAIN, false);
        byte[] message = everything(auto).set("s", "framed").bytes();
        // Everything is the file's third message: indexes [2] are written as count 1 (zigzag 2), index 2 (zigzag 4).
        byte[] framed = concat(new byte[] {0, 0, 0, 1, 7, 2, 4}, message);
        assertThat(decodeOne(auto, framed)).containsEntry("s", "framed");
        assertThat(decodeOne(confluent, framed)).containsEntry("s", "framed");
        assertThat(decodeOne(auto, message)).containsEntry("s", "framed");
        assertThat(decodeOne(auto, ByteBuffer.wrap(concat(new byte[] {9, 9}, framed), 2, framed.length).slice()))
                .containsEntry("s", "framed");
        assertThat(decodeOne(auto, ByteBuffer.allocateDirect(framed.length).put(framed).flip()))
                .containsEntry("s", "framed");
        decodeFails(plain, framed, "invalid tag (zero)", "set value.protobuf.wire.format=confluent or auto");
        decodeFails(confluent, message, "does not start with the Confluent wire-format header");
        // The 0 shorthand means the first message of the file (Address), not Everything.
        decodeFails(auto, concat(new byte[] {0, 0, 0, 1, 7, 0}, message),
                "names message indexes [0] of its file, but test.v1.Everything is at [2]");

        // A nested message: Outer.Inner is [3, 0].
        byte[] set = TestProtos.descriptorSet(false).toByteArray();
        ProtobufDecoder inner = ProtobufDecoder.fromDescriptorSet(set, "test.v1.Outer.Inner",
                ProtobufDecoder.Framing.AUTO);
        byte[] innerMessage = new TestProtos.Msg(inner.message()).set("v", "in").bytes();
        assertThat(decodeOne(inner, concat(new byte[] {0, 0, 0, 0, 1, 4, 6, 0}, innerMessage)))
                .containsEntry("v", "in");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void aBadRecordInTheMiddleLeavesEarlierRowsAndTheNextGoodRowIntact() {
        ProtobufDecoder d = decoder();
        try (ArrowBatch batch = open(d)) {
            append(batch, d, 0, full(d));
            append(batch, d, 1, everything(d).set("s", "two").add("tags", "t").bytes());
            TestProtos.Msg badMsg = everything(d).set("s", "BAD").add("tags", "B").add("tags", "A").add("tags", "D")
                    .add("addresses", everything(d).sub("addresses").set("city", "BAD"))
                    .set("address", everything(d).sub("address").set("city", "BAD"))
                    .add("counts", everything(d).sub("counts").set("key", "BAD").set("value", 1));
            byte[] badBytes = badMsg.bytes();
            // Cut inside the last field: everything before it has been written into the vectors.
            byte[] truncated = Arrays.copyOf(badBytes, badBytes.length - 2);
            assertThatThrownBy(() -> append(batch, d, 2, truncated)).isInstanceOf(DataException.class);
            assertThat(batch.rows()).isEqualTo(2);
            append(batch, d, 3, new byte[0]);
            append(batch, d, 4, everything(d).set("s", "five").add("tags", "x").add("tags", "y").bytes());

            VectorSchemaRoot root = batch.seal();
            assertThat(root.getRowCount()).isEqualTo(4);
            List<Object> s = new ArrayList<>();
            List<Object> tags = new ArrayList<>();
            List<Object> offsets = new ArrayList<>();
            List<Object> counts = new ArrayList<>();
            List<Object> addresses = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Map<String, Object> r = row(root, i);
                s.add(r.get("s"));
                tags.add(r.get("tags"));
                offsets.add(r.get("_kafka_offset"));
                counts.add(r.get("counts"));
                addresses.add(r.get("address"));
            }
            assertThat(s).containsExactly("h\u00e9llo \uD83D\uDE00", "two", "", "five");
            assertThat(tags).containsExactly("[\"a\",\"b\"]", "[\"t\"]", "[]", "[\"x\",\"y\"]");
            assertThat(offsets).containsExactly(0L, 1L, 3L, 4L);
            assertThat(counts).containsExactly("[{\"key\":\"x\",\"value\":1}]", "[]", "[]", "[]");
            assertThat(addresses).containsExactly("{\"city\":\"Lyon\",\"zip\":69001}", null, null, null);
            assertThat(((ListVector) root.getVector("tags")).getDataVector().getValueCount()).isEqualTo(5);
        }
    }

    @Test
    void landsAsParquetThatDuckDbReadsWithTheMappedTypes(@TempDir Path dir) throws Exception {
        ProtobufDecoder d = decoder();
        Path file = dir.resolve("pb.parquet");
        try (ArrowBatch batch = open(d)) {
            append(batch, d, 0, full(d));
            append(batch, d, 1, new byte[0]);
            EncodedFile encoded = new ParquetEncoder(WriterOptions.withCodec("zstd")).encode(batch.seal(), Map.of());
            Files.write(file, Arrays.copyOf(encoded.bytes(), encoded.length()));
        }
        try (ParquetReadback duck = new ParquetReadback()) {
            Map<String, String> types = duck.columnTypes(List.of(file));
            assertThat(types).containsEntry("i32", "INTEGER").containsEntry("u32", "BIGINT")
                    .containsEntry("u64", "DECIMAL(20,0)").containsEntry("fl", "FLOAT").containsEntry("by", "BLOB")
                    .containsEntry("color", "VARCHAR").containsEntry("longs", "BIGINT[]")
                    .containsEntry("counts", "MAP(VARCHAR, INTEGER)")
                    .containsEntry("by_id", "MAP(BIGINT, STRUCT(city VARCHAR, zip INTEGER))")
                    .containsEntry("at", "TIMESTAMP WITH TIME ZONE").containsEntry("took", "BIGINT")
                    .containsEntry("maybe_str", "VARCHAR").containsEntry("tree", "STRUCT(\"name\" VARCHAR, child BLOB)");
            List<Map<String, Object>> rows = duck.query("SELECT CAST(u64 AS VARCHAR) AS u64, s, color,"
                    + " epoch_ms(\"at\") AS \"at\", took, counts['x'] AS x, by_id[7].city AS seven, address.zip AS zip,"
                    + " len(longs) AS n, maybe_int, _kafka_offset FROM " + ParquetReadback.table(List.of(file))
                    + " ORDER BY _kafka_offset");
            assertThat(rows.get(0)).containsEntry("u64", "18446744073709551615")
                    .containsEntry("s", "h\u00e9llo \uD83D\uDE00").containsEntry("color", "GREEN")
                    .containsEntry("at", 1_714_557_600_123L).containsEntry("took", -1_500L).containsEntry("x", 1)
                    .containsEntry("seven", "Seven").containsEntry("zip", 69001).containsEntry("n", 2L)
                    .containsEntry("maybe_int", 0);
            assertThat(rows.get(1)).containsEntry("u64", "0").containsEntry("s", "").containsEntry("at", null)
                    .containsEntry("n", 0L).containsEntry("maybe_int", null).containsEntry("_kafka_offset", 1L);
        }
    }

    @Test
    void descriptorProblemsAreClear() {
        assertThatThrownBy(() -> ProtobufDecoder.fromDescriptorSet(TestProtos.descriptorSet(true).toByteArray(),
                "test.v1.Nope", ProtobufDecoder.Framing.AUTO))
                .hasMessageContaining("'test.v1.Nope' is not a message of the descriptor set; it has [")
                .hasMessageContaining("test.v1.Everything");
        assertThatThrownBy(() -> ProtobufSchemas.load(new byte[] {1, 2, 3}))
                .hasMessageContaining("is not a serialized FileDescriptorSet");
        com.google.protobuf.DescriptorProtos.FileDescriptorSet broken =
                com.google.protobuf.DescriptorProtos.FileDescriptorSet.newBuilder()
                        .addFile(TestProtos.descriptorSet(false).getFile(0).toBuilder()
                                .setDependency(0, "missing/thing.proto")).build();
        assertThatThrownBy(() -> ProtobufSchemas.load(broken.toByteArray()))
                .hasMessageContaining("does not contain 'missing/thing.proto'");
    }
}
