package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.arrow.ArrowBatch;
import dev.quiver.arrow.MetadataColumns;
import dev.quiver.arrow.RowLayout;
import dev.quiver.parquet.EncodedFile;
import dev.quiver.parquet.ParquetEncoder;
import dev.quiver.parquet.WriterOptions;
import dev.quiver.testing.ParquetReadback;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.util.Text;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonDecoderTest {
    /** The kind of schema a user writes: nested object, arrays, formats, nullable types, $defs and a map. */
    static final String ORDER_SCHEMA = """
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "title": "Order",
              "type": "object",
              "required": ["id", "amount", "customer", "note"],
              "properties": {
                "id":        {"type": "integer"},
                "qty":       {"type": "integer", "format": "int32"},
                "small":     {"type": "integer", "format": "int16"},
                "tiny":      {"type": "integer", "format": "int8"},
                "amount":    {"type": "number"},
                "ratio":     {"type": "number", "format": "float"},
                "paid":      {"type": "boolean"},
                "label":     {"type": "string"},
                "note":      {"type": ["string", "null"]},
                "created":   {"type": "string", "format": "date-time"},
                "day":       {"type": "string", "format": "date"},
                "at":        {"type": "string", "format": "time"},
                "blob":      {"type": "string", "contentEncoding": "base64"},
                "tags":      {"type": "array", "items": {"type": "string"}},
                "customer":  {"$ref": "#/$defs/Customer"},
                "shipping":  {"anyOf": [{"$ref": "#/$defs/Address"}, {"type": "null"}]},
                "lines":     {"type": "array", "items": {"$ref": "#/$defs/Line"}},
                "attrs":     {"type": "object", "additionalProperties": {"type": "integer"}}
              },
              "$defs": {
                "Customer": {"type": "object", "required": ["name"],
                             "properties": {"name": {"type": "string"}, "vip": {"type": "boolean"}}},
                "Address":  {"type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": "string"}}},
                "Line":     {"type": "object", "required": ["sku"],
                             "properties": {"sku": {"type": "string"}, "price": {"type": "number"}}}
              }
            }
            """;

    static final String FULL = """
            {"id": 7, "qty": 3, "small": -300, "tiny": 12, "amount": 19.99, "ratio": 0.5, "paid": true,
             "label": "first", "note": "n\u00e9", "created": "2024-05-01T12:00:00.123+02:00", "day": "2024-05-01",
             "at": "12:30:00.250", "blob": "AAEC/w==", "tags": ["a", "b"],
             "customer": {"name": "Ann", "vip": false},
             "shipping": {"city": "Lyon", "zip": "69001"},
             "lines": [{"sku": "X1", "price": 1.5}, {"sku": "X2"}],
             "attrs": {"size": 3, "weight": 9}}
            """;

    private final RootAllocator allocator = new RootAllocator();

    @AfterEach
    void noLeaks() {
        assertThat(allocator.getAllocatedMemory()).isZero();
        allocator.close();
    }

    private static final MetadataColumns OFFSET_ONLY =
            new MetadataColumns(Map.of(MetadataColumns.Kind.OFFSET, "_kafka_offset"), null);

    private ArrowBatch open(JsonDecoder decoder) {
        return ArrowBatch.open(new RowLayout(decoder.valueSchema(), null, OFFSET_ONLY), allocator, "test");
    }

    private static SinkRecord record(long offset, Object value) {
        return new SinkRecord("t", 0, null, null, null, value, offset);
    }

    private static void append(ArrowBatch batch, JsonDecoder decoder, long offset, Object raw) {
        batch.appendDecoded(record(offset, raw), null, decoder, raw);
    }

    private static Object value(VectorSchemaRoot root, String column, int row) {
        Object v = root.getVector(column).getObject(row);
        return v instanceof Text ? v.toString() : v;
    }

    @Test
    void everyTypeLandsWithItsValueAndArrowType() {
        JsonDecoder decoder = JsonDecoder.fromJsonSchema(ORDER_SCHEMA);
        try (ArrowBatch batch = open(decoder)) {
            append(batch, decoder, 10, FULL.getBytes(StandardCharsets.UTF_8));
            append(batch, decoder, 11, "{\"id\": 8, \"amount\": 1, \"customer\": {\"name\": \"Bob\"}, \"note\": null}");
            VectorSchemaRoot root = batch.seal();
            assertThat(root.getRowCount()).isEqualTo(2);

            Map<String, ArrowType> types = new java.util.LinkedHashMap<>();
            for (FieldVector v : root.getFieldVectors()) {
                types.put(v.getName(), v.getField().getType());
            }
            assertThat(types.get("id")).isEqualTo(new ArrowType.Int(64, true));
            assertThat(types.get("qty")).isEqualTo(new ArrowType.Int(32, true));
            assertThat(types.get("small")).isEqualTo(new ArrowType.Int(16, true));
            assertThat(types.get("tiny")).isEqualTo(new ArrowType.Int(8, true));
            assertThat(types.get("amount")).isEqualTo(new ArrowType.FloatingPoint(
                    org.apache.arrow.vector.types.FloatingPointPrecision.DOUBLE));
            assertThat(types.get("ratio")).isEqualTo(new ArrowType.FloatingPoint(
                    org.apache.arrow.vector.types.FloatingPointPrecision.SINGLE));
            assertThat(types.get("created")).isEqualTo(new ArrowType.Timestamp(
                    org.apache.arrow.vector.types.TimeUnit.MILLISECOND, "UTC"));
            assertThat(types.get("day")).isEqualTo(new ArrowType.Date(org.apache.arrow.vector.types.DateUnit.DAY));
            assertThat(types.get("blob")).isEqualTo(ArrowType.Binary.INSTANCE);
            assertThat(types.get("attrs")).isInstanceOf(ArrowType.Map.class);
            // Required and non-nullable in the JSON Schema: a required column; everything else nullable.
            assertThat(root.getVector("id").getField().isNullable()).isFalse();
            assertThat(root.getVector("amount").getField().isNullable()).isFalse();
            assertThat(root.getVector("note").getField().isNullable()).isTrue();
            assertThat(root.getVector("qty").getField().isNullable()).isTrue();

            assertThat(value(root, "id", 0)).isEqualTo(7L);
            assertThat(value(root, "qty", 0)).isEqualTo(3);
            assertThat(value(root, "small", 0)).isEqualTo((short) -300);
            assertThat(value(root, "tiny", 0)).isEqualTo((byte) 12);
            assertThat(value(root, "amount", 0)).isEqualTo(19.99);
            assertThat(value(root, "ratio", 0)).isEqualTo(0.5f);
            assertThat(value(root, "paid", 0)).isEqualTo(true);
            assertThat(value(root, "label", 0)).isEqualTo("first");
            assertThat(value(root, "note", 0)).isEqualTo("n\u00e9");
            assertThat(value(root, "created", 0)).isEqualTo(Instant.parse("2024-05-01T10:00:00.123Z").toEpochMilli());
            assertThat(value(root, "day", 0)).isEqualTo((int) LocalDate.parse("2024-05-01").toEpochDay());
            assertThat(value(root, "at", 0)).isEqualTo(LocalTime.parse("12:30:00.250").atDate(LocalDate.EPOCH));
            assertThat((byte[]) value(root, "blob", 0)).containsExactly(0, 1, 2, (byte) 0xff);
            assertThat(root.getVector("tags").getObject(0).toString()).isEqualTo("[\"a\",\"b\"]");
            assertThat(root.getVector("customer").getObject(0).toString()).isEqualTo("{\"name\":\"Ann\",\"vip\":false}");
            assertThat(root.getVector("shipping").getObject(0).toString())
                    .isEqualTo("{\"city\":\"Lyon\",\"zip\":\"69001\"}");
            assertThat(root.getVector("lines").getObject(0).toString())
                    .isEqualTo("[{\"sku\":\"X1\",\"price\":1.5},{\"sku\":\"X2\"}]");
            assertThat(root.getVector("attrs").getObject(0).toString())
                    .isEqualTo("[{\"key\":\"size\",\"value\":3},{\"key\":\"weight\",\"value\":9}]");
            assertThat(value(root, "_kafka_offset", 0)).isEqualTo(10L);

            // Missing optional fields are null, at every level.
            for (String column : List.of("qty", "small", "tiny", "ratio", "paid", "label", "note", "created", "day",
                    "at", "blob", "tags", "shipping", "lines", "attrs")) {
                assertThat(root.getVector(column).isNull(1)).as(column).isTrue();
            }
            assertThat(value(root, "amount", 1)).isEqualTo(1.0);
            assertThat(root.getVector("customer").getObject(1).toString()).isEqualTo("{\"name\":\"Bob\"}");
            assertThat(value(root, "_kafka_offset", 1)).isEqualTo(11L);
        }
    }

    private static final Schema COERCE = SchemaBuilder.struct()
            .field("d", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("i", Schema.OPTIONAL_INT32_SCHEMA)
            .field("l", Schema.OPTIONAL_INT64_SCHEMA)
            .field("s", Schema.OPTIONAL_STRING_SCHEMA)
            .field("b", Schema.OPTIONAL_BOOLEAN_SCHEMA)
            .field("ts", org.apache.kafka.connect.data.Timestamp.builder().optional().build())
            .field("dec", Decimal.builder(2).optional().build())
            .build();

    /** Decodes one document with the COERCE schema and returns column -> value of its row. */
    private Map<String, Object> coerce(String json) {
        JsonDecoder decoder = new JsonDecoder(COERCE);
        try (ArrowBatch batch = ArrowBatch.open(COERCE, allocator, "c")) {
            batch.appendDecoded(null, null, decoder, json);
            VectorSchemaRoot root = batch.seal();
            Map<String, Object> out = new java.util.HashMap<>();
            for (FieldVector v : root.getFieldVectors()) {
                Object o = v.getObject(0);
                out.put(v.getName(), o instanceof Text ? o.toString() : o);
            }
            return out;
        }
    }

    private void coerceFails(String json, String... messageParts) {
        assertThatThrownBy(() -> coerce(json)).isInstanceOf(DataException.class)
                .hasMessageContainingAll(messageParts);
    }

    @Test
    void coercionsAnAnalystExpects() {
        assertThat(coerce("{\"d\": \"42.00\"}")).containsEntry("d", 42.0);
        assertThat(coerce("{\"d\": 7}")).containsEntry("d", 7.0);
        assertThat(coerce("{\"i\": \"42\"}")).containsEntry("i", 42);
        assertThat(coerce("{\"i\": 42.0}")).containsEntry("i", 42);
        assertThat(coerce("{\"i\": \" 1e2 \"}")).containsEntry("i", 100);
        assertThat(coerce("{\"l\": 9223372036854775807}")).containsEntry("l", Long.MAX_VALUE);
        assertThat(coerce("{\"s\": 42.00}")).containsEntry("s", "42.00");
        assertThat(coerce("{\"s\": 12}")).containsEntry("s", "12");
        assertThat(coerce("{\"s\": true}")).containsEntry("s", "true");
        assertThat(coerce("{\"b\": \"true\"}")).containsEntry("b", true);
        assertThat(coerce("{\"b\": \"FALSE\"}")).containsEntry("b", false);
        // A TimeStampMilliTZVector reads back as epoch milliseconds.
        long expected = Instant.parse("2024-05-01T10:00:00.123Z").toEpochMilli();
        assertThat(coerce("{\"ts\": 1714557600123}")).containsEntry("ts", expected);
        assertThat(coerce("{\"ts\": \"1714557600123\"}")).containsEntry("ts", expected);
        assertThat(coerce("{\"ts\": \"2024-05-01T10:00:00.123Z\"}")).containsEntry("ts", expected);
        assertThat(coerce("{\"ts\": \"2024-05-01T12:00:00.123456+02:00\"}")).containsEntry("ts", expected);
        assertThat(coerce("{\"ts\": \"2024-05-01 10:00:00.123\"}")).containsEntry("ts", expected);
        assertThat(coerce("{\"ts\": \"2024-05-01T12:00:00.123+02:00[Europe/Paris]\"}")).containsEntry("ts", expected);
        assertThat(coerce("{\"ts\": \"2024-05-01\"}")).containsEntry("ts", Instant.parse("2024-05-01T00:00:00Z").toEpochMilli());
        assertThat(coerce("{\"dec\": \"12.5\"}")).containsEntry("dec", new BigDecimal("12.50"));
        assertThat(coerce("{\"dec\": 3}")).containsEntry("dec", new BigDecimal("3.00"));
        // Blank strings in non-text fields are null; in string fields they are the empty string.
        Map<String, Object> blanks = coerce("{\"d\": \"\", \"i\": \" \", \"b\": \"\", \"ts\": \"\", \"s\": \"\"}");
        assertThat(blanks.get("d")).isNull();
        assertThat(blanks.get("i")).isNull();
        assertThat(blanks.get("b")).isNull();
        assertThat(blanks.get("ts")).isNull();
        assertThat(blanks.get("s")).isEqualTo("");

        coerceFails("{\"i\": 42.5}", "field 'i'", "fraction");
        coerceFails("{\"i\": 3000000000}", "field 'i'", "does not fit an int32");
        coerceFails("{\"l\": 9223372036854775808}", "field 'l'", "does not fit an int64");
        coerceFails("{\"i\": \"4x\"}", "field 'i'", "expected an int32 but got the string \"4x\"");
        coerceFails("{\"d\": \"NaN\"}", "field 'd'", "expected a number");
        coerceFails("{\"d\": \"Infinity\"}", "field 'd'");
        coerceFails("{\"d\": \"0x10\"}", "field 'd'");
        coerceFails("{\"d\": 1e999}", "field 'd'", "beyond the range");
        coerceFails("{\"b\": 1}", "field 'b'", "expected a boolean but got an integer");
        coerceFails("{\"b\": \"yes\"}", "field 'b'");
        coerceFails("{\"s\": {\"a\": 1}}", "field 's'", "expected a string but got an object");
        coerceFails("{\"ts\": \"yesterday\"}", "field 'ts'", "ISO-8601");
        coerceFails("{\"ts\": 1.5}", "field 'ts'");
        coerceFails("{\"dec\": 1.234}", "field 'dec'", "decimal places");
    }

    @Test
    void unknownFieldsAreSkippedAndMissingRequiredFieldsAreBadRecords() {
        JsonDecoder decoder = JsonDecoder.fromJsonSchema(ORDER_SCHEMA);
        try (ArrowBatch batch = open(decoder)) {
            append(batch, decoder, 1, "{\"zzz\": {\"deep\": [1, {\"x\": [null, \"y\"]}]}, \"id\": 1, \"amount\": 2,"
                    + " \"customer\": {\"name\": \"C\", \"extra\": [1,2,3]}, \"note\": \"x\", \"other\": null}");
            assertThat(batch.rows()).isEqualTo(1);
            assertThatThrownBy(() -> append(batch, decoder, 2, "{\"amount\": 2, \"customer\": {\"name\": \"C\"},"
                    + " \"note\": null}"))
                    .isInstanceOf(DataException.class).hasMessage("field 'id' is required but missing");
            // "note" is required but may be null: present-and-null is fine, absent is not.
            assertThatThrownBy(() -> append(batch, decoder, 2, "{\"id\": 1, \"amount\": 2,"
                    + " \"customer\": {\"name\": \"C\"}}"))
                    .hasMessage("field 'note' is required but missing");
            assertThatThrownBy(() -> append(batch, decoder, 2, "{\"id\": 1, \"amount\": 2, \"note\": null,"
                    + " \"customer\": {\"vip\": true}}"))
                    .hasMessage("field 'customer.name' is required but missing");
            assertThatThrownBy(() -> append(batch, decoder, 2, "{\"id\": null, \"amount\": 2, \"note\": null,"
                    + " \"customer\": {\"name\": \"C\"}}"))
                    .hasMessage("field 'id' is required but the value is null");
            assertThatThrownBy(() -> append(batch, decoder, 2, "{\"id\": 1, \"amount\": 2, \"note\": null,"
                    + " \"customer\": {\"name\": \"C\"}, \"lines\": [{\"sku\": \"a\"}, {\"sku\": \"b\", \"price\": \"x\"}]}"))
                    .hasMessageStartingWith("field 'lines[1].price' expected a number but got the string \"x\"");
            assertThatThrownBy(() -> append(batch, decoder, 2, "{\"id\": 1, \"amount\": 2, \"note\": null,"
                    + " \"customer\": {\"name\": \"C\"}, \"lines\": [{\"sku\": \"a\"}, {\"price\": 1}]}"))
                    .hasMessage("field 'lines[1].sku' is required but missing");
            assertThat(batch.rows()).isEqualTo(1);
        }
    }

    @Test
    void fieldsInAnyOrderLandInTheirColumnsAsTheOrderChangesFromRecordToRecord() {
        Schema schema = SchemaBuilder.struct()
                .field("a", Schema.OPTIONAL_INT64_SCHEMA)
                .field("b", Schema.OPTIONAL_STRING_SCHEMA)
                .field("c", Schema.OPTIONAL_BOOLEAN_SCHEMA)
                .build();
        JsonDecoder decoder = new JsonDecoder(schema);
        try (ArrowBatch batch = ArrowBatch.open(schema, allocator, "order")) {
            // Schema order, reversed twice (the reader learns an order, then sees it again), unknown keys in between,
            // a field missing, then schema order again.
            for (String doc : List.of("{\"a\": 1, \"b\": \"x\", \"c\": true}", "{\"c\": false, \"b\": \"y\", \"a\": 2}",
                    "{\"c\": true, \"b\": \"z\", \"a\": 3}", "{\"z\": 0, \"b\": \"w\", \"y\": [1], \"a\": 4}",
                    "{\"a\": 5, \"b\": \"v\", \"c\": false}")) {
                batch.appendDecoded(null, null, decoder, doc);
            }
            VectorSchemaRoot root = batch.seal();
            assertThat(columnValues(root, "a")).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(columnValues(root, "b")).containsExactly("x", "y", "z", "w", "v");
            assertThat(columnValues(root, "c")).containsExactly(true, false, true, null, false);
        }
    }

    private static final Schema SIMPLE = SchemaBuilder.struct()
            .field("a", Schema.OPTIONAL_STRING_SCHEMA)
            .field("n", SchemaBuilder.array(SchemaBuilder.array(Schema.INT64_SCHEMA).build()).optional().build())
            .build();

    private void simpleFails(Object raw, String... messageParts) {
        JsonDecoder decoder = new JsonDecoder(SIMPLE);
        try (ArrowBatch batch = ArrowBatch.open(SIMPLE, allocator, "s")) {
            assertThatThrownBy(() -> batch.appendDecoded(null, null, decoder, raw))
                    .isInstanceOf(DataException.class).hasMessageContainingAll(messageParts);
        }
    }

    @Test
    void strictAboutMalformedDocuments() {
        simpleFails("{\"a\": \"x\", \"a\": \"y\"}", "field 'a'", "Duplicate field 'a'");
        simpleFails("{\"q\": {\"k\": 1, \"k\": 2}, \"a\": \"x\"}", "field 'q.k'", "Duplicate field 'k'");
        simpleFails("{\"n\": [[NaN]]}", "field 'n[0][0]'", "Non-standard token 'NaN'");
        simpleFails("{\"n\": [[1]], \"q\": Infinity}", "Non-standard token 'Infinity'");
        simpleFails("{\"a\": \"x\"} trailing", "value is not valid JSON", "trailing");
        simpleFails("{\"a\": \"x\"} {\"a\": \"y\"}", "value has more text after its JSON document");
        simpleFails("{\"a\": \"x\",}", "is not valid JSON");
        simpleFails("{\"a\": \"x\"", "is not valid JSON");
        simpleFails("", "value is empty");
        simpleFails("null", "value is JSON null");
        simpleFails("[1, 2]", "field 'value' expected an object but got an array");
        simpleFails(42L, "needs a string or bytes");
        // Invalid UTF-8: in a known field, in a skipped field, in a key; and an unpaired surrogate in text input.
        simpleFails(bytes("{\"a\": \"", 0xC3, 0x28, "\"}"), "Invalid UTF-8");
        simpleFails(bytes("{\"q\": \"", 0xFF, "\", \"a\": \"x\"}"), "Invalid UTF-8");
        simpleFails(bytes("{\"q", 0xE2, 0x28, 0xA1, "\": 1}"), "Invalid UTF-8");
        simpleFails(bytes("{\"a\": \"", 0xED, 0xA0, 0x80, "\"}"), "field 'a'", "Invalid UTF-8");
        simpleFails("{\"a\": \"\uD800x\"}", "field 'a'", "unpaired surrogate");
        simpleFails("{\"n\": [[1], [null]]}", "field 'n[1][0]' is required but the value is null");
    }

    private static byte[] bytes(Object... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof String) {
                out.writeBytes(((String) part).getBytes(StandardCharsets.UTF_8));
            } else {
                out.write((Integer) part);
            }
        }
        return out.toByteArray();
    }

    @Test
    void tenThousandLevelsNeverOverflowTheStack() {
        int levels = 10_000;
        String deepArrays = "[".repeat(levels) + "]".repeat(levels);
        String deepObjects = "{\"x\":".repeat(levels) + "1" + "}".repeat(levels);
        // Inside a declared field the schema's shape stops it first.
        simpleFails("{\"n\": " + deepArrays + "}", "field 'n[0][0]' expected an int64 but got an array");
        simpleFails(deepArrays, "field 'value' expected an object but got an array");
        for (String doc : List.of(
                "{\"q\": " + deepArrays + ", \"a\": \"x\"}", // inside a skipped field
                "{\"q\": " + deepObjects + "}",
                deepObjects)) {
            simpleFails(doc, "nesting depth");
            simpleFails(doc.getBytes(StandardCharsets.UTF_8), "nesting depth");
        }
        // Within the limit, deep but skipped documents are fine.
        JsonDecoder decoder = new JsonDecoder(SIMPLE);
        try (ArrowBatch batch = ArrowBatch.open(SIMPLE, allocator, "s")) {
            batch.appendDecoded(null, null, decoder, "{\"q\": " + "[".repeat(150) + "]".repeat(150) + ", \"a\": \"ok\"}");
            assertThat(batch.seal().getVector("a").getObject(0).toString()).isEqualTo("ok");
        }
    }

    @Test
    void aBadRecordInTheMiddleLeavesEarlierRowsAndTheNextGoodRowIntact() {
        JsonDecoder decoder = JsonDecoder.fromJsonSchema(ORDER_SCHEMA);
        try (ArrowBatch batch = open(decoder)) {
            append(batch, decoder, 0, FULL);
            append(batch, decoder, 1, "{\"id\": 2, \"amount\": 2, \"customer\": {\"name\": \"B\"}, \"note\": \"two\","
                    + " \"tags\": [\"t\"], \"lines\": [{\"sku\": \"L\"}]}");
            // Fails on its last field, after writing strings, lists of structs, a map and nested structs of the row.
            String bad = "{\"id\": 99, \"amount\": 99, \"label\": \"BAD\", \"note\": \"BAD\", \"tags\": [\"B\", \"A\", \"D\"],"
                    + " \"customer\": {\"name\": \"BAD\"}, \"shipping\": {\"city\": \"BAD\"},"
                    + " \"lines\": [{\"sku\": \"B1\"}, {\"sku\": \"B2\"}, {\"sku\": \"B3\"}], \"attrs\": {\"b\": 1},"
                    + " \"qty\": \"not a number\"}";
            assertThatThrownBy(() -> append(batch, decoder, 2, bad)).hasMessageStartingWith("field 'qty'");
            assertThat(batch.rows()).isEqualTo(2);
            append(batch, decoder, 3, "{\"id\": 4, \"amount\": 4, \"customer\": {\"name\": \"D\"}, \"note\": null}");
            append(batch, decoder, 4, "{\"id\": 5, \"amount\": 5, \"customer\": {\"name\": \"E\"}, \"note\": \"five\","
                    + " \"tags\": [\"x\", \"y\"], \"lines\": [{\"sku\": \"M\"}]}");

            VectorSchemaRoot root = batch.seal();
            assertThat(root.getRowCount()).isEqualTo(4);
            assertThat(columnValues(root, "id")).containsExactly(7L, 2L, 4L, 5L);
            assertThat(columnValues(root, "_kafka_offset")).containsExactly(0L, 1L, 3L, 4L);
            assertThat(columnValues(root, "label")).containsExactly("first", null, null, null);
            assertThat(columnValues(root, "note")).containsExactly("n\u00e9", "two", null, "five");
            assertThat(columnValues(root, "qty")).containsExactly(3, null, null, null);
            assertThat(String.valueOf(columnValues(root, "tags")))
                    .isEqualTo("[[\"a\",\"b\"], [\"t\"], null, [\"x\",\"y\"]]");
            assertThat(String.valueOf(columnValues(root, "shipping")))
                    .isEqualTo("[{\"city\":\"Lyon\",\"zip\":\"69001\"}, null, null, null]");
            assertThat(String.valueOf(columnValues(root, "lines")))
                    .isEqualTo("[[{\"sku\":\"X1\",\"price\":1.5},{\"sku\":\"X2\"}], [{\"sku\":\"L\"}], null, [{\"sku\":\"M\"}]]");
            assertThat(String.valueOf(columnValues(root, "attrs")))
                    .startsWith("[[{\"key\":\"size\",\"value\":3},{\"key\":\"weight\",\"value\":9}], null, null, null]");
            // No element of the bad row survives in the children: 2 + 1 + 0 + 2 tags, 2 + 1 + 0 + 1 lines.
            assertThat(((ListVector) root.getVector("tags")).getDataVector().getValueCount()).isEqualTo(5);
            assertThat(((ListVector) root.getVector("lines")).getDataVector().getValueCount()).isEqualTo(4);
        }
    }

    private static List<Object> columnValues(VectorSchemaRoot root, String column) {
        List<Object> out = new ArrayList<>();
        FieldVector v = root.getVector(column);
        for (int i = 0; i < root.getRowCount(); i++) {
            Object o = v.getObject(i);
            out.add(o instanceof Text ? o.toString() : o);
        }
        return out;
    }

    @Test
    void confluentWireFormatHeaderIsSkippedAndByteBuffersWork() {
        JsonDecoder decoder = new JsonDecoder(SIMPLE);
        byte[] json = "{\"a\": \"cf\"}".getBytes(StandardCharsets.UTF_8);
        byte[] framed = new byte[json.length + 5];
        framed[4] = 42; // schema id 42
        System.arraycopy(json, 0, framed, 5, json.length);
        ByteBuffer sliced = ByteBuffer.wrap(("xx" + "{\"a\": \"bb\"}").getBytes(StandardCharsets.UTF_8));
        sliced.position(2);
        ByteBuffer direct = ByteBuffer.allocateDirect(json.length).put(json).flip();
        try (ArrowBatch batch = ArrowBatch.open(SIMPLE, allocator, "s")) {
            batch.appendDecoded(null, null, decoder, framed);
            batch.appendDecoded(null, null, decoder, sliced.slice());
            batch.appendDecoded(null, null, decoder, direct);
            assertThat(columnValues(batch.seal(), "a")).containsExactly("cf", "bb", "cf");
        }
    }

    @Test
    void nonStructSchemasLandInOneValueColumn() {
        JsonDecoder decoder = JsonDecoder.fromJsonSchema("{\"type\": \"array\", \"items\": {\"type\": \"number\"}}");
        try (ArrowBatch batch = ArrowBatch.open(decoder.valueSchema(), allocator, "v")) {
            batch.appendDecoded(null, null, decoder, "[1, 2.5, \"3\"]");
            assertThat(String.valueOf(columnValues(batch.seal(), "value"))).isEqualTo("[[1.0,2.5,3.0]]");
        }
    }

    @Test
    void landsAsParquetThatDuckDbReadsWithTheDeclaredTypes(@TempDir Path dir) throws Exception {
        JsonDecoder decoder = JsonDecoder.fromJsonSchema(ORDER_SCHEMA);
        Path file = dir.resolve("orders.parquet");
        try (ArrowBatch batch = open(decoder)) {
            append(batch, decoder, 0, FULL);
            assertThatThrownBy(() -> append(batch, decoder, 1, "{\"id\": \"x\"}")).isInstanceOf(DataException.class);
            append(batch, decoder, 2, "{\"id\": 8, \"amount\": \"1.25\", \"customer\": {\"name\": \"Bob\"}, \"note\": null,"
                    + " \"created\": 0}");
            EncodedFile encoded = new ParquetEncoder(WriterOptions.withCodec("snappy")).encode(batch.seal(), Map.of());
            Files.write(file, java.util.Arrays.copyOf(encoded.bytes(), encoded.length()));
        }
        try (ParquetReadback duck = new ParquetReadback()) {
            Map<String, String> types = duck.columnTypes(List.of(file));
            assertThat(types).containsEntry("id", "BIGINT").containsEntry("qty", "INTEGER")
                    .containsEntry("small", "SMALLINT").containsEntry("tiny", "TINYINT")
                    .containsEntry("amount", "DOUBLE").containsEntry("ratio", "FLOAT").containsEntry("paid", "BOOLEAN")
                    .containsEntry("label", "VARCHAR").containsEntry("created", "TIMESTAMP WITH TIME ZONE")
                    .containsEntry("day", "DATE").containsEntry("at", "INTEGER").containsEntry("blob", "BLOB")
                    .containsEntry("tags", "VARCHAR[]")
                    .containsEntry("customer", "STRUCT(\"name\" VARCHAR, vip BOOLEAN)")
                    .containsEntry("lines", "STRUCT(sku VARCHAR, price DOUBLE)[]")
                    .containsEntry("attrs", "MAP(VARCHAR, BIGINT)")
                    .containsEntry("_kafka_offset", "BIGINT");
            List<Map<String, Object>> rows = duck.query("SELECT id, amount, label, note, epoch_ms(created) AS created,"
                    + " CAST(day AS VARCHAR) AS day, tags[2] AS tag2, customer.name AS customer, lines[1].sku AS sku,"
                    + " attrs['weight'] AS weight, _kafka_offset FROM " + ParquetReadback.table(List.of(file))
                    + " ORDER BY id");
            assertThat(rows).hasSize(2);
            assertThat(rows.get(0)).containsEntry("id", 7L).containsEntry("amount", 19.99)
                    .containsEntry("label", "first").containsEntry("note", "n\u00e9")
                    .containsEntry("created", OffsetDateTime.parse("2024-05-01T12:00:00.123+02:00").toInstant()
                            .toEpochMilli())
                    .containsEntry("day", "2024-05-01").containsEntry("tag2", "b").containsEntry("customer", "Ann")
                    .containsEntry("sku", "X1").containsEntry("weight", 9L).containsEntry("_kafka_offset", 0L);
            assertThat(rows.get(1)).containsEntry("id", 8L).containsEntry("amount", 1.25).containsEntry("label", null)
                    .containsEntry("created", 0L).containsEntry("customer", "Bob").containsEntry("_kafka_offset", 2L);
        }
    }
}
