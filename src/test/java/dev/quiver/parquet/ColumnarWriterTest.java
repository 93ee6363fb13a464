package dev.quiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.arrow.ArrowBatch;
import dev.quiver.testing.ParquetReadback;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.apache.arrow.memory.RootAllocator;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.internal.column.columnindex.ColumnIndex;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The column-at-a-time writer against parquet-java's own row-by-row shredding ({@link ReferenceEncoder}): nested
 * lists of structs, maps, lists of lists and nulls at every level must read back identically, and the file must carry
 * statistics, dictionaries and page indexes, split into pages and row groups by the configured sizes.
 */
class ColumnarWriterTest {
    private static final Schema POINT = SchemaBuilder.struct().name("point").optional()
            .field("x", Schema.INT32_SCHEMA)
            .field("label", Schema.OPTIONAL_STRING_SCHEMA)
            .field("tags", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build())
            .build();
    private static final Schema INNER = SchemaBuilder.struct().name("inner").optional()
            .field("v", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("flag", Schema.OPTIONAL_BOOLEAN_SCHEMA)
            .build();
    private static final Schema META = SchemaBuilder.struct().name("meta").optional()
            .field("inner", INNER)
            .field("names", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .build();
    private static final Schema ROW = SchemaBuilder.struct().name("nested")
            .field("id", Schema.INT32_SCHEMA)
            .field("points", SchemaBuilder.array(POINT).optional().build())
            .field("grid", SchemaBuilder.array(SchemaBuilder.array(Schema.OPTIONAL_INT64_SCHEMA).optional().build())
                    .optional().build())
            .field("by_name", SchemaBuilder.map(Schema.STRING_SCHEMA, POINT).optional().build())
            .field("meta", META)
            .field("i8", Schema.OPTIONAL_INT8_SCHEMA)
            .field("i16", Schema.OPTIONAL_INT16_SCHEMA)
            .field("f32", Schema.OPTIONAL_FLOAT32_SCHEMA)
            .field("bin", Schema.OPTIONAL_BYTES_SCHEMA)
            .field("dec9", Decimal.builder(2).parameter("connect.decimal.precision", "9").optional().build())
            .field("dec18", Decimal.builder(3).parameter("connect.decimal.precision", "18").optional().build())
            .field("dec30", Decimal.builder(4).parameter("connect.decimal.precision", "30").optional().build())
            .field("day", Date.builder().optional().build())
            .field("at", Time.builder().optional().build())
            .field("ts", Timestamp.builder().optional().build())
            .field("city", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    @TempDir
    Path dir;

    private final RootAllocator allocator = new RootAllocator();

    @AfterEach
    void closeAllocator() {
        // Throws if any buffer leaked; tests run with Arrow's debug allocator on.
        allocator.close();
    }

    private static Struct point(int i) {
        if (i % 7 == 3) {
            return null;
        }
        List<String> tags = i % 5 == 0 ? null : Arrays.asList("t" + (i % 3), null, "u" + i);
        return new Struct(POINT).put("x", i).put("label", i % 4 == 1 ? null : "p" + i).put("tags", tags);
    }

    private static Struct row(int i) {
        List<Struct> points = null;
        if (i % 6 != 5) {
            points = new ArrayList<>();
            for (int k = 0; k < i % 4; k++) {
                points.add(point(i + k));
            }
        }
        List<List<Long>> grid = null;
        if (i % 9 != 8) {
            grid = new ArrayList<>();
            for (int k = 0; k < i % 3 + 1; k++) {
                grid.add(k == 1 ? null : k == 2 ? List.of() : Arrays.asList((long) i * k, null, -1L));
            }
        }
        Map<String, Struct> byName = null;
        if (i % 8 != 7) {
            byName = new LinkedHashMap<>();
            for (int k = 0; k < i % 3; k++) {
                byName.put("k" + k, point(i * 3 + k));
            }
        }
        Struct meta = i % 10 == 9 ? null : new Struct(META)
                .put("inner", i % 3 == 2 ? null : new Struct(INNER)
                        .put("v", i % 4 == 0 ? null : i / 4.0)
                        .put("flag", i % 5 == 0 ? null : i % 2 == 0))
                .put("names", i % 2 == 0 ? List.of() : List.of("n" + i, "m"));
        return new Struct(ROW)
                .put("id", i)
                .put("points", points)
                .put("grid", grid)
                .put("by_name", byName)
                .put("meta", meta)
                .put("i8", i % 11 == 0 ? null : (byte) (i % 200 - 100))
                .put("i16", i % 13 == 0 ? null : (short) (i * 7 - 30_000))
                .put("f32", i % 3 == 0 ? null : i * 0.5f - 10)
                .put("bin", i % 4 == 0 ? null : new byte[] {(byte) i, (byte) (i >> 8), -1})
                .put("dec9", i % 5 == 0 ? null : new BigDecimal(i).movePointLeft(2).negate())
                .put("dec18", i % 6 == 0 ? null : BigDecimal.valueOf(123_456_789_012_345L + i, 3))
                .put("dec30", i % 7 == 0 ? null : new BigDecimal("-12345678901234567890.1234").add(BigDecimal.valueOf(i)))
                .put("day", i % 8 == 0 ? null : new java.util.Date(86_400_000L * (20_000 + i)))
                .put("at", i % 9 == 0 ? null : new java.util.Date(i * 1000L % 86_400_000L))
                .put("ts", i % 10 == 0 ? null : new java.util.Date(1_795_000_000_000L + i))
                .put("city", i % 12 == 0 ? null : new String[] {"Oslo", "Lima", "Pune", "Kyiv"}[i % 4]);
    }

    private record Written(Path columnar, Path reference) {
    }

    private Written writeBoth(Schema schema, IntFunction<Struct> rows, int count, WriterOptions options)
            throws IOException {
        try (ArrowBatch batch = ArrowBatch.open(schema, allocator, "test")) {
            for (int i = 0; i < count; i++) {
                batch.append(rows.apply(i));
            }
            Map<String, String> meta = Map.of("kafka.topic", "t");
            EncodedFile columnar = new ParquetEncoder(options).encode(batch.seal(), meta);
            EncodedFile reference = ReferenceEncoder.encode(batch.seal(), meta, options);
            assertThat(columnar.rows()).isEqualTo(count);
            return new Written(save(columnar, "columnar.parquet"), save(reference, "reference.parquet"));
        }
    }

    private Path save(EncodedFile file, String name) throws IOException {
        Path path = dir.resolve(name);
        Files.write(path, Arrays.copyOf(file.bytes(), file.length()));
        return path;
    }

    private static List<List<Object>> rowsAsJson(ParquetReadback duck, Path file) {
        return duck.queryLists("SELECT to_json(t)::VARCHAR FROM (SELECT * EXCLUDE (filename) FROM "
                + ParquetReadback.table(List.of(file)) + ") t ORDER BY t.id");
    }

    @Test
    void nestedListsStructsAndMapsWithNullsAtEveryLevelReadBackLikeParquetJavas() throws Exception {
        Written files = writeBoth(ROW, ColumnarWriterTest::row, 500, WriterOptions.withCodec("snappy"));
        try (ParquetReadback duck = new ParquetReadback()) {
            duck.execute("SET TimeZone = 'UTC'");
            assertThat(duck.columnTypes(List.of(files.columnar())))
                    .isEqualTo(duck.columnTypes(List.of(files.reference())));
            List<List<Object>> columnar = rowsAsJson(duck, files.columnar());
            assertThat(columnar).hasSize(500).isEqualTo(rowsAsJson(duck, files.reference()));

            // And independently of the reference, a few values at each level of nesting.
            String table = ParquetReadback.table(List.of(files.columnar()));
            assertThat(duck.queryLists("SELECT points IS NULL, len(points) FROM " + table + " WHERE id IN (5, 6, 7)"
                    + " ORDER BY id")).containsExactly(Arrays.asList(true, null), List.of(false, 2L), List.of(false, 3L));
            // Row 6: points 6 and 7; point 7 has label p7 and tags [t1, null, u7].
            assertThat(duck.queryLists("SELECT points[2].label, points[2].tags::VARCHAR, points[1].tags IS NULL"
                    + " FROM " + table + " WHERE id = 6"))
                    .containsExactly(List.of("p7", "[t1, NULL, u7]", false));
            // Row 3: points 3 (null), 4, 5.
            assertThat(duck.queryLists("SELECT points[1] IS NULL, points[2].label IS NULL, points[3].tags IS NULL"
                    + " FROM " + table + " WHERE id = 3")).containsExactly(List.of(true, false, true));
            assertThat(duck.queryLists("SELECT grid::VARCHAR FROM " + table + " WHERE id IN (2, 8) ORDER BY id"))
                    .containsExactly(List.of("[[0, NULL, -1], NULL, []]"), Arrays.asList((Object) null));
            assertThat(duck.queryLists("SELECT meta IS NULL, meta.inner IS NULL, meta.names::VARCHAR FROM " + table
                    + " WHERE id IN (9, 5, 4) ORDER BY id"))
                    .containsExactly(List.of(false, false, "[]"), List.of(false, true, "[n5, m]"),
                            Arrays.asList(true, true, null));
            assertThat(duck.queryLists("SELECT by_name::VARCHAR FROM " + table + " WHERE id IN (3, 7) ORDER BY id"))
                    .containsExactly(List.of("{}"), Arrays.asList((Object) null));
            assertThat(duck.scalarLong("SELECT count(*) FROM " + table + " WHERE by_name IS NOT NULL"
                    + " AND cardinality(by_name) = 2")).isGreaterThan(0);
            assertThat(duck.queryLists("SELECT dec9::VARCHAR, dec18::VARCHAR, dec30::VARCHAR FROM " + table
                    + " WHERE id = 1")).containsExactly(List.of("-0.01", "123456789012.346",
                            "-12345678901234567889.1234"));
        }
    }

    @Test
    void everyColumnHasStatisticsDictionaryAndPageIndexes() throws Exception {
        Written files = writeBoth(ROW, ColumnarWriterTest::row, 2_000, WriterOptions.withCodec("zstd"));
        try (ParquetFileReader columnar = open(files.columnar());
                ParquetFileReader reference = open(files.reference())) {
            assertThat(columnar.getRecordCount()).isEqualTo(2_000);
            List<ColumnChunkMetaData> ours = columnar.getRowGroups().get(0).getColumns();
            List<ColumnChunkMetaData> theirs = reference.getRowGroups().get(0).getColumns();
            assertThat(ours).hasSameSizeAs(theirs);
            for (int c = 0; c < ours.size(); c++) {
                ColumnChunkMetaData chunk = ours.get(c);
                ColumnChunkMetaData expected = theirs.get(c);
                assertThat(chunk.getPath()).isEqualTo(expected.getPath());
                assertThat(chunk.getValueCount()).as("values of %s", chunk.getPath()).isEqualTo(expected.getValueCount());
                Statistics<?> stats = chunk.getStatistics();
                Statistics<?> expectedStats = expected.getStatistics();
                assertThat(stats.getNumNulls()).as("nulls of %s", chunk.getPath()).isEqualTo(expectedStats.getNumNulls());
                assertThat(stats.hasNonNullValue()).isEqualTo(expectedStats.hasNonNullValue());
                if (expectedStats.hasNonNullValue()) {
                    assertThat(stats.genericGetMin()).as("min of %s", chunk.getPath())
                            .isEqualTo(expectedStats.genericGetMin());
                    assertThat(stats.genericGetMax()).as("max of %s", chunk.getPath())
                            .isEqualTo(expectedStats.genericGetMax());
                }
                assertThat(chunk.getCodec()).isEqualTo(CompressionCodecName.ZSTD);
                // 2,000 rows predict dictionaries far below the page size: every column keeps its dictionary.
                assertThat(chunk.hasDictionaryPage()).as("dictionary of %s", chunk.getPath())
                        .isEqualTo(expected.hasDictionaryPage());
                ColumnIndex columnIndex = columnar.readColumnIndex(chunk);
                OffsetIndex offsetIndex = columnar.readOffsetIndex(chunk);
                assertThat(columnIndex).as("column index of %s", chunk.getPath()).isNotNull();
                assertThat(offsetIndex).as("offset index of %s", chunk.getPath()).isNotNull();
                assertThat(offsetIndex.getPageCount()).isEqualTo(columnIndex.getNullPages().size());
                assertThat(offsetIndex.getFirstRowIndex(0)).isZero();
            }
            ColumnChunkMetaData city = column(ours, "city");
            assertThat(city.hasDictionaryPage()).isTrue();
            assertThat(city.getStatistics().genericGetMin()).isEqualTo(org.apache.parquet.io.api.Binary.fromString("Kyiv"));
            assertThat(city.getStatistics().genericGetMax()).isEqualTo(org.apache.parquet.io.api.Binary.fromString("Pune"));
        }
    }

    @Test
    void smallRowGroupsAndPagesSplitTheFileAndStillReadBack() throws Exception {
        WriterOptions small = new WriterOptions(CompressionCodecName.SNAPPY, 4 * 1024, 64 * 1024, true);
        Written files = writeBoth(ROW, ColumnarWriterTest::row, 20_000, small);
        try (ParquetFileReader columnar = open(files.columnar())) {
            List<BlockMetaData> groups = columnar.getRowGroups();
            assertThat(groups).hasSizeGreaterThan(2);
            assertThat(groups.stream().mapToLong(BlockMetaData::getRowCount).sum()).isEqualTo(20_000);
            Set<Long> pageCounts = new HashSet<>();
            for (BlockMetaData group : groups) {
                for (ColumnChunkMetaData chunk : group.getColumns()) {
                    OffsetIndex pages = columnar.readOffsetIndex(chunk);
                    pageCounts.add((long) pages.getPageCount());
                    long rowsInPages = 0;
                    for (int p = 0; p < pages.getPageCount(); p++) {
                        rowsInPages += pages.getLastRowIndex(p, group.getRowCount()) - pages.getFirstRowIndex(p) + 1;
                    }
                    assertThat(rowsInPages).as("rows in the pages of %s", chunk.getPath())
                            .isEqualTo(group.getRowCount());
                }
            }
            assertThat(pageCounts.stream().mapToLong(Long::longValue).max().orElse(0)).isGreaterThan(1);
        }
        try (ParquetReadback duck = new ParquetReadback()) {
            duck.execute("SET TimeZone = 'UTC'");
            assertThat(rowsAsJson(duck, files.columnar())).isEqualTo(rowsAsJson(duck, files.reference()));
        }
    }

    @Test
    void dictionaryOffAndTheDefaultRowGroupWriteTheSameRows() throws Exception {
        WriterOptions plain = new WriterOptions(CompressionCodecName.UNCOMPRESSED, 64 * 1024,
                WriterOptions.DEFAULT_ROW_GROUP_SIZE, false);
        Written files = writeBoth(ROW, ColumnarWriterTest::row, 3_000, plain);
        try (ParquetFileReader columnar = open(files.columnar())) {
            assertThat(columnar.getRowGroups()).hasSize(1);
            for (ColumnChunkMetaData chunk : columnar.getRowGroups().get(0).getColumns()) {
                assertThat(chunk.hasDictionaryPage()).as("dictionary of %s", chunk.getPath()).isFalse();
            }
        }
        try (ParquetReadback duck = new ParquetReadback()) {
            duck.execute("SET TimeZone = 'UTC'");
            assertThat(rowsAsJson(duck, files.columnar())).isEqualTo(rowsAsJson(duck, files.reference()));
        }
    }

    private static final Schema EVENT = SchemaBuilder.struct().name("event")
            .field("id", Schema.INT64_SCHEMA)
            .field("session", Schema.STRING_SCHEMA)
            .field("amount", Schema.FLOAT64_SCHEMA)
            .field("country", Schema.OPTIONAL_STRING_SCHEMA)
            .field("quantity", Schema.INT32_SCHEMA)
            .build();

    private static Struct event(int i) {
        return new Struct(EVENT).put("id", 5_000_000_000L + i)
                .put("session", String.format("%08x-%04x-sess", i * 2_654_435_761L & 0xffffffffL, i & 0xffff))
                .put("amount", i * 1.25)
                .put("country", i % 10 == 0 ? null : new String[] {"US", "DE", "FR", "JP"}[i % 4])
                .put("quantity", i % 9);
    }

    @Test
    void allDistinctColumnsArePlainFromTheStartAndRepetitiveOnesKeepTheirDictionary() throws Exception {
        int rows = 200_000;
        Written files = writeBoth(EVENT, ColumnarWriterTest::event, rows, WriterOptions.withCodec("snappy"));
        try (ParquetFileReader columnar = open(files.columnar())) {
            List<ColumnChunkMetaData> chunks = columnar.getRowGroups().get(0).getColumns();
            // id, session and amount: every value distinct, a predicted dictionary of 1.6 MB to 4 MB, above the
            // 1 MiB dictionary page: plain from the first value, so no dictionary page at all.
            for (String path : List.of("id", "session", "amount")) {
                ColumnChunkMetaData chunk = column(chunks, path);
                assertThat(chunk.hasDictionaryPage()).as("dictionary of %s", path).isFalse();
                assertThat(chunk.getEncodings()).as("encodings of %s", path)
                        .contains(org.apache.parquet.column.Encoding.PLAIN)
                        .doesNotContain(org.apache.parquet.column.Encoding.PLAIN_DICTIONARY,
                                org.apache.parquet.column.Encoding.RLE_DICTIONARY);
                assertThat(columnar.readColumnIndex(chunk)).as("column index of %s", path).isNotNull();
                assertThat(columnar.readOffsetIndex(chunk)).as("offset index of %s", path).isNotNull();
            }
            for (String path : List.of("country", "quantity")) {
                assertThat(column(chunks, path).hasDictionaryPage()).as("dictionary of %s", path).isTrue();
            }
            ColumnChunkMetaData id = column(chunks, "id");
            assertThat(id.getStatistics().genericGetMin()).isEqualTo(5_000_000_000L);
            assertThat(id.getStatistics().genericGetMax()).isEqualTo(5_000_000_000L + rows - 1);
            assertThat(column(chunks, "country").getStatistics().getNumNulls()).isEqualTo(rows / 10);
        }
        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(List.of(files.columnar()));
            assertThat(duck.queryLists("SELECT count(*), count(DISTINCT id), count(DISTINCT session), sum(amount),"
                    + " count(country), count(DISTINCT country), sum(quantity)::BIGINT FROM " + table))
                    .containsExactly(List.of((long) rows, (long) rows, (long) rows, 1.25 * rows * (rows - 1) / 2,
                            (long) rows * 9 / 10, 4L, 799_993L));
            assertThat(duck.queryLists("SELECT id, session, amount, country FROM " + table + " WHERE id = 5000123457"))
                    .containsExactly(List.of(5_000_123_457L, event(123_457).getString("session"), 123_457 * 1.25, "DE"));
            assertThat(duck.queryLists("SELECT md5(string_agg(session, ',' ORDER BY id)) FROM " + table))
                    .isEqualTo(duck.queryLists("SELECT md5(string_agg(session, ',' ORDER BY id)) FROM "
                            + ParquetReadback.table(List.of(files.reference()))));
        }
    }

    private static final Schema WORDS = SchemaBuilder.struct().name("words")
            .field("id", Schema.INT32_SCHEMA)
            .field("word", Schema.OPTIONAL_STRING_SCHEMA)
            .build();
    /** Values whose order hangs on bytes past the first 8, on length alone, on a zero byte or on bytes >= 0x80. */
    private static final String[] TRICKY = {"abcdefgh2", "abcdefgh10", "abcdefgh1", "", "a", "a\u0000", "a\u0000\u0000",
        "\u00e9t\u00e9", "zzzzzzzz", "zzzzzzzz\u0000", "\u00ff", "\u0080", "ab", "abcdefgh"};

    @Test
    void aShortChunkOfDistinctValuesIsPlainAsParquetJavaEndsUpWritingIt() throws Exception {
        // 3,000 rows: dictionaries far below the page size, but the first page fails parquet-java's
        // compression test for id, session and amount, so the reference falls back to plain when the page closes.
        Written files = writeBoth(EVENT, ColumnarWriterTest::event, 3_000, WriterOptions.withCodec("snappy"));
        try (ParquetFileReader columnar = open(files.columnar()); ParquetFileReader reference = open(files.reference())) {
            List<ColumnChunkMetaData> ours = columnar.getRowGroups().get(0).getColumns();
            List<ColumnChunkMetaData> theirs = reference.getRowGroups().get(0).getColumns();
            for (String path : List.of("id", "session", "amount", "country", "quantity")) {
                assertThat(column(ours, path).hasDictionaryPage()).as("dictionary of %s", path)
                        .isEqualTo(column(theirs, path).hasDictionaryPage())
                        .isEqualTo(!List.of("id", "session", "amount").contains(path));
            }
        }
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.queryLists("SELECT * EXCLUDE (filename) FROM " + ParquetReadback.table(List.of(files.columnar()))
                    + " ORDER BY id")).isEqualTo(duck.queryLists("SELECT * EXCLUDE (filename) FROM "
                    + ParquetReadback.table(List.of(files.reference())) + " ORDER BY id"));
        }
    }

