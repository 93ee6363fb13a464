package dev.quiver.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.testing.ConnectStack;
import dev.quiver.testing.ParquetReadback;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * How records become rows, on the real stack: every Connect type with the type DuckDB reads, Kafka metadata columns,
 * schema evolution without small files, schemaless typing, raw JSON with bad records dead-lettered, tombstones, and
 * several record types in one topic. One Connect cluster and S3 server serve every test of the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecordShapesIT {
    private static final Duration LANDING_TIMEOUT = Duration.ofSeconds(120);

    private ConnectStack stack;
    private KafkaProducer<byte[], byte[]> producer;

    @BeforeAll
    void startStack() {
        stack = ConnectStack.start(1);
        producer = stack.createProducer(Map.of());
    }

    @AfterAll
    void stopStack() {
        // The stack closes the producer it made.
        if (stack != null) {
            stack.close();
        }
    }

    private void send(String topic, String key, String value, Header... headers) {
        ConnectStack.sendAndAwait(producer, new ProducerRecord<>(topic, 0, 1_700_000_000_000L,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8), Arrays.asList(headers)));
    }

    private List<Path> awaitFiles(String connector, long rows) {
        return stack.awaitDataFiles(connector, rows, LANDING_TIMEOUT);
    }

    private static final String GOLDEN_SCHEMA = "{\"type\":\"struct\",\"optional\":false,\"fields\":["
            + "{\"field\":\"i8\",\"type\":\"int8\",\"optional\":false},"
            + "{\"field\":\"i16\",\"type\":\"int16\",\"optional\":false},"
            + "{\"field\":\"i32\",\"type\":\"int32\",\"optional\":false},"
            + "{\"field\":\"i64\",\"type\":\"int64\",\"optional\":false},"
            + "{\"field\":\"f32\",\"type\":\"float\",\"optional\":false},"
            + "{\"field\":\"f64\",\"type\":\"double\",\"optional\":false},"
            + "{\"field\":\"flag\",\"type\":\"boolean\",\"optional\":false},"
            + "{\"field\":\"text\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"raw\",\"type\":\"bytes\",\"optional\":true},"
            + "{\"field\":\"price\",\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Decimal\","
            + "\"version\":1,\"parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"10\"}},"
            + "{\"field\":\"day\",\"type\":\"int32\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Date\",\"version\":1},"
            + "{\"field\":\"at\",\"type\":\"int32\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Time\",\"version\":1},"
            + "{\"field\":\"ts\",\"type\":\"int64\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1},"
            + "{\"field\":\"tags\",\"type\":\"array\",\"items\":{\"type\":\"string\",\"optional\":false},\"optional\":true},"
            + "{\"field\":\"attrs\",\"type\":\"map\",\"keys\":{\"type\":\"string\",\"optional\":false},"
            + "\"values\":{\"type\":\"int64\",\"optional\":true},\"optional\":true},"
            + "{\"field\":\"codes\",\"type\":\"map\",\"keys\":{\"type\":\"int32\",\"optional\":false},"
            + "\"values\":{\"type\":\"string\",\"optional\":false},\"optional\":true},"
            + "{\"field\":\"outer\",\"type\":\"struct\",\"optional\":true,\"fields\":["
            + "{\"field\":\"inner\",\"type\":\"struct\",\"optional\":false,\"fields\":[{\"field\":\"leaf\",\"type\":\"string\",\"optional\":true}]},"
            + "{\"field\":\"n\",\"type\":\"int32\",\"optional\":false}]},"
            + "{\"field\":\"level\",\"type\":\"string\",\"optional\":true,\"default\":\"info\"}"
            + "]}";

    private static String golden(String payload) {
        return "{\"schema\":" + GOLDEN_SCHEMA + ",\"payload\":" + payload + "}";
    }

    @Test
    void everyConnectTypeLandsWithTheTypeAndValueDuckDbExpects() {
        String topic = "golden";
        stack.createTopic(topic, 1);
        send(topic, "k0", golden("{\"i8\":-8,\"i16\":1600,\"i32\":320000,\"i64\":6400000000,\"f32\":1.5,\"f64\":0.25,"
                + "\"flag\":true,\"text\":\"héllo\",\"raw\":\"AQID\",\"price\":123.45,\"day\":20413,\"at\":49507000,"
                + "\"ts\":1763719530123,\"tags\":[\"a\",\"b\"],\"attrs\":{\"x\":1,\"y\":null},\"codes\":[[1,\"one\"],[2,\"two\"]],"
                + "\"outer\":{\"inner\":{\"leaf\":\"deep\"},\"n\":7},\"level\":\"warn\"}"),
                new RecordHeader("trace", "abc".getBytes(StandardCharsets.UTF_8)));
        send(topic, null, golden("{\"i8\":0,\"i16\":0,\"i32\":0,\"i64\":0,\"f32\":0.0,\"f64\":-1.0e300,\"flag\":false,"
                + "\"text\":\"\",\"raw\":null,\"price\":null,\"day\":null,\"at\":null,\"ts\":null,\"tags\":[],"
                + "\"attrs\":null,\"codes\":null,\"outer\":null,\"level\":null}"));
        stack.startConnector(topic, stack.connectorConfig(topic, topic, Map.of("flush.interval.ms", "1000")), 1);

        List<Path> files = awaitFiles(topic, 2);
        try (ParquetReadback duck = new ParquetReadback()) {
            Map<String, String> types = duck.columnTypes(files);
            Map<String, String> expected = new LinkedHashMap<>();
            expected.put("i8", "TINYINT");
            expected.put("i16", "SMALLINT");
            expected.put("i32", "INTEGER");
            expected.put("i64", "BIGINT");
            expected.put("f32", "FLOAT");
            expected.put("f64", "DOUBLE");
            expected.put("flag", "BOOLEAN");
            expected.put("text", "VARCHAR");
            expected.put("raw", "BLOB");
            expected.put("price", "DECIMAL(10,2)");
            expected.put("day", "DATE");
            expected.put("at", "INTEGER");
            expected.put("ts", "TIMESTAMP WITH TIME ZONE");
            expected.put("tags", "VARCHAR[]");
            expected.put("attrs", "MAP(VARCHAR, BIGINT)");
            expected.put("codes", "MAP(INTEGER, VARCHAR)");
            expected.put("outer", "STRUCT(\"inner\" STRUCT(leaf VARCHAR), n INTEGER)");
            expected.put("level", "VARCHAR");
            expected.put("_kafka_topic", "VARCHAR");
            expected.put("_kafka_partition", "INTEGER");
            expected.put("_kafka_offset", "BIGINT");
            expected.put("_kafka_timestamp", "TIMESTAMP WITH TIME ZONE");
            expected.put("_kafka_timestamp_type", "VARCHAR");
            expected.put("_kafka_key", "VARCHAR");
            expected.put("_kafka_headers", "STRUCT(\"key\" VARCHAR, \"value\" VARCHAR)[]");
            assertThat(types).containsExactlyEntriesOf(expected);

            duck.execute("SET TimeZone = 'UTC'");
            List<List<Object>> rows = duck.queryLists("SELECT i8, i16, i32, i64, f32, f64, flag, text, hex(raw),"
                    + " price::VARCHAR, day::VARCHAR, \"at\", strftime(ts, '%Y-%m-%d %H:%M:%S.%g'), tags,"
                    + " attrs::VARCHAR, codes::VARCHAR, \"outer\".\"inner\".leaf, \"outer\".n, level,"
                    + " _kafka_topic, _kafka_partition, _kafka_offset, epoch_ms(_kafka_timestamp), _kafka_timestamp_type,"
                    + " _kafka_key, _kafka_headers::VARCHAR FROM " + ParquetReadback.table(files) + " ORDER BY _kafka_offset");
            assertThat(rows.get(0)).containsExactly((byte) -8, (short) 1600, 320000, 6400000000L, 1.5f, 0.25, true,
                    "héllo", "010203", "123.45", "2025-11-21", 49_507_000, "2025-11-21 10:05:30.123", List.of("a", "b"),
                    "{x=1, y=NULL}", "{1=one, 2=two}", "deep", 7, "warn",
                    "golden", 0, 0L, 1_700_000_000_000L, "CreateTime", "k0", "[{'key': trace, 'value': abc}]");
            // Nulls in optional fields stay null; a null with a schema default lands as the default.
            assertThat(rows.get(1)).containsExactly((byte) 0, (short) 0, 0, 0L, 0.0f, -1.0e300, false, "", null, null,
                    null, null, null, List.of(), null, null, null, null, "info",
                    "golden", 0, 1L, 1_700_000_000_000L, "CreateTime", null, "[]");
        }
    }

    @Test
    void metricsAreReadableOverJmxFromTheRunningWorker() throws Exception {
        String topic = "metered";
        stack.createTopic(topic, 1);
        for (int i = 0; i < 40; i++) {
            send(topic, null, "{\"schema\":" + V1 + ",\"payload\":{\"id\":" + i + ",\"name\":\"n" + i + "\"}}");
        }
        send(topic, null, "not json at all");
        Map<String, String> overrides = new HashMap<>();
        overrides.put("flush.max.records", "10");
        overrides.put("flush.interval.ms", "1000");
        overrides.putAll(ConnectStack.deadLettersTo("metered-dlq"));
        overrides.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        overrides.put("value.format", "json");
        stack.startConnector(topic, stack.connectorConfig(topic, topic, overrides), 1);
        try {
            awaitFiles(topic, 40);
        } catch (AssertionError e) {
            // If rows are missing, say whether they were dead-lettered, and why. (Once seen in CI: offsets 0 to 20
            // never landed because the broker's time retention deleted them; ConnectStack's broker now keeps all.)
            StringBuilder letters = new StringBuilder();
            for (ConsumerRecord<byte[], byte[]> record : stack.readDeadLetters("metered-dlq", 41, Duration.ofSeconds(10))) {
                letters.append("\n  offset ").append(record.offset()).append(": ")
                        .append(ConnectStack.deadLetterReason(record));
            }
            throw new AssertionError(e.getMessage() + "\ndead letters in metered-dlq:" + letters, e);
        }
        // Only the bad record is a dead letter: every good one landed. (Reads for 5 s, to see any extra.)
        List<ConsumerRecord<byte[], byte[]>> letters = stack.readDeadLetters("metered-dlq", 41, Duration.ofSeconds(5));
        assertThat(letters).hasSize(1);
        assertThat(ConnectStack.deadLetterReason(letters.get(0))).contains("offset 40", "not valid JSON");

        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName task = new ObjectName("dev.quiver:type=sink-task-metrics,connector=\"metered\",task=\"0\"");
        ObjectName partition = new ObjectName("dev.quiver:type=sink-partition-metrics,connector=\"metered\",task=\"0\","
                + "topic=\"metered\",partition=0");
        long deadline = System.nanoTime() + LANDING_TIMEOUT.toNanos();
        // Offset 40 is the bad record, dead-lettered after the last flush: handled, but no file covers it.
        while (!jmx.getAttribute(partition, "LastLandedOffset").equals(39L) && System.nanoTime() < deadline) {
            ConnectStack.sleep(200);
        }
        assertThat(jmx.getAttribute(task, "RecordsIn")).isEqualTo(41L);
        assertThat(jmx.getAttribute(task, "RowsLanded")).isEqualTo(40L);
        assertThat(jmx.getAttribute(task, "BadRecords")).isEqualTo(1L);
        assertThat((Long) jmx.getAttribute(task, "FilesLanded")).isBetween(4L, 5L);
        assertThat((Long) jmx.getAttribute(task, "ParquetBytesLanded")).isPositive();
        assertThat((Double) jmx.getAttribute(task, "UploadMillisMax")).isPositive();
        assertThat(jmx.getAttribute(partition, "LastLandedOffset")).isEqualTo(39L);
        assertThat(jmx.getAttribute(partition, "LandingLagRecords")).isEqualTo(0L);
        assertThat(jmx.getAttribute(partition, "LandingLagMillis")).isEqualTo(0L);
    }

    private static final String V1 = "{\"type\":\"struct\",\"optional\":false,\"fields\":["
            + "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false},"
            + "{\"field\":\"name\",\"type\":\"string\",\"optional\":false}]}";
    private static final String V2 = "{\"type\":\"struct\",\"optional\":false,\"fields\":["
            + "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false},"
            + "{\"field\":\"name\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"extra\",\"type\":\"boolean\",\"optional\":true}]}";
    private static final String V3_NAME_STRUCT = "{\"type\":\"struct\",\"optional\":false,\"fields\":["
            + "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false},"
            + "{\"field\":\"name\",\"type\":\"struct\",\"optional\":false,\"fields\":["
            + "{\"field\":\"first\",\"type\":\"string\",\"optional\":false}]}]}";

    @Test
    void alternatingCompatibleSchemasDoNotFloodSmallFilesAndAnIncompatibleOneStartsAFile() {
        String topic = "evolve";
        stack.createTopic(topic, 1);
        for (int i = 0; i < 250; i++) {
            String value = i % 2 == 0
                    ? "{\"schema\":" + V1 + ",\"payload\":{\"id\":" + i + ",\"name\":\"n" + i + "\"}}"
                    : "{\"schema\":" + V2 + ",\"payload\":{\"id\":" + i + ",\"name\":\"n" + i + "\",\"extra\":true}}";
            send(topic, null, value);
        }
        for (int i = 250; i < 300; i++) {
            send(topic, null, "{\"schema\":" + V3_NAME_STRUCT + ",\"payload\":{\"id\":" + i
                    + ",\"name\":{\"first\":\"f" + i + "\"}}}");
        }
        // Rows cut files at 100; the time threshold only lands the last batch, long after the others are cut.
        stack.startConnector(topic, stack.connectorConfig(topic, topic,
                Map.of("flush.max.records", "100", "flush.interval.ms", "10000")), 1);

        List<Path> files = awaitFiles(topic, 300);
        try (ParquetReadback duck = new ParquetReadback()) {
            // 250 alternating records: 100 + 100 + 50 (cut by the incompatible change), never one file per switch.
            assertThat(duck.rowsPerFile(files).values()).containsExactly(100L, 100L, 50L, 50L);
            assertThat(files.get(0).getFileName().toString()).isEqualTo("evolve+0+00000000000000000000.parquet");
            assertThat(files.get(2).getFileName().toString()).isEqualTo("evolve+0+00000000000000000200.parquet");
            assertThat(files.get(3).getFileName().toString()).isEqualTo("evolve+0+00000000000000000250.parquet");
            List<Path> compatible = files.subList(0, 3);
            assertThat(duck.columnTypes(compatible)).containsEntry("extra", "BOOLEAN").containsEntry("name", "VARCHAR");
            assertThat(duck.queryLists("SELECT count(*) FILTER (extra IS NULL), count(*) FILTER (extra)"
                    + " FROM " + ParquetReadback.table(compatible))).containsExactly(List.of(125L, 125L));
            assertThat(duck.columnTypes(List.of(files.get(3)))).containsEntry("name", "STRUCT(\"first\" VARCHAR)");
            assertThat(duck.scalarLong("SELECT count(DISTINCT _kafka_offset) FROM " + ParquetReadback.table(compatible)))
                    .isEqualTo(250);
        }
    }

    @Test
    void schemalessJsonIsTypedPerBatchWideningAndKeepingConflictsAsJsonText() {
        String topic = "schemaless";
        stack.createTopic(topic, 1);
        send(topic, "a", "{\"id\":1,\"amount\":5,\"mixed\":\"text\",\"nested\":{\"a\":1},\"tags\":[\"x\"]}");
        send(topic, "b", "{\"id\":2,\"amount\":2.5,\"mixed\":{\"deep\":[1,2]},\"nested\":{\"a\":2,\"b\":\"new\"},"
                + "\"only_here\":false}");
        stack.startConnector(topic, stack.connectorConfig(topic, topic, Map.of("flush.interval.ms", "1000",
                "value.converter.schemas.enable", "false")), 1);

        List<Path> files = awaitFiles(topic, 2);
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(files).hasSize(1);
            assertThat(duck.columnTypes(files)).containsEntry("id", "BIGINT").containsEntry("amount", "DOUBLE")
                    .containsEntry("mixed", "VARCHAR").containsEntry("nested", "STRUCT(a BIGINT, b VARCHAR)")
                    .containsEntry("only_here", "BOOLEAN").containsEntry("tags", "VARCHAR[]");
            assertThat(duck.queryLists("SELECT id, amount, mixed, nested.a, nested.b, tags, only_here FROM "
                    + ParquetReadback.table(files) + " ORDER BY id")).containsExactly(
                    Arrays.asList(1L, 5.0, "\"text\"", 1L, null, List.of("x"), null),
                    Arrays.asList(2L, 2.5, "{\"deep\":[1,2]}", 2L, "new", null, false));
        }
    }

    @Test
    void rawJsonStringsAreParsedAndInvalidOnesReachTheDeadLetterTopicWithTheirReason() {
        String topic = "rawjson";
        String dlq = "rawjson-dlq";
        stack.createTopic(topic, 1);
        stack.createTopic(dlq, 1);
        send(topic, null, "{\"id\":1,\"name\":\"a\"}");
        send(topic, null, "{\"id\":2,\"name\":");
        send(topic, null, "{\"id\":3,\"id\":4}");
        send(topic, null, "{\"id\":5,\"name\":\"e\"}");
        Map<String, String> overrides = new HashMap<>();
        overrides.put("flush.interval.ms", "1000");
        overrides.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        overrides.put("value.format", "json");
        overrides.putAll(ConnectStack.deadLettersTo(dlq));
        stack.startConnector(topic, stack.connectorConfig(topic, topic, overrides), 1);

        List<Path> files = awaitFiles(topic, 2);
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.queryLists("SELECT id, name, _kafka_offset FROM " + ParquetReadback.table(files)
                    + " ORDER BY id")).containsExactly(List.of(1L, "a", 0L), List.of(5L, "e", 3L));
        }
        List<String> reasons = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : stack.readDeadLetters(dlq, 2, Duration.ofSeconds(60))) {
            String reason = ConnectStack.deadLetterReason(record);
            assertThat(reason).as("dead letter carries its reason").isNotNull();
            reasons.add(reason);
        }
        assertThat(reasons).hasSize(2);
        assertThat(reasons.get(0)).contains("topic 'rawjson'", "partition 0", "offset 1", "not valid JSON");
        assertThat(reasons.get(1)).contains("offset 2", "Duplicate field 'id'");
    }

    @Test
    void tombstonesCanLandAsFlaggedRows() {
        String topic = "tombstones";
        stack.createTopic(topic, 1);
        send(topic, "k1", "{\"schema\":" + V1 + ",\"payload\":{\"id\":1,\"name\":\"a\"}}");
        send(topic, "k1", null);
        send(topic, "k2", "{\"schema\":" + V1 + ",\"payload\":{\"id\":2,\"name\":\"b\"}}");
        stack.startConnector(topic, stack.connectorConfig(topic, topic, Map.of("flush.interval.ms", "1000",
                "behavior.on.null.values", "write")), 1);

        List<Path> files = awaitFiles(topic, 3);
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.queryLists("SELECT _kafka_offset, id, name, _kafka_key, _kafka_tombstone FROM "
                    + ParquetReadback.table(files) + " ORDER BY _kafka_offset")).containsExactly(
                    Arrays.asList(0L, 1L, "a", "k1", false),
                    Arrays.asList(1L, null, null, "k1", true),
                    Arrays.asList(2L, 2L, "b", "k2", false));
        }
    }

    @Test
    void severalRecordTypesInOneTopicLandAsOneFilePerTypeNeverAnError() {
        String topic = "mixed-types";
        stack.createTopic(topic, 1);
        String order = "{\"type\":\"struct\",\"name\":\"com.acme.Order\",\"optional\":false,\"fields\":["
                + "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false}]}";
        String refund = "{\"type\":\"struct\",\"name\":\"com.acme.Refund\",\"optional\":false,\"fields\":["
                + "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false},"
                + "{\"field\":\"reason\",\"type\":\"string\",\"optional\":false}]}";
        for (int i = 0; i < 30; i++) {
            send(topic, null, i % 3 == 0
                    ? "{\"schema\":" + refund + ",\"payload\":{\"id\":" + i + ",\"reason\":\"r" + i + "\"}}"
                    : "{\"schema\":" + order + ",\"payload\":{\"id\":" + i + "}}");
        }
        stack.startConnector(topic, stack.connectorConfig(topic, topic, Map.of("flush.interval.ms", "3000")), 1);

        List<Path> files = awaitFiles(topic, 30);
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(files).extracting(f -> f.getParent().getParent().getFileName().toString())
                    .containsExactlyInAnyOrder("record_type=com.acme.Order", "record_type=com.acme.Refund");
            Map<String, Long> rows = duck.rowsPerFile(files);
            assertThat(rows.values()).containsExactlyInAnyOrder(20L, 10L);
            Path refunds = files.stream().filter(f -> f.toString().contains("Refund")).findFirst().orElseThrow();
            assertThat(duck.columnTypes(List.of(refunds))).containsKeys("id", "reason");
        }
    }
}
