package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DynamicMessage;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code value.format=protobuf} and {@code key.format=protobuf} on the real stack (EmbeddedConnectCluster, a KRaft
 * broker, s3proxy) with a Schema Registry in its own process ({@link TestSchemaRegistry}, a stand-in speaking
 * Confluent's REST subset, as no real registry is on Maven Central). Producers build messages with protobuf-java
 * (DynamicMessage), add Confluent's framing and register their schemas in serialized form over REST, with a reference
 * to another registered file and the well-known timestamp import. Two compatible schema ids land in one file; keys
 * are a nested message picked by its message-index path; bad values are dead-lettered naming topic, partition and
 * offset; DuckDB reads back every type and value.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProtobufRegistryIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter";
    private static final long AT = 1_767_225_600_123L; // 2026-01-01T00:00:00.123Z

    private ConnectStack stack;
    private KafkaProducer<byte[], byte[]> producer;
    private TestSchemaRegistry.Forked registry;

    @BeforeAll
    void start() throws Exception {
        stack = ConnectStack.start(1);
        producer = stack.createProducer(Map.of());
        registry = TestSchemaRegistry.Forked.start(0, null, null);
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

    /** A key: Order.Line (message indexes [0, 0]) of schema id {@code id}. */
    private static byte[] key(int id, String sku, int n) {
        DynamicMessage.Builder line = TestRegistryProtos.builder(1, "Order.Line");
        line.setField(line.getDescriptorForType().findFieldByName("sku"), sku);
        line.setField(line.getDescriptorForType().findFieldByName("n"), n);
        return TestRegistryProtos.framed(id, line.build());
    }

    @Test
    void twoSchemaIdsWithAReferenceLandInOneFileAndBadValuesAreDeadLettered() throws Exception {
        String name = "pb-orders";
        stack.createTopic(name, 1);
        TestRegistryProtos.Ids ids = TestRegistryProtos.register(registry.url(), name + "-value");
        List<List<Object>> want = new ArrayList<>();
        Map<Long, String> expectedBad = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            boolean v1 = i % 2 == 0;
            long qty = v1 ? -i : 5_000_000_000L + i;
            List<String> skus = i == 0 ? List.of() : List.of("sku" + i, "extra");
            byte[] value = TestRegistryProtos.framed(v1 ? ids.v1() : ids.v2(), TestRegistryProtos.order(v1 ? 1 : 2,
                    "o-" + i, qty, 100L * i, AT + i, skus, i % 3 == 0, 0.5 + i, v1 ? null : "note " + i));
            long offset = send(name, key(ids.v1(), "k" + i, i), value);
            want.add(Arrays.asList(offset, "k" + i, i, "o-" + i, qty, "EUR", 100L * i, AT + i,
                    i == 0 ? "[]" : "[{\"sku\":\"sku" + i + "\",\"n\":1},{\"sku\":\"extra\",\"n\":2}]",
                    i % 3 == 0 ? "PAID" : "NEW", 0.5 + i, v1 ? null : "note " + i));
            if (i == 2) {
                // Bad values between the good ones: they must not cut or spoil the file.
                byte[] good = TestRegistryProtos.framed(ids.v1(), TestRegistryProtos.order(1, "bad", 1, 1, AT,
                        List.of(), false, 1, null));
                byte[] unknown = good.clone();
                unknown[1] = 0x7f;
                expectedBad.put(send(name, key(ids.v1(), "u", 0), unknown), "is unknown to the Schema Registry");
                byte[] magic = good.clone();
                magic[0] = 1;
                expectedBad.put(send(name, key(ids.v1(), "m", 0), magic), "not the Confluent magic byte 0");
                expectedBad.put(send(name, key(ids.v1(), "t", 0), Arrays.copyOf(good, 5)),
                        "ends inside its message indexes");
                expectedBad.put(send(name, key(ids.v1(), "x", 0), new byte[] {0, 0, 0, 0, (byte) ids.v1(), 2, 8}),
                        "name no message of schema id " + ids.v1());
            }
        }
        Map<String, String> overrides = new HashMap<>();
        overrides.put("key.converter", BYTES);
        overrides.put("value.converter", BYTES);
        overrides.put("value.format", "protobuf");
        overrides.put("key.format", "protobuf");
        overrides.put("schema.registry.url", registry.url());
        overrides.put("metadata.columns", "offset,key");
        // The file lands by count only: 6 good rows, whatever the schema ids and the bad values between them.
        overrides.put("flush.max.records", "6");
        overrides.put("flush.interval.ms", "600000");
        overrides.putAll(ConnectStack.deadLettersTo(name + "-dlq"));
        stack.startConnector(name, stack.connectorConfig(name, name, overrides), 1);

        List<Path> files = stack.awaitDataFiles(name, 6, TIMEOUT);
        assertThat(files).hasSize(1);
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.columnTypes(files)).containsEntry("_kafka_key", "STRUCT(sku VARCHAR, n INTEGER)")
                    .containsEntry("id", "VARCHAR").containsEntry("qty", "BIGINT")
                    .containsEntry("price", "STRUCT(currency VARCHAR, units BIGINT)")
                    .containsEntry("at", "TIMESTAMP WITH TIME ZONE")
                    .containsEntry("lines", "STRUCT(sku VARCHAR, n INTEGER)[]")
                    .containsEntry("status", "VARCHAR").containsEntry("weight", "DOUBLE")
                    .containsEntry("note", "VARCHAR");
            assertThat(duck.queryLists("SELECT _kafka_offset, _kafka_key.sku, _kafka_key.n, id, qty, price.currency,"
                    + " price.units, epoch_ms(\"at\"), to_json(lines)::VARCHAR, status, weight, note FROM "
                    + ParquetReadback.table(files) + " ORDER BY _kafka_offset")).containsExactlyElementsOf(want);
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
