package dev.quiver.intake;

import static dev.quiver.intake.WriterFixture.P0;
import static dev.quiver.intake.WriterFixture.P1;
import static dev.quiver.intake.WriterFixture.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.config.QuiverSinkConfig;
import dev.quiver.testing.InMemoryObjectStore;
import dev.quiver.testing.ParquetReadback;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SinkWriterTest {
    private static final Schema V1 = WriterFixture.ID_NAME;
    private static final Schema V2 = SchemaBuilder.struct()
            .field("id", Schema.INT64_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("extra", Schema.OPTIONAL_BOOLEAN_SCHEMA)
            .build();
    /** The same field names as V1 but "id" is a string: a value that does not match the record's declared schema. */
    private static final Schema V1_WRONG = SchemaBuilder.struct()
            .field("id", Schema.STRING_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .build();

    @TempDir
    Path tmp;

    // Flushes land on the test's thread (the fixture's flush.threads=0); one test below runs them on a pool, as the
    // connector does by default.
    private final WriterFixture fixture = new WriterFixture("conn", Map.of(
            QuiverSinkConfig.FLUSH_MAX_RECORDS, "1000",
            QuiverSinkConfig.FLUSH_INTERVAL_MS, "60000"));
    private final InMemoryObjectStore store = fixture.store();
    private final RecordingConsumer consumer = fixture.consumer();

    @AfterEach
    void closeWriters() {
        // Closing checks the Arrow allocator: a leaked buffer fails the test here.
        fixture.close();
    }

    private static SinkRecord record(int partition, long offset) {
        return WriterFixture.record(partition, offset, WriterFixture.idAndName(V1, offset, "n" + offset));
    }

    private static List<SinkRecord> records(int partition, long from, long toExclusive) {
        return LongStream.range(from, toExclusive).mapToObj(o -> record(partition, o)).collect(Collectors.toList());
    }

    /** The landed (id, name) rows sorted by id. */
    private List<List<Object>> landedRows() throws Exception {
        Path dir = fixture.landedDir(tmp);
        if (fixture.dataKeys().isEmpty()) {
            return List.of();
        }
        try (ParquetReadback duck = new ParquetReadback()) {
            return duck.queryLists("SELECT id, name FROM " + ParquetReadback.table(dir) + " ORDER BY id");
        }
    }

    private static List<List<Object>> expectedRows(long from, long toExclusive) {
        return LongStream.range(from, toExclusive).mapToObj(o -> List.<Object>of(o, "n" + o)).collect(Collectors.toList());
    }

    @Test
    void rowThresholdCutsFilesAndOnlyDurableOffsetsAreCommittable() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "3"), false);
        writer.open(List.of(P0));
        writer.put(records(0, 0, 7));

        assertThat(fixture.dataKeys()).containsExactly(
                "landing/events/partition=0/events+0+00000000000000000000.parquet",
                "landing/events/partition=0/events+0+00000000000000000003.parquet");
        // Offset 6 is only buffered: Connect may commit up to it, not past it.
        assertThat(writer.committableOffsets()).containsExactly(Map.entry(P0, new OffsetAndMetadata(6)));
        assertThat(landedRows()).isEqualTo(expectedRows(0, 6));
    }

    @Test
    void intervalIsCheckedOnEmptyPuts() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_INTERVAL_MS, "1000"), false);
        writer.open(List.of(P0));
        writer.put(records(0, 0, 2));
        fixture.advanceMillis(999);
        writer.put(List.of());
        assertThat(fixture.dataKeys()).isEmpty();
        assertThat(writer.committableOffsets()).isEmpty();

        fixture.advanceMillis(1);
        writer.put(List.of());
        assertThat(fixture.dataKeys()).hasSize(1);
        assertThat(writer.committableOffsets()).containsExactly(Map.entry(P0, new OffsetAndMetadata(2)));
        assertThat(landedRows()).isEqualTo(expectedRows(0, 2));
    }

    @Test
    void redeliveredRecordsAreNotAppendedTwice() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(), false);
        writer.open(List.of(P0, P1));
        writer.put(records(0, 0, 5));
        writer.put(records(1, 0, 2));
        // Connect redelivers after a rewind or retries a failed put with the same records.
        writer.put(records(0, 2, 8));
        writer.close(List.of(P0, P1));

        assertThat(fixture.dataKeys()).hasSize(2);
        List<List<Object>> rows = landedRows();
        assertThat(rows).hasSize(10);
        assertThat(rows.stream().map(r -> r.get(0)).distinct()).hasSize(8);
    }

    @Test
    void restartSeeksPastLandedDataAndReplaysNothingTwice() throws Exception {
        SinkWriter first = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "3"), false);
        first.open(List.of(P0));
        first.put(records(0, 0, 8));
        // A crash: offsets 0..5 landed, 6..7 only buffered, and Connect committed nothing.
        fixture.stop(first);

        SinkWriter second = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "3"), false);
        second.open(List.of(P0));
        assertThat(consumer.seeks()).containsEntry(P0, 6L);
        // Connect applies the seek before it delivers: the replay starts at the marker, past what landed. (A first
        // record below the seek would mean a new log: ExactlyOnceHolesTest.)
        second.put(records(0, 6, 10));
        second.close(List.of(P0));

        assertThat(fixture.dataKeys()).containsExactly(
                "landing/events/partition=0/events+0+00000000000000000000.parquet",
                "landing/events/partition=0/events+0+00000000000000000003.parquet",
                "landing/events/partition=0/events+0+00000000000000000006.parquet",
                "landing/events/partition=0/events+0+00000000000000000009.parquet");
        assertThat(landedRows()).isEqualTo(expectedRows(0, 10));
    }

    /**
     * Issue 12 item 13: an outage must not throw out of put() (Connect logs an ERROR with a stack trace per retry).
     * The partition whose flush failed is paused and sought back to the record it could not take, its flush is kept
     * and retried only after the back-off, and it lands once when storage is back. Before the fix put() threw
     * RetriableException.
     */
    @Test
    void aStorageOutagePausesThePartitionWithoutThrowingAndTheRetryAfterTheBackOffLandsItOnce() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "3"), false);
        writer.open(List.of(P0));
        store.failNextPuts(2, true);

        writer.put(records(0, 0, 5));
        // The flush of 0..2 failed writing its marker when offset 3 was due to cut it: 3 and 4 come again.
        assertThat(consumer.paused()).containsExactly(P0);
        assertThat(consumer.seeks()).containsEntry(P0, 3L);
        assertThat(consumer.retryAfterCalls()).isEmpty();
        assertThat(writer.committableOffsets()).isEmpty();

        // Within the back-off, nothing is retried: the second injected failure is still waiting.
        fixture.advanceMillis(500);
        writer.put(List.of());
        assertThat(fixture.dataKeys()).isEmpty();
        assertThat(consumer.paused()).containsExactly(P0);

        // After it, the retry fails once more (the second injected failure) and the back-off doubles.
        fixture.advanceMillis(600);
        writer.put(List.of());
        fixture.advanceMillis(1500);
        writer.put(List.of());
        assertThat(fixture.dataKeys()).isEmpty();
        assertThat(consumer.paused()).containsExactly(P0);

        // Storage is back: the retry lands the flush, the partition resumes and reads 3 and 4 again.
        fixture.advanceMillis(600);
        writer.put(List.of());
        assertThat(fixture.dataKeys()).hasSize(1);
        assertThat(consumer.paused()).isEmpty();
        assertThat(writer.committableOffsets()).containsEntry(P0, new OffsetAndMetadata(3));
        writer.put(records(0, 3, 5));
        writer.close(List.of(P0));
        assertThat(landedRows()).isEqualTo(expectedRows(0, 5));
    }

    @Test
    void permanentStorageErrorFailsTheTask() {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "2"), false);
        writer.open(List.of(P0));
        store.failNextPuts(1, false);
        assertThatThrownBy(() -> writer.put(records(0, 0, 3)))
                .isInstanceOf(ConnectException.class)
                .isNotInstanceOf(RetriableException.class)
                .hasMessageContaining("retrying cannot help");
    }

    private static SinkRecord wrongRecord(long offset) {
        // The record claims V1 but its struct says "id" is a string: the appender for "id" rejects it.
        Struct value = new Struct(V1_WRONG).put("id", "not-a-number").put("name", "bad");
        return new SinkRecord(TOPIC, 0, null, null, V1, value, offset);
    }

    @Test
    void badRecordFailsTheTaskNamingTopicPartitionOffsetAndField() {
        SinkWriter writer = fixture.writer(Map.of(), false);
        writer.open(List.of(P0));
        List<SinkRecord> batch = new ArrayList<>(records(0, 0, 3));
        batch.add(wrongRecord(3));
        batch.addAll(records(0, 4, 6));

        assertThatThrownBy(() -> writer.put(batch))
                .isInstanceOf(BadRecordException.class)
                .hasMessageContaining("topic 'events'")
                .hasMessageContaining("partition 0")
                .hasMessageContaining("offset 3")
                .hasMessageContaining("field 'id'");
        assertThat(writer.committableOffsets()).isEmpty();
        assertThat(fixture.dataKeys()).isEmpty();
    }

    @Test
    void toleratedBadRecordGoesToDeadLettersAndLeavesNoTraceInTheFile() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(), true);
        writer.open(List.of(P0));
        List<SinkRecord> batch = new ArrayList<>(records(0, 0, 3));
        // "name" is written before nothing and "id" fails first; a later bad field in a row is covered by
        // ArrowBatchTest. Either way the partial row must be overwritten by the next good record.
        batch.add(wrongRecord(3));
        batch.addAll(records(0, 4, 6));
        writer.put(batch);
        writer.close(List.of(P0));

        assertThat(fixture.deadLetterOffsets()).containsExactly(3L);
        assertThat(fixture.deadLetterReasons().get(0))
                .contains("topic 'events'", "partition 0", "offset 3", "field 'id'");
        List<List<Object>> expected = new ArrayList<>(expectedRows(0, 3));
        expected.addAll(expectedRows(4, 6));
        assertThat(landedRows()).isEqualTo(expected);
    }

    @Test
    void compatibleSchemaChangeGrowsTheBatchInsteadOfStartingAFile() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(), false);
        writer.open(List.of(P0));
        writer.put(records(0, 0, 2));
        writer.put(List.of(new SinkRecord(TOPIC, 0, null, null, V2,
                new Struct(V2).put("id", 2L).put("name", "n2").put("extra", true), 2)));
        writer.put(records(0, 3, 4));
        writer.close(List.of(P0));
        assertThat(fixture.dataKeys()).hasSize(1);
        assertThat(landedRows()).isEqualTo(expectedRows(0, 4));
        try (ParquetReadback duck = new ParquetReadback()) {
            // Rows written before the field existed, and after it went away again, read as null.
            assertThat(duck.queryLists("SELECT id, extra FROM " + ParquetReadback.table(fixture.landedDir(tmp))
                    + " ORDER BY id"))
                    .containsExactly(Arrays.asList(0L, null), Arrays.asList(1L, null), List.of(2L, true),
                            Arrays.asList(3L, null));
        }
    }

    @Test
    void alternatingCompatibleSchemasMakeOneFilePerFlush() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "50"), false);
        writer.open(List.of(P0));
        List<SinkRecord> batch = new ArrayList<>();
        for (long o = 0; o < 200; o++) {
            batch.add(o % 2 == 0 ? record(0, o) : new SinkRecord(TOPIC, 0, null, null, V2,
                    new Struct(V2).put("id", o).put("name", "n" + o).put("extra", o % 3 == 0), o));
        }
        writer.put(batch);
        assertThat(fixture.dataKeys()).hasSize(4);
        assertThat(landedRows()).isEqualTo(expectedRows(0, 200));
    }

    @Test
    void changeThatCannotMergeStartsANewFile() throws Exception {
        Schema nameIsStruct = SchemaBuilder.struct()
                .field("id", Schema.INT64_SCHEMA)
                .field("name", SchemaBuilder.struct().field("first", Schema.STRING_SCHEMA).build())
                .build();
        SinkWriter writer = fixture.writer(Map.of(), false);
        writer.open(List.of(P0));
        writer.put(records(0, 0, 2));
        Struct name = new Struct(nameIsStruct.field("name").schema()).put("first", "Ada");
        writer.put(List.of(new SinkRecord(TOPIC, 0, null, null, nameIsStruct,
                new Struct(nameIsStruct).put("id", 2L).put("name", name), 2)));
        writer.close(List.of(P0));
        assertThat(fixture.dataKeys()).containsExactly(
                "landing/events/partition=0/events+0+00000000000000000000.parquet",
                "landing/events/partition=0/events+0+00000000000000000002.parquet");
    }

    @Test
    void recordTypesOfOneTopicLandInSeparateFilesOfOneFlush() throws Exception {
        Schema order = SchemaBuilder.struct().name("com.acme.Order").field("id", Schema.INT64_SCHEMA).build();
        Schema refund = SchemaBuilder.struct().name("com.acme.Refund").field("id", Schema.INT64_SCHEMA)
                .field("reason", Schema.STRING_SCHEMA).build();
        SinkWriter writer = fixture.writer(Map.of(), false);
        writer.open(List.of(P0));
        List<SinkRecord> batch = new ArrayList<>();
        for (long o = 0; o < 10; o++) {
            batch.add(o % 3 == 0
                    ? new SinkRecord(TOPIC, 0, null, null, refund, new Struct(refund).put("id", o).put("reason", "r"), o)
                    : new SinkRecord(TOPIC, 0, null, null, order, new Struct(order).put("id", o), o));
        }
        writer.put(batch);
        writer.close(List.of(P0));
        assertThat(fixture.dataKeys()).containsExactly(
                "landing/events/record_type=com.acme.Order/partition=0/events+0+00000000000000000000.parquet",
                "landing/events/record_type=com.acme.Refund/partition=0/events+0+00000000000000000000.parquet");
        try (ParquetReadback duck = new ParquetReadback()) {
            Path dir = fixture.landedDir(tmp);
            assertThat(duck.scalarLong("SELECT count(*) FROM " + ParquetReadback.table(dir.resolve(
                    "landing/events/record_type=com.acme.Refund")))).isEqualTo(4);
            assertThat(duck.scalarLong("SELECT count(*) FROM " + ParquetReadback.table(dir.resolve(
                    "landing/events/record_type=com.acme.Order")))).isEqualTo(6);
        }
    }

    @Test
    void metadataColumnsCarryTopicPartitionOffsetTimestampKeyAndHeaders() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(), false);
        writer.open(List.of(P1));
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("trace", "abc");
        headers.addBytes("raw", new byte[] {1, 2});
        writer.put(List.of(
                new SinkRecord(TOPIC, 1, Schema.STRING_SCHEMA, "k-41", V1, new Struct(V1).put("id", 41L).put("name", "a"),
                        41, 1_700_000_000_123L, TimestampType.CREATE_TIME, headers),
                new SinkRecord(TOPIC, 1, Schema.STRING_SCHEMA, null, V1, new Struct(V1).put("id", 42L).put("name", "b"),
                        42, null, TimestampType.NO_TIMESTAMP_TYPE)));
        writer.close(List.of(P1));
        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(fixture.landedDir(tmp));
            assertThat(duck.columnTypes(ParquetReadback.parquetFiles(fixture.landedDir(tmp)))).containsExactly(
                    Map.entry("id", "BIGINT"),
                    Map.entry("name", "VARCHAR"),
                    Map.entry("_kafka_topic", "VARCHAR"),
                    Map.entry("_kafka_partition", "INTEGER"),
                    Map.entry("_kafka_offset", "BIGINT"),
                    Map.entry("_kafka_timestamp", "TIMESTAMP WITH TIME ZONE"),
                    Map.entry("_kafka_timestamp_type", "VARCHAR"),
                    Map.entry("_kafka_key", "VARCHAR"),
                    Map.entry("_kafka_headers", "STRUCT(\"key\" VARCHAR, \"value\" VARCHAR)[]"));
            assertThat(duck.queryLists("SELECT _kafka_topic, _kafka_partition, _kafka_offset,"
                    + " epoch_ms(_kafka_timestamp), _kafka_timestamp_type, _kafka_key, len(_kafka_headers)"
                    + " FROM " + table + " ORDER BY _kafka_offset")).containsExactly(
                    List.of("events", 1, 41L, 1_700_000_000_123L, "CreateTime", "k-41", 2L),
                    Arrays.asList("events", 1, 42L, null, "NoTimestampType", null, 0L));
            assertThat(duck.queryLists("SELECT h.key, h.value FROM (SELECT unnest(_kafka_headers) AS h FROM " + table
                    + ") ORDER BY 1")).containsExactly(List.of("raw", "AQI="), List.of("trace", "abc"));
            // Readers prune by offset from the footer statistics.
            Path file = ParquetReadback.parquetFiles(fixture.landedDir(tmp)).get(0);
            assertThat(duck.queryLists("SELECT stats_min, stats_max FROM parquet_metadata('" + file
                    + "') WHERE path_in_schema = '_kafka_offset'")).containsExactly(List.of("41", "42"));
        }
    }

    @Test
    void metadataColumnsCanBeRenamedAndSwitchedOff() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.METADATA_COLUMNS, "offset,partition",
                QuiverSinkConfig.METADATA_COLUMN_NAMES, "offset:kafka_offset"), false);
        writer.open(List.of(P0));
        writer.put(records(0, 0, 1));
        writer.close(List.of(P0));
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.columnTypes(ParquetReadback.parquetFiles(fixture.landedDir(tmp))).keySet())
                    .containsExactly("id", "name", "_kafka_partition", "kafka_offset");
        }
    }

    @Test
    void tombstonesAreWrittenAsFlaggedRowsWhenAskedTo() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.BEHAVIOR_ON_NULL_VALUES, "write"), false);
        writer.open(List.of(P0));
        writer.put(List.of(record(0, 0),
                new SinkRecord(TOPIC, 0, Schema.STRING_SCHEMA, "gone", null, null, 1),
                record(0, 2)));
        writer.close(List.of(P0));
        assertThat(fixture.dataKeys()).hasSize(1);
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.queryLists("SELECT _kafka_offset, id, name, _kafka_key, _kafka_tombstone FROM "
                    + ParquetReadback.table(fixture.landedDir(tmp)) + " ORDER BY _kafka_offset")).containsExactly(
                    Arrays.asList(0L, 0L, "n0", null, false),
                    Arrays.asList(1L, null, null, "gone", true),
                    Arrays.asList(2L, 2L, "n2", null, false));
        }
    }

    @Test
    void tombstonesAreBadRecordsWhenAskedTo() {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.BEHAVIOR_ON_NULL_VALUES, "fail"), false);
        writer.open(List.of(P0));
        assertThatThrownBy(() -> writer.put(List.of(new SinkRecord(TOPIC, 0, null, null, null, null, 5))))
                .isInstanceOf(BadRecordException.class)
                .hasMessageContaining("offset 5").hasMessageContaining("behavior.on.null.values=fail");
    }

    @Test
    void schemalessMapsAreTypedPerBatchWithWideningAndJsonFallback() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(), false);
        writer.open(List.of(P0));
        Map<String, Object> first = new LinkedHashMap<>();
        first.put("id", 1L);
        first.put("amount", 5L);
        first.put("mixed", "text");
        first.put("nested", Map.of("a", 1L));
        first.put("tags", List.of("x", "y"));
        Map<String, Object> second = new LinkedHashMap<>();
        second.put("id", 2L);
        second.put("amount", 2.5);
        second.put("mixed", Map.of("deep", true));
        second.put("nested", Map.of("a", 2L, "b", "new"));
        second.put("only_here", false);
        writer.put(List.of(new SinkRecord(TOPIC, 0, null, null, null, first, 0),
                new SinkRecord(TOPIC, 0, null, null, null, second, 1)));
        writer.close(List.of(P0));
        assertThat(fixture.dataKeys()).hasSize(1);
        try (ParquetReadback duck = new ParquetReadback()) {
            Map<String, String> types = duck.columnTypes(ParquetReadback.parquetFiles(fixture.landedDir(tmp)));
            assertThat(types).containsEntry("amount", "DOUBLE").containsEntry("id", "BIGINT")
                    .containsEntry("mixed", "VARCHAR").containsEntry("only_here", "BOOLEAN")
                    .containsEntry("nested", "STRUCT(a BIGINT, b VARCHAR)").containsEntry("tags", "VARCHAR[]");
            assertThat(duck.queryLists("SELECT id, amount, mixed, nested.a, nested.b, tags, only_here FROM "
                    + ParquetReadback.table(fixture.landedDir(tmp)) + " ORDER BY id")).containsExactly(
                    Arrays.asList(1L, 5.0, "\"text\"", 1L, null, List.of("x", "y"), null),
                    Arrays.asList(2L, 2.5, "{\"deep\":true}", 2L, "new", null, false));
        }
    }

    @Test
    void jsonStringsAreParsedAndInvalidJsonIsABadRecordWithItsLocation() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.VALUE_FORMAT, "json"), true);
        writer.open(List.of(P0));
        writer.put(List.of(
                new SinkRecord(TOPIC, 0, null, null, Schema.OPTIONAL_STRING_SCHEMA, "{\"id\": 1, \"name\": \"a\"}", 0),
                new SinkRecord(TOPIC, 0, null, null, Schema.OPTIONAL_STRING_SCHEMA, "{\"id\": 2, \"name\": ", 1),
                new SinkRecord(TOPIC, 0, null, null, Schema.OPTIONAL_BYTES_SCHEMA,
                        "{\"id\": 3, \"name\": \"c\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8), 2),
                new SinkRecord(TOPIC, 0, null, null, Schema.OPTIONAL_STRING_SCHEMA, "{\"id\": 4, \"id\": 5}", 3)));
        writer.close(List.of(P0));
        assertThat(landedRows()).containsExactly(List.of(1L, "a"), List.of(3L, "c"));
        assertThat(fixture.deadLetterOffsets()).containsExactly(1L, 3L);
        assertThat(fixture.deadLetterReasons().get(0)).contains("offset 1", "not valid JSON", "line 1");
        assertThat(fixture.deadLetterReasons().get(1)).contains("offset 3", "Duplicate field 'id'");
    }

    private static SinkRecord json(long offset, Object key, String value) {
        return new SinkRecord(TOPIC, 0, null, key, Schema.OPTIONAL_STRING_SCHEMA, value, offset);
    }

    @Test
    void schemalessJsonIsStreamedIntoOneBatchWideningAndRollingBackBadRecords() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.VALUE_FORMAT, "json",
                QuiverSinkConfig.BEHAVIOR_ON_NULL_VALUES, "write"), true);
        writer.open(List.of(P0));
        writer.put(List.of(
                json(0, "k0", "{\"id\":1,\"amount\":5,\"mixed\":\"text\",\"nested\":{\"a\":1},\"tags\":[\"x\"]}"),
                // Half-written, then broken: it leaves nothing behind, not even its nested list elements.
                json(1, "k1", "{\"id\":99,\"tags\":[\"bad\",\"bad\",\"bad\"],\"nested\":{\"a\":99},\"amount\": tru"),
                // A key of another type: the key column turns to JSON text, the value is still streamed.
                json(2, 7L, "{\"id\":2,\"amount\":2.5,\"mixed\":{\"deep\":[1,2]},\"nested\":{\"a\":2,\"b\":\"new\"},"
                        + "\"only_here\":false}"),
                new SinkRecord(TOPIC, 0, null, "gone", null, null, 3),
                // Half-written, then misfit (a new field deep down): typed alone, the batch grows, written again.
                json(4, null, "{\"id\":3,\"tags\":[\"y\",\"z\"],\"nested\":{\"a\":3,\"c\":[1.5]}}"),
                json(5, null, "{\"id\":4,\"id\":5}"),
                json(6, null, "{\"id\":6,\"amount\":7,\"tags\":[],\"nested\":{\"b\":\"six\"}}")));
        writer.close(List.of(P0));
        assertThat(fixture.dataKeys()).hasSize(1);
        assertThat(fixture.deadLetterOffsets()).containsExactly(1L, 5L);
        assertThat(fixture.deadLetterReasons().get(0)).contains("offset 1", "field 'amount'", "not valid JSON");
        assertThat(fixture.deadLetterReasons().get(1)).contains("offset 5", "Duplicate field 'id'");
        try (ParquetReadback duck = new ParquetReadback()) {
            Path dir = fixture.landedDir(tmp);
            assertThat(duck.columnTypes(ParquetReadback.parquetFiles(dir))).containsEntry("id", "BIGINT")
                    .containsEntry("amount", "DOUBLE").containsEntry("mixed", "VARCHAR")
                    .containsEntry("nested", "STRUCT(a BIGINT, b VARCHAR, c DOUBLE[])")
                    .containsEntry("only_here", "BOOLEAN").containsEntry("tags", "VARCHAR[]")
                    .containsEntry("_kafka_key", "VARCHAR");
            assertThat(duck.queryLists("SELECT _kafka_offset, id, amount, mixed, nested.a, nested.b, nested.c, tags,"
                    + " only_here, _kafka_key, _kafka_tombstone FROM " + ParquetReadback.table(dir)
                    + " ORDER BY _kafka_offset")).containsExactly(
                    Arrays.asList(0L, 1L, 5.0, "\"text\"", 1L, null, null, List.of("x"), null, "\"k0\"", false),
                    Arrays.asList(2L, 2L, 2.5, "{\"deep\":[1,2]}", 2L, "new", null, null, false, "7", false),
                    Arrays.asList(3L, null, null, null, null, null, null, null, null, "\"gone\"", true),
                    Arrays.asList(4L, 3L, null, null, 3L, null, List.of(1.5), List.of("y", "z"), null, null, false),
                    Arrays.asList(6L, 6L, 7.0, null, null, "six", null, List.of(), null, null, false));
        }
    }

    @Test
    void schemalessJsonPartitionsByFieldsPickedFromTheDocument() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.VALUE_FORMAT, "json",
                QuiverSinkConfig.PARTITION_BY, "field", QuiverSinkConfig.PARTITION_FIELDS, "geo.country,kind"), true);
        writer.open(List.of(P0));
        writer.put(List.of(
                json(0, null, "{\"id\":0,\"geo\":{\"country\":\"DE\",\"city\":\"B\"},\"kind\":1}"),
                json(1, null, "{\"kind\":1,\"id\":1,\"geo\":{\"country\":\"FR\"}}"),
                json(2, null, "{\"id\":2,\"geo\":{\"country\":\"DE\"},\"kind\":1,\"extra\":true}"),
                json(3, null, "{\"id\":3,\"geo\":\"nowhere\"}"),
                json(4, null, "{\"id\":4,\"geo\":{\"country\":\"DE\"},\"kind\":1,\"bad\":NaN}")));
        writer.close(List.of(P0));
        assertThat(fixture.dataKeys()).containsExactly(
                "landing/events/geo.country=DE/kind=1/events+0+00000000000000000000.parquet",
                "landing/events/geo.country=FR/kind=1/events+0+00000000000000000000.parquet",
                "landing/events/geo.country=__HIVE_DEFAULT_PARTITION__/kind=__HIVE_DEFAULT_PARTITION__/"
                        + "events+0+00000000000000000000.parquet");
        assertThat(fixture.deadLetterOffsets()).containsExactly(4L);
        assertThat(fixture.deadLetterReasons().get(0)).contains("field 'bad'", "NaN");
        try (ParquetReadback duck = new ParquetReadback()) {
            Path dir = fixture.landedDir(tmp);
            assertThat(duck.queryLists("SELECT id, geo.country, extra FROM "
                    + ParquetReadback.table(dir.resolve("landing/events/geo.country=DE/kind=1")) + " ORDER BY id"))
                    .containsExactly(Arrays.asList(0L, "DE", null), Arrays.asList(2L, "DE", true));
            assertThat(duck.queryLists("SELECT _kafka_offset FROM " + ParquetReadback.table(dir) + " ORDER BY 1"))
                    .containsExactly(List.of(0L), List.of(1L), List.of(2L), List.of(3L));
        }
    }

    @Test
    void schemalessJsonPartitionsByATimeFieldPickedFromTheDocument() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.VALUE_FORMAT, "json",
                QuiverSinkConfig.PARTITION_BY, "time", QuiverSinkConfig.PARTITION_TIME_SOURCE, "event.at"), true);
        writer.open(List.of(P0));
        writer.put(List.of(
                json(0, null, "{\"id\":0,\"event\":{\"at\":1700000000000}}"),
                json(1, null, "{\"event\":{\"kind\":\"x\",\"at\":1700003600000},\"id\":1}"),
                json(2, null, "{\"id\":2,\"event\":{\"at\":\"soon\"}}"),
                json(3, null, "{\"id\":3}")));
        writer.close(List.of(P0));
        assertThat(fixture.dataKeys()).containsExactly(
                "landing/events/dt=2023-11-14/hr=22/events+0+00000000000000000000.parquet",
                "landing/events/dt=2023-11-14/hr=23/events+0+00000000000000000000.parquet");
        assertThat(fixture.deadLetterOffsets()).containsExactly(2L, 3L);
        assertThat(fixture.deadLetterReasons().get(0)).contains("field 'event.at' holds String");
        assertThat(fixture.deadLetterReasons().get(1)).contains("field 'event.at' is missing or null");
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.queryLists("SELECT id, event.at FROM " + ParquetReadback.table(fixture.landedDir(tmp))
                    + " ORDER BY id"))
                    .containsExactly(List.of(0L, 1_700_000_000_000L), List.of(1L, 1_700_003_600_000L));
        }
    }

    @Test
    void tombstonesAreSkippedAndCountAsHandled() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(), false);
        writer.open(List.of(P0));
        writer.put(List.of(new SinkRecord(TOPIC, 0, null, null, null, null, 0)));
        assertThat(writer.committableOffsets()).containsExactly(Map.entry(P0, new OffsetAndMetadata(1)));
        writer.put(records(0, 1, 3));
        writer.close(List.of(P0));
        // The file's range starts where the partition's progress stood, so a replay cuts the same key.
        assertThat(fixture.dataKeys())
                .containsExactly("landing/events/partition=0/events+0+00000000000000000001.parquet");
        assertThat(landedRows()).isEqualTo(expectedRows(1, 3));
    }

    @Test
    void closeLandsTheBufferAndReleasesThePartition() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(), false);
        writer.open(List.of(P0, P1));
        writer.put(records(0, 0, 4));
        writer.put(records(1, 0, 1));
        writer.close(List.of(P0));
        assertThat(fixture.dataKeys()).hasSize(1);
        assertThat(writer.committableOffsets()).doesNotContainKey(P0);
        assertThat(writer.bufferedBytes()).isPositive();
        writer.close(List.of(P1));
        assertThat(writer.bufferedBytes()).isZero();
    }

    @Test
    void failedLandingOnCloseDropsTheBufferAndTheNextOwnerRereads() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(), false);
        writer.open(List.of(P0));
        writer.put(records(0, 0, 4));
        store.failNextPuts(1, true);
        writer.close(List.of(P0));
        assertThat(fixture.dataKeys()).isEmpty();
        assertThat(writer.bufferedBytes()).isZero();

        SinkWriter next = fixture.writer(Map.of(), false);
        next.open(List.of(P0));
        next.put(records(0, 0, 4));
        next.close(List.of(P0));
        assertThat(landedRows()).isEqualTo(expectedRows(0, 4));
    }

    @Test
    void metricsAreReadableOverJmx() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "4"), true);
        writer.open(List.of(P0));
        List<SinkRecord> batch = new ArrayList<>(records(0, 0, 6));
        batch.add(wrongRecord(6));
        writer.put(batch);

        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName task = new ObjectName("dev.quiver:type=sink-task-metrics,connector=\"conn\",task=\"0\"");
        ObjectName partition = new ObjectName("dev.quiver:type=sink-partition-metrics,connector=\"conn\",task=\"0\","
                + "topic=\"events\",partition=0");
        assertThat(jmx.getAttribute(task, "RecordsIn")).isEqualTo(7L);
        assertThat(jmx.getAttribute(task, "RowsLanded")).isEqualTo(4L);
        assertThat(jmx.getAttribute(task, "FilesLanded")).isEqualTo(1L);
        assertThat(jmx.getAttribute(task, "BadRecords")).isEqualTo(1L);
        assertThat((Long) jmx.getAttribute(task, "ParquetBytesLanded")).isPositive();
        assertThat((Long) jmx.getAttribute(task, "BufferedBytes")).isPositive();
        assertThat((Double) jmx.getAttribute(task, "UploadMillisP99")).isGreaterThanOrEqualTo(0.0);
        assertThat(jmx.getAttribute(partition, "LastLandedOffset")).isEqualTo(3L);
        assertThat(jmx.getAttribute(partition, "LandingLagRecords")).isEqualTo(2L);
        fixture.advanceMillis(1500);
        assertThat(jmx.getAttribute(partition, "LandingLagMillis")).isEqualTo(1500L);

        writer.close(List.of(P0));
        assertThat(jmx.isRegistered(partition)).isFalse();
        fixture.stop(writer);
        assertThat(jmx.isRegistered(task)).isFalse();
    }

    @Test
    void crashDuringAFlushIsReplayedToTheSameKeysAndCut() throws Exception {
        Map<String, String> timeLayout = Map.of(QuiverSinkConfig.PARTITION_BY, "time",
                QuiverSinkConfig.PARTITION_TIME_PATTERN, "'hr='HH", QuiverSinkConfig.FLUSH_MAX_RECORDS, "6");
        SinkWriter first = fixture.writer(timeLayout, false);
        first.open(List.of(P0));
        // Offsets 0..5 spread over three hours: one flush writes three files. After the marker and the first file,
        // uploads fail; then the task dies.
        List<SinkRecord> batch = hourly(0, 12);
        store.failAfterPuts(2);
        first.put(batch);
        assertThat(consumer.paused()).as("waiting for its flush's retry").containsExactly(P0);
        fixture.stop(first);
        assertThat(fixture.dataKeys()).hasSize(1);
        store.heal();

        // The next owner finds the flush incomplete, replays it from its start, cuts it where it was cut (at offset 5,
        // although its own threshold would cut later) and rewrites the same three keys.
        SinkWriter second = fixture.writer(Map.of(QuiverSinkConfig.PARTITION_BY, "time",
                QuiverSinkConfig.PARTITION_TIME_PATTERN, "'hr='HH", QuiverSinkConfig.FLUSH_MAX_RECORDS, "100"), false);
        second.open(List.of(P0));
        assertThat(consumer.seeks()).containsEntry(P0, 0L);
        second.put(batch);
        assertThat(fixture.dataKeys()).containsExactly(
                "landing/events/hr=00/events+0+00000000000000000000.parquet",
                "landing/events/hr=01/events+0+00000000000000000000.parquet",
                "landing/events/hr=02/events+0+00000000000000000000.parquet");
        assertThat(second.committableOffsets()).containsExactly(Map.entry(P0, new OffsetAndMetadata(6)));
        second.close(List.of(P0));
        assertThat(landedRows()).isEqualTo(expectedRows(0, 12));
    }

    @Test
    void filesOfAnInterruptedFlushThatTheReplayDoesNotRewriteAreDeleted() throws Exception {
        SinkWriter first = fixture.writer(Map.of(QuiverSinkConfig.PARTITION_BY, "time",
                QuiverSinkConfig.PARTITION_TIME_PATTERN, "'hr='HH", QuiverSinkConfig.FLUSH_MAX_RECORDS, "6"), false);
        first.open(List.of(P0));
        store.failAfterPuts(3);
        first.put(hourly(0, 6));
        assertThat(consumer.paused()).as("waiting for its flush's retry").containsExactly(P0);
        fixture.stop(first);
        assertThat(fixture.dataKeys()).hasSize(2);
        store.heal();

        // Offset 5 (hour 2) is gone from the log by the time of the replay (compaction): the replay writes two files,
        // and the third file of the first attempt must not survive as an orphan.
        SinkWriter second = fixture.writer(Map.of(QuiverSinkConfig.PARTITION_BY, "time",
                QuiverSinkConfig.PARTITION_TIME_PATTERN, "'hr='HH"), false);
        second.open(List.of(P0));
        List<SinkRecord> replay = new ArrayList<>(hourly(0, 4));
        replay.addAll(hourly(6, 8));
        second.put(replay);
        second.close(List.of(P0));
        assertThat(fixture.dataKeys()).doesNotContain("landing/events/hr=02/events+0+00000000000000000000.parquet");
        List<List<Object>> expected = new ArrayList<>(expectedRows(0, 4));
        expected.addAll(expectedRows(6, 8));
        assertThat(landedRows()).isEqualTo(expected);
    }

    /** Records whose Kafka timestamps put offsets 2k and 2k+1 in hour k. */
    private static List<SinkRecord> hourly(long from, long toExclusive) {
        List<SinkRecord> out = new ArrayList<>();
        for (long o = from; o < toExclusive; o++) {
            out.add(new SinkRecord(TOPIC, 0, null, null, V1, new Struct(V1).put("id", o).put("name", "n" + o), o,
                    (o / 2) * 3_600_000L + 1_000, TimestampType.CREATE_TIME));
        }
        return out;
    }

    @Test
    void fieldPartitionValuesAreEscaped() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.PARTITION_BY, "field",
                QuiverSinkConfig.PARTITION_FIELDS, "name"), false);
        writer.open(List.of(P0));
        writer.put(List.of(
                new SinkRecord(TOPIC, 0, null, null, V1, new Struct(V1).put("id", 0L).put("name", "../../etc"), 0),
                new SinkRecord(TOPIC, 0, null, null, V1, new Struct(V1).put("id", 1L).put("name", "DE"), 1)));
        writer.close(List.of(P0));
        assertThat(fixture.dataKeys()).containsExactly(
                "landing/events/name=..%2F..%2Fetc/events+0+00000000000000000000.parquet",
                "landing/events/name=DE/events+0+00000000000000000000.parquet");
    }

    @Test
    void anIdlePartitionAsksConnectToCallPutBeforeItsIntervalEnds() {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_INTERVAL_MS, "5000"), false);
        writer.open(List.of(P0));
        writer.put(records(0, 0, 1));
        fixture.advanceMillis(1200);
        writer.put(List.of());
        assertThat(consumer.wakeWithinCalls()).containsExactly(5000L, 3800L);
    }

    @Test
    void aZombieCannotOverwriteTheNewOwnersMarkerAndTheOwnerResumesFromIt() throws Exception {
        SinkWriter zombie = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "3"), false);
        zombie.open(List.of(P0));
        zombie.put(records(0, 0, 4));

        // The partition moves on without the zombie noticing: the new owner lands 3..8.
        SinkWriter owner = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "3"), false);
        owner.open(List.of(P0));
        assertThat(consumer.seeks()).containsEntry(P0, 3L);
        owner.put(records(0, 3, 9));
        List<String> before = fixture.dataKeys();

        // The zombie's next flush is refused at its marker write, before it uploads a file: nothing of it lands.
        consumer.clearSeeks();
        zombie.put(records(0, 4, 7));
        assertThat(fixture.dataKeys()).isEqualTo(before);
        assertThat(consumer.seeks()).containsEntry(P0, 9L);
        owner.close(List.of(P0));
        assertThat(landedRows()).isEqualTo(expectedRows(0, 9));
    }

    @Test
    void memoryBudgetHoldsWithThousandsOfOpenFoldersAndEveryRecordLandsOnce() throws Exception {
        long budget = 4L * 1024 * 1024;
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.BUFFER_MEMORY_BYTES, Long.toString(budget),
                QuiverSinkConfig.PARTITION_BY, "time",
                QuiverSinkConfig.PARTITION_TIME_PATTERN, "'dt='yyyy-MM-dd/'hr='HH",
                QuiverSinkConfig.FLUSH_MAX_RECORDS, "1000000",
                QuiverSinkConfig.FLUSH_MAX_BYTES, Long.toString(1L << 40),
                // Every batch here is small: with no minimum the budget lands the largest, and put() never pauses
                // (this fake consumer would not redeliver). BackPressureTest covers the default minimum.
                QuiverSinkConfig.FLUSH_MIN_BYTES, "0"), false);
        int partitions = 20;
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            tps.add(new TopicPartition(TOPIC, p));
        }
        writer.open(tps);
        // A week of hourly folders per partition: 20 x 168 = 3,360 open folders, far more than 4 MiB holds at once.
        long hour = 3_600_000L;
        long start = 1_763_683_200_000L;
        int perPartition = 168 * 2;
        for (int round = 0; round < 4; round++) {
            List<SinkRecord> batch = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                for (int i = round * perPartition / 4; i < (round + 1) * perPartition / 4; i++) {
                    long offset = i;
                    long id = p * 1_000_000L + i;
                    batch.add(new SinkRecord(TOPIC, p, null, null, V1, new Struct(V1).put("id", id).put("name", "n" + id),
                            offset, start + (i % 168) * hour, TimestampType.CREATE_TIME));
                }
            }
            writer.put(batch);
        }
        for (TopicPartition tp : tps) {
            writer.close(List.of(tp));
        }
        List<SinkWriter> open = fixture.openWriters();
        SinkWriter sameTask = open.get(open.size() - 1);
        assertThat(sameTask).isSameAs(writer);
        try (ParquetReadback duck = new ParquetReadback()) {
            Path dir = fixture.landedDir(tmp);
            assertThat(duck.queryLists("SELECT count(*), count(DISTINCT id), count(DISTINCT (_kafka_partition, _kafka_offset))"
                    + " FROM " + ParquetReadback.table(dir))).containsExactly(List.of(6720L, 6720L, 6720L));
        }
        // The allocator enforces the budget; its peak proves it held while thousands of folders were open.
        assertThat(writer.peakBufferedBytes()).isPositive().isLessThanOrEqualTo(budget);
        assertThat(consumer.pauseCalls()).isEmpty();
    }

    @Test
    void backgroundFlushesLandEveryRecordOnceAndOffsetsFollowOnlyLandedFiles() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_THREADS, "2",
                QuiverSinkConfig.FLUSH_MAX_RECORDS, "50"), false);
        writer.open(List.of(P0, P1));
        for (long from = 0; from < 1000; from += 100) {
            writer.put(records(0, from, from + 100));
            writer.put(records(1, from, from + 100));
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : writer.committableOffsets().entrySet()) {
                // An offset is reported only when every file before it has landed: check the store says so.
                long committable = e.getValue().offset();
                assertThat(committable % 50).isZero();
                for (long start = 0; start < committable; start += 50) {
                    assertThat(store.exists("landing/events/partition=" + e.getKey().partition() + "/events+"
                            + e.getKey().partition() + "+" + String.format("%020d", start) + ".parquet")).isTrue();
                }
            }
        }
        writer.close(List.of(P0, P1));
        List<List<Object>> rows = landedRows();
        assertThat(rows).hasSize(2000);
        assertThat(rows.stream().map(r -> r.get(0)).distinct()).hasSize(1000);
        assertThat(fixture.dataKeys()).hasSize(40);
    }

    @Test
    void aBackgroundFlushThatFailsIsRetriedToTheSameKeys() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_THREADS, "1",
                QuiverSinkConfig.FLUSH_MAX_RECORDS, "5"), false);
        writer.open(List.of(P0));
        store.failNextPuts(2, true);
        // The failure surfaces on a later put() (never thrown out of it): the partition is paused until the retry,
        // after the back-off, lands the flush; the consumer reads again from where the writer sought.
        fixture.deliver(writer, 0, 12, 12, o -> records(0, o, o + 1).get(0), 1);
        for (int round = 0; round < 100 && !writer.committableOffsets().equals(Map.of(P0, new OffsetAndMetadata(10)));
                round++) {
            fixture.advanceMillis(StorageOutage.MAX_BACKOFF_MS);
            Thread.sleep(5);
            writer.put(List.of());
        }
        assertThat(consumer.pauseCalls()).as("paused while storage failed").contains(P0);
        assertThat(consumer.paused()).isEmpty();
        writer.close(List.of(P0));
        assertThat(landedRows()).isEqualTo(expectedRows(0, 12));
        assertThat(fixture.dataKeys()).containsExactly(
                "landing/events/partition=0/events+0+00000000000000000000.parquet",
                "landing/events/partition=0/events+0+00000000000000000005.parquet",
                "landing/events/partition=0/events+0+00000000000000000010.parquet");
    }

    @Test
    void byteThresholdFlushes() {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_BYTES, "1024"), false);
        writer.open(List.of(P0));
        writer.put(records(0, 0, 2000));
        assertThat(fixture.dataKeys()).hasSizeGreaterThan(1);
    }
}
