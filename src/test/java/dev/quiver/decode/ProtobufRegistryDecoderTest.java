package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.DynamicMessage;
import dev.quiver.arrow.ArrowBatch;
import dev.quiver.arrow.MetadataColumns;
import dev.quiver.arrow.RowLayout;
import dev.quiver.arrow.SchemaMerger;
import dev.quiver.parquet.EncodedFile;
import dev.quiver.parquet.ParquetEncoder;
import dev.quiver.parquet.WriterOptions;
import dev.quiver.testing.ParquetReadback;
import dev.quiver.testing.TestSchemaRegistry;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Protobuf from a Schema Registry: schema resolution, message index paths, evolution and bad input. */
class ProtobufRegistryDecoderTest {
    private static final MetadataColumns OFFSET_ONLY =
            new MetadataColumns(Map.of(MetadataColumns.Kind.OFFSET, "_kafka_offset"), null);
    private static final long AT = 1_767_225_600_123L; // 2026-01-01T00:00:00.123Z

    private final RootAllocator allocator = new RootAllocator();
    private TestSchemaRegistry registry;
    private TestRegistryProtos.Ids ids;

    @BeforeEach
    void start() throws Exception {
        registry = TestSchemaRegistry.start(0, null);
        ids = TestRegistryProtos.register(registry.url(), "orders-value");
    }

    @AfterEach
    void stop() {
        registry.close();
        assertThat(allocator.getAllocatedMemory()).isZero();
        allocator.close();
    }

    private static SchemaRegistryClient client(String url) {
        return new SchemaRegistryClient(List.of(url), null, null, null, Duration.ofSeconds(2), Duration.ofSeconds(2));
    }

    private ArrowBatch open(Schema schema) {
        return ArrowBatch.open(new RowLayout(schema, null, OFFSET_ONLY), allocator, "protobuf");
    }

    private static void append(ArrowBatch batch, ValueDecoder d, long offset, Object raw) {
        batch.appendDecoded(new SinkRecord("orders", 0, null, null, null, raw, offset), null, d, raw);
    }

    private static Path land(ArrowBatch batch, Path dir) throws Exception {
        Path file = dir.resolve("pb-" + System.nanoTime() + ".parquet");
        EncodedFile encoded = new ParquetEncoder(WriterOptions.withCodec("zstd")).encode(batch.seal(), Map.of());
        Files.write(file, Arrays.copyOf(encoded.bytes(), encoded.length()));
        return file;
    }