    @Test
    void stringMinAndMaxFollowUnsignedByteOrderBeyondTheFirstEightBytes() throws Exception {
        // Two passes over rotations of the values, each page of a few hundred rows: every page sees a different
        // first value, so its min and max are decided by prefix comparisons and by the full comparison on ties.
        WriterOptions smallPages = new WriterOptions(CompressionCodecName.UNCOMPRESSED, 1024, 64 * 1024 * 1024, true);
        IntFunction<Struct> rows = i -> new Struct(WORDS).put("id", i)
                .put("word", i % 17 == 0 ? null : TRICKY[(i * 7 + i / 50) % TRICKY.length]);
        Written files = writeBoth(WORDS, rows, 3_000, smallPages);
        try (ParquetFileReader columnar = open(files.columnar()); ParquetFileReader reference = open(files.reference())) {
            ColumnChunkMetaData ours = column(columnar.getRowGroups().get(0).getColumns(), "word");
            ColumnChunkMetaData theirs = column(reference.getRowGroups().get(0).getColumns(), "word");
            assertThat(ours.getStatistics().genericGetMin()).isEqualTo(org.apache.parquet.io.api.Binary.fromString(""));
            assertThat(ours.getStatistics().genericGetMax())
                    .isEqualTo(org.apache.parquet.io.api.Binary.fromString("\u00ff"));
            assertThat(ours.getStatistics().genericGetMin()).isEqualTo(theirs.getStatistics().genericGetMin());
            assertThat(ours.getStatistics().genericGetMax()).isEqualTo(theirs.getStatistics().genericGetMax());
            // Each page's min and max against the same rows' values sorted by unsigned bytes here.
            ColumnIndex index = columnar.readColumnIndex(ours);
            OffsetIndex pages = columnar.readOffsetIndex(ours);
            assertThat(pages.getPageCount()).isGreaterThan(3);
            for (int p = 0; p < pages.getPageCount(); p++) {
                byte[] min = null;
                byte[] max = null;
                for (long r = pages.getFirstRowIndex(p); r <= pages.getLastRowIndex(p, 3_000); r++) {
                    String word = rows.apply((int) r).getString("word");
                    if (word == null) {
                        continue;
                    }
                    byte[] b = word.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    if (min == null || Arrays.compareUnsigned(b, min) < 0) {
                        min = b;
                    }
                    if (max == null || Arrays.compareUnsigned(b, max) > 0) {
                        max = b;
                    }
                }
                assertThat(bytes(index.getMinValues().get(p))).as("min of page %d", p).isEqualTo(min);
                assertThat(bytes(index.getMaxValues().get(p))).as("max of page %d", p).isEqualTo(max);
            }
        }
    }

