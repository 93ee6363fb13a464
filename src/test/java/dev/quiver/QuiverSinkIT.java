package dev.quiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.quiver.testing.ConnectStack;
import dev.quiver.testing.ConnectStack.Landed;
import dev.quiver.testing.ParquetReadback;
import dev.quiver.testing.SchemaJson;

/**
 * Quiver on the real stack: an embedded Kafka + Connect cluster, an in-process S3 server (s3proxy) and DuckDB reading
 * back what landed. Records are schema'd JSON ({@link SchemaJson}); every row's expected content is recomputed from
 * its id, and each id encodes the (partition, offset) it was produced at, so the test can check that files tile each
 * partition's offsets exactly once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuiverSinkIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private ConnectStack stack;

    @BeforeAll
    void startStack() {
        stack = ConnectStack.start(1);
    }

    @AfterAll
    void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void landsEveryRecordOnS3ExactlyOnceAcrossAConnectorRestart() throws Exception {
        String topic = "orders";
        String connector = "s3-sink";
        int partitions = 3;
        long base = 0; // ids: partition * 1_000_000 + offset
        int maxRecords = 400;

        stack.createTopic(topic, partitions);
        stack.startConnector(connector, stack.connectorConfig(connector, topic, Map.of(
                "flush.max.records", String.valueOf(maxRecords),
                "flush.interval.ms", "3000")), 1);

        // Wave 1: 3 x 1000 records, several files per partition plus a tail that only the interval flushes.
        List<Long> produced = new ArrayList<>(stack.produceDemo(topic, partitions, base, 0, 1000));
        assertEndOffsets(topic, partitions, 1000);

        Landed landed = stack.awaitLanded(connector, produced.size(), TIMEOUT);
        assertLandedExactly(landed, topic, partitions, produced, maxRecords);
        stack.awaitRunning(connector, 1);

        // Wave 2: half, restart connector and task through the REST API while records are in flight, other half.
        produced.addAll(stack.produceDemo(topic, partitions, base, 1000, 1500));
        stack.restartConnectorAndTasks(connector, 1);
        produced.addAll(stack.produceDemo(topic, partitions, base, 1500, 2000));
        assertEndOffsets(topic, partitions, 2000);

        landed = stack.awaitLanded(connector, produced.size(), TIMEOUT);
        assertLandedExactly(landed, topic, partitions, produced, maxRecords);
        stack.awaitRunning(connector, 1);
    }

    @Test
    void landsEveryRecordInALocalDirectory() throws Exception {
        String topic = "orders-local";
        String connector = "local-sink";
        int partitions = 2;
        long base = 0;
        int maxRecords = 250;
        Path lake = stack.newTempDir("lake");

        Map<String, String> config = stack.connectorConfig(connector, topic, Map.of(
                "store.url", "file://" + lake.toAbsolutePath(),
                "flush.max.records", String.valueOf(maxRecords),
                "flush.interval.ms", "3000"));
        config.keySet().removeIf(k -> k.startsWith("s3."));

        stack.createTopic(topic, partitions);
        stack.startConnector(connector, config, 1);
        List<Long> produced = stack.produceDemo(topic, partitions, base, 0, 600);
        assertEndOffsets(topic, partitions, 600);

        Landed landed = stack.awaitLandedLocal(lake, produced.size(), TIMEOUT);
        assertLandedExactly(landed, topic, partitions, produced, maxRecords);
        stack.awaitRunning(connector, 1);
    }

    // ------------------------------------------------------------------------------------------------ assertions

    /** Ids encode offsets (seq == offset) only if every partition got exactly the records produced, in order. */
    private void assertEndOffsets(String topic, int partitions, long expected) throws Exception {
        for (int p = 0; p < partitions; p++) {
            assertThat(stack.kafka().endOffset(new TopicPartition(topic, p)))
                    .as("end offset of %s-%d (the test relies on seq == offset)", topic, p)
                    .isEqualTo(expected);
        }
    }

    private static final Pattern DATA_KEY = Pattern.compile(
            "^(?<topic>[^/]+)/partition=(?<dirp>\\d+)/(?<ftopic>[^/+]+)\\+(?<fp>\\d+)\\+(?<offset>\\d{20})\\.parquet$");

    /** What one data file must hold. */
    private record FileRange(String key, int partition, long firstOffset, long rows, long minSeq, long maxSeq) {
    }

    private void assertLandedExactly(Landed landed, String topic, int partitions, List<Long> producedIds,
                                     int maxRecordsPerFile) {
        String where = ConnectStack.describe(landed);
        long expectedRows = producedIds.size();
        List<Long> expectedIds = producedIds.stream().sorted().collect(Collectors.toList());
        assertThat(expectedIds).doesNotHaveDuplicates();

        // ---- object keys follow the contract: <topic>/partition=<p>/<topic>+<p>+<20-digit first offset>.parquet
        for (String key : landed.keys()) {
            if (key.startsWith("_quiver/")) {
                continue; // offset markers, not data
            }
            Matcher m = DATA_KEY.matcher(key);
            assertThat(m.matches()).as("object key %s does not follow the contract's data key pattern; found %s",
                    key, where).isTrue();
            assertThat(m.group("topic")).as("topic dir of %s", key).isEqualTo(topic);
            assertThat(m.group("ftopic")).as("topic in file name of %s", key).isEqualTo(topic);
            assertThat(m.group("fp")).as("partition in file name of %s", key).isEqualTo(m.group("dirp"));
        }
        assertThat(landed.dataFiles()).as("data files; found %s", where).isNotEmpty();

        try (ParquetReadback duck = new ParquetReadback()) {
            String t = ParquetReadback.table(landed.dataFiles());

            // ---- DuckDB types, in column order, for every file on its own
            for (Path file : landed.dataFiles()) {
                Map<String, String> types = new LinkedHashMap<>();
                duck.columnTypes(List.of(file)).forEach((k, v) -> types.put(k, v.replace("\"", "")));
                assertThat(types.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                        .collect(Collectors.toList()))
                        .as("DuckDB column types of %s", landed.dir().relativize(file))
                        .containsExactlyElementsOf(SchemaJson.DUCKDB_TYPES.entrySet().stream()
                                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.toList()));
            }
            // the optional field is nullable in every file
            assertThat(duck.query("SELECT DISTINCT repetition_type FROM parquet_schema("
                    + fileList(landed.dataFiles()) + ") WHERE name = 'note'"))
                    .as("Parquet repetition of the optional field note")
                    .extracting(r -> r.get("repetition_type"))
                    .containsExactly("OPTIONAL");

            // ---- exactly once: rows == distinct ids == produced, and the very same ids
            assertThat(duck.scalarLong("SELECT count(*) FROM " + t)).as("rows landed; found %s", where)
                    .isEqualTo(expectedRows);
            assertThat(duck.scalarLong("SELECT count(DISTINCT id) FROM " + t)).as("distinct ids landed; found %s",
                    where).isEqualTo(expectedRows);
            List<Long> landedIds = duck.query("SELECT id FROM " + t + " ORDER BY id").stream()
                    .map(r -> (Long) r.get("id")).collect(Collectors.toList());
            assertThat(landedIds).as("ids landed").isEqualTo(expectedIds);

            // ---- every value of every row, recomputed from its id
            List<Map<String, Object>> rows = duck.query(
                    "SELECT id, name, amount, active, \"count\", device, note, filename FROM " + t + " ORDER BY id");
            List<String> mismatches = new ArrayList<>();
            for (Map<String, Object> row : rows) {
                long id = (Long) row.get("id");
                Map<String, Object> actual = new LinkedHashMap<>(row);
                String filename = (String) actual.remove("filename");
                Map<String, Object> expected = SchemaJson.expectedRow(id);
                if (!expected.equals(actual) && mismatches.size() < 10) {
                    mismatches.add("id " + id + " in " + filename + ":\n    expected " + expected
                            + "\n    actual   " + actual);
                }
                String dir = "/partition=" + SchemaJson.partitionOf(id) + "/";
                if (!filename.replace('\\', '/').contains(dir) && mismatches.size() < 10) {
                    mismatches.add("id " + id + " (partition " + SchemaJson.partitionOf(id) + ") landed in "
                            + filename);
                }
            }
            assertThat(mismatches).as("rows whose values differ from the produced record (first 10)").isEmpty();

            // the nulls are where expected (and only there)
            List<Long> nullNotes = duck.query("SELECT id FROM " + t + " WHERE note IS NULL ORDER BY id").stream()
                    .map(r -> (Long) r.get("id")).collect(Collectors.toList());
            assertThat(nullNotes).as("ids with a NULL note")
                    .isEqualTo(expectedIds.stream().filter(SchemaJson::hasNullNote).collect(Collectors.toList()))
                    .isNotEmpty();

            // ---- files tile each partition's offsets: contiguous, no overlap, no gap, named by first offset
            Map<String, String> keyByFile = new HashMap<>();
            for (Path f : landed.dataFiles()) {
                keyByFile.put(f.toAbsolutePath().toString(),
                        landed.dir().relativize(f).toString().replace('\\', '/'));
            }
            Map<Integer, TreeMap<Long, FileRange>> byPartition = new TreeMap<>();
            for (Map<String, Object> r : duck.query("SELECT filename, count(*) AS n, min(id) AS lo, max(id) AS hi"
                    + " FROM " + t + " GROUP BY filename")) {
                String key = keyByFile.get((String) r.get("filename"));
                assertThat(key).as("DuckDB filename %s maps to a downloaded key", r.get("filename")).isNotNull();
                Matcher m = DATA_KEY.matcher(key);
                assertThat(m.matches()).isTrue();
                int p = Integer.parseInt(m.group("fp"));
                long lo = (Long) r.get("lo");
                long hi = (Long) r.get("hi");
                FileRange fr = new FileRange(key, p, Long.parseLong(m.group("offset")), (Long) r.get("n"),
                        SchemaJson.seqOf(lo), SchemaJson.seqOf(hi));
                assertThat(SchemaJson.partitionOf(lo)).as("partition of the rows in %s", key).isEqualTo(p);
                assertThat(SchemaJson.partitionOf(hi)).as("partition of the rows in %s", key).isEqualTo(p);
                byPartition.computeIfAbsent(p, x -> new TreeMap<>()).put(fr.firstOffset(), fr);
            }
            assertThat(landed.dataFiles()).as("files with at least one row; found %s", where)
                    .hasSize(byPartition.values().stream().mapToInt(Map::size).sum());
            assertThat(byPartition.keySet()).as("partitions with data")
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, partitions).boxed()
                            .collect(Collectors.toList()));
            for (Map.Entry<Integer, TreeMap<Long, FileRange>> e : byPartition.entrySet()) {
                int p = e.getKey();
                long producedInP = producedIds.stream().filter(id -> SchemaJson.partitionOf(id) == p).count();
                long next = 0;
                for (FileRange fr : e.getValue().values()) {
                    assertThat(fr.firstOffset()).as("first offset in the name of %s (previous file ended at %d); "
                            + "found %s", fr.key(), next - 1, where).isEqualTo(next);
                    assertThat(fr.minSeq()).as("lowest offset inside %s", fr.key()).isEqualTo(fr.firstOffset());
                    assertThat(fr.maxSeq() - fr.minSeq() + 1).as("offsets in %s are contiguous", fr.key())
                            .isEqualTo(fr.rows());
                    assertThat(fr.rows()).as("rows in %s (flush.max.records=%d)", fr.key(), maxRecordsPerFile)
                            .isLessThanOrEqualTo(maxRecordsPerFile);
                    next = fr.maxSeq() + 1;
                }
                assertThat(next).as("offsets covered in partition %d", p).isEqualTo(producedInP);
                assertThat(e.getValue()).as("files in partition %d (%d records, flush.max.records=%d)", p,
                        producedInP, maxRecordsPerFile)
                        .hasSizeGreaterThanOrEqualTo((int) ((producedInP + maxRecordsPerFile - 1) / maxRecordsPerFile));
            }
        }
    }

    private static String fileList(List<Path> files) {
        return files.stream().map(p -> "'" + p.toAbsolutePath().toString().replace("'", "''") + "'")
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
