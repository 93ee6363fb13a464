package dev.quiver.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.testing.ParquetReadback;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

    private final WriterFixture fixture = new WriterFixture("conn", Map.of());

    @AfterEach
    void closeWriters() {
        // Closing checks the Arrow allocator: a leaked buffer fails the test here.
        fixture.close();
    }

    private static SinkRecord record(long offset, String key, String value) {
        return record(0, offset, key, value);
    }

    private static SinkRecord record(int partition, long offset, String key, String value) {
        byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        return new SinkRecord(TOPIC, partition, Schema.OPTIONAL_BYTES_SCHEMA, keyBytes, Schema.OPTIONAL_BYTES_SCHEMA,
                value.getBytes(StandardCharsets.UTF_8), offset);
    }

    @Test
    void declaredJsonKeysLandTypedAndABadKeyIsDeadLetteredWithoutATrace() throws Exception {
        SinkWriter writer = fixture.writer(Map.of("key.format", "json", "key.json.schema", KEY_SCHEMA,
                "value.format", "json", "value.json.schema", VALUE_SCHEMA), true);
        writer.open(List.of(P0));
        writer.put(List.of(
                record(0, "{\"id\": \"42\", \"region\": \"eu\"}", "{\"n\": 0}"),
                record(1, "{\"region\": \"BAD\", \"id\": \"x\"}", "{\"n\": 1}"),
                record(2, null, "{\"n\": 2}"),
                record(3, "{\"id\": 3}", "{\"n\": 3}")));
        writer.close(List.of(P0));

        assertThat(fixture.deadLetterOffsets()).containsExactly(1L);
        assertThat(fixture.deadLetterReasons().get(0))
                .contains("topic 'orders'", "partition 0", "offset 1", "key field 'id'");
        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(fixture.landedDir(tmp));
            assertThat(duck.columnTypes(fixture.landedDir(tmp))).containsEntry("_kafka_key",
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
        SinkWriter writer = fixture.writer(Map.of("key.format", "json", "key.json.schema", KEY_SCHEMA,
                "value.format", "json"), true);
        writer.open(List.of(P0));
        writer.put(List.of(
                record(0, "{\"id\": \"7\", \"region\": \"us\"}", "{\"n\": 0}"),
                record(1, "{\"id\": \"x\"}", "{\"n\": 1}"),
                record(2, "{\"id\": 8}", "{\"n\": 2, \"extra\": \"grown\"}")));
        writer.close(List.of(P0));

        assertThat(fixture.deadLetterOffsets()).containsExactly(1L);
        assertThat(fixture.deadLetterReasons().get(0)).contains("offset 1", "key field 'id'");
        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(fixture.landedDir(tmp));
            assertThat(duck.columnTypes(fixture.landedDir(tmp)))
                    .containsEntry("_kafka_key", "STRUCT(id BIGINT, region VARCHAR)")
                    .containsEntry("n", "BIGINT").containsEntry("extra", "VARCHAR");
            assertThat(duck.queryLists("SELECT _kafka_offset, n, extra, _kafka_key.id, _kafka_key.region FROM "
                    + table + " ORDER BY _kafka_offset")).containsExactly(
                    java.util.Arrays.asList(0L, 0L, null, 7L, "us"),
                    java.util.Arrays.asList(2L, 2L, "grown", 8L, null));
        }
    }

    @Test
    void aBadKeyFailsTheTaskWithoutToleranceAndNothingPastItIsCommittable() {
        SinkWriter writer = fixture.writer(Map.of("key.format", "json", "key.json.schema", KEY_SCHEMA), false);
        writer.open(List.of(P0));
        // Values stay with the default connect format: byte values land in one "value" column.
        List<SinkRecord> batch = List.of(record(0, "{\"id\": 1}", "a"), record(1, "{\"id\": 1.5}", "b"),
                record(2, "{\"id\": 2}", "c"));
        assertThatThrownBy(() -> writer.put(batch))
                .isInstanceOf(BadRecordException.class)
                .hasMessageContaining("topic 'orders' partition 0 offset 1: key field 'id'");
        assertThat(writer.committableOffsets()).doesNotContainValue(new OffsetAndMetadata(2));
        assertThat(fixture.dataKeys()).isEmpty();
    }

    @Test
    void schemalessJsonKeysAreParsedAndTypedPerBatch() throws Exception {
        SinkWriter writer = fixture.writer(Map.of("key.format", "json"), true);
        writer.open(List.of(P0));
        writer.put(List.of(
                record(0, "{\"id\": 1, \"tags\": [\"a\"]}", "x"),
                record(1, "{\"id\": 2", "y"),
                record(2, "{\"id\": 3.5}", "z")));
        writer.close(List.of(P0));

        assertThat(fixture.deadLetterOffsets()).containsExactly(1L);
        assertThat(fixture.deadLetterReasons().get(0)).contains("offset 1", "key field 'id' is not valid JSON");
        try (ParquetReadback duck = new ParquetReadback()) {
            Path dir = fixture.landedDir(tmp);
            assertThat(duck.columnTypes(dir)).containsEntry("_kafka_key", "STRUCT(id DOUBLE, tags VARCHAR[])");
            assertThat(duck.queryLists("SELECT _kafka_key.id, _kafka_key.tags FROM " + ParquetReadback.table(dir)
                    + " ORDER BY _kafka_offset")).containsExactly(
                    List.of(1.0, List.of("a")), java.util.Arrays.asList(3.5, null));
        }
    }

    @Test
    void schemalessJsonKeysGrowMidBatchAndAHalfWrittenKeyLeavesNoTrace() throws Exception {
        // Values stay with the connect format, so only the key can outgrow the batch's key column.
        SinkWriter writer = fixture.writer(Map.of("key.format", "json"), true);
        writer.open(List.of(P0));
        writer.put(List.of(
                record(0, "{\"id\": 1, \"tags\": [\"a\"]}", "v0"),
                // A new key field mid-batch.
                record(1, "{\"id\": 2, \"tags\": [\"b\", \"c\"], \"region\": \"eu\"}", "v1"),
                // Tags are written before id turns out to need a wider type: the row is written again.
                record(2, "{\"tags\": [\"x\"], \"id\": 2.5}", "v2"),
                // Half-written, then cut off: dead-lettered, and the next row must not inherit its id or tags.
                record(3, "{\"id\": 4, \"tags\": [\"d\", ", "v3"),
                record(4, null, "v4"),
                record(5, "null", "v5"),
                record(6, "{\"region\": \"us\", \"id\": 6}", "v6")));
        writer.close(List.of(P0));

        assertThat(fixture.deadLetterOffsets()).containsExactly(3L);
        assertThat(fixture.deadLetterReasons().get(0)).contains("topic 'orders'", "partition 0", "offset 3", "key",
                "is not valid JSON");
        try (ParquetReadback duck = new ParquetReadback()) {
            Path dir = fixture.landedDir(tmp);
            // Inferred fields in name order, whichever key brought them first.
            assertThat(duck.columnTypes(dir)).containsEntry("_kafka_key",
                    "STRUCT(id DOUBLE, region VARCHAR, tags VARCHAR[])");
            assertThat(duck.queryLists("SELECT _kafka_offset, _kafka_key IS NULL, _kafka_key.id, _kafka_key.tags,"
                    + " _kafka_key.region FROM " + ParquetReadback.table(dir) + " ORDER BY _kafka_offset"))
                    .containsExactly(
                    java.util.Arrays.asList(0L, false, 1.0, List.of("a"), null),
                    java.util.Arrays.asList(1L, false, 2.0, List.of("b", "c"), "eu"),
                    java.util.Arrays.asList(2L, false, 2.5, List.of("x"), null),
                    java.util.Arrays.asList(4L, true, null, null, null),
                    java.util.Arrays.asList(5L, true, null, null, null),
                    java.util.Arrays.asList(6L, false, 6.0, null, "us"));
        }
    }

    @Test
    void scalarSchemalessJsonKeysWidenAndTurnIntoJsonTextWhenTheirTypesConflict() throws Exception {
        SinkWriter writer = fixture.writer(Map.of("key.format", "json"), true);
        TopicPartition p1 = new TopicPartition(TOPIC, 1);
        writer.open(List.of(P0, p1));
        writer.put(List.of(
                // Partition 0: integers, a string, then an object: the column becomes JSON text, earlier rows too,
                // and the object is rendered in its own key order, as the parsed Map was.
                record(0, 0, "1", "a"), record(0, 1, "2", "b"), record(0, 2, "\"three\"", "c"),
                record(0, 3, "{\"b\": [1, true], \"a\": null}", "d"), record(0, 4, null, "e"),
                record(0, 5, "null", "f"),
                // Partition 1: an integer, then a fraction: the column widens to double.
                record(1, 0, "null", "g"), record(1, 1, "7", "h"), record(1, 2, "7.25", "i")));
        writer.close(List.of(P0, p1));

        assertThat(fixture.deadLetterOffsets()).isEmpty();
        try (ParquetReadback duck = new ParquetReadback()) {
            Path dir = fixture.landedDir(tmp);
            List<Path> files = ParquetReadback.parquetFiles(dir);
            assertThat(files).hasSize(2);
            // One file per Kafka partition, each in its partition=N folder.
            List<Path> text = files.stream().filter(f -> f.toString().contains("partition=0/")).toList();
            List<Path> wide = files.stream().filter(f -> f.toString().contains("partition=1/")).toList();
            assertThat(duck.columnTypes(text)).containsEntry("_kafka_key", "VARCHAR");
            assertThat(duck.queryLists("SELECT _kafka_key FROM " + ParquetReadback.table(text)
                    + " ORDER BY _kafka_offset"))
                    .containsExactly(List.of("1"), List.of("2"), List.of("\"three\""),
                            List.of("{\"b\":[1,true],\"a\":null}"), java.util.Arrays.asList((Object) null),
                            java.util.Arrays.asList((Object) null));
            assertThat(duck.columnTypes(wide)).containsEntry("_kafka_key", "DOUBLE");
            assertThat(duck.queryLists("SELECT _kafka_key FROM " + ParquetReadback.table(wide)
                    + " ORDER BY _kafka_offset"))
                    .containsExactly(java.util.Arrays.asList((Object) null), List.of(7.0), List.of(7.25));
        }
    }

    @Test
    void schemalessJsonKeysWithSchemalessJsonValuesMisfitEitherWayAndBadInputNamesTheRightSide() throws Exception {
        SinkWriter writer = fixture.writer(Map.of("key.format", "json", "value.format", "json"), true);
        writer.open(List.of(P0));
        writer.put(List.of(
                record(0, "{\"id\": 1}", "{\"n\": 0}"),
                // Only the key outgrows the batch.
                record(1, "{\"id\": 2, \"region\": \"eu\"}", "{\"n\": 1}"),
                // Only the value does.
                record(2, "{\"id\": 3}", "{\"n\": 2, \"extra\": \"x\"}"),
                // Both do.
                record(3, "{\"id\": 4.5}", "{\"n\": 3.5}"),
                record(4, "{\"id\": 5", "{\"n\": 4}"),
                record(5, null, "{\"n\": 5}"),
                record(6, "null", "{\"n\": 6}"),
                record(7, "{\"id\": 7}", "{\"n\": 7"),
                record(8, "{\"region\": \"us\", \"id\": 8}", "{\"extra\": \"y\", \"n\": 8}")));
        writer.close(List.of(P0));

        assertThat(fixture.deadLetterOffsets()).containsExactly(4L, 7L);
        assertThat(fixture.deadLetterReasons().get(0)).contains("offset 4", "key", "is not valid JSON");
        assertThat(fixture.deadLetterReasons().get(1)).contains("offset 7", "is not valid JSON").doesNotContain("key");
        try (ParquetReadback duck = new ParquetReadback()) {
            Path dir = fixture.landedDir(tmp);
            assertThat(duck.columnTypes(dir)).containsEntry("_kafka_key", "STRUCT(id DOUBLE, region VARCHAR)")
                    .containsEntry("n", "DOUBLE").containsEntry("extra", "VARCHAR");
            assertThat(duck.queryLists("SELECT _kafka_offset, n, extra, _kafka_key IS NULL, _kafka_key.id,"
                    + " _kafka_key.region FROM " + ParquetReadback.table(dir) + " ORDER BY _kafka_offset"))
                    .containsExactly(
                            java.util.Arrays.asList(0L, 0.0, null, false, 1.0, null),
                            java.util.Arrays.asList(1L, 1.0, null, false, 2.0, "eu"),
                            java.util.Arrays.asList(2L, 2.0, "x", false, 3.0, null),
                            java.util.Arrays.asList(3L, 3.5, null, false, 4.5, null),
                            java.util.Arrays.asList(5L, 5.0, null, true, null, null),
                            java.util.Arrays.asList(6L, 6.0, null, true, null, null),
                            java.util.Arrays.asList(8L, 8.0, "y", false, 8.0, "us"));
        }
    }

    @Test
    void schemalessJsonKeysWithDeclaredValuesTurnAConflictingFieldIntoJsonText() throws Exception {
        SinkWriter writer = fixture.writer(Map.of("key.format", "json", "value.format", "json", "value.json.schema",
                VALUE_SCHEMA), true);
        writer.open(List.of(P0));
        writer.put(List.of(
                record(0, "{\"id\": 1}", "{\"n\": 0}"),
                record(1, "{\"id\": 2, \"tags\": [\"a\"]}", "{\"n\": 1}"),
                record(2, "null", "{\"n\": 2}"),
                // id was an integer: a string there turns the field into JSON text, re-rendering earlier rows.
                record(3, "{\"id\": \"x\"}", "{\"n\": 3}"),
                record(4, "{\"id\": [1,", "{\"n\": 4}"),
                record(5, "{\"id\": {\"deep\": true}, \"tags\": []}", "{\"n\": 5}")));
        writer.close(List.of(P0));

        assertThat(fixture.deadLetterOffsets()).containsExactly(4L);
        assertThat(fixture.deadLetterReasons().get(0)).contains("offset 4", "key", "is not valid JSON");
        try (ParquetReadback duck = new ParquetReadback()) {
            Path dir = fixture.landedDir(tmp);
            assertThat(duck.columnTypes(dir)).containsEntry("_kafka_key", "STRUCT(id VARCHAR, tags VARCHAR[])")
                    .containsEntry("n", "BIGINT");
            assertThat(duck.queryLists("SELECT _kafka_offset, n, _kafka_key IS NULL, _kafka_key.id, _kafka_key.tags"
                    + " FROM " + ParquetReadback.table(dir) + " ORDER BY _kafka_offset")).containsExactly(
                    java.util.Arrays.asList(0L, 0L, false, "1", null),
                    java.util.Arrays.asList(1L, 1L, false, "2", List.of("a")),
                    java.util.Arrays.asList(2L, 2L, true, null, null),
                    java.util.Arrays.asList(3L, 3L, false, "\"x\"", null),
                    java.util.Arrays.asList(5L, 5L, false, "{\"deep\":true}", List.of()));
        }
    }
}