    @Test
    void aSchemaWithAReferenceAndATimestampIsFetchedOnceAndDecodes(@TempDir Path dir) throws Exception {
        ProtobufRegistryDecoder d = new ProtobufRegistryDecoder(client(registry.url()));
        byte[] a = TestRegistryProtos.framed(ids.v1(), TestRegistryProtos.order(1, "o-1", 3, 1999, AT,
                List.of("apple", "pear"), true, 1.5, null));
        byte[] b = TestRegistryProtos.framed(ids.v1(), TestRegistryProtos.order(1, "o-2", -7, 5, 0, List.of(), false,
                0, null));
        Schema schema = d.schemaOf(a);
        assertThat(d.schemaOf(b)).isSameAs(schema);
        Path file;
        try (ArrowBatch batch = open(schema)) {
            append(batch, d.boundTo(schema), 0, a);
            append(batch, d.boundTo(schema), 1, b);
            file = land(batch, dir);
        }
        // One fetch of the id and one of its reference, each in serialized form; the well-known timestamp.proto
        // comes from protobuf-java although the schema references it too.
        assertThat(registry.requests()).filteredOn(r -> r.startsWith("GET")).containsExactly(
                "GET /schemas/ids/" + ids.v1() + "?format=serialized",
                "GET /subjects/shop%2Fcommon.proto/versions/1?format=serialized");
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.columnTypes(List.of(file))).containsEntry("id", "VARCHAR").containsEntry("qty", "INTEGER")
                    .containsEntry("price", "STRUCT(currency VARCHAR, units BIGINT)")
                    .containsEntry("at", "TIMESTAMP WITH TIME ZONE")
                    .containsEntry("lines", "STRUCT(sku VARCHAR, n INTEGER)[]")
                    .containsEntry("status", "VARCHAR").containsEntry("weight", "FLOAT");
            List<Map<String, Object>> rows = duck.query("SELECT id, qty, price.currency AS cur, price.units AS units,"
                    + " epoch_ms(\"at\") AS at_ms, to_json(lines)::VARCHAR AS lines, status, weight FROM "
                    + ParquetReadback.table(List.of(file)) + " ORDER BY _kafka_offset");
            assertThat(rows).containsExactly(
                    row("o-1", 3, "EUR", 1999L, AT, "[{\"sku\":\"apple\",\"n\":1},{\"sku\":\"pear\",\"n\":2}]", "PAID",
                            1.5f),
                    row("o-2", -7, "EUR", 5L, 0L, "[]", "NEW", 0f));
        }
    }

    private static Map<String, Object> row(String id, Object qty, String cur, long units, long at, String lines,
            String status, Object weight) {
        Map<String, Object> m = new HashMap<>();
        m.put("id", id);
        m.put("qty", qty);
        m.put("cur", cur);
        m.put("units", units);
        m.put("at_ms", at);
        m.put("lines", lines);
        m.put("status", status);
        m.put("weight", weight);
        return m;
    }

    @Test
    void theMessageIndexPathPicksANestedOrASecondMessage(@TempDir Path dir) throws Exception {
        ProtobufRegistryDecoder d = new ProtobufRegistryDecoder(client(registry.url()));
        DynamicMessage.Builder line = TestRegistryProtos.builder(1, "Order.Line");
        line.setField(line.getDescriptorForType().findFieldByName("sku"), "kiwi");
        line.setField(line.getDescriptorForType().findFieldByName("n"), 4);
        byte[] nested = TestRegistryProtos.framed(ids.v1(), line.build());
        assertThat(Arrays.copyOfRange(nested, 5, 8)).containsExactly(4, 0, 0); // count 2 (zigzag), path [0, 0]
        DynamicMessage.Builder refund = TestRegistryProtos.builder(1, "Refund");
        refund.setField(refund.getDescriptorForType().findFieldByName("order_id"), "o-9");
        refund.setField(refund.getDescriptorForType().findFieldByName("amount"), 12.25);
        byte[] second = TestRegistryProtos.framed(ids.v1(), refund.build());
        assertThat(Arrays.copyOfRange(second, 5, 7)).containsExactly(2, 2); // count 1, path [1]

        Schema lineSchema = d.schemaOf(nested);
        Schema refundSchema = d.schemaOf(second);
        assertThat(lineSchema.name()).isEqualTo("shop.v1.Order.Line");
        assertThat(refundSchema.name()).isEqualTo("shop.v1.Refund");
        Path lines;
        Path refunds;
        try (ArrowBatch batch = open(lineSchema)) {
            append(batch, d.boundTo(lineSchema), 0, nested);
            lines = land(batch, dir);
        }
        try (ArrowBatch batch = open(refundSchema)) {
            append(batch, d.boundTo(refundSchema), 0, second);
            refunds = land(batch, dir);
        }
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.columnTypes(List.of(lines))).containsEntry("sku", "VARCHAR").containsEntry("n", "INTEGER");
            assertThat(duck.query("SELECT sku, n FROM " + ParquetReadback.table(List.of(lines))))
                    .containsExactly(Map.of("sku", "kiwi", "n", 4));
            assertThat(duck.columnTypes(List.of(refunds))).containsEntry("order_id", "VARCHAR")
                    .containsEntry("amount", "DOUBLE");
            assertThat(duck.query("SELECT order_id, amount FROM " + ParquetReadback.table(List.of(refunds))))
                    .containsExactly(Map.of("order_id", "o-9", "amount", 12.25));
        }
        assertThat(d.knownWriters()).containsExactlyInAnyOrder(ids.v1() + "/0/0", ids.v1() + "/1");
    }

    @Test
    void twoCompatibleSchemaIdsShareOneBatchWidenedAndNullFilled(@TempDir Path dir) throws Exception {
        ProtobufRegistryDecoder d = new ProtobufRegistryDecoder(client(registry.url()));
        byte[] a = TestRegistryProtos.framed(ids.v1(), TestRegistryProtos.order(1, "o-1", 3, 10, AT, List.of("a"),
                false, 0.5, null));
        byte[] b = TestRegistryProtos.framed(ids.v2(), TestRegistryProtos.order(2, "o-2", 5_000_000_000L, 20, AT + 1,
                List.of(), true, 2.75, "gift"));
        Schema merged = SchemaMerger.merge(d.schemaOf(a), d.schemaOf(b), SchemaMerger.Mode.STRICT);
        Path file;
        try (ArrowBatch batch = open(merged)) {
            append(batch, d.boundTo(merged), 0, a);
            append(batch, d.boundTo(merged), 1, b);
            append(batch, d.boundTo(merged), 2, a);
            file = land(batch, dir);
        }
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.columnTypes(List.of(file))).containsEntry("qty", "BIGINT").containsEntry("weight", "DOUBLE")
                    .containsEntry("note", "VARCHAR");
            List<Map<String, Object>> rows = duck.query("SELECT id, qty, weight, note, status, epoch_ms(\"at\") AS at_ms FROM "
                    + ParquetReadback.table(List.of(file)) + " ORDER BY _kafka_offset");
            Map<String, Object> first = new HashMap<>(Map.of("id", "o-1", "qty", 3L, "weight", 0.5, "status", "NEW",
                    "at_ms", AT));
            first.put("note", null);
            assertThat(rows).containsExactly(first, Map.of("id", "o-2", "qty", 5_000_000_000L, "weight", 2.75,
                    "note", "gift", "status", "PAID", "at_ms", AT + 1), first);
        }
    }

    @Test
    void badInputIsABadRecordNamingTheProblem() throws Exception {
        ProtobufRegistryDecoder d = new ProtobufRegistryDecoder(client(registry.url()));
        byte[] good = TestRegistryProtos.framed(ids.v1(), TestRegistryProtos.order(1, "o", 1, 1, AT, List.of(), false,
                1, null));
        byte[] unknownId = good.clone();
        unknownId[4] = 99;
        assertThatThrownBy(() -> d.schemaOf(unknownId)).isInstanceOf(DataException.class)
                .hasMessageContaining("schema id 99").hasMessageContaining("404");
        byte[] badMagic = good.clone();
        badMagic[0] = 1;
        assertThatThrownBy(() -> d.schemaOf(badMagic)).isInstanceOf(DataException.class)
                .hasMessageContaining("not the Confluent magic byte 0");
        assertThatThrownBy(() -> d.schemaOf(new byte[] {0, 0, 0})).isInstanceOf(DataException.class)
                .hasMessageContaining("shorter than the 5-byte Confluent framing");
        byte[] noIndexes = Arrays.copyOf(good, 5);
        assertThatThrownBy(() -> d.schemaOf(noIndexes)).isInstanceOf(DataException.class)
                .hasMessageContaining("ends inside its message indexes");
        byte[] noSuchMessage = {0, 0, 0, 0, (byte) ids.v1(), 2, 6}; // path [3]: the file has two messages
        assertThatThrownBy(() -> d.schemaOf(noSuchMessage)).isInstanceOf(DataException.class)
                .hasMessageContaining("[3]").hasMessageContaining("out of range");
        byte[] noSuchNested = {0, 0, 0, 0, (byte) ids.v1(), 4, 0, 2}; // path [0, 1]: Order has one nested message
        assertThatThrownBy(() -> d.schemaOf(noSuchNested)).isInstanceOf(DataException.class)
                .hasMessageContaining("shop.v1.Order has 1 message");
        byte[] notProtobuf = good.clone();
        int avroId = TestSchemaRegistry.register(registry.url(), "x-value", "\"string\"", "AVRO", List.of());
        notProtobuf[4] = (byte) avroId;
        assertThatThrownBy(() -> d.schemaOf(notProtobuf)).isInstanceOf(DataException.class)
                .hasMessageContaining("AVRO schema");
        // A truncated message names its field, after the schema resolved.
        byte[] truncated = Arrays.copyOf(good, good.length - 3);
        Schema schema = d.schemaOf(good);
        try (ArrowBatch batch = open(schema)) {
            assertThatThrownBy(() -> append(batch, d.boundTo(schema), 0, truncated))
                    .isInstanceOf(DataException.class).hasMessageContaining("truncated");
        }
    }

    @Test
    void anImportWithoutAReferenceIsABadRecordAndTextFromAnOldRegistryStopsTheTask() throws Exception {
        ProtobufRegistryDecoder d = new ProtobufRegistryDecoder(client(registry.url()));
        int orphan = TestSchemaRegistry.register(registry.url(), "orphan-value",
                TestRegistryProtos.serialized(TestRegistryProtos.order(1)), "PROTOBUF", List.of());
        assertThat(orphan).isNotEqualTo(ids.v1()).isNotEqualTo(ids.v2());
        byte[] raw = TestRegistryProtos.framed(orphan, TestRegistryProtos.order(1, "o", 1, 1, AT, List.of(), false, 1,
                null));
        assertThatThrownBy(() -> d.schemaOf(raw)).isInstanceOf(DataException.class)
                .hasMessageContaining("imports 'shop/common.proto'").hasMessageContaining("no reference");
        int text = TestSchemaRegistry.register(registry.url(), "text-value",
                "syntax = \"proto3\";\npackage t;\nmessage T { string s = 1; }\n", "PROTOBUF", List.of());
        byte[] textRaw = {0, 0, 0, 0, (byte) text, 0, 10, 1, 'x'};
        assertThatThrownBy(() -> d.schemaOf(textRaw)).isInstanceOf(ConnectException.class)
                .isNotInstanceOf(DataException.class).hasMessageContaining("format=serialized");
    }

    @Test
    void aRegistryThatCannotBeReachedIsRetriable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ProtobufRegistryDecoder d = new ProtobufRegistryDecoder(client("http://127.0.0.1:" + port));
        byte[] raw = TestRegistryProtos.framed(ids.v1(), TestRegistryProtos.order(1, "o", 1, 1, AT, List.of(), false,
                1, null));
        assertThatThrownBy(() -> d.schemaOf(raw)).isInstanceOf(SchemaRegistryClient.UnavailableException.class);
    }
}
