package dev.quiver.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.config.QuiverSinkConfig;
import dev.quiver.testing.InMemoryObjectStore;
import dev.quiver.testing.ParquetReadback;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** key.format through the task's writer: keys decoded into _kafka_key, bad keys dead-lettered or failing the task. */
class KeyFormatWriterTest {
    private static final String TOPIC = "orders";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final String KEY_SCHEMA = "{\"type\":\"object\",\"properties\":{"
            + "\"id\":{\"type\":\"integer\"},\"region\":{\"type\":\"string\"}},\"required\":[\"id\"]}";
    private static final String VALUE_SCHEMA = "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}}";

    @TempDir
    Path tmp;

    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private final List<String> deadLetterReasons = new ArrayList<>();
    private final List<Long> deadLetterOffsets = new ArrayList<>();
    private final List<SinkWriter> writers = new ArrayList<>();

    @AfterEach
    void closeWriters() {
        // Closing checks the Arrow allocator: a leaked buffer fails the test here.
        writers.forEach(SinkWriter::close);
    }

    private SinkWriter writer(boolean tolerateAll, String... overrides) {
        Map<String, String> props = new HashMap<>();
        props.put(QuiverSinkConfig.STORE_URL, "s3a://bucket/landing");
        props.put(QuiverSinkConfig.FLUSH_THREADS, "0");
        for (int i = 0; i < overrides.length; i += 2) {
            props.put(overrides[i], overrides[i + 1]);
        }
        ConsumerControl consumer = new ConsumerControl() {
            @Override
            public void seek(TopicPartition tp, long offset) {
            }

            @Override
            public void retryAfter(long millis) {
            }

            @Override
            public void wakeWithin(long millis) {
            }

            @Override
            public void pause(TopicPartition tp) {
            }

            @Override
            public void resume(TopicPartition tp) {
            }
        };
        DeadLetters deadLetters = (record, reason) -> {
            deadLetterOffsets.add(record.kafkaOffset());
            deadLetterReasons.add(reason.getMessage());
            return CompletableFuture.completedFuture(null);
        };
        SinkWriter writer = new SinkWriter(new QuiverSinkConfig(props), store, "conn", Integer.toString(writers.size()),
                consumer, deadLetters, tolerateAll, System::nanoTime);
        writers.add(writer);
        return writer;
    }

    private static SinkRecord record(long offset, String key, String value) {
        byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        return new SinkRecord(TOPIC, 0, Schema.OPTIONAL_BYTES_SCHEMA, keyBytes, Schema.OPTIONAL_BYTES_SCHEMA,
                value.getBytes(StandardCharsets.UTF_8), offset);
    }

    private Path landedDir() throws Exception {
        Path dir = Files.createTempDirectory(tmp, "landed");
        for (String key : store.list("landing/")) {
            if (key.endsWith(".parquet")) {
                Path file = dir.resolve(key);
                Files.createDirectories(file.getParent());
                Files.write(file, store.get(key).orElseThrow());
            }
        }
        return dir;
    }

