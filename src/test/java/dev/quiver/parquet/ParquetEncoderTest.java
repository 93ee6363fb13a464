package dev.quiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.arrow.ArrowBatch;
import dev.quiver.testing.ParquetReadback;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParquetEncoderTest {
    private static final Schema DEVICE = SchemaBuilder.struct().name("device").optional()
            .field("os", Schema.STRING_SCHEMA)
            .field("version", Schema.OPTIONAL_INT32_SCHEMA)
            .build();
    private static final Schema ROW = SchemaBuilder.struct().name("row")
            .field("i8", Schema.INT8_SCHEMA)
            .field("i16", Schema.INT16_SCHEMA)
            .field("i32", Schema.INT32_SCHEMA)
            .field("i64", Schema.INT64_SCHEMA)
            .field("f32", Schema.FLOAT32_SCHEMA)
            .field("f64", Schema.FLOAT64_SCHEMA)
            .field("flag", Schema.BOOLEAN_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("note", Schema.OPTIONAL_STRING_SCHEMA)
            .field("raw", Schema.OPTIONAL_BYTES_SCHEMA)
            .field("price", Decimal.builder(2).optional().build())
            .field("big", Decimal.builder(4).parameter("connect.decimal.precision", "30").optional().build())
            .field("day", Date.builder().optional().build())
            .field("at", Time.builder().optional().build())
            .field("ts", Timestamp.builder().optional().build())
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
            .field("attrs", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_INT64_SCHEMA).optional().build())
            .field("device", DEVICE)
            .build();

    @TempDir
    Path dir;

    private final RootAllocator allocator = new RootAllocator();

    @AfterEach
    void closeAllocator() {
        // Throws if any buffer leaked; tests run with Arrow's debug allocator on.
        allocator.close();
    }

    private static Struct row(int i) {
        Map<String, Long> attrs = new LinkedHashMap<>();
        attrs.put("a", (long) i);
        attrs.put("b", null);
        return new Struct(ROW)
                .put("i8", (byte) -i)
                .put("i16", (short) (1000 + i))
                .put("i32", 100_000 + i)
                .put("i64", 10_000_000_000L + i)
                .put("f32", 1.5f + i)
                .put("f64", 0.25 + i)
                .put("flag", i % 2 == 0)
                .put("name", "name-" + i + "-é")
                .put("note", i % 3 == 0 ? null : "note " + i)
                .put("raw", i % 3 == 0 ? null : new byte[] {(byte) i, 0, (byte) 0xFF})
                .put("price", new BigDecimal("-12.34").add(BigDecimal.valueOf(i)))
                .put("big", new BigDecimal("12345678901234567890.1234").negate())
                .put("day", java.util.Date.from(LocalDate.of(2026, 11, 21).plusDays(i).atStartOfDay().toInstant(java.time.ZoneOffset.UTC)))
                .put("at", new java.util.Date(LocalTime.of(13, 45, 7).toSecondOfDay() * 1000L + i))
                .put("ts", java.util.Date.from(Instant.parse("2026-11-21T10:15:30.123Z").plusSeconds(i)))
                .put("tags", i % 4 == 0 ? List.of() : Arrays.asList("x" + i, "y"))
                .put("attrs", i % 5 == 4 ? null : attrs)
                .put("device", i % 2 == 1 ? null : new Struct(DEVICE).put("os", "linux").put("version", i));
    }

    private Path encode(String codec, int rows) throws Exception {
        try (ArrowBatch batch = ArrowBatch.open(ROW, allocator, "test")) {
            for (int i = 0; i < rows; i++) {
                batch.append(row(i));
            }
            EncodedFile file = new ParquetEncoder(WriterOptions.withCodec(codec)).encode(batch.seal(),
                    Map.of("kafka.topic", "t"));
            assertThat(file.rows()).isEqualTo(rows);
            Path path = dir.resolve(codec + ".parquet");
            Files.write(path, Arrays.copyOf(file.bytes(), file.length()));
            return path;
        }
    }

    @Test
    void everyColumnHasTheTypeDuckDbExpects() throws Exception {
        Path file = encode("snappy", 10);
        try (ParquetReadback duck = new ParquetReadback()) {
            Map<String, String> types = duck.columnTypes(List.of(file));
            assertThat(types).containsExactly(
                    Map.entry("i8", "TINYINT"),
                    Map.entry("i16", "SMALLINT"),
                    Map.entry("i32", "INTEGER"),
                    Map.entry("i64", "BIGINT"),
                    Map.entry("f32", "FLOAT"),
                    Map.entry("f64", "DOUBLE"),
                    Map.entry("flag", "BOOLEAN"),
                    Map.entry("name", "VARCHAR"),
                    Map.entry("note", "VARCHAR"),
                    Map.entry("raw", "BLOB"),
                    Map.entry("price", "DECIMAL(38,2)"),
                    Map.entry("big", "DECIMAL(30,4)"),
                    Map.entry("day", "DATE"),
                    Map.entry("at", "INTEGER"),
                    Map.entry("ts", "TIMESTAMP WITH TIME ZONE"),
                    Map.entry("tags", "VARCHAR[]"),
                    Map.entry("attrs", "MAP(VARCHAR, BIGINT)"),
                    Map.entry("device", "STRUCT(os VARCHAR, \"version\" INTEGER)"));
        }
    }

    @Test
    void valuesReadBackExactly() throws Exception {
        Path file = encode("snappy", 10);
        try (ParquetReadback duck = new ParquetReadback()) {
            duck.execute("SET TimeZone = 'UTC'");
            List<Map<String, Object>> rows = duck.query("SELECT i8, i16, i32, i64, f32, f64, flag, name, note,"
                    + " hex(raw) AS raw, price::VARCHAR AS price, big::VARCHAR AS big, day::VARCHAR AS day,"
                    + " strftime(ts, '%Y-%m-%dT%H:%M:%S.%g') AS ts, tags, attrs::VARCHAR AS attrs,"
                    + " device FROM " + ParquetReadback.table(List.of(file)) + " ORDER BY i32");
            assertThat(rows).hasSize(10);
            for (int i = 0; i < 10; i++) {
                Map<String, Object> r = rows.get(i);
                assertThat(((Number) r.get("i8")).intValue()).isEqualTo(-i);
                assertThat(((Number) r.get("i16")).intValue()).isEqualTo(1000 + i);
                assertThat(r.get("i32")).isEqualTo(100_000 + i);
                assertThat(r.get("i64")).isEqualTo(10_000_000_000L + i);
                assertThat(r.get("f32")).isEqualTo(1.5f + i);
                assertThat(r.get("f64")).isEqualTo(0.25 + i);
                assertThat(r.get("flag")).isEqualTo(i % 2 == 0);
                assertThat(r.get("name")).isEqualTo("name-" + i + "-é");
                assertThat(r.get("note")).isEqualTo(i % 3 == 0 ? null : "note " + i);
                assertThat(r.get("raw")).isEqualTo(i % 3 == 0 ? null : String.format("%02X00FF", i));
                assertThat(r.get("price")).isEqualTo(new BigDecimal("-12.34").add(BigDecimal.valueOf(i)).toPlainString());
                assertThat(r.get("big")).isEqualTo("-12345678901234567890.1234");
                assertThat(r.get("day")).isEqualTo(LocalDate.of(2026, 11, 21).plusDays(i).toString());
                assertThat(r.get("ts")).isEqualTo(String.format("2026-11-21T10:15:%02d.123", 30 + i));
                assertThat(r.get("tags")).isEqualTo(i % 4 == 0 ? List.of() : List.of("x" + i, "y"));
                assertThat(r.get("attrs")).isEqualTo(i % 5 == 4 ? null : "{a=" + i + ", b=NULL}");
                if (i % 2 == 1) {
                    assertThat(r.get("device")).isNull();
                } else {
                    assertThat(r.get("device")).isEqualTo(Map.of("os", "linux", "version", i));
                }
            }
            // A time is its milliseconds of the day by default (Spark cannot open a TIME(MILLIS) column).
            assertThat(duck.queryLists("SELECT \"at\" FROM " + ParquetReadback.table(List.of(file))
                    + " ORDER BY i32 LIMIT 2")).containsExactly(List.of(49_507_000), List.of(49_507_001));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"snappy", "zstd", "gzip", "none"})
    void everyCodecIsReadable(String codec) throws Exception {
        Path file = encode(codec, 500);
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.scalarLong("SELECT sum(i32) FROM " + ParquetReadback.table(List.of(file))))
                    .isEqualTo(500L * 100_000 + 499L * 500 / 2);
            String expected = codec.equals("none") ? "UNCOMPRESSED" : codec.toUpperCase();
            assertThat(duck.queryLists("SELECT DISTINCT compression FROM parquet_metadata('" + file + "')"))
                    .containsExactly(List.of(expected));
        }
    }

    @Test
    void footerCarriesStatisticsAndMetadata() throws Exception {
        Path file = encode("snappy", 100);
        try (ParquetReadback duck = new ParquetReadback()) {
            List<Map<String, Object>> stats = duck.query("SELECT stats_min, stats_max FROM parquet_metadata('" + file
                    + "') WHERE path_in_schema = 'i64'");
            assertThat(stats).containsExactly(Map.of("stats_min", "10000000000", "stats_max", "10000000099"));
            assertThat(duck.scalar("SELECT decode(value) FROM parquet_kv_metadata('" + file
                    + "') WHERE decode(key) = 'kafka.topic'")).isEqualTo("t");
        }
    }
}
