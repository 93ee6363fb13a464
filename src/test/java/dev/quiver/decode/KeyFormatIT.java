package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import dev.quiver.testing.ConnectStack;
import dev.quiver.testing.ParquetReadback;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code key.format} on the real stack: raw keys from ByteArrayConverter decoded straight into the {@code _kafka_key}
 * column (a JSON Schema with coercions, schemaless JSON typed per batch, a Protobuf message from the value's
 * descriptor set), read back with DuckDB
 * with their types, and bad keys dead-lettered with a reason naming the key field while every good record lands once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyFormatIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final String BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter";
    private static final String KEY_SCHEMA = "{\"type\":\"object\",\"properties\":{"
            + "\"id\":{\"type\":\"integer\"},\"region\":{\"type\":\"string\"},\"vip\":{\"type\":\"boolean\"}},"
            + "\"required\":[\"id\"]}";
    private static final String VALUE_SCHEMA = "{\"type\":\"object\",\"properties\":{"
            + "\"amount\":{\"type\":\"number\"}}}";

    private ConnectStack stack;
    private KafkaProducer<byte[], byte[]> producer;

    @BeforeAll
    void start() {
        stack = ConnectStack.start(1);
        producer = stack.createProducer(Map.of());
    }

    @AfterAll
    void stop() {
        // The stack closes the producer it made.
        if (stack != null) {
            stack.close();
        }
    }

    /** Sends to partition 0 and returns the record's offset. */
    private long send(String topic, byte[] key, byte[] value) {
        return ConnectStack.sendAndAwait(producer, new ProducerRecord<>(topic, 0, key, value)).offset();
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private Map<String, String> config(String name, Map<String, String> decoding) {
        Map<String, String> overrides = new HashMap<>(decoding);
        overrides.put("key.converter", BYTES);
        overrides.put("value.converter", BYTES);
        overrides.putAll(ConnectStack.deadLettersTo(name + "-dlq"));
        overrides.put("flush.interval.ms", "2000");
        return stack.connectorConfig(name, name, overrides);
    }

    /** Reads the dead letters and maps each original offset, dead-lettered once, to the reason Connect recorded. */
    private Map<Long, String> deadLetters(String name, int expected) {
        Map<Long, String> dead = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : stack.readDeadLetters(name + "-dlq", expected, TIMEOUT)) {
            long offset = ConnectStack.deadLetterOffset(record);
            assertThat(dead.put(offset, ConnectStack.deadLetterReason(record))).as("dead-lettered once").isNull();
        }
        return dead;
    }

    @Test
    void jsonKeysWithADeclaredSchemaLandAsATypedStruct() {
        String name = "keys-json";
        stack.createTopic(name, 1);
        // offset -> (id, region, vip), or null for a null key
        Map<Long, List<Object>> expected = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            // Coercions: the id as a string, vip as a string, region from a number as written.
            String key = i % 2 == 0
                    ? "{\"id\": \"" + (40 + i) + "\", \"region\": \"eu-" + i + "\", \"vip\": \"true\"}"
                    : "{\"id\": " + (40 + i) + ".0, \"region\": " + i + ", \"ignored\": [1, 2]}";
            long offset = send(name, utf8(key), utf8("{\"amount\": " + i + ".25}"));
            expected.put(offset, Arrays.asList((long) (40 + i), i % 2 == 0 ? "eu-" + i : Integer.toString(i),
                    i % 2 == 0 ? Boolean.TRUE : null));
        }
        expected.put(send(name, null, utf8("{\"amount\": 99.25}")), null);
        stack.startConnector(name, config(name, Map.of("key.format", "json", "key.json.schema", KEY_SCHEMA,
                "value.format", "json", "value.json.schema", VALUE_SCHEMA)), 1);

        List<Path> files = stack.awaitDataFiles(name, expected.size(), TIMEOUT);
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.columnTypes(files)).containsEntry("_kafka_key",
                    "STRUCT(id BIGINT, region VARCHAR, vip BOOLEAN)").containsEntry("amount", "DOUBLE");
            List<List<Object>> rows = duck.queryLists("SELECT _kafka_offset, _kafka_key IS NULL, _kafka_key.id,"
                    + " _kafka_key.region, _kafka_key.vip FROM " + ParquetReadback.table(files)
                    + " ORDER BY _kafka_offset");
            assertThat(rows).hasSize(expected.size());
            for (List<Object> row : rows) {
                long offset = (Long) row.get(0);
                assertThat(expected).containsKey(offset);
                List<Object> key = expected.get(offset);
                if (key == null) {
                    assertThat(row.subList(1, 5)).as("null key at %s", offset).containsExactly(true, null, null, null);
                } else {
                    assertThat(row.get(1)).isEqualTo(false);
                    assertThat(row.subList(2, 5)).as("key at %s", offset).containsExactlyElementsOf(key);
                }
            }
        }
    }

    @Test
    void schemalessJsonKeysStreamIntoTheKeyColumnGrowingAsTheyChange() {
        String name = "keys-schemaless";
        stack.createTopic(name, 1);
        // offset -> (id, region, tags), or null for a null key; ids widen to double at the 2.5, regions appear later.
        Map<Long, List<Object>> expected = new LinkedHashMap<>();
        Map<Long, String> expectedBad = new LinkedHashMap<>();
        for (int i = 0; i < 4; i++) {
            long offset = send(name, utf8("{\"id\": " + i + ", \"tags\": [\"t" + i + "\"]}"),
                    utf8("{\"n\": " + i + "}"));
            expected.put(offset, Arrays.asList((double) i, null, List.of("t" + i)));
        }
        expected.put(send(name, utf8("{\"tags\": [], \"id\": 2.5, \"region\": \"eu\"}"), utf8("{\"n\": 4}")),
                Arrays.asList(2.5, "eu", List.of()));
        // Kafka null keys come with ByteArrayConverter's bytes schema, which must not type the column.
        expected.put(send(name, null, utf8("{\"n\": 5}")), null);
        expected.put(send(name, utf8("null"), utf8("{\"n\": 6}")), null);
        expectedBad.put(send(name, utf8("{\"id\": 7, \"tags\": [\"half"), utf8("{\"n\": 7}")),
                "key field 'tags");
        long badValue = send(name, utf8("{\"id\": 8}"), utf8("{\"n\": 8"));
        expectedBad.put(badValue, "is not valid JSON");
        expected.put(send(name, utf8("{\"region\": \"us\", \"id\": 9}"), utf8("{\"n\": 9}")),
                Arrays.asList(9.0, "us", null));
        // One file whatever the polls: it lands when it holds every good row, not on a timer.
        Map<String, String> decoding = new HashMap<>();
        decoding.put("key.format", "json");
        decoding.put("value.format", "json");
        decoding.put("flush.max.records", Integer.toString(expected.size()));
        Map<String, String> config = config(name, decoding);
        config.put("flush.interval.ms", "600000");
        stack.startConnector(name, config, 1);

        List<Path> files = stack.awaitDataFiles(name, expected.size(), TIMEOUT);
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(files).hasSize(1);
            // A field that appears mid-batch takes its place in name order, as for values: the column order depends
            // only on the batch's fields, never on which record brought them first.
            assertThat(duck.columnTypes(files)).containsEntry("_kafka_key",
                    "STRUCT(id DOUBLE, region VARCHAR, tags VARCHAR[])").containsEntry("n", "BIGINT");
            List<List<Object>> rows = duck.queryLists("SELECT _kafka_offset, _kafka_key IS NULL, _kafka_key.id,"
                    + " _kafka_key.region, _kafka_key.tags FROM " + ParquetReadback.table(files)
                    + " ORDER BY _kafka_offset");
            List<List<Object>> want = new ArrayList<>();
            expected.forEach((offset, key) -> want.add(key == null ? Arrays.asList(offset, true, null, null, null)
                    : Arrays.asList(offset, false, key.get(0), key.get(1), key.get(2))));
            assertThat(rows).containsExactlyElementsOf(want);
        }
        Map<Long, String> dead = deadLetters(name, expectedBad.size());
        assertThat(dead.keySet()).containsExactlyInAnyOrderElementsOf(expectedBad.keySet());
        expectedBad.forEach((offset, phrase) -> assertThat(dead.get(offset))
                .contains("topic '" + name + "'", "partition 0", "offset " + offset, phrase));
        assertThat(dead.get(badValue)).as("a bad value next to a good key is the value's fault")
                .doesNotContain("offset " + badValue + ": key");
    }

    @Test
    void protobufKeysComeFromTheValuesDescriptorSet() throws Exception {
        String name = "keys-proto";
        stack.createTopic(name, 1);
        String set = Base64.getEncoder().encodeToString(TestProtos.descriptorSet(false).toByteArray());
        List<FileDescriptor> files = ValueDecoders.descriptorSet(set);
        Descriptor address = ProtobufSchemas.find(files, "test.v1.Address");
        Descriptor everything = ProtobufSchemas.find(files, "test.v1.Everything");
        Map<Long, List<Object>> expected = new LinkedHashMap<>();
        for (int i = 0; i < 8; i++) {
            byte[] key = DynamicMessage.newBuilder(address).setField(address.findFieldByName("city"), "city-" + i)
                    .setField(address.findFieldByName("zip"), 10_000 + i).build().toByteArray();
            if (i == 3) {
                // Confluent framing: magic byte 0, schema id 5, message index 0 (Address is the file's first message).
                key = ByteBuffer.allocate(6 + key.length).put((byte) 0).putInt(5).put((byte) 0).put(key).array();
            }
            byte[] value = DynamicMessage.newBuilder(everything).setField(everything.findFieldByName("i64"), 100L + i)
                    .setField(everything.findFieldByName("s"), "v" + i).build().toByteArray();
            expected.put(send(name, key, value), List.of("city-" + i, 10_000 + i, 100L + i, "v" + i));
        }
        stack.startConnector(name, config(name, Map.of("value.format", "protobuf",
                "value.protobuf.descriptor.set", set, "value.protobuf.message", "test.v1.Everything",
                "key.format", "protobuf", "key.protobuf.message", "test.v1.Address")), 1);

        List<Path> landed = stack.awaitDataFiles(name, expected.size(), TIMEOUT);
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.columnTypes(landed)).containsEntry("_kafka_key", "STRUCT(city VARCHAR, zip INTEGER)");
            List<List<Object>> rows = duck.queryLists("SELECT _kafka_offset, _kafka_key.city, _kafka_key.zip, i64, s"
                    + " FROM " + ParquetReadback.table(landed) + " ORDER BY _kafka_offset");
            assertThat(rows).hasSize(expected.size());
            for (List<Object> row : rows) {
                assertThat(row.subList(1, 5)).as("row at %s", row.get(0))
                        .containsExactlyElementsOf(expected.get((Long) row.get(0)));
            }
        }
    }

    @Test
    void badKeysGoToTheDeadLetterTopicAndEveryGoodRecordLandsOnce() {
        String name = "keys-bad";
        stack.createTopic(name, 1);
        Map<Long, Long> goodIds = new LinkedHashMap<>();
        Map<Long, String> expectedBad = new LinkedHashMap<>();
        long id = 0;
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 10; i++, id++) {
                goodIds.put(send(name, utf8("{\"id\": " + id + ", \"region\": \"r\"}"), utf8("{\"amount\": 1}")), id);
            }
            expectedBad.put(send(name, utf8("{\"region\": \"r\", \"id\": \"seven\"}"), utf8("{\"amount\": 1}")),
                    "key field 'id' expected an int64 but got the string \"seven\"");
            expectedBad.put(send(name, utf8("{\"id\": 4.5}"), utf8("{\"amount\": 1}")), "key field 'id'");
            expectedBad.put(send(name, utf8("{\"region\": \"r\"}"), utf8("{\"amount\": 1}")), "key field 'id'");
            expectedBad.put(send(name, utf8("{\"id\": 1"), utf8("{\"amount\": 1}")), "key ");
            expectedBad.put(send(name, utf8("{\"id\": 1, \"vip\": \"maybe\"}"), utf8("{\"amount\": 1}")),
                    "key field 'vip'");
        }
        stack.startConnector(name, config(name, Map.of("key.format", "json", "key.json.schema", KEY_SCHEMA,
                "value.format", "json", "value.json.schema", VALUE_SCHEMA)), 1);

        List<Path> files = stack.awaitDataFiles(name, goodIds.size(), TIMEOUT);
        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(files);
            assertThat(duck.scalarLong("SELECT count(*) FROM " + table)).isEqualTo(goodIds.size());
            assertThat(duck.scalarLong("SELECT count(DISTINCT _kafka_offset) FROM " + table)).isEqualTo(goodIds.size());
            List<List<Object>> rows = duck.queryLists("SELECT _kafka_offset, _kafka_key.id, _kafka_key.region,"
                    + " _kafka_key.vip FROM " + table + " ORDER BY _kafka_offset");
            List<List<Object>> want = new ArrayList<>();
            goodIds.forEach((offset, keyId) -> want.add(Arrays.asList(offset, keyId, "r", null)));
            assertThat(rows).containsExactlyElementsOf(want);
        }
        Map<Long, String> dead = deadLetters(name, expectedBad.size());
        assertThat(dead.keySet()).containsExactlyInAnyOrderElementsOf(expectedBad.keySet());
        expectedBad.forEach((offset, phrase) -> assertThat(dead.get(offset))
                .contains("topic '" + name + "'", "partition 0", "offset " + offset, phrase));
        assertThat(stack.statusOrNull(name).tasks()).as("tasks of %s", name).hasSize(1)
                .allSatisfy(t -> assertThat(t.state()).isEqualTo("RUNNING"));
    }
}