    @Test
    void declaredJsonKeysLandTypedAndABadKeyIsDeadLetteredWithoutATrace() throws Exception {
        SinkWriter writer = writer(true, "key.format", "json", "key.json.schema", KEY_SCHEMA,
                "value.format", "json", "value.json.schema", VALUE_SCHEMA);
        writer.open(List.of(P0));
        writer.put(List.of(
                record(0, "{\"id\": \"42\", \"region\": \"eu\"}", "{\"n\": 0}"),
                record(1, "{\"region\": \"BAD\", \"id\": \"x\"}", "{\"n\": 1}"),
                record(2, null, "{\"n\": 2}"),
                record(3, "{\"id\": 3}", "{\"n\": 3}")));
        writer.close(List.of(P0));

        assertThat(deadLetterOffsets).containsExactly(1L);
        assertThat(deadLetterReasons.get(0)).contains("topic 'orders'", "partition 0", "offset 1", "key field 'id'");
        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(landedDir());
            assertThat(duck.columnTypes(landedDir())).containsEntry("_kafka_key",
                    "STRUCT(id BIGINT, region VARCHAR)");
            assertThat(duck.queryLists("SELECT _kafka_offset, n, _kafka_key.id, _kafka_key.region, _kafka_key IS NULL"
                    + " FROM " + table + " ORDER BY _kafka_offset")).containsExactly(
                    List.of(0L, 0L, 42L, "eu", false),
                    java.util.Arrays.asList(2L, 2L, null, null, true),
                    java.util.Arrays.asList(3L, 3L, 3L, null, false));
        }
    }

    @Test
    void declaredJsonKeysWithSchemalessJsonValuesBothStreamIntoTheirColumns() throws Exception {
        // The schemaless value path types each batch itself; the declared key decoder must still write the key.
        SinkWriter writer = writer(true, "key.format", "json", "key.json.schema", KEY_SCHEMA, "value.format", "json");
        writer.open(List.of(P0));
        writer.put(List.of(
                record(0, "{\"id\": \"7\", \"region\": \"us\"}", "{\"n\": 0}"),
                record(1, "{\"id\": \"x\"}", "{\"n\": 1}"),
                record(2, "{\"id\": 8}", "{\"n\": 2, \"extra\": \"grown\"}")));
        writer.close(List.of(P0));

        assertThat(deadLetterOffsets).containsExactly(1L);
        assertThat(deadLetterReasons.get(0)).contains("offset 1", "key field 'id'");
        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(landedDir());
            assertThat(duck.columnTypes(landedDir())).containsEntry("_kafka_key", "STRUCT(id BIGINT, region VARCHAR)")
                    .containsEntry("n", "BIGINT").containsEntry("extra", "VARCHAR");
            assertThat(duck.queryLists("SELECT _kafka_offset, n, extra, _kafka_key.id, _kafka_key.region FROM "
                    + table + " ORDER BY _kafka_offset")).containsExactly(
                    java.util.Arrays.asList(0L, 0L, null, 7L, "us"),
                    java.util.Arrays.asList(2L, 2L, "grown", 8L, null));
        }
    }

    @Test
    void aBadKeyFailsTheTaskWithoutToleranceAndNothingPastItIsCommittable() {
        SinkWriter writer = writer(false, "key.format", "json", "key.json.schema", KEY_SCHEMA);
        writer.open(List.of(P0));
        // Values stay with the default connect format: byte values land in one "value" column.
        List<SinkRecord> batch = List.of(record(0, "{\"id\": 1}", "a"), record(1, "{\"id\": 1.5}", "b"),
                record(2, "{\"id\": 2}", "c"));
        assertThatThrownBy(() -> writer.put(batch))
                .isInstanceOf(BadRecordException.class)
                .hasMessageContaining("topic 'orders' partition 0 offset 1: key field 'id'");
        assertThat(writer.committableOffsets()).doesNotContainValue(new OffsetAndMetadata(2));
        assertThat(store.list("landing/").stream().filter(k -> k.endsWith(".parquet")).collect(Collectors.toList()))
                .isEmpty();
    }

    @Test
    void schemalessJsonKeysAreParsedAndTypedPerBatch() throws Exception {
        SinkWriter writer = writer(true, "key.format", "json");
        writer.open(List.of(P0));
        writer.put(List.of(
                record(0, "{\"id\": 1, \"tags\": [\"a\"]}", "x"),
                record(1, "{\"id\": 2", "y"),
                record(2, "{\"id\": 3.5}", "z")));
        writer.close(List.of(P0));

        assertThat(deadLetterOffsets).containsExactly(1L);
        assertThat(deadLetterReasons.get(0)).contains("offset 1", "key is not valid JSON");
        try (ParquetReadback duck = new ParquetReadback()) {
            Path dir = landedDir();
            assertThat(duck.columnTypes(dir)).containsEntry("_kafka_key", "STRUCT(id DOUBLE, tags VARCHAR[])");
            assertThat(duck.queryLists("SELECT _kafka_key.id, _kafka_key.tags FROM " + ParquetReadback.table(dir)
                    + " ORDER BY _kafka_offset")).containsExactly(
                    List.of(1.0, List.of("a")), java.util.Arrays.asList(3.5, null));
        }
    }
}