    @Test
    void anEmptyBatchIsAValidFileWithNoRows() throws Exception {
        Written files = writeBoth(ROW, ColumnarWriterTest::row, 0, WriterOptions.withCodec("snappy"));
        try (ParquetFileReader columnar = open(files.columnar())) {
            assertThat(columnar.getRecordCount()).isZero();
            assertThat(columnar.getRowGroups()).isEmpty();
        }
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.scalarLong("SELECT count(*) FROM " + ParquetReadback.table(List.of(files.columnar()))))
                    .isZero();
        }
    }

    @Test
    void aNonStructValueIsOneColumn() throws Exception {
        Schema value = SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build();
        try (ArrowBatch batch = ArrowBatch.open(value, allocator, "test")) {
            batch.append(Arrays.asList("a", null));
            batch.append(null);
            batch.append(List.of());
            EncodedFile file = new ParquetEncoder(WriterOptions.withCodec("snappy")).encode(batch.seal(), Map.of());
            Path path = save(file, "value.parquet");
            try (ParquetReadback duck = new ParquetReadback()) {
                assertThat(duck.queryLists("SELECT value::VARCHAR FROM " + ParquetReadback.table(List.of(path))))
                        .containsExactly(List.of("[a, NULL]"), Arrays.asList((Object) null), List.of("[]"));
            }
        }
    }

    private static byte[] bytes(java.nio.ByteBuffer buffer) {
        byte[] b = new byte[buffer.remaining()];
        buffer.duplicate().get(b);
        return b;
    }

    private static ColumnChunkMetaData column(List<ColumnChunkMetaData> chunks, String path) {
        return chunks.stream().filter(c -> c.getPath().toDotString().equals(path)).findFirst().orElseThrow();
    }

    private static ParquetFileReader open(Path file) throws IOException {
        return ParquetFileReader.open(new LocalInputFile(file));
    }
}
