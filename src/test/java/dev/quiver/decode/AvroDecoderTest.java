package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.arrow.ArrowBatch;
import dev.quiver.arrow.MetadataColumns;
import dev.quiver.arrow.RowLayout;
import dev.quiver.arrow.SchemaMerger;
import dev.quiver.parquet.EncodedFile;
import dev.quiver.parquet.ParquetEncoder;
import dev.quiver.parquet.WriterOptions;
import dev.quiver.testing.ParquetReadback;
import dev.quiver.testing.TestSchemaRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AvroDecoderTest {
    private final RootAllocator allocator = new RootAllocator();

    private static final MetadataColumns OFFSET_ONLY =
            new MetadataColumns(Map.of(MetadataColumns.Kind.OFFSET, "_kafka_offset"), null);

    @AfterEach
    void noLeaks() {
        assertThat(allocator.getAllocatedMemory()).isZero();
        allocator.close();
    }

    private ArrowBatch open(org.apache.kafka.connect.data.Schema schema) {
        return ArrowBatch.open(new RowLayout(schema, null, OFFSET_ONLY), allocator, "avro");
    }

    private static void append(ArrowBatch batch, ValueDecoder d, long offset, Object raw) {
        batch.appendDecoded(new SinkRecord("t", 0, null, null, null, raw, offset), null, d, raw);
    }

    private static Path land(ArrowBatch batch, Path dir) throws Exception {
        Path file = dir.resolve("avro-" + System.nanoTime() + ".parquet");
        EncodedFile encoded = new ParquetEncoder(WriterOptions.withCodec("zstd")).encode(batch.seal(), Map.of());
        Files.write(file, Arrays.copyOf(encoded.bytes(), encoded.length()));
        return file;
    }

    @Test
    void everyAvroTypeLandsAsParquetThatDuckDbReadsWithItsValue(@TempDir Path dir) throws Exception {
        AvroDecoder d = AvroDecoder.withSchema(TestAvro.EVERYTHING);
        Path file;
        try (ArrowBatch batch = open(d.valueSchema())) {
            for (int n = 0; n < 3; n++) {
                byte[] raw = TestAvro.binary(TestAvro.SCHEMA, TestAvro.everything(n));
                // Heap ByteBuffers with an offset are read in place, as byte arrays are.
                append(batch, d, n, n == 1 ? ByteBuffer.wrap(pad(raw), 3, raw.length).slice() : raw);
            }
            file = land(batch, dir);
        }
        try (ParquetReadback duck = new ParquetReadback()) {
            Map<String, String> types = duck.columnTypes(List.of(file));
            assertThat(types).containsEntry("b", "BOOLEAN").containsEntry("i", "INTEGER").containsEntry("l", "BIGINT")
                    .containsEntry("f", "FLOAT").containsEntry("d", "DOUBLE").containsEntry("s", "VARCHAR")
                    .containsEntry("by", "BLOB").containsEntry("color", "VARCHAR").containsEntry("fx", "BLOB")
                    .containsEntry("tags", "VARCHAR[]").containsEntry("counts", "MAP(VARCHAR, INTEGER)")
                    .containsEntry("address", "STRUCT(city VARCHAR, zip INTEGER)")
                    .containsEntry("moves", "STRUCT(city VARCHAR, zip INTEGER)[]")
                    .containsEntry("maybe_s", "VARCHAR")
                    .containsEntry("maybe_address", "STRUCT(city VARCHAR, zip INTEGER)")
                    .containsEntry("choice", "STRUCT(\"int\" INTEGER, string VARCHAR,"
                            + " test_v1_Address STRUCT(city VARCHAR, zip INTEGER))")
                    .containsEntry("dec_b", "DECIMAL(10,2)").containsEntry("dec_f", "DECIMAL(28,4)")
                    // Times keep the default parquet.time.type (int32-millis): plain integers every reader opens.
                    .containsEntry("day", "DATE").containsEntry("tm", "INTEGER").containsEntry("tmu", "BIGINT")
                    .containsEntry("ts", "TIMESTAMP WITH TIME ZONE").containsEntry("tsu", "TIMESTAMP WITH TIME ZONE")
                    .containsEntry("lts", "TIMESTAMP").containsEntry("ltsu", "TIMESTAMP")
                    .containsEntry("id", "VARCHAR");
            List<Map<String, Object>> rows = duck.query("SELECT b, i, l, f, d, s, hex(\"by\") AS by, color,"
                    + " hex(fx) AS fx, CAST(tags AS VARCHAR) AS tags, counts['x'] AS x, address.city AS city,"
                    + " address.zip AS zip, len(moves) AS moves, moves[2].zip AS zip2, maybe_s,"
                    + " maybe_address.city AS mcity, choice.\"int\" AS ci, choice.string AS cs,"
                    + " choice.test_v1_Address.city AS ca, CAST(dec_b AS VARCHAR) AS dec_b,"
                    + " CAST(dec_f AS VARCHAR) AS dec_f, CAST(\"day\" AS VARCHAR) AS day, tm,"
                    + " tmu, epoch_ms(ts) AS ts, epoch_us(tsu) AS tsu, CAST(lts AS VARCHAR) AS lts,"
                    + " CAST(ltsu AS VARCHAR) AS ltsu, id, _kafka_offset FROM "
                    + ParquetReadback.table(List.of(file)) + " ORDER BY _kafka_offset");
            assertThat(rows).hasSize(3);
            assertThat(rows.get(0)).containsEntry("b", true).containsEntry("i", 0).containsEntry("l", 10_000_000_000L)
                    .containsEntry("f", 1.5f).containsEntry("d", 2.25).containsEntry("s", "h\u00e9llo 0")
                    .containsEntry("by", "010200").containsEntry("color", "GREEN").containsEntry("fx", "09080700")
                    .containsEntry("tags", "[a, b]").containsEntry("x", 0).containsEntry("city", "Lyon")
                    .containsEntry("zip", 69001).containsEntry("moves", 2L).containsEntry("zip2", 6000)
                    .containsEntry("maybe_s", "there").containsEntry("mcity", "Metz").containsEntry("ci", 42)
                    .containsEntry("cs", null).containsEntry("ca", null).containsEntry("dec_b", "-12345.67")
                    .containsEntry("dec_f", "123456789012345678.9012").containsEntry("day", "2022-01-08")
                    .containsEntry("tm", 3_600_000).containsEntry("tmu", 3_600_000_001L)
                    .containsEntry("ts", 1_714_557_600_123L).containsEntry("tsu", 1_714_557_600_123_456L)
                    // Wall-clock values with no zone: 1_714_557_600_124 ms read as a UTC instant is 2024-05-01 10:00.
                    .containsEntry("lts", "2024-05-01 10:00:00.124").containsEntry("ltsu", "2024-05-01 10:00:00.124567")
                    .containsEntry("id", TestAvro.UUID);
            assertThat(rows.get(1)).containsEntry("b", false).containsEntry("i", -1).containsEntry("tags", "[]")
                    .containsEntry("maybe_s", null).containsEntry("mcity", null).containsEntry("ci", null)
                    .containsEntry("cs", "forty-two").containsEntry("ca", null).containsEntry("color", "BLUE")
                    .containsEntry("by", "010201").containsEntry("tm", 3_600_001).containsEntry("_kafka_offset", 1L);
            assertThat(rows.get(2)).containsEntry("ci", null).containsEntry("cs", null).containsEntry("ca", "Caen")
                    .containsEntry("zip", 69003).containsEntry("x", 2);
        }
    }

    @Test
    void timesLandAsTimeOfTheirPrecisionWithTheTimeMicrosMapping(@TempDir Path dir) throws Exception {
        AvroDecoder d = AvroDecoder.withSchema(TestAvro.EVERYTHING);
        Path file = dir.resolve("times.parquet");
        try (ArrowBatch batch = open(d.valueSchema())) {
            append(batch, d, 0, TestAvro.binary(TestAvro.SCHEMA, TestAvro.everything(0)));
            WriterOptions options = WriterOptions.withCodec("zstd").withTypes(new dev.quiver.parquet.TypeMapping(
                    dev.quiver.parquet.TypeMapping.Time.TIME_MICROS, dev.quiver.parquet.TypeMapping.FloatOrder.TYPE_DEFINED,
                    false));
            EncodedFile encoded = new ParquetEncoder(options).encode(batch.seal(), Map.of());
            Files.write(file, Arrays.copyOf(encoded.bytes(), encoded.length()));
        }
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.columnTypes(List.of(file))).containsEntry("tm", "TIME").containsEntry("tmu", "TIME")
                    .containsEntry("tsu", "TIMESTAMP WITH TIME ZONE").containsEntry("ltsu", "TIMESTAMP");
            List<Map<String, Object>> rows = duck.query("SELECT CAST(tm AS VARCHAR) AS tm, CAST(tmu AS VARCHAR) AS tmu"
                    + " FROM " + ParquetReadback.table(List.of(file)));
            assertThat(rows).containsExactly(Map.of("tm", "01:00:00", "tmu", "01:00:00.000001"));
        }
    }

    @Test
    void microsecondTimesSurviveABatchEvolvingToANewWriterSchema(@TempDir Path dir) throws Exception {
        String v1 = "{\"type\":\"record\",\"name\":\"E\",\"fields\":["
                + "{\"name\":\"at\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}},"
                + "{\"name\":\"wall\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-millis\"}}]}";
        String v2 = "{\"type\":\"record\",\"name\":\"E\",\"fields\":["
                + "{\"name\":\"at\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}]},"
                + "{\"name\":\"wall\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-millis\"}},"
                + "{\"name\":\"tod\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"time-micros\"}]}]}";
        Schema s1 = new Schema.Parser().parse(v1);
        Schema s2 = new Schema.Parser().parse(v2);
        AvroDecoder d1 = AvroDecoder.withSchema(v1);
        AvroDecoder d2 = AvroDecoder.withSchema(v2);
        GenericRecord r1 = new GenericData.Record(s1);
        r1.put("at", 1_714_557_600_000_001L);
        r1.put("wall", 1_714_557_600_002L);
        GenericRecord r2 = new GenericData.Record(s2);
        r2.put("at", 1_714_557_600_000_003L);
        r2.put("wall", 1_714_557_600_004L);
        r2.put("tod", 5_000_000L);
        org.apache.kafka.connect.data.Schema merged = SchemaMerger.merge(d1.valueSchema(), d2.valueSchema(),
                SchemaMerger.Mode.STRICT);
        Path file;
        ArrowBatch evolved;
        try (ArrowBatch first = open(d1.valueSchema())) {
            append(first, d1, 0, TestAvro.binary(s1, r1));
            // The rows already in the batch are read back and re-appended into the merged columns.
            evolved = first.evolve(new RowLayout(merged, null, OFFSET_ONLY), allocator, "avro");
        }
        try (evolved) {
            append(evolved, d2.boundTo(merged), 1, TestAvro.binary(s2, r2));
            file = land(evolved, dir);
        }
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.columnTypes(List.of(file))).containsEntry("at", "TIMESTAMP WITH TIME ZONE")
                    .containsEntry("wall", "TIMESTAMP").containsEntry("tod", "BIGINT");
            List<Map<String, Object>> rows = duck.query("SELECT epoch_us(\"at\") AS \"at\", CAST(wall AS VARCHAR) AS wall, tod"
                    + " FROM " + ParquetReadback.table(List.of(file)) + " ORDER BY _kafka_offset");
            Map<String, Object> first = new java.util.HashMap<>();
            first.put("at", 1_714_557_600_000_001L);
            first.put("wall", "2024-05-01 10:00:00.002");
            first.put("tod", null);
            assertThat(rows).containsExactly(first,
                    Map.of("at", 1_714_557_600_000_003L, "wall", "2024-05-01 10:00:00.004", "tod", 5_000_000L));
        }
    }

    @Test
    void valuesWrittenInPlaceSurviveGrowthRewrittenRowsAndAReset(@TempDir Path dir) throws Exception {
        String json = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"s\",\"type\":\"string\"},"
                + "{\"name\":\"n\",\"type\":\"long\"},{\"name\":\"ok\",\"type\":\"boolean\"},"
                + "{\"name\":\"d\",\"type\":\"double\"},{\"name\":\"i\",\"type\":\"int\"},"
                + "{\"name\":\"o\",\"type\":[\"null\",\"string\"]}]}";
        Schema schema = new Schema.Parser().parse(json);
        AvroDecoder d = AvroDecoder.withSchema(json);
        int rows = 5000; // far past a new batch's first allocation, so every vector grows several times
        Path file;
        try (ArrowBatch batch = open(d.valueSchema())) {
            for (int round = 0; round < 2; round++) {
                long offset = 0;
                for (int n = 0; n < rows; n++) {
                    GenericRecord r = new GenericData.Record(schema);
                    r.put("s", "row " + n + " " + "x".repeat(n % 97));
                    r.put("n", n * 1_000_000_007L);
                    r.put("ok", n % 3 == 0);
                    r.put("d", n / 4.0);
                    r.put("i", -n);
                    // Null rows leave holes in the offsets that the next string must not write over.
                    r.put("o", n % 5 == 0 ? null : "o" + n);
                    byte[] raw = TestAvro.binary(schema, r);
                    if (n % 1000 == 7) {
                        // Cut near the end: s, n and ok were written in place at this row before it failed.
                        byte[] cut = Arrays.copyOf(raw, raw.length - 6);
                        long bad = offset;
                        assertThatThrownBy(() -> append(batch, d, bad, cut)).hasMessageContaining("truncated");
                    }
                    append(batch, d, offset++, raw);
                }
                if (round == 0) {
                    assertThat(batch.rows()).isEqualTo(rows);
                    batch.seal();
                    // As after a flush: the same vectors, refilled from row 0.
                    batch.reset();
                }
            }
            file = land(batch, dir);
        }
        try (ParquetReadback duck = new ParquetReadback()) {
            List<Map<String, Object>> agg = duck.query("SELECT count(*) AS c, sum(CASE WHEN s = 'row ' || _kafka_offset"
                    + " || ' ' || repeat('x', CAST(_kafka_offset % 97 AS INTEGER)) AND n = _kafka_offset * 1000000007"
                    + " AND ok = (_kafka_offset % 3 = 0) AND d = _kafka_offset / 4.0 AND i = -_kafka_offset"
                    + " AND o IS NOT DISTINCT FROM CASE WHEN _kafka_offset % 5 = 0 THEN NULL ELSE 'o' || _kafka_offset END"
                    + " THEN 1 ELSE 0 END) AS good FROM " + ParquetReadback.table(List.of(file)));
            assertThat(agg).containsExactly(Map.of("c", (long) rows, "good", java.math.BigInteger.valueOf(rows)));
        }
    }

    private static byte[] pad(byte[] raw) {
        byte[] out = new byte[raw.length + 6];
        System.arraycopy(raw, 0, out, 3, raw.length);
        return out;
    }

    @Test
    void badBytesNameTheFieldBeingRead() {
        AvroDecoder d = AvroDecoder.withSchema(TestAvro.EVERYTHING);
        byte[] raw = TestAvro.binary(TestAvro.SCHEMA, TestAvro.everything(0));
        try (ArrowBatch batch = open(d.valueSchema())) {
            // Cut inside the last field (the uuid string): the field is named.
            assertThatThrownBy(() -> append(batch, d, 0, Arrays.copyOf(raw, raw.length - 3)))
                    .isInstanceOf(DataException.class).hasMessage("field 'id' is truncated: its length is 36 bytes"
                            + " but only 33 remain");
            assertThatThrownBy(() -> append(batch, d, 0, Arrays.copyOf(raw, 2)))
                    .hasMessageStartingWith("field 'l' is truncated");
            byte[] extra = Arrays.copyOf(raw, raw.length + 2);
            assertThatThrownBy(() -> append(batch, d, 0, extra))
                    .hasMessage("value has 2 bytes left after the Avro datum: it was not written with that schema");
            assertThatThrownBy(() -> append(batch, d, 0, "text")).hasMessageContaining("use ByteArrayConverter");
            assertThat(batch.rows()).isZero();
            // A failed row leaves nothing behind: the next one lands whole in its place.
            append(batch, d, 5, raw);
            assertThat(batch.rows()).isEqualTo(1);
        }
        Schema small = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"E\",\"fields\":[{\"name\":\"c\","
                + "\"type\":{\"type\":\"enum\",\"name\":\"C\",\"symbols\":[\"A\"]}},{\"name\":\"u\","
                + "\"type\":[\"null\",\"int\"]}]}");
        AvroDecoder e = AvroDecoder.withSchema(small.toString());
        try (ArrowBatch batch = open(e.valueSchema())) {
            assertThatThrownBy(() -> append(batch, e, 0, new byte[] {4, 0}))
                    .hasMessage("field 'c' is an enum of 1 symbols, but the value names symbol 2");
            assertThatThrownBy(() -> append(batch, e, 0, new byte[] {0, 6}))
                    .hasMessage("field 'u' is a union with 2 members, but the value names member 3");
        }
        assertThatThrownBy(() -> AvroDecoder.withSchema("{\"type\":\"recrd\"}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("is not an Avro schema");
    }

    private static final String V1 = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"shop\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"name\",\"type\":\"string\"}]}";
    /** V1 plus an optional email, and id widened to long: merges with V1. */
    private static final String V2 = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"shop\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"name\",\"type\":\"string\"},"
            + "{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
    /** id as a string: cannot merge with V1. */
    private static final String V3 = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"shop\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"name\",\"type\":\"string\"}]}";

    private static GenericRecord user(String schema, Object id, String name, String email) {
        Schema s = new Schema.Parser().parse(schema);
        GenericRecord r = new GenericData.Record(s);
        r.put("id", id);
        r.put("name", name);
        if (s.getField("email") != null) {
            r.put("email", email);
        }
        return r;
    }

    private static SchemaRegistryClient client(String... urls) {
        return new SchemaRegistryClient(List.of(urls), null, null, null, Duration.ofSeconds(2), Duration.ofSeconds(2));
    }

    @Test
    void registryValuesOfTwoCompatibleSchemasShareOneBatch(@TempDir Path dir) throws Exception {
        try (TestSchemaRegistry registry = TestSchemaRegistry.start(0, null)) {
            int v1 = TestSchemaRegistry.register(registry.url(), "users-value", V1, "AVRO", List.of());
            int v2 = TestSchemaRegistry.register(registry.url(), "users-value", V2, "AVRO", List.of());
            int v3 = TestSchemaRegistry.register(registry.url(), "users-value", V3, "AVRO", List.of());
            AvroDecoder d = AvroDecoder.withRegistry(client(registry.url()));
            byte[] a = TestAvro.framed(v1, new Schema.Parser().parse(V1), user(V1, 1, "ann", null));
            byte[] b = TestAvro.framed(v2, new Schema.Parser().parse(V2), user(V2, 5_000_000_000L, "bob", "b@x"));
            org.apache.kafka.connect.data.Schema sa = d.schemaOf(a);
            org.apache.kafka.connect.data.Schema sb = d.schemaOf(b);
            assertThat(d.schemaOf(a)).isSameAs(sa);
            org.apache.kafka.connect.data.Schema merged = SchemaMerger.merge(sa, sb, SchemaMerger.Mode.STRICT);
            assertThatThrownBy(() -> SchemaMerger.merge(sa, d.schemaOf(TestAvro.framed(v3,
                    new Schema.Parser().parse(V3), user(V3, "x", "c", null))), SchemaMerger.Mode.STRICT))
                    .isInstanceOf(SchemaMerger.IncompatibleSchemaException.class).hasMessageContaining("id");
            Path file;
            try (ArrowBatch batch = open(merged)) {
                append(batch, d.boundTo(merged), 0, a);
                append(batch, d.boundTo(merged), 1, b);
                append(batch, d.boundTo(merged), 2, a);
                file = land(batch, dir);
            }
            try (ParquetReadback duck = new ParquetReadback()) {
                assertThat(duck.columnTypes(List.of(file))).containsEntry("id", "BIGINT")
                        .containsEntry("email", "VARCHAR");
                List<Map<String, Object>> rows = duck.query("SELECT id, name, email FROM "
                        + ParquetReadback.table(List.of(file)) + " ORDER BY _kafka_offset");
                Map<String, Object> ann = new java.util.HashMap<>();
                ann.put("id", 1L);
                ann.put("name", "ann");
                ann.put("email", null);
                assertThat(rows).containsExactly(ann, Map.of("id", 5_000_000_000L, "name", "bob", "email", "b@x"), ann);
            }
            assertThat(d.knownIds()).containsExactlyInAnyOrder(v1, v2, v3);
        }
    }

    @Test
    void aBatchEvolvedToTheMergedSchemaTakesBothWriters() throws Exception {
        try (TestSchemaRegistry registry = TestSchemaRegistry.start(0, null)) {
            int v1 = TestSchemaRegistry.register(registry.url(), "users-value", V1, "AVRO", List.of());
            int v2 = TestSchemaRegistry.register(registry.url(), "users-value", V2, "AVRO", List.of());
            AvroDecoder d = AvroDecoder.withRegistry(client(registry.url()));
            byte[] a = TestAvro.framed(v1, new Schema.Parser().parse(V1), user(V1, 1, "ann", null));
            byte[] b = TestAvro.framed(v2, new Schema.Parser().parse(V2), user(V2, 5_000_000_000L, "bob", "b@x"));
            org.apache.kafka.connect.data.Schema sa = d.schemaOf(a);
            org.apache.kafka.connect.data.Schema merged = SchemaMerger.merge(sa, d.schemaOf(b), SchemaMerger.Mode.STRICT);
            ArrowBatch evolved;
            try (ArrowBatch first = open(sa)) {
                append(first, d.boundTo(first.layout().valueSchema()), 0, a);
                // int32 to int64 in place: before the fix this failed with "field 'id' expected an int64 (Long) but
                // got Integer", and the record that brought the wider schema was dead-lettered.
                evolved = first.evolve(new RowLayout(merged, null, OFFSET_ONLY), allocator, "avro");
            }
            try (evolved) {
                append(evolved, d.boundTo(evolved.layout().valueSchema()), 1, b);
                append(evolved, d.boundTo(evolved.layout().valueSchema()), 2, a);
                assertThat(evolved.rows()).isEqualTo(3);
                assertThat(String.valueOf(evolved.seal().getVector("email").getObject(1))).isEqualTo("b@x");
                assertThat(evolved.seal().getVector("id").getObject(1)).isEqualTo(5_000_000_000L);
                assertThat(evolved.seal().getVector("id").getObject(0)).isEqualTo(1L);
                assertThat(evolved.seal().getVector("email").isNull(2)).isTrue();
            }
        }
    }

    @Test
    void registryProblemsAreBadRecordsOrRetriable() throws Exception {
        try (TestSchemaRegistry registry = TestSchemaRegistry.start(0, null)) {
            int v1 = TestSchemaRegistry.register(registry.url(), "users-value", V1, "AVRO", List.of());
            // The first URL refuses connections: the second answers.
            AvroDecoder d = AvroDecoder.withRegistry(client("http://127.0.0.1:1", registry.url()));
            byte[] good = TestAvro.framed(v1, new Schema.Parser().parse(V1), user(V1, 1, "ann", null));
            assertThat(d.schemaOf(good).field("name")).isNotNull();
            assertThatThrownBy(() -> d.schemaOf(TestAvro.framed(99, new Schema.Parser().parse(V1),
                    user(V1, 1, "ann", null)))).isInstanceOf(DataException.class)
                    .hasMessageContaining("schema id 99 is unknown to the Schema Registry");
            byte[] wrongMagic = good.clone();
            wrongMagic[0] = 1;
            assertThatThrownBy(() -> d.schemaOf(wrongMagic)).isInstanceOf(DataException.class)
                    .hasMessageContaining("not the Confluent magic byte 0");
            assertThatThrownBy(() -> d.schemaOf(new byte[] {0, 0})).isInstanceOf(DataException.class)
                    .hasMessageContaining("shorter than the 5-byte Confluent framing");
            try (ArrowBatch batch = open(d.schemaOf(good))) {
                assertThatThrownBy(() -> append(batch, d.boundTo(d.schemaOf(good)), 0,
                        Arrays.copyOf(good, good.length - 1))).isInstanceOf(DataException.class)
                        .hasMessage("field 'name' is truncated: its length is 3 bytes but only 2 remain (writer schema"
                                + " id " + v1 + ")");
            }
        }
        AvroDecoder down = AvroDecoder.withRegistry(client("http://127.0.0.1:1"));
        assertThatThrownBy(() -> down.schemaOf(new byte[] {0, 0, 0, 0, 1, 2}))
                .isInstanceOf(RetriableException.class).hasMessageContaining("no Schema Registry answered for schema id 1");
    }

    @Test
    void referencedNamedTypesAreFetchedBySubjectVersion() throws Exception {
        String address = "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"shop\",\"fields\":["
                + "{\"name\":\"city\",\"type\":\"string\"}]}";
        String order = "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"shop\",\"fields\":["
                + "{\"name\":\"to\",\"type\":\"shop.Address\"}]}";
        try (TestSchemaRegistry registry = TestSchemaRegistry.start(0, null)) {
            TestSchemaRegistry.register(registry.url(), "address", address, "AVRO", List.of());
            int id = TestSchemaRegistry.register(registry.url(), "orders-value", order, "AVRO",
                    List.of(Map.of("name", "shop.Address", "subject", "address", "version", 1)));
            AvroDecoder d = AvroDecoder.withRegistry(client(registry.url()));
            Schema.Parser p = new Schema.Parser();
            p.parse(address);
            Schema orderSchema = p.parse(order);
            GenericRecord o = new GenericData.Record(orderSchema);
            GenericRecord to = new GenericData.Record(orderSchema.getField("to").schema());
            to.put("city", "Lyon");
            o.put("to", to);
            byte[] raw = TestAvro.framed(id, orderSchema, o);
            org.apache.kafka.connect.data.Schema schema = d.schemaOf(raw);
            try (ArrowBatch batch = open(schema)) {
                append(batch, d.boundTo(schema), 0, raw);
                assertThat(String.valueOf(batch.seal().getVector("to").getObject(0))).isEqualTo("{\"city\":\"Lyon\"}");
            }
        }
    }
}
