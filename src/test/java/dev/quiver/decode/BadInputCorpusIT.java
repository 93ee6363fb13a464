package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
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
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Bad input mixed into good data, on the real stack, for both direct decoders: every good record lands exactly once
 * with its values, every bad one reaches the dead-letter topic with a reason naming its topic, partition, offset and
 * problem, and the sink never stalls or dies.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputCorpusIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final int BIG = 20_000_000;

    private ConnectStack stack;
    private KafkaProducer<byte[], byte[]> producer;

    @BeforeAll
    void start() {
        stack = ConnectStack.start(1);
        producer = stack.createProducer(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 32 * 1024 * 1024,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 96L * 1024 * 1024));
    }

    @AfterAll
    void stop() {
        // The stack closes the producer it made.
        if (stack != null) {
            stack.close();
        }
    }

    /** Sends and returns the record's offset. */
    private long send(String topic, byte[] value) {
        return ConnectStack.sendAndAwait(producer, new ProducerRecord<>(topic, 0, null, value)).offset();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void createTopic(String topic) {
        stack.kafka().createTopic(topic, 1, 1, Map.of("max.message.bytes", Integer.toString(32 * 1024 * 1024)));
    }

    private Map<String, String> config(String name, Map<String, String> decoding) {
        Map<String, String> overrides = new HashMap<>(decoding);
        overrides.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        overrides.putAll(ConnectStack.deadLettersTo(name + "-dlq"));
        overrides.put("flush.interval.ms", "2000");
        return stack.connectorConfig(name, name, overrides);
    }

    /** Reads the dead letters and maps each original offset to the reason Connect recorded. */
    private Map<Long, String> deadLetters(String name, int expected) {
        Map<Long, String> reasons = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : stack.readDeadLetters(name + "-dlq", expected, TIMEOUT)) {
            String reason = ConnectStack.deadLetterReason(record);
            assertThat(reason).as("dead letter carries its reason").isNotNull();
            long offset = ConnectStack.deadLetterOffset(record);
            reasons.put(offset, reason);
        }
        return reasons;
    }

    private static final String JSON_SCHEMA = "{\"type\":\"object\",\"properties\":{"
            + "\"id\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"},\"amount\":{\"type\":\"number\"},"
            + "\"blob\":{\"type\":\"string\"}},\"required\":[\"id\",\"name\"]}";

    @Test
    void jsonCorpus() {
        String name = "corpus-json";
        createTopic(name);
        Map<Long, String> expectedBad = new LinkedHashMap<>();
        List<Long> goodIds = new ArrayList<>();
        long id = 0;
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 20; i++, id++) {
                send(name, utf8("{\"id\":" + id + ",\"name\":\"n" + id + "\",\"amount\":" + id + ".5}"));
                goodIds.add(id);
            }
            expectedBad.put(send(name, utf8("{\"id\": 5, \"name\": \"x\"")), "not valid JSON");
            expectedBad.put(send(name, utf8("{\"id\": \"seven\", \"name\": \"x\"}")), "field 'id'");
            byte[] invalidUtf8 = utf8("{\"id\": 1, \"name\": \"..\"}");
            invalidUtf8[19] = (byte) 0xC3;
            invalidUtf8[20] = (byte) 0x28;
            expectedBad.put(send(name, invalidUtf8), "UTF-8");
            expectedBad.put(send(name, utf8("{\"id\": 8, \"name\": \"x\", \"amount\": NaN}")), "NaN");
            expectedBad.put(send(name, utf8("{\"id\": 9, \"name\": \"x\", \"amount\": -Infinity}")), "Infinity");
            expectedBad.put(send(name, utf8("{\"id\": 10, \"id\": 11, \"name\": \"x\"}")), "uplicate");
            expectedBad.put(send(name, utf8("{\"id\": 12, \"name\": \"x\", \"extra\": " + "[".repeat(10_000)
                    + "]".repeat(10_000) + "}")), "depth");
            expectedBad.put(send(name, new byte[0]), "");
        }
        // A 20 MB record is valid: it lands, whole.
        long bigId = id++;
        send(name, utf8("{\"id\":" + bigId + ",\"name\":\"big\",\"blob\":\"" + "x".repeat(BIG) + "\"}"));
        goodIds.add(bigId);
        for (int i = 0; i < 5; i++, id++) {
            send(name, utf8("{\"id\":" + id + ",\"name\":\"n" + id + "\",\"amount\":" + id + ".5}"));
            goodIds.add(id);
        }
        stack.startConnector(name, config(name, Map.of("value.format", "json", "value.json.schema", JSON_SCHEMA)), 1);

        List<Path> files = stack.awaitDataFiles(name, goodIds.size(), TIMEOUT);
        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(files);
            assertThat(duck.scalarLong("SELECT count(DISTINCT id) FROM " + table)).isEqualTo(goodIds.size());
            assertThat(duck.scalarLong("SELECT count(DISTINCT _kafka_offset) FROM " + table)).isEqualTo(goodIds.size());
            assertThat(duck.queryLists("SELECT min(id), max(id) FROM " + table))
                    .containsExactly(List.of(goodIds.get(0), goodIds.get(goodIds.size() - 1)));
            assertThat(duck.scalarLong("SELECT count(*) FROM " + table + " WHERE name <> 'n' || id AND id <> " + bigId))
                    .isZero();
            assertThat(duck.scalarLong("SELECT count(*) FROM " + table + " WHERE amount <> id + 0.5 AND id <> " + bigId))
                    .isZero();
            assertThat(duck.queryLists("SELECT name, length(blob), amount IS NULL FROM " + table + " WHERE id = " + bigId))
                    .containsExactly(List.of("big", (long) BIG, true));
        }
        Map<Long, String> dead = deadLetters(name, expectedBad.size());
        assertThat(dead.keySet()).containsExactlyInAnyOrderElementsOf(expectedBad.keySet());
        expectedBad.forEach((offset, phrase) -> assertThat(dead.get(offset))
                .contains("topic '" + name + "'", "partition 0", "offset " + offset, phrase));
        assertThat(stack.statusOrNull(name).tasks()).as("tasks of %s", name).hasSize(1)
                .allSatisfy(t -> assertThat(t.state()).isEqualTo("RUNNING"));
    }

    /**
     * value.format=json without a schema: the shape changes mid-batch (widening, new fields, a conflict kept as JSON
     * text) between bad records, and the batch is cut only by its row count, so the one file is the same every run.
     */
    @Test
    void schemalessJsonCorpus() {
        String name = "corpus-json-schemaless";
        createTopic(name);
        Map<Long, List<String>> expectedBad = new LinkedHashMap<>();
        int good = 60;
        for (int id = 0; id < good; id++) {
            String doc;
            if (id < 20) {
                doc = "{\"id\":" + id + ",\"name\":\"n" + id + "\",\"amount\":" + id + ",\"note\":\"plain\"}";
            } else if (id < 40) {
                doc = "{\"id\":" + id + ",\"name\":\"n" + id + "\",\"amount\":" + id + ".5,\"note\":{\"k\":" + id
                        + "},\"tags\":[\"t" + id + "\"]}";
            } else {
                doc = "{\"name\":\"n" + id + "\",\"id\":" + id + ",\"amount\":" + id
                        + ",\"geo\":{\"lon\":2,\"lat\":1.5},\"tags\":[]}";
            }
            send(name, utf8(doc));
            if (id % 20 == 10) {
                expectedBad.put(send(name, utf8("{\"id\": 5, \"name\": \"x\"")), List.of("not valid JSON"));
                byte[] invalidUtf8 = utf8("{\"id\": 1, \"name\": \"..\"}");
                invalidUtf8[19] = (byte) 0xC3;
                invalidUtf8[20] = (byte) 0x28;
                expectedBad.put(send(name, invalidUtf8), List.of("UTF-8", "field 'name'"));
                expectedBad.put(send(name, utf8("{\"id\": 8, \"geo\": {\"lat\": NaN}}")), List.of("NaN", "field 'geo.lat'"));
                expectedBad.put(send(name, utf8("{\"id\": 9, \"tags\": [\"a\", -Infinity]}")),
                        List.of("Infinity", "field 'tags[1]'"));
                expectedBad.put(send(name, utf8("{\"id\": 10, \"name\": \"x\", \"id\": 11}")),
                        List.of("Duplicate field 'id'"));
                expectedBad.put(send(name, utf8("{\"id\": 12, \"extra\": " + "[".repeat(10_000) + "]".repeat(10_000)
                        + "}")), List.of("nesting depth"));
                expectedBad.put(send(name, utf8("{\"id\": 123456789012345678901234567890}")),
                        List.of("out of range of long", "field 'id'"));
                expectedBad.put(send(name, utf8("{\"id\": 13} {\"id\": 14}")), List.of("not valid JSON", "trailing"));
                expectedBad.put(send(name, new byte[0]), List.of("not valid JSON", "empty"));
            }
        }
        // Only the row count cuts the batch: everything lands in one file, whatever the consumer's pace.
        stack.startConnector(name, config(name, Map.of("value.format", "json", "flush.max.records",
                Integer.toString(good), "flush.interval.ms", "600000")), 1);

        List<Path> files = stack.awaitDataFiles(name, good, TIMEOUT);
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(files).hasSize(1);
            String table = ParquetReadback.table(files);
            // Schemaless columns are in name order, whichever record brought a field first.
            assertThat(duck.columnTypes(files)).containsEntry("amount", "DOUBLE").containsEntry("id", "BIGINT").containsEntry("name", "VARCHAR").containsEntry("note", "VARCHAR")
                    .containsEntry("tags", "VARCHAR[]").containsEntry("geo", "STRUCT(lat DOUBLE, lon BIGINT)");
            assertThat(new ArrayList<>(duck.columnTypes(files).keySet()).subList(0, 6))
                    .containsExactly("amount", "geo", "id", "name", "note", "tags");
            assertThat(duck.scalarLong("SELECT count(DISTINCT id) FROM " + table)).isEqualTo(good);
            assertThat(duck.scalarLong("SELECT count(DISTINCT _kafka_offset) FROM " + table)).isEqualTo(good);
            assertThat(duck.scalarLong("SELECT count(*) FROM " + table + " WHERE name <> 'n' || id")).isZero();
            assertThat(duck.scalarLong("SELECT count(*) FROM " + table
                    + " WHERE amount <> CASE WHEN id BETWEEN 20 AND 39 THEN id + 0.5 ELSE id END")).isZero();
            assertThat(duck.queryLists("SELECT id, note, tags, geo.lat, geo.lon FROM " + table
                    + " WHERE id IN (0, 25, 45) ORDER BY id")).containsExactly(
                    java.util.Arrays.asList(0L, "\"plain\"", null, null, null),
                    java.util.Arrays.asList(25L, "{\"k\":25}", List.of("t25"), null, null),
                    java.util.Arrays.asList(45L, null, List.of(), 1.5, 2L));
        }
        Map<Long, String> dead = deadLetters(name, expectedBad.size());
        assertThat(dead.keySet()).containsExactlyInAnyOrderElementsOf(expectedBad.keySet());
        expectedBad.forEach((offset, phrases) -> assertThat(dead.get(offset))
                .contains("topic '" + name + "'", "partition 0", "offset " + offset).contains(phrases));
        assertThat(stack.statusOrNull(name).tasks()).as("tasks of %s", name).hasSize(1)
                .allSatisfy(t -> assertThat(t.state()).isEqualTo("RUNNING"));
    }

    /** message corpus.Order { int64 id = 1; string name = 2; double amount = 3; } */
    private static Descriptor orderDescriptor(FileDescriptorSet[] set) throws Exception {
        FileDescriptorProto file = FileDescriptorProto.newBuilder()
                .setName("corpus/order.proto").setPackage("corpus").setSyntax("proto3")
                .addMessageType(DescriptorProto.newBuilder().setName("Order")
                        .addField(field("id", 1, FieldDescriptorProto.Type.TYPE_INT64))
                        .addField(field("name", 2, FieldDescriptorProto.Type.TYPE_STRING))
                        .addField(field("amount", 3, FieldDescriptorProto.Type.TYPE_DOUBLE)))
                .build();
        set[0] = FileDescriptorSet.newBuilder().addFile(file).build();
        return FileDescriptor.buildFrom(file, new FileDescriptor[0]).findMessageTypeByName("Order");
    }

    private static FieldDescriptorProto.Builder field(String name, int number, FieldDescriptorProto.Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL);
    }

    @Test
    void protobufCorpus() throws Exception {
        String name = "corpus-proto";
        createTopic(name);
        FileDescriptorSet[] set = new FileDescriptorSet[1];
        Descriptor order = orderDescriptor(set);
        Map<Long, Object[]> expectedGood = new LinkedHashMap<>();
        Map<Long, String> expectedBad = new LinkedHashMap<>();
        long id = 1;
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 20; i++, id++) {
                byte[] bytes = DynamicMessage.newBuilder(order).setField(order.findFieldByName("id"), id)
                        .setField(order.findFieldByName("name"), "n" + id)
                        .setField(order.findFieldByName("amount"), id + 0.5).build().toByteArray();
                expectedGood.put(send(name, bytes), new Object[] {id, "n" + id, id + 0.5});
            }
            byte[] whole = DynamicMessage.newBuilder(order).setField(order.findFieldByName("id"), 99L)
                    .setField(order.findFieldByName("name"), "truncated name").build().toByteArray();
            byte[] truncated = java.util.Arrays.copyOf(whole, whole.length - 4);
            expectedBad.put(send(name, truncated), "");
            // Field 1 (id, a varint) sent with wire type 2 (length-delimited): the wrong type for the field.
            expectedBad.put(send(name, new byte[] {0x0A, 0x02, 0x41, 0x42}), "id");
            // Field 2 (name) holding bytes that are not UTF-8.
            expectedBad.put(send(name, new byte[] {0x12, 0x02, (byte) 0xC3, 0x28}), "name");
            // Confluent framing: magic 0, schema id 7, message index 0, then a valid message.
            byte[] framedBody = DynamicMessage.newBuilder(order).setField(order.findFieldByName("id"), id)
                    .setField(order.findFieldByName("name"), "framed" + id).build().toByteArray();
            byte[] framed = ByteBuffer.allocate(6 + framedBody.length).put((byte) 0).putInt(7).put((byte) 0)
                    .put(framedBody).array();
            expectedGood.put(send(name, framed), new Object[] {id, "framed" + id, 0.0});
            id++;
            // NaN and Infinity are ordinary IEEE doubles in Protobuf: they land as they are.
            byte[] nan = DynamicMessage.newBuilder(order).setField(order.findFieldByName("id"), id)
                    .setField(order.findFieldByName("name"), "nan")
                    .setField(order.findFieldByName("amount"), round == 1 ? Double.POSITIVE_INFINITY : Double.NaN)
                    .build().toByteArray();
            expectedGood.put(send(name, nan), new Object[] {id, "nan", round == 1 ? Double.POSITIVE_INFINITY : Double.NaN});
            id++;
        }
        // An empty payload is a valid proto3 message whose fields all hold their defaults.
        expectedGood.put(send(name, new byte[0]), new Object[] {0L, "", 0.0});
        stack.startConnector(name, config(name, Map.of("value.format", "protobuf",
                "value.protobuf.descriptor.set", Base64.getEncoder().encodeToString(set[0].toByteArray()),
                "value.protobuf.message", "corpus.Order")), 1);

        List<Path> files = stack.awaitDataFiles(name, expectedGood.size(), TIMEOUT);
        try (ParquetReadback duck = new ParquetReadback()) {
            List<List<Object>> rows = duck.queryLists("SELECT _kafka_offset, id, name, amount FROM "
                    + ParquetReadback.table(files) + " ORDER BY _kafka_offset");
            assertThat(rows).hasSize(expectedGood.size());
            for (List<Object> row : rows) {
                Object[] expected = expectedGood.get((Long) row.get(0));
                assertThat(expected).as("landed offset %s is a good record", row.get(0)).isNotNull();
                assertThat(row.subList(1, 4)).containsExactly(expected);
            }
        }
        Map<Long, String> dead = deadLetters(name, expectedBad.size());
        assertThat(dead.keySet()).containsExactlyInAnyOrderElementsOf(expectedBad.keySet());
        expectedBad.forEach((offset, phrase) -> assertThat(dead.get(offset))
                .contains("topic '" + name + "'", "partition 0", "offset " + offset, phrase));
        assertThat(stack.statusOrNull(name).tasks()).as("tasks of %s", name).hasSize(1)
                .allSatisfy(t -> assertThat(t.state()).isEqualTo("RUNNING"));
    }
}
