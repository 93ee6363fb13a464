package dev.quiver.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.decode.TestRegistryProtos;
import dev.quiver.testing.ParquetReadback;
import dev.quiver.testing.TestSchemaRegistry;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * key.format=protobuf from a Schema Registry through the task's writer: keys written with two compatible schema ids
 * merge into one key column in one file, as values do.
 */
class ProtobufRegistryKeysWriterTest {
    private static final String TOPIC = "orders";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final long AT = 1_767_225_600_123L;

    @TempDir
    Path tmp;

    private final WriterFixture fixture = new WriterFixture("conn", Map.of());

    @AfterEach
    void closeWriters() {
        fixture.close();
    }

    private static SinkRecord record(long offset, byte[] key, byte[] value) {
        return new SinkRecord(TOPIC, 0, Schema.OPTIONAL_BYTES_SCHEMA, key, Schema.OPTIONAL_BYTES_SCHEMA, value, offset);
    }

    @Test
    void keysOfTwoCompatibleSchemaIdsShareTheKeyColumnOfOneFile() throws Exception {
        try (TestSchemaRegistry registry = TestSchemaRegistry.start(0, null)) {
            TestRegistryProtos.Ids ids = TestRegistryProtos.register(registry.url(), "orders-key");
            byte[] k1 = TestRegistryProtos.framed(ids.v1(), TestRegistryProtos.order(1, "k1", 1, 10, AT, List.of(),
                    false, 0.5, null));
            byte[] k2 = TestRegistryProtos.framed(ids.v2(), TestRegistryProtos.order(2, "k2", 5_000_000_000L, 20, AT,
                    List.of("s"), true, 1.5, "n2"));
            SinkWriter writer = fixture.writer(Map.of("key.format", "protobuf", "schema.registry.url", registry.url(),
                    "metadata.columns", "offset,key"), true);
            writer.open(List.of(P0));
            writer.put(List.of(record(0, k1, "a".getBytes()), record(1, k2, "b".getBytes()),
                    record(2, k1, "c".getBytes()), record(3, null, "d".getBytes())));
            writer.close(List.of(P0));

            assertThat(fixture.deadLetterReasons()).isEmpty();
            List<Path> files = ParquetReadback.parquetFiles(fixture.landedDir(tmp));
            assertThat(files).hasSize(1);
            try (ParquetReadback duck = new ParquetReadback()) {
                assertThat(duck.columnTypes(files).get("_kafka_key")).contains("qty BIGINT", "weight DOUBLE",
                        "note VARCHAR");
                assertThat(duck.queryLists("SELECT _kafka_offset, _kafka_key.id, _kafka_key.qty, _kafka_key.weight,"
                        + " _kafka_key.note, _kafka_key IS NULL FROM " + ParquetReadback.table(files)
                        + " ORDER BY _kafka_offset")).containsExactly(
                        Arrays.asList(0L, "k1", 1L, 0.5, null, false),
                        Arrays.asList(1L, "k2", 5_000_000_000L, 1.5, "n2", false),
                        Arrays.asList(2L, "k1", 1L, 0.5, null, false),
                        Arrays.asList(3L, null, null, null, null, true));
            }
        }
    }
}
