package dev.quiver.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.quiver.testing.ConnectStack.Landed;

/** The "landed exactly once, with the right values" check shared by the integration tests. */
public final class LandedAssertions {

    /** {@code <topic>/partition=<p>/<topic>+<p>+<20-digit first offset>.parquet}, relative to the store prefix. */
    public static final Pattern DATA_KEY = Pattern.compile(
            "^(?<topic>[^/]+)/partition=(?<dirp>\\d+)/(?<ftopic>[^/+]+)\\+(?<fp>\\d+)\\+(?<offset>\\d{20})\\.parquet$");

    /** What one data file must hold. */
    record FileRange(String key, int partition, long firstOffset, long rows, long minSeq, long maxSeq) {
    }

    private LandedAssertions() {
    }

    /**
     * Asserts that {@code landed} holds exactly the demo records {@code producedIds} of {@code topic} (ids made with
     * {@link SchemaJson#id}, so that seq == offset), each once, with the right values and DuckDB types, in files whose
     * keys follow the contract and whose rows tile every partition's offsets from 0 without gap or overlap, at most
     * {@code maxRecordsPerFile} rows per file.
     */
    public static void assertExactlyOnce(Landed landed, String topic, int partitions, List<Long> producedIds,
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
                    .containsExactlyElementsOf(IntStream.range(0, partitions).boxed()
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

    static String fileList(List<Path> files) {
        return files.stream().map(p -> "'" + p.toAbsolutePath().toString().replace("'", "''") + "'")
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
