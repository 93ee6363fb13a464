package dev.quiver.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.assertj.core.api.SoftAssertions;

import dev.quiver.testing.ConnectStack.Landed;

/** The "landed exactly once, with the right values" check shared by the integration tests. */
public final class LandedAssertions {

    /**
     * What the files must look like besides their rows: whether they sit under a {@code record_type=<name>/} folder
     * (Quiver does that for named value schemas) and whether they carry the default Kafka metadata columns after the
     * value's columns (README, "Layout" and "Rows and types").
     *
     * @param recordType the value schema's name, or null for an unnamed schema (no record_type folder)
     * @param kafkaMetadata true for the default {@code metadata.columns}, false for {@code metadata.columns=} (none)
     */
    public record Layout(String recordType, boolean kafkaMetadata) {

        /** {@code <topic>[/record_type=<name>]/partition=<p>/<topic>+<p>+<20-digit first offset>.parquet}. */
        public Pattern dataKey(String topic) {
            String type = recordType == null ? "" : Pattern.quote("record_type=" + recordType + "/");
            return Pattern.compile("^" + Pattern.quote(topic + "/") + type
                    + "partition=(?<dirp>\\d+)/" + Pattern.quote(topic)
                    + "\\+(?<fp>\\d+)\\+(?<offset>\\d{20})\\.parquet$");
        }

        /** DuckDB column types, in order. */
        public List<String> columnTypes() {
            List<String> types = new ArrayList<>();
            SchemaJson.DUCKDB_TYPES.forEach((k, v) -> types.add(k + " " + v));
            if (kafkaMetadata) {
                SchemaJson.DUCKDB_METADATA_TYPES.forEach((k, v) -> types.add(k + " " + v));
            }
            return types;
        }
    }

    /** The file name part of a data key. */
    public static final Pattern FILE_NAME = Pattern.compile(
            "^(?<ftopic>[^/+]+)\\+(?<fp>\\d+)\\+(?<offset>\\d{20})\\.parquet$");

    /** What one data file must hold. */
    record FileRange(String key, int partition, long firstOffset, long rows, long minSeq, long maxSeq) {
    }

    private LandedAssertions() {
    }

