package dev.quiver.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.testing.ConnectStack;
import dev.quiver.testing.FaultyS3Server;
import dev.quiver.testing.ParquetReadback;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Small memory budgets on the real stack, read over JMX from the running worker: many partitions and thousands of
 * open time folders land every record exactly once within the budget; and one file far larger than the budget is
 * streamed out as row groups and multipart parts, and lands whole.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MemoryBudgetIT {
    private static final int PARTITIONS = 200;
    private static final int RECORDS = 5_000;
    private static final long BUDGET = 8L * 1024 * 1024;
    private static final long HOUR = 3_600_000L;
    private static final long WEEK_START = 1_763_251_200_000L;

    private ConnectStack stack;

    @BeforeAll
    void start() {
        stack = ConnectStack.start(1);
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static String envelope(long id) {
        return "{\"schema\":{\"type\":\"struct\",\"optional\":false,\"fields\":["
                + "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false},"
                + "{\"field\":\"payload\",\"type\":\"string\",\"optional\":false}]},"
                + "\"payload\":{\"id\":" + id + ",\"payload\":\"" + "p".repeat(64) + id + "\"}}";
    }

    /** The records carry timestamps of a fixed past week; ConnectStack's broker keeps them (no time retention). */
    @Test
    @Order(1)
    void thousandsOfOpenFoldersFitTheBudgetAndLandExactlyOnce() throws Exception {
        String topic = "budget";
        stack.createTopic(topic, PARTITIONS);
        Random random = new Random(42);
        Set<String> paths = new HashSet<>();
        for (long id = 0; id < RECORDS; id++) {
            int partition = (int) (id % PARTITIONS);
            // Record times spread over a week: with hourly folders, most records open a folder of their own.
            long hour = random.nextInt(168);
            paths.add(partition + "/" + hour);
            stack.produce(topic, partition, WEEK_START + hour * HOUR + id, null, envelope(id));
        }
        stack.flush();
        assertThat(paths).as("open (partition, hour) folders").hasSizeGreaterThan(4000);

        Map<String, String> overrides = new HashMap<>();
        overrides.put("partition.by", "time");
        overrides.put("partition.time.pattern", "'dt='yyyy-MM-dd/'hr='HH");
        overrides.put("buffer.memory.bytes", Long.toString(BUDGET));
        overrides.put("flush.interval.ms", "15000");
        overrides.put("flush.max.records", "1000000");
        overrides.put("metadata.columns", "partition,offset,timestamp");
        // Every partition here holds ~40 KiB, far below the default flush.min.bytes: this test is about the budget
        // landing the largest batches, whatever their size; another one is about pausing.
        overrides.put("flush.min.bytes", "0");
        stack.startConnector(topic, stack.connectorConfig(topic, topic, overrides), 1);

        List<Path> files = stack.awaitDataFiles(topic, RECORDS, Duration.ofSeconds(420));
        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(files);
            assertThat(duck.queryLists("SELECT count(*), count(DISTINCT id),"
                    + " count(DISTINCT (_kafka_partition, _kafka_offset)) FROM " + table))
                    .containsExactly(List.of((long) RECORDS, (long) RECORDS, (long) RECORDS));
            // Each row sits in the folder of its own record time.
            assertThat(duck.scalarLong("SELECT count(*) FROM " + table + " WHERE filename NOT LIKE '%/dt='"
                    + " || strftime(_kafka_timestamp AT TIME ZONE 'UTC', '%Y-%m-%d/hr=%H') || '/%'")).isZero();
        }
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName task = new ObjectName("dev.quiver:type=sink-task-metrics,connector=\"budget\",task=\"0\"");
        long peak = (Long) jmx.getAttribute(task, "PeakBufferedBytes");
        assertThat(jmx.getAttribute(task, "BufferBudgetBytes")).isEqualTo(BUDGET);
        assertThat(peak).isPositive().isLessThanOrEqualTo(BUDGET);
        // The budget was the binding limit: the task had to land batches early, far more files than partitions.
        assertThat(files).hasSizeGreaterThan(PARTITIONS);
        assertThat(stack.statusOrNull(topic).tasks()).as("tasks of %s", topic).hasSize(1)
                .allSatisfy(t -> assertThat(t.state()).isEqualTo("RUNNING"));
    }

    /**
     * Uploads fall behind: the S3 server holds a partition's data-file PUT. The task does not wait for it past a short
     * bound (a tenth of max.poll.interval.ms): it pauses the partition through Connect, keeps landing the others, and
     * resumes it once the upload is through. Every record lands exactly once and the budget holds.
     */
    @Test
    void uploadsThatFallBehindPauseTheirPartitionsInsteadOfBlockingAndEveryRecordLandsOnce() throws Exception {
        String topic = "lagging";
        int partitions = 4;
        int perPartition = 3_000;
        long budget = 2L * 1024 * 1024;
        try (FaultyS3Server s3 = new FaultyS3Server().start()) {
            s3.createBucket(stack.bucket());
            stack.createTopic(topic, partitions);
                for (long id = 0; id < (long) partitions * perPartition; id++) {
                stack.produce(topic, (int) (id % partitions), WEEK_START + id, null, envelope(id));
            }
            stack.flush();
            // Partition 0's first data file stays in flight until released; its next batch is due long before.
            s3.stallNextDataWrites(topic + "+0", 1);

            Map<String, String> overrides = new HashMap<>();
            overrides.put("s3.endpoint", s3.endpoint());
            overrides.put("s3.access.key", s3.accessKey());
            overrides.put("s3.secret.key", s3.secretKey());
            overrides.put("buffer.memory.bytes", Long.toString(budget));
            overrides.put("flush.max.records", "500");
            overrides.put("flush.min.bytes", Long.toString(64 * 1024));
            overrides.put("flush.threads", "2");
            overrides.put("flush.interval.ms", "5000");
            overrides.put("metadata.columns", "partition,offset");
            // The task may wait a tenth of this for an upload: 1 s.
            overrides.put("consumer.override.max.poll.interval.ms", "10000");
            stack.startConnector(topic, stack.connectorConfig(topic, topic, overrides), 1);

            MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
            ObjectName task = new ObjectName("dev.quiver:type=sink-task-metrics,connector=\"" + topic + "\",task=\"0\"");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!jmx.isRegistered(task) || (Long) jmx.getAttribute(task, "PauseEvents") == 0) {
                assertThat(System.nanoTime()).as("a pause within 60 s; held PUTs: " + s3.stalledWrites())
                        .isLessThan(deadline);
                Thread.sleep(100);
            }
            assertThat(s3.stalledWrites()).hasSize(1);
            // Paused, not frozen: the other partitions keep landing while partition 0's upload is held.
            long othersLanded = 0;
            while (othersLanded == 0) {
                assertThat(System.nanoTime()).as("other partitions landing while one upload is held")
                        .isLessThan(deadline);
                othersLanded = s3.listKeys(stack.bucket(), topic + "/").stream()
                        .filter(k -> k.endsWith(".parquet") && !k.contains("/partition=0/")).count();
                Thread.sleep(100);
            }
            s3.releaseStalled();

            List<Path> files = awaitRows(s3, topic, (long) partitions * perPartition, Duration.ofSeconds(120));
            try (ParquetReadback duck = new ParquetReadback()) {
                String table = ParquetReadback.table(files);
                assertThat(duck.queryLists("SELECT count(*), count(DISTINCT id),"
                        + " count(DISTINCT (_kafka_partition, _kafka_offset)), min(typeof(id)), min(typeof(payload))"
                        + " FROM " + table)).containsExactly(List.of((long) partitions * perPartition,
                        (long) partitions * perPartition, (long) partitions * perPartition, "BIGINT", "VARCHAR"));
                // Values: each row's payload and Kafka coordinates follow from its id.
                assertThat(duck.scalarLong("SELECT count(*) FROM " + table + " WHERE payload <> repeat('p', 64) || id"
                        + " OR _kafka_partition <> id % " + partitions + " OR _kafka_offset <> id // " + partitions))
                        .isZero();
            }
            deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while ((Integer) jmx.getAttribute(task, "PausedPartitions") != 0) {
                assertThat(System.nanoTime()).as("every partition resumed").isLessThan(deadline);
                Thread.sleep(100);
            }
            assertThat((Long) jmx.getAttribute(task, "PeakBufferedBytes")).isPositive().isLessThanOrEqualTo(budget);
            assertThat(stack.statusOrNull(topic).tasks()).as("tasks of %s", topic).hasSize(1)
                    .allSatisfy(t -> assertThat(t.state()).isEqualTo("RUNNING"));
            stack.deleteConnector(topic);
        }
    }

    /** Payload characters per record: large records keep the Kafka side of the test short. */
    private static final int PAYLOAD = 1000;

    /** Hex text that does not compress, so the file's size follows the row count. */
    private static String payload(long id) {
        StringBuilder text = new StringBuilder(PAYLOAD + 16);
        long x = id * 0x9E3779B97F4A7C15L + 1;
        while (text.length() < PAYLOAD) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            text.append(Long.toHexString(x));
        }
        return text.substring(0, PAYLOAD);
    }

    @Test
    @Order(2)
    void oneFileFarLargerThanTheBudgetStreamsOutAndLandsWhole() throws Exception {
        String topic = "bigfile";
        long budget = 16L * 1024 * 1024;
        int records = 80_000;
        stack.createTopic(topic, 1);
        for (long id = 0; id < records; id++) {
            stack.produce(topic, 0, null, "{\"id\":" + id + ",\"payload\":\"" + payload(id) + "\"}");
        }
        stack.flush();

        Map<String, String> overrides = new HashMap<>();
        overrides.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        overrides.put("value.format", "json");
        overrides.put("value.json.schema", "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
                + "\"payload\":{\"type\":\"string\"}},\"required\":[\"id\",\"payload\"]}");
        overrides.put("buffer.memory.bytes", Long.toString(budget));
        overrides.put("parquet.compression", "none");
        // The file is cut by its row count only: every record in one file.
        overrides.put("flush.max.records", Integer.toString(records));
        overrides.put("flush.max.bytes", Long.toString(1L << 40));
        overrides.put("flush.interval.ms", "600000");
        overrides.put("upload.part.bytes", Long.toString(5L * 1024 * 1024));
        // Row groups small enough that a file in progress (two row groups and a part) fits this small budget.
        overrides.put("parquet.row.group.bytes", Long.toString(2L * 1024 * 1024));
        overrides.put("metadata.columns", "partition,offset");
        stack.startConnector(topic, stack.connectorConfig(topic, topic, overrides), 1);
        try {
            assertOneLargeFile(topic, budget, records);
        } finally {
            // The other test of the class shares the worker: leave it alone.
            stack.deleteConnector(topic);
        }
    }

    /** Waits until the data files under {@code topic/} hold {@code rows} rows; returns local copies. */
    private List<Path> awaitRows(FaultyS3Server s3, String topic, long rows, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long seen = -1;
        while (System.nanoTime() < deadline) {
            Path dir = stack.newTempDir("lagging");
            List<Path> files = new ArrayList<>();
            for (String key : s3.downloadTo(stack.bucket(), topic + "/", dir)) {
                if (key.endsWith(".parquet")) {
                    files.add(dir.resolve(key));
                }
            }
            if (!files.isEmpty()) {
                try (ParquetReadback duck = new ParquetReadback()) {
                    seen = duck.count(files);
                }
                if (seen == rows) {
                    return files;
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError("timed out waiting for " + rows + " rows; saw " + seen + "\n"
                + stack.describeAllConnectors());
    }

    private void assertOneLargeFile(String topic, long budget, int records) throws Exception {
        List<Path> files = stack.awaitDataFiles(topic, records, Duration.ofSeconds(300));
        assertThat(files).hasSize(1);
        Path file = files.get(0);
        long size = java.nio.file.Files.size(file);
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName task = new ObjectName("dev.quiver:type=sink-task-metrics,connector=\"" + topic + "\",task=\"0\"");
        long peak = (Long) jmx.getAttribute(task, "PeakBufferedBytes");
        System.out.printf("Streamed file: %d Parquet bytes, %d rows; Arrow peak %d bytes (batches and encoded bytes"
                + " waiting for upload) under a budget of %d%n", size, records, peak, budget);
        assertThat(jmx.getAttribute(task, "BufferBudgetBytes")).isEqualTo(budget);
        assertThat(jmx.getAttribute(task, "ParquetBytesLanded")).isEqualTo(size);
        // Memory stayed within the budget while the file grew to four times it and more.
        assertThat(peak).isPositive().isLessThanOrEqualTo(budget);
        assertThat(size).isGreaterThan(4 * budget);

        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(files);
            assertThat(duck.queryLists("SELECT count(*), count(DISTINCT id), min(_kafka_offset), max(_kafka_offset)"
                    + " FROM " + table)).containsExactly(List.of((long) records, (long) records, 0L, records - 1L));
            assertThat(duck.scalarLong("SELECT count(*) FROM " + table + " WHERE id <> _kafka_offset")).isZero();
            for (long id : new long[] {0, 1, records / 2, records - 1}) {
                assertThat(duck.queryLists("SELECT payload FROM " + table + " WHERE id = " + id))
                        .containsExactly(List.of(payload(id)));
            }
            assertThat(duck.columnTypes(files)).containsEntry("id", "BIGINT").containsEntry("payload", "VARCHAR")
                    .containsEntry("_kafka_partition", "INTEGER").containsEntry("_kafka_offset", "BIGINT");
            // Streamed a row group at a time: many row groups, not one.
            long rowGroups = duck.scalarLong("SELECT count(DISTINCT row_group_id) FROM parquet_metadata('" + file
                    + "')");
            assertThat(rowGroups).isGreaterThan(20);
            // ... yet real row groups: a batch that waited for an upload must not stream out a record at a time,
            // which would bloat the file with per-row-group overhead.
            assertThat(rowGroups).isLessThanOrEqualTo(records / 100);
            assertThat(size).isLessThan(2L * records * PAYLOAD);
        }
        assertThat(stack.statusOrNull(topic).tasks()).as("tasks of %s", topic).hasSize(1)
                .allSatisfy(t -> assertThat(t.state()).isEqualTo("RUNNING"));
    }
}
