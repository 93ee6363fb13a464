package dev.quiver.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.decode.SchemaRegistryClient;
import dev.quiver.decode.TestAvro;
import dev.quiver.testing.ParquetReadback;
import dev.quiver.testing.TestSchemaRegistry;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * value.format=avro from a registry through the task's writer: records of one partition carrying different writer
 * schema ids share a file when their schemas merge, an incompatible one starts a new file, and a registry that cannot
 * be reached fails the put() retriably with nothing taken. The registry is {@link TestSchemaRegistry} on 127.0.0.1.
 */
class AvroSchemaIdsWriterTest {
    private static final TopicPartition P0 = new TopicPartition("users", 0);
    private static final String V1 = "{\"type\":\"record\",\"name\":\"User\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"name\",\"type\":\"string\"}]}";
    private static final String V2 = "{\"type\":\"record\",\"name\":\"User\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"name\",\"type\":\"string\"},"
            + "{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
    private static final String V3 = "{\"type\":\"record\",\"name\":\"User\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"name\",\"type\":\"string\"}]}";

    @TempDir
    Path tmp;

    private final WriterFixture fixture = new WriterFixture("conn", Map.of());

    @AfterEach
    void closeWriters() {
        fixture.close();
    }

    private static SinkRecord record(long offset, int id, String schema, Object userId, String email) {
        Schema s = new Schema.Parser().parse(schema);
        GenericRecord r = new GenericData.Record(s);
        r.put("id", userId);
        r.put("name", "u" + offset);
        if (s.getField("email") != null) {
            r.put("email", email);
        }
        return new SinkRecord("users", 0, null, null, null, TestAvro.framed(id, s, r), offset);
    }

    @Test
    void compatibleIdsShareAFileAndAnIncompatibleOneStartsAnother() throws Exception {
        try (TestSchemaRegistry registry = TestSchemaRegistry.start(0, null)) {
            int v1 = TestSchemaRegistry.register(registry.url(), "users-value", V1, "AVRO", List.of());
            int v2 = TestSchemaRegistry.register(registry.url(), "users-value", V2, "AVRO", List.of());
            int v3 = TestSchemaRegistry.register(registry.url(), "users-value", V3, "AVRO", List.of());
            SinkWriter writer = fixture.writer(Map.of("value.format", "avro", "schema.registry.url", registry.url(),
                    "metadata.columns", "offset"), true);
            writer.open(List.of(P0));
            writer.put(List.of(record(0, v1, V1, 1, null), record(1, v2, V2, 5_000_000_000L, "b@x"),
                    record(2, v1, V1, 2, null), record(3, v3, V3, "three", null), record(4, v3, V3, "four", null)));
            writer.close(List.of(P0));

            assertThat(fixture.deadLetterOffsets()).isEmpty();
            List<Path> files = ParquetReadback.parquetFiles(fixture.landedDir(tmp));
            assertThat(files).hasSize(2);
            try (ParquetReadback duck = new ParquetReadback()) {
                Map<String, Long> rows = duck.rowsPerFile(files);
                assertThat(rows.values()).containsExactlyInAnyOrder(3L, 2L);
                Path merged = files.stream().filter(f -> duck.columnTypes(List.of(f)).containsKey("email"))
                        .findFirst().orElseThrow();
                assertThat(duck.columnTypes(List.of(merged))).containsEntry("id", "BIGINT");
                assertThat(duck.queryLists("SELECT _kafka_offset, id, name, email FROM "
                        + ParquetReadback.table(List.of(merged)) + " ORDER BY _kafka_offset")).containsExactly(
                        Arrays.asList(0L, 1L, "u0", null), Arrays.asList(1L, 5_000_000_000L, "u1", "b@x"),
                        Arrays.asList(2L, 2L, "u2", null));
            }
        }
    }

    @Test
    void anUnreachableRegistryFailsThePutRetriablyAndTheRetryLandsEveryRecordOnce() throws Exception {
        int port;
        int v1;
        TestSchemaRegistry registry = TestSchemaRegistry.start(0, null);
        port = registry.port();
        v1 = TestSchemaRegistry.register(registry.url(), "users-value", V1, "AVRO", List.of());
        registry.close();
        SinkWriter writer = fixture.writer(Map.of("value.format", "avro", "schema.registry.url",
                "http://127.0.0.1:" + port, "metadata.columns", "offset"), true);
        writer.open(List.of(P0));
        List<SinkRecord> batch = List.of(record(0, v1, V1, 1, null), record(1, v1, V1, 2, null));
        assertThatThrownBy(() -> writer.put(batch)).isInstanceOf(SchemaRegistryClient.UnavailableException.class)
                .hasMessageContaining("no Schema Registry answered for schema id " + v1);
        assertThat(fixture.deadLetterOffsets()).isEmpty();
        // The registry is back (a new one on the same port, with the same id): Connect delivers the batch again.
        try (TestSchemaRegistry again = TestSchemaRegistry.start(port, null)) {
            assertThat(TestSchemaRegistry.register(again.url(), "users-value", V1, "AVRO", List.of())).isEqualTo(v1);
            writer.put(batch);
            writer.close(List.of(P0));
        }
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.queryLists("SELECT _kafka_offset, id FROM "
                    + ParquetReadback.table(fixture.landedDir(tmp)) + " ORDER BY _kafka_offset"))
                    .containsExactly(List.of(0L, 1), List.of(1L, 2));
        }
    }
}
