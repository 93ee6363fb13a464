package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.testing.ConnectStack;
import dev.quiver.testing.ParquetReadback;
import dev.quiver.testing.TestSchemaRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code value.format=avro} and {@code key.format=avro} on the real stack with a Schema Registry in its own process
 * ({@link TestSchemaRegistry}, a stand-in speaking Confluent's REST subset, as no real registry is on Maven Central).
 * Producers serialize with org.apache.avro and add the Confluent framing, registering their schemas over REST as a
 * serializer does. DuckDB reads back every type and value; two compatible writer schemas share one file and an
 * incompatible one starts another; an unknown id, a wrong magic byte and a truncated value are dead-lettered with a
 * reason naming topic, partition, offset (and field); a registry that is down holds landing back until it is up
 * again, with nothing lost or duplicated.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AvroRegistryIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter";
    private static final String KEY = "{\"type\":\"record\",\"name\":\"Key\",\"namespace\":\"test.v1\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"long\"}]}";
    private static final String V1 = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"shop\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"name\",\"type\":\"string\"}]}";
    private static final String V2 = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"shop\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"name\",\"type\":\"string\"},"
            + "{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
    private static final String V3 = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"shop\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"name\",\"type\":\"string\"}]}";

    private ConnectStack stack;
    private KafkaProducer<byte[], byte[]> producer;
    private TestSchemaRegistry.Forked registry;
    private Path registryState;

    @BeforeAll
    void start() throws Exception {
        stack = ConnectStack.start(1);
        producer = stack.createProducer(Map.of());
        registryState = stack.newTempDir("registry").resolve("schemas.json");
        registry = TestSchemaRegistry.Forked.start(0, null, registryState);
    }

    @AfterAll
    void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    private long send(String topic, byte[] key, byte[] value) {
        return ConnectStack.sendAndAwait(producer, new ProducerRecord<>(topic, 0, key, value)).offset();
    }

    private int register(String subject, String schema) throws Exception {
        return TestSchemaRegistry.register(registry.url(), subject, schema, "AVRO", List.of());
    }

    private Map<String, String> config(String name, Map<String, String> more) {
        Map<String, String> overrides = new HashMap<>(more);
        overrides.put("key.converter", BYTES);
        overrides.put("value.converter", BYTES);
        overrides.put("value.format", "avro");
        overrides.put("schema.registry.url", registry.url());
        overrides.putAll(ConnectStack.deadLettersTo(name + "-dlq"));
        overrides.putIfAbsent("flush.interval.ms", "2000");
        return stack.connectorConfig(name, name, overrides);
    }

    private static GenericRecord user(String schema, Object id, String name, String email) {
        Schema s = new Schema.Parser().parse(schema);
        GenericRecord r = new GenericData.Record(s);
        r.put("id", id);
        r.put("name", name);
        if (s.getField("email") != null) {
            r.put("email", email);
        }
        return r;
    }

    private static byte[] framed(int id, String schema, GenericRecord datum) {
        return TestAvro.framed(id, new Schema.Parser().parse(schema), datum);
    }

    @Test
    void everyAvroTypeLandsWithItsValueAndAvroKeysTooFromTheRegistryProcess() throws Exception {
        String name = "avro-all";
        stack.createTopic(name, 1);
        int valueId = register(name + "-value", TestAvro.EVERYTHING);
        int keyId = register(name + "-key", KEY);
        Schema keySchema = new Schema.Parser().parse(KEY);
        for (int n = 0; n < 6; n++) {
            GenericRecord key = new GenericData.Record(keySchema);
            key.put("id", 1000L + n);
            send(name, TestAvro.framed(keyId, keySchema, key), TestAvro.framed(valueId, TestAvro.SCHEMA,
                    TestAvro.everything(n)));
        }
        stack.startConnector(name, config(name, Map.of("key.format", "avro")), 1);

        List<Path> files = stack.awaitDataFiles(name, 6, TIMEOUT);
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.columnTypes(files)).containsEntry("_kafka_key", "STRUCT(id BIGINT)")
                    .containsEntry("b", "BOOLEAN").containsEntry("i", "INTEGER").containsEntry("l", "BIGINT")
                    .containsEntry("f", "FLOAT").containsEntry("d", "DOUBLE").containsEntry("s", "VARCHAR")
                    .containsEntry("by", "BLOB").containsEntry("color", "VARCHAR").containsEntry("fx", "BLOB")
                    .containsEntry("tags", "VARCHAR[]").containsEntry("counts", "MAP(VARCHAR, INTEGER)")
                    .containsEntry("address", "STRUCT(city VARCHAR, zip INTEGER)")
                    .containsEntry("moves", "STRUCT(city VARCHAR, zip INTEGER)[]")
                    .containsEntry("maybe_s", "VARCHAR")
                    .containsEntry("choice", "STRUCT(\"int\" INTEGER, string VARCHAR,"
                            + " test_v1_Address STRUCT(city VARCHAR, zip INTEGER))")
                    .containsEntry("dec_b", "DECIMAL(10,2)").containsEntry("dec_f", "DECIMAL(28,4)")
                    .containsEntry("day", "DATE").containsEntry("ts", "TIMESTAMP WITH TIME ZONE")
                    .containsEntry("tsu", "TIMESTAMP WITH TIME ZONE").containsEntry("lts", "TIMESTAMP")
                    .containsEntry("ltsu", "TIMESTAMP").containsEntry("tmu", "BIGINT").containsEntry("id", "VARCHAR");
            List<List<Object>> rows = duck.queryLists("SELECT _kafka_offset, struct_extract(_kafka_key, 'id'), b, i, l, f, d, s,"
                    + " hex(\"by\"), color, hex(fx), CAST(tags AS VARCHAR), counts['x'], address.city AS a_city, address.zip AS a_zip,"
                    + " moves[2].zip AS m_zip, maybe_s, maybe_address.city AS m_city, choice.\"int\", choice.string,"
                    + " choice.test_v1_Address.city AS c_city, CAST(dec_b AS VARCHAR), CAST(dec_f AS VARCHAR),"
                    + " CAST(\"day\" AS VARCHAR), tm, tmu, epoch_ms(ts), epoch_us(tsu), epoch_ms(lts),"
                    + " epoch_us(ltsu), id FROM "
                    + ParquetReadback.table(files) + " ORDER BY _kafka_offset");
            assertThat(rows).hasSize(6);
            for (int n = 0; n < 6; n++) {
                boolean even = n % 2 == 0;
                assertThat(rows.get(n)).as("row %s", n).containsExactly((long) n, 1000L + n, even, -n,
                        10_000_000_000L + n, 1.5f + n, 2.25 + n, "h\u00e9llo " + n,
                        String.format("01020%X", n), even ? "GREEN" : "BLUE", String.format("0908070%X", n),
                        even ? "[a, b]" : "[]", n, "Lyon", 69001 + n, 6000 + n, even ? "there" : null,
                        even ? "Metz" : null, n % 3 == 0 ? 42 : null, n % 3 == 1 ? "forty-two" : null,
                        n % 3 == 2 ? "Caen" : null, "-12345.67", "123456789012345678.9012",
                        java.time.LocalDate.ofEpochDay(19_000 + n).toString(), 3_600_000 + n, 3_600_000_001L + n,
                        1_714_557_600_123L + n, 1_714_557_600_123_456L + n,
                        // Zone-less timestamps (TIMESTAMP above): their wall-clock time, read as if UTC.
                        1_714_557_600_124L + n, 1_714_557_600_124_567L + n, TestAvro.UUID);
            }
        }
    }

    @Test
    void twoCompatibleSchemaIdsShareOneFileAndAnIncompatibleOneStartsAnother() throws Exception {
        String name = "avro-evolve";
        stack.createTopic(name, 1);
        int v1 = register(name + "-value", V1);
        int v2 = register(name + "-value", V2);
        int v3 = register(name + "-value", V3);
        List<List<Object>> want = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            long offset = i % 2 == 0 ? send(name, null, framed(v1, V1, user(V1, i, "u" + i, null)))
                    : send(name, null, framed(v2, V2, user(V2, 5_000_000_000L + i, "u" + i, "u" + i + "@x")));
            want.add(Arrays.asList(offset, i % 2 == 0 ? (long) i : 5_000_000_000L + i, "u" + i,
                    i % 2 == 0 ? null : "u" + i + "@x"));
        }
        for (int i = 6; i < 12; i++) {
            send(name, null, framed(v3, V3, user(V3, "id-" + i, "u" + i, null)));
        }
        // Files land by count only: the first when the incompatible schema arrives, the second at 6 rows.
        Map<String, String> more = new HashMap<>();
        more.put("flush.max.records", "6");
        more.put("flush.interval.ms", "600000");
        stack.startConnector(name, config(name, more), 1);

        List<Path> files = stack.awaitDataFiles(name, 12, TIMEOUT);
        assertThat(files).hasSize(2);
        try (ParquetReadback duck = new ParquetReadback()) {
            Map<String, Long> perFile = duck.rowsPerFile(files);
            assertThat(perFile.values()).containsExactlyInAnyOrder(6L, 6L);
            Path merged = files.stream().filter(f -> duck.columnTypes(List.of(f)).containsKey("email")).findFirst()
                    .orElseThrow();
            assertThat(duck.columnTypes(List.of(merged))).containsEntry("id", "BIGINT").containsEntry("email", "VARCHAR");
            assertThat(duck.queryLists("SELECT _kafka_offset, id, name, email FROM "
                    + ParquetReadback.table(List.of(merged)) + " ORDER BY _kafka_offset")).containsExactlyElementsOf(want);
            Path other = files.get(files.get(0).equals(merged) ? 1 : 0);
            assertThat(duck.columnTypes(List.of(other))).containsEntry("id", "VARCHAR").doesNotContainKey("email");
            assertThat(duck.queryLists("SELECT min(id), max(id), min(_kafka_offset) FROM "
                    + ParquetReadback.table(List.of(other)))).containsExactly(Arrays.asList("id-10", "id-9", 6L));
        }
    }

    @Test
    void badValuesAreDeadLetteredAndARegistryThatIsDownHoldsLandingUntilItIsBack() throws Exception {
        String name = "avro-bad";
        stack.createTopic(name, 1);
        int v1 = register(name + "-value", V1);
        Map<Long, String> expectedBad = new LinkedHashMap<>();
        List<Long> good = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            good.add(send(name, null, framed(v1, V1, user(V1, i, "u" + i, null))));
        }
        expectedBad.put(send(name, null, framed(9_999, V1, user(V1, 9, "nine", null))),
                "schema id 9999 is unknown to the Schema Registry");
        byte[] magic = framed(v1, V1, user(V1, 1, "m", null));
        magic[0] = 1;
        expectedBad.put(send(name, null, magic), "not the Confluent magic byte 0");
        byte[] whole = framed(v1, V1, user(V1, 2, "truncated", null));
        expectedBad.put(send(name, null, Arrays.copyOf(whole, whole.length - 4)), "field 'name' is truncated");
        expectedBad.put(send(name, null, new byte[] {0, 0}), "shorter than the 5-byte Confluent framing");
        for (int i = 4; i < 8; i++) {
            good.add(send(name, null, framed(v1, V1, user(V1, i, "u" + i, null))));
        }
        // The registry goes down before the connector ever fetched this id: every put() is retried, nothing lands.
        int port = registry.port();
        registry.close();
        stack.startConnector(name, config(name, Map.of()), 1);
        ConnectStack.sleep(6_000);
        assertThat(stack.statusOrNull(name).tasks()).hasSize(1)
                .allSatisfy(t -> assertThat(t.state()).isEqualTo("RUNNING"));
        registry = TestSchemaRegistry.Forked.start(port, null, registryState);

        List<Path> files = stack.awaitDataFiles(name, good.size(), TIMEOUT);
        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(files);
            assertThat(duck.queryLists("SELECT _kafka_offset FROM " + table + " ORDER BY _kafka_offset").stream()
                    .map(r -> (Long) r.get(0)).toList()).containsExactlyElementsOf(good);
        }
        Map<Long, String> dead = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : stack.readDeadLetters(name + "-dlq", expectedBad.size(), TIMEOUT)) {
            assertThat(dead.put(ConnectStack.deadLetterOffset(record), ConnectStack.deadLetterReason(record)))
                    .as("dead-lettered once").isNull();
        }
        assertThat(dead.keySet()).containsExactlyInAnyOrderElementsOf(expectedBad.keySet());
        expectedBad.forEach((offset, phrase) -> assertThat(dead.get(offset))
                .contains("topic '" + name + "'", "partition 0", "offset " + offset, phrase));
    }
}