    /**
     * Asserts that {@code landed} holds exactly the demo records {@code producedIds} of {@code topic} (ids made with
     * {@link SchemaJson#id}, so that seq == offset), each once, with the right values and DuckDB types (and, with
     * {@link Layout#kafkaMetadata()}, the right metadata columns), in files whose keys follow {@code layout} and whose
     * rows tile every partition's offsets from 0 without gap or overlap, at most {@code maxRecordsPerFile} rows per
     * file.
     *
     * <p>All checks run (soft assertions) and fail together, so one run shows every way the output is off: a key
     * layout or column set that departs from the contract does not hide whether the data itself landed exactly once.
     */
    public static void assertExactlyOnce(Landed landed, String topic, int partitions, List<Long> producedIds,
                                         int maxRecordsPerFile, Layout layout) {
        String where = ConnectStack.describe(landed);
        long expectedRows = producedIds.size();
        List<Long> expectedIds = producedIds.stream().sorted().collect(Collectors.toList());
        assertThat(expectedIds).as("ids the test produced").doesNotHaveDuplicates();
        assertThat(landed.dataFiles()).as("data files; found %s", where).isNotEmpty();

        SoftAssertions soft = new SoftAssertions();

        // ---- object keys: <topic>[/record_type=<name>]/partition=<p>/<topic>+<p>+<20-digit first offset>.parquet
        Pattern dataKey = layout.dataKey(topic);
        List<String> badKeys = new ArrayList<>();
        for (String key : landed.keys()) {
            if (key.startsWith("_quiver/")) {
                continue; // commit markers, not data
            }
            Matcher m = dataKey.matcher(key);
            if (!m.matches()) {
                badKeys.add(key);
            } else if (!m.group("fp").equals(m.group("dirp"))) {
                badKeys.add(key + " (partition folder and file name disagree)");
            }
        }
        soft.assertThat(badKeys).as("object keys outside the pattern %s; found %s", dataKey.pattern(), where)
                .isEmpty();

        try (ParquetReadback duck = new ParquetReadback()) {
            String t = ParquetReadback.table(landed.dataFiles());

            // ---- DuckDB types, in column order, for every file on its own (grouped: one failure per distinct schema)
            List<String> expectedTypes = layout.columnTypes();
            Map<List<String>, List<Path>> filesByTypes = new LinkedHashMap<>();
            for (Path file : landed.dataFiles()) {
                List<String> types = duck.columnTypes(List.of(file)).entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue().replace("\"", "")).collect(Collectors.toList());
                filesByTypes.computeIfAbsent(types, x -> new ArrayList<>()).add(file);
            }
            filesByTypes.forEach((types, files) -> soft.assertThat(types)
                    .as("DuckDB column types of %d of %d data file(s), e.g. %s", files.size(),
                            landed.dataFiles().size(), landed.dir().relativize(files.get(0)))
                    .containsExactlyElementsOf(expectedTypes));
            // the optional field is nullable in every file
            soft.assertThat(duck.query("SELECT DISTINCT repetition_type FROM parquet_schema("
                    + fileList(landed.dataFiles()) + ") WHERE name = 'note'"))
                    .as("Parquet repetition of the optional field note")
                    .extracting(r -> r.get("repetition_type"))
                    .containsExactly("OPTIONAL");

            // ---- exactly once: rows == distinct ids == produced, and the very same ids
            soft.assertThat(duck.scalarLong("SELECT count(*) FROM " + t)).as("rows landed; found %s", where)
                    .isEqualTo(expectedRows);
            soft.assertThat(duck.scalarLong("SELECT count(DISTINCT id) FROM " + t))
                    .as("distinct ids landed; found %s", where).isEqualTo(expectedRows);
            List<Long> landedIds = duck.query("SELECT id FROM " + t + " ORDER BY id").stream()
                    .map(r -> (Long) r.get("id")).collect(Collectors.toList());
            soft.assertThat(landedIds).as("ids landed").isEqualTo(expectedIds);

            // ---- every value of every row, recomputed from its id, in its partition's folder
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
            soft.assertThat(mismatches).as("rows whose values differ from the produced record (first 10)").isEmpty();

            // Kafka metadata columns: where each row came from, recomputed from its id (seq == offset)
            // (only when every file has them; their absence has already failed the column check above)
            boolean metadataEverywhere = filesByTypes.keySet().stream().allMatch(types -> SchemaJson
                    .DUCKDB_METADATA_TYPES.keySet().stream().allMatch(c -> types.stream().anyMatch(
                            ty -> ty.startsWith(c + " "))));
            if (layout.kafkaMetadata() && metadataEverywhere) {
                List<String> badMetadata = new ArrayList<>();
                for (Map<String, Object> r : duck.query("SELECT id, _kafka_topic AS topic, _kafka_partition AS p,"
                        + " _kafka_offset AS o, _kafka_key AS k, _kafka_timestamp_type AS tt,"
                        + " _kafka_timestamp IS NOT NULL AS has_ts, len(_kafka_headers) AS nh FROM " + t
                        + " ORDER BY id")) {
                    long id = (Long) r.get("id");
                    Map<String, Object> actual = new LinkedHashMap<>(r);
                    actual.remove("id");
                    Map<String, Object> expected = new LinkedHashMap<>();
                    expected.put("topic", topic);
                    expected.put("p", SchemaJson.partitionOf(id));
                    expected.put("o", SchemaJson.seqOf(id));
                    expected.put("k", SchemaJson.key(id));
                    expected.put("tt", "CreateTime");
                    expected.put("has_ts", true);
                    expected.put("nh", 0L);
                    if (!expected.equals(actual) && badMetadata.size() < 10) {
                        badMetadata.add("id " + id + ": expected " + expected + ", actual " + actual);
                    }
                }
                soft.assertThat(badMetadata).as("rows whose Kafka metadata columns are off (first 10)").isEmpty();
            }

            // the nulls are where expected (and only there)
            List<Long> nullNotes = duck.query("SELECT id FROM " + t + " WHERE note IS NULL ORDER BY id").stream()
                    .map(r -> (Long) r.get("id")).collect(Collectors.toList());
            soft.assertThat(nullNotes).as("ids with a NULL note")
                    .isNotEmpty()
                    .isEqualTo(expectedIds.stream().filter(SchemaJson::hasNullNote).collect(Collectors.toList()));

            // ---- files tile each partition's offsets: contiguous, no overlap, no gap, named by first offset
            // (parsed from the file name alone, so this holds whatever the folders above it look like)
            Map<Integer, TreeMap<Long, FileRange>> byPartition = new TreeMap<>();
            int filesWithRows = 0;
            for (Map<String, Object> r : duck.query("SELECT filename, count(*) AS n, min(id) AS lo, max(id) AS hi"
                    + " FROM " + t + " GROUP BY filename")) {
                filesWithRows++;
                Path file = Path.of((String) r.get("filename"));
                String key = landed.dir().toAbsolutePath().relativize(file).toString().replace('\\', '/');
                Matcher m = FILE_NAME.matcher(file.getFileName().toString());
                if (!m.matches()) {
                    soft.fail("file name of %s is not <topic>+<partition>+<20-digit first offset>.parquet", key);
                    continue;
                }
                int p = Integer.parseInt(m.group("fp"));
                long lo = (Long) r.get("lo");
                long hi = (Long) r.get("hi");
                FileRange fr = new FileRange(key, p, Long.parseLong(m.group("offset")), (Long) r.get("n"),
                        SchemaJson.seqOf(lo), SchemaJson.seqOf(hi));
                soft.assertThat(SchemaJson.partitionOf(lo)).as("partition of the rows in %s", key).isEqualTo(p);
                soft.assertThat(SchemaJson.partitionOf(hi)).as("partition of the rows in %s", key).isEqualTo(p);
                FileRange clash = byPartition.computeIfAbsent(p, x -> new TreeMap<>()).put(fr.firstOffset(), fr);
                if (clash != null) {
                    soft.fail("two files of partition %d start at offset %d: %s and %s", p, fr.firstOffset(),
                            clash.key(), fr.key());
                }
            }
            soft.assertThat(landed.dataFiles()).as("data files, all of which must hold rows; found %s", where)
                    .hasSize(filesWithRows);
            soft.assertThat(byPartition.keySet()).as("partitions with data")
                    .containsExactlyElementsOf(IntStream.range(0, partitions).boxed().collect(Collectors.toList()));
            for (Map.Entry<Integer, TreeMap<Long, FileRange>> e : byPartition.entrySet()) {
                int p = e.getKey();
                long producedInP = producedIds.stream().filter(id -> SchemaJson.partitionOf(id) == p).count();
                long next = 0;
                for (FileRange fr : e.getValue().values()) {
                    soft.assertThat(fr.firstOffset()).as("first offset in the name of %s (previous file ended at %d)",
                            fr.key(), next - 1).isEqualTo(next);
                    soft.assertThat(fr.minSeq()).as("lowest offset inside %s", fr.key()).isEqualTo(fr.firstOffset());
                    soft.assertThat(fr.maxSeq() - fr.minSeq() + 1).as("offsets in %s are contiguous", fr.key())
                            .isEqualTo(fr.rows());
                    soft.assertThat(fr.rows()).as("rows in %s (flush.max.records=%d)", fr.key(), maxRecordsPerFile)
                            .isLessThanOrEqualTo(maxRecordsPerFile);
                    next = Math.max(next, fr.maxSeq() + 1);
                }
                soft.assertThat(next).as("offsets covered in partition %d", p).isEqualTo(producedInP);
                soft.assertThat(e.getValue()).as("files in partition %d (%d records, flush.max.records=%d)", p,
                        producedInP, maxRecordsPerFile)
                        .hasSizeGreaterThanOrEqualTo((int) ((producedInP + maxRecordsPerFile - 1) / maxRecordsPerFile));
            }
        }
        soft.assertAll();
    }

    static String fileList(List<Path> files) {
        return files.stream().map(p -> "'" + p.toAbsolutePath().toString().replace("'", "''") + "'")
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
