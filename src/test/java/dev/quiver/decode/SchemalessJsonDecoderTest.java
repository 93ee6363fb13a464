package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.quiver.arrow.ArrowBatch;
import dev.quiver.arrow.JsonText;
import dev.quiver.arrow.MetadataColumns;
import dev.quiver.arrow.RowLayout;
import dev.quiver.arrow.SchemaInference;
import dev.quiver.arrow.SchemaMerger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The streaming schemaless JSON path against the Map path it replaced ({@link JsonValues#parse}, then
 * {@link SchemaInference#infer}, a LENIENT merge per record, {@link ArrowBatch#evolve} and {@link ArrowBatch#append}),
 * which stays the oracle here: same schemas, same rows, same refusals.
 */
class SchemalessJsonDecoderTest {
    private final BufferAllocator allocator = new RootAllocator();

    @AfterEach
    void closeAllocator() {
        // Throws when a buffer leaked.
        allocator.close();
    }

    /** Documents of every shape the inference rules distinguish. */
    private static final List<String> SHAPES = List.of(
            "\"text\"", "42", "-7", "-0", "9223372036854775807", "-9223372036854775808", "1.5", "1e10", "-0.0",
            "1e400", "true", "false", "null", "{}", "[]", "[null]", "[[]]", "[{}]",
            "{\"b\": 1, \"a\": \"x\", \"c\": true}",
            "{\"z\": null, \"y\": {}, \"x\": []}",
            "{\"n\": {\"deep\": {\"deeper\": [1, 2.5, null]}}}",
            "[1, 2, 3]", "[1, 2.5]", "[2.5, 1]", "[1, \"a\"]", "[\"a\", 1]", "[true, 1]", "[null, 1, null]",
            "[{\"a\": 1}, {\"b\": \"x\"}]", "[{\"a\": 1}, {\"a\": 1.5, \"c\": null}]", "[{\"a\": 1}, 3]",
            "[[1], [2.5], []]", "[[1], [\"x\"]]", "[{}, {\"a\": 1}]", "[[], [null]]",
            "{\"\u00e9t\u00e9\": \"\u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9 \ud83d\ude00\", \"Z\": 1, \"a\": 2}",
            "{\"s\": \"\\ud800 unpaired\", \"q\": \"\\\"quoted\\\" \\\\ \\n \\t \\u0001\"}",
            "  {\"spaced\" : [ 1 , 2 ] }  ");

    @Test
    void inferenceGivesTheMapPathsSchemaForEveryShape() {
        for (String doc : SHAPES) {
            Schema expected = SchemaInference.infer(JsonValues.parse(doc));
            assertThat(SchemalessJsonDecoder.infer(doc)).as(doc).isEqualTo(expected);
            byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
            assertThat(SchemalessJsonDecoder.infer(bytes)).as(doc).isEqualTo(expected);
            // A slice of a larger array, as a converter may hand over.
            byte[] padded = new byte[bytes.length + 6];
            System.arraycopy(bytes, 0, padded, 3, bytes.length);
            assertThat(SchemalessJsonDecoder.infer(ByteBuffer.wrap(padded, 3, bytes.length).slice())).as(doc)
                    .isEqualTo(expected);
            ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
            assertThat(SchemalessJsonDecoder.infer(direct)).as(doc).isEqualTo(expected);
        }
    }

    @Test
    void typeRulesAreThoseOfSchemaInference() {
        Schema schema = SchemalessJsonDecoder.infer("{\"s\":\"x\",\"i\":1,\"d\":1.0,\"b\":false,\"n\":null,"
                + "\"e\":{},\"l\":[1,2.5],\"m\":[1,\"x\"],\"o\":{\"k\":[]}}");
        assertThat(schema.fields()).extracting(f -> f.name())
                .as("sorted keys").containsExactly("b", "d", "e", "i", "l", "m", "n", "o", "s");
        assertThat(schema.isOptional()).isTrue();
        assertThat(schema.field("s").schema()).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
        assertThat(schema.field("i").schema()).isEqualTo(Schema.OPTIONAL_INT64_SCHEMA);
        assertThat(schema.field("d").schema()).isEqualTo(Schema.OPTIONAL_FLOAT64_SCHEMA);
        assertThat(schema.field("b").schema()).isEqualTo(Schema.OPTIONAL_BOOLEAN_SCHEMA);
        assertThat(SchemaMerger.isUnknown(schema.field("n").schema())).isTrue();
        assertThat(JsonText.is(schema.field("e").schema())).as("an empty object is JSON text").isTrue();
        assertThat(schema.field("l").schema().valueSchema()).isEqualTo(Schema.OPTIONAL_FLOAT64_SCHEMA);
        assertThat(JsonText.is(schema.field("m").schema().valueSchema())).isTrue();
        assertThat(SchemaMerger.isUnknown(schema.field("o").schema().field("k").schema().valueSchema())).isTrue();
    }

    @Test
    void badInputIsRefusedAsTheMapPathRefusesItNamingTheField() {
        byte[] invalidUtf8 = "{\"id\": 1, \"name\": \"..\"}".getBytes(StandardCharsets.UTF_8);
        invalidUtf8[19] = (byte) 0xC3;
        invalidUtf8[20] = (byte) 0x28;
        Map<Object, List<String>> bad = new java.util.LinkedHashMap<>();
        bad.put("{\"id\": 5, \"name\": \"x\"", List.of("not valid JSON"));
        bad.put(invalidUtf8, List.of("not valid JSON", "UTF-8", "field 'name'"));
        bad.put("{\"a\": {\"b\": NaN}}", List.of("not valid JSON", "NaN", "field 'a.b'"));
        bad.put("{\"a\": [1, Infinity]}", List.of("not valid JSON", "Infinity", "field 'a[1]'"));
        bad.put("{\"a\": -Infinity}", List.of("Infinity"));
        bad.put("{\"id\": 10, \"id\": 11}", List.of("Duplicate field 'id'"));
        bad.put("{\"o\": {\"k\": 1, \"k\": 2}}", List.of("Duplicate field 'k'", "field 'o.k'"));
        bad.put("{\"big\": 123456789012345678901234567890}", List.of("out of range of long", "field 'big'"));
        bad.put("{\"x\": " + "[".repeat(10_000) + "]".repeat(10_000) + "}", List.of("nesting depth"));
        bad.put("[".repeat(10_000) + "]".repeat(10_000), List.of("nesting depth"));
        bad.put("", List.of("not valid JSON", "empty"));
        bad.put("   ", List.of("not valid JSON", "empty"));
        bad.put(new byte[0], List.of("not valid JSON", "empty"));
        bad.put("{} {}", List.of("not valid JSON", "trailing"));
        bad.put("{\"a\": 1} trailing", List.of("not valid JSON"));
        bad.put("{\"a\": 1}]", List.of("not valid JSON"));
        bad.put(42L, List.of("needs a string or bytes value"));
        for (Map.Entry<Object, List<String>> entry : bad.entrySet()) {
            Object doc = entry.getKey();
            String label = doc instanceof String ? abbreviate((String) doc) : doc.getClass().getSimpleName();
            assertThatThrownBy(() -> JsonValues.parse(doc)).as("the Map path refuses " + label)
                    .isInstanceOf(DataException.class);
            Throwable inferred = catchThrowable(() -> SchemalessJsonDecoder.infer(doc));
            assertThat(inferred).as(label).isInstanceOf(DataException.class);
            assertThat(inferred.getMessage()).as(label).contains(entry.getValue());
            // Streaming into a batch of a schema that would fit the good part refuses it the same way.
            Schema schema = SchemalessJsonDecoder.infer("{\"a\":{\"b\":1.5},\"id\":1,\"name\":\"n\"}");
            try (ArrowBatch batch = ArrowBatch.open(schema, allocator, "bad")) {
                SchemalessJsonDecoder decoder = new SchemalessJsonDecoder();
                decoder.bind(schema);
                Throwable decoded = catchThrowable(() -> batch.appendDecoded(null, null, decoder, doc));
                if (!(decoded instanceof SchemalessJsonDecoder.Misfit)) {
                    assertThat(decoded).as(label).isInstanceOf(DataException.class);
                    assertThat(decoded.getMessage()).as(label).contains(entry.getValue().get(0));
                }
                assertThat(batch.rows()).isZero();
            }
        }
        assertThat(catchThrowable(() -> SchemalessJsonDecoder.infer("{\"ok\": 1, \"\": 2}")))
                .isInstanceOf(DataException.class).hasMessageContaining("empty key");
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Batches: the streaming path against the Map path, record by record

    /** The Map path as the partition writer ran it: parse, infer, merge LENIENT, evolve, append. */
    private String mapPath(List<String> docs) {
        ArrowBatch batch = null;
        try {
            for (String doc : docs) {
                Object value = JsonValues.parse(doc);
                Schema schema = SchemaInference.infer(value);
                if (batch == null) {
                    batch = ArrowBatch.open(schema, allocator, "map");
                } else {
                    Schema current = batch.layout().valueSchema();
                    Schema merged = SchemaMerger.merge(current, schema, SchemaMerger.Mode.LENIENT);
                    if (merged != current) {
                        batch = evolve(batch, merged);
                    }
                }
                batch.append(value);
            }
            return dump(batch);
        } finally {
            if (batch != null) {
                batch.close();
            }
        }
    }

    /** The streaming path as the partition writer runs it; counts the documents that had to be typed alone. */
    private String streamingPath(List<String> docs, int[] typedAlone) {
        ArrowBatch batch = null;
        SchemalessJsonDecoder decoder = new SchemalessJsonDecoder();
        try {
            for (String doc : docs) {
                if (batch != null && tryAppend(batch, decoder, doc)) {
                    continue;
                }
                typedAlone[0]++;
                Schema schema = SchemalessJsonDecoder.infer(doc);
                if (batch == null) {
                    batch = ArrowBatch.open(schema, allocator, "stream");
                } else {
                    Schema current = batch.layout().valueSchema();
                    Schema merged = SchemaMerger.merge(current, schema, SchemaMerger.Mode.LENIENT);
                    if (merged != current) {
                        batch = evolve(batch, merged);
                    }
                }
                assertThat(tryAppend(batch, decoder, doc)).as("fits the merged schema: " + doc).isTrue();
            }
            return dump(batch);
        } finally {
            if (batch != null) {
                batch.close();
            }
        }
    }

    private static boolean tryAppend(ArrowBatch batch, SchemalessJsonDecoder decoder, Object doc) {
        decoder.bind(batch.layout().valueSchema());
        int rows = batch.rows();
        try {
            batch.appendDecoded(null, null, decoder, doc);
            return true;
        } catch (SchemalessJsonDecoder.Misfit e) {
            assertThat(batch.rows()).isEqualTo(rows);
            return false;
        }
    }

    private ArrowBatch evolve(ArrowBatch batch, Schema merged) {
        ArrowBatch evolved = batch.evolve(new RowLayout(merged, null, MetadataColumns.NONE), allocator, "evolved");
        batch.close();
        return evolved;
    }

    private static String dump(ArrowBatch batch) {
        VectorSchemaRoot root = batch.seal();
        return root.getSchema() + "\n" + root.contentToTSVString();
    }

    private void assertSameAsMapPath(List<String> docs, int expectedTypedAlone) {
        int[] typedAlone = {0};
        String streamed = streamingPath(docs, typedAlone);
        assertThat(streamed).isEqualTo(mapPath(docs));
        assertThat(typedAlone[0]).as("records typed alone").isEqualTo(expectedTypedAlone);
    }

    @Test
    void valuesWrittenInPlaceMatchTheMapPathThroughNullHolesAndGrowth() {
        // Longs, doubles, booleans and strings written in place (DirectWrites), with rows where each is null or
        // missing, over enough rows to grow every vector several times from its small first allocation.
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            StringBuilder doc = new StringBuilder("{\"id\":").append(i * 7919L);
            if (i % 3 != 0) {
                doc.append(",\"amount\":").append(i % 5 == 0 ? "null" : (i * 1.5) + "");
            }
            if (i % 4 != 0) {
                doc.append(",\"ok\":").append(i % 7 == 0 ? "null" : String.valueOf(i % 2 == 0));
            }
            if (i % 6 != 1) {
                doc.append(",\"name\":\"n-").append("x".repeat(i % 40)).append('"');
            }
            docs.add(doc.append('}').toString());
        }
        int[] typedAlone = {0};
        assertThat(streamingPath(docs, typedAlone)).isEqualTo(mapPath(docs));
    }

    @Test
    void aStableShapeIsParsedOnceStraightIntoTheVectors() {
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            docs.add("{\"id\":" + i + ",\"name\":\"n" + i + "\",\"amount\":" + i + ".25,\"paid\":" + (i % 2 == 0)
                    + ",\"tags\":[\"t" + i + "\"],\"address\":{\"city\":\"c" + i + "\",\"zip\":" + i + "}}");
        }
        // Only the first record is typed alone; the other 499 go straight into the vectors.
        assertSameAsMapPath(docs, 1);
    }

    @Test
    void fieldsInAnyOrderLandInTheirColumns() {
        assertSameAsMapPath(List.of("{\"b\":1,\"a\":2,\"c\":3}", "{\"c\":4,\"a\":5,\"b\":6}", "{\"a\":7,\"c\":8}",
                "{\"b\":9,\"a\":10,\"c\":11}", "{\"b\":12,\"a\":13,\"c\":14}", "{\"c\":15}", "{\"b\":16,\"a\":17}"), 1);
    }

    @Test
    void wideningMidBatchConvertsEarlierRows() {
        assertSameAsMapPath(List.of("{\"v\":1}", "{\"v\":2}", "{\"v\":2.5}", "{\"v\":3}", "{\"v\":9007199254740993}"),
                2);
    }

    @Test
    void newFieldsMidBatchAreNullInEarlierRows() {
        assertSameAsMapPath(List.of("{\"a\":1}", "{\"a\":2,\"b\":\"x\"}", "{\"c\":true}", "{\"a\":4,\"b\":\"y\"}",
                "{\"n\":{\"p\":1}}", "{\"n\":{\"q\":\"new\"}}", "{\"n\":{\"p\":2,\"q\":\"z\"}}"), 5);
    }

    @Test
    void nullsAndEmptyContainersTypeLaterAndFallBackLikeTheMapPath() {
        assertSameAsMapPath(List.of("{\"a\":null,\"l\":[],\"e\":{}}", "{\"a\":null,\"l\":[]}", "{\"a\":5,\"l\":[null]}",
                "{\"l\":[1,null,2],\"e\":{\"now\":\"an object\"}}", "{\"e\":[1,2]}", "null", "{\"a\":null}"), 3);
    }

    @Test
    void conflictsBecomeJsonTextRenderedAsTheMapPathRendersThem() {
        assertSameAsMapPath(List.of("{\"m\":\"text\",\"x\":1}", "{\"m\":{\"deep\":[1,2.5,null,true],\"e\":{}}}",
                "{\"m\":[{\"k\":\"\\\"q\\\" \\\\ \\n \\u0001 \u00e9 \ud83d\ude00\"}]}", "{\"m\":1e400,\"x\":\"now text\"}",
                "{\"m\":-0.0,\"x\":1e10}", "{\"m\":null,\"x\":{\"o\":null}}", "{\"m\":\"\\ud800\",\"x\":0.1}",
                "{\"m\":123,\"x\":false}"), 3);
    }

    @Test
    void nestedJsonTextAndUnpairedSurrogatesMatchTheMapPath() {
        assertSameAsMapPath(List.of("{\"s\":\"a\"}", "{\"s\":\"\\ud800 x \\udc00\"}"), 1);
        assertSameAsMapPath(List.of("{\"n\":{\"m\":\"x\"}}", "{\"n\":{\"m\":{\"o\":1}}}", "{\"n\":{\"z\":1}}"), 3);
    }

    @Test
    void anObjectBatchMeetingATopLevelScalarKeepsItsEarlierRowsAsJsonText() {
        List<String> docs = List.of("{\"a\":1,\"b\":\"x\"}", "{\"a\":2}", "null", "5", "{\"c\":[true]}");
        assertSameAsMapPath(docs, 2);
        String streamed = streamingPath(docs, new int[1]);
        // One JSON-text column: the objects written before the switch are kept as text, not dropped.
        assertThat(streamed.lines().skip(1).toList()).containsExactly("value", "{\"a\":1,\"b\":\"x\"}",
                "{\"a\":2,\"b\":null}", "null", "5", "{\"c\":[true]}");
    }

    @Test
    void nestedObjectsHoldingJsonTextGrowWithoutLosingIt() {
        String streamed = streamingPath(List.of("{\"n\":{\"m\":\"x\"}}", "{\"n\":{\"m\":{\"o\":1}}}",
                "{\"n\":{\"z\":1}}"), new int[1]);
        assertThat(streamed).contains("{\"m\":\"\\\"x\\\"\"}", "{\"m\":\"{\\\"o\\\":1}\"}",
                "{\"z\":1}");
    }

    @Test
    void listsOfObjectsAndNestedListsWidenElementWise() {
        assertSameAsMapPath(List.of("{\"l\":[{\"a\":1},{\"a\":2}]}", "{\"l\":[{\"a\":3},{\"a\":3.5,\"b\":\"x\"}]}",
                "{\"l\":[{\"b\":\"y\"}],\"ll\":[[1],[2,3]]}", "{\"ll\":[[4.5],[]]}", "{\"ll\":[[\"s\"],null]}",
                "{\"l\":[{\"a\":5}],\"ll\":[[6]]}"), 5);
    }

    @Test
    void topLevelScalarsAndArraysLandInOneValueColumn() {
        assertSameAsMapPath(List.of("1", "2", "2.5", "null", "3"), 2);
        assertSameAsMapPath(List.of("[1,2]", "[]", "[3.5]", "null", "[\"x\"]"), 3);
        assertSameAsMapPath(List.of("\"a\"", "\"b\"", "true", "{\"o\":1}"), 2);
    }

    @Test
    void aRecordRolledBackHalfWayLeavesNoTrace() {
        Schema schema = SchemalessJsonDecoder.infer("{\"a\":[{\"b\":1,\"l\":[1]}],\"c\":\"x\",\"d\":{\"e\":1}}");
        String good1 = "{\"a\":[{\"b\":1,\"l\":[1,2]},{\"b\":2,\"l\":[]}],\"c\":\"x\",\"d\":{\"e\":1}}";
        String good2 = "{\"a\":[{\"b\":3,\"l\":[3]}],\"c\":\"y\"}";
        String good3 = "{\"c\":\"z\",\"d\":{\"e\":4}}";
        try (ArrowBatch expected = ArrowBatch.open(schema, allocator, "expected");
                ArrowBatch batch = ArrowBatch.open(schema, allocator, "batch")) {
            SchemalessJsonDecoder decoder = new SchemalessJsonDecoder();
            SchemalessJsonDecoder reference = new SchemalessJsonDecoder();
            for (String doc : List.of(good1, good2, good3)) {
                assertThat(tryAppend(expected, reference, doc)).isTrue();
            }
            assertThat(tryAppend(batch, decoder, good1)).isTrue();
            // Half-written and misfit: nested lists and structs written, then a fraction in an integer column.
            assertThat(tryAppend(batch, decoder, "{\"a\":[{\"b\":7,\"l\":[7,7,7]},{\"b\":7.5}],\"c\":\"no\"}"))
                    .isFalse();
            // Half-written and invalid: the rest of the record is broken JSON.
            assertThat(catchThrowable(() -> batch.appendDecoded(null, null, decoder,
                    "{\"c\":\"no\",\"d\":{\"e\":8},\"a\":[{\"l\":[8,8,8,8]},{\"b\": tru")))
                    .isInstanceOf(DataException.class).hasMessageContaining("not valid JSON");
            assertThat(batch.rows()).isEqualTo(1);
            assertThat(tryAppend(batch, decoder, good2)).isTrue();
            assertThat(tryAppend(batch, decoder, "{\"d\":{\"e\":9,\"f\":\"new\"},\"c\":\"no\"}")).isFalse();
            assertThat(tryAppend(batch, decoder, good3)).isTrue();
            assertThat(dump(batch)).isEqualTo(dump(expected));
        }
    }

    @Test
    void aRecordRolledBackHalfWaySurvivesTheBatchEvolvingUnderIt() {
        assertSameAsMapPath(List.of("{\"a\":[{\"b\":1,\"l\":[1,2]}]}", "{\"a\":[{\"b\":2,\"l\":[3,4,5]},{\"b\":2.5}]}",
                "{\"a\":[{\"l\":[6]},{\"b\":3,\"l\":[\"s\"]}],\"z\":1}"), 3);
    }

    @Test
    void picksOnlyThePartitionFieldsWithTheValuesOfTheParsedDocument() {
        String doc = "{\"country\":\"DE\",\"ts\":1700000000000,\"skip\":{\"x\":[1,2]},\"a\":{\"b\":{\"c\":2.5},"
                + "\"d\":[1,{\"e\":null}]},\"s\":\"str\"}";
        Map<String, Object> picked = SchemalessJsonDecoder.pick(doc, List.of("country", "ts", "a.b.c", "a.d", "s.t",
                "missing"));
        Map<?, ?> parsed = (Map<?, ?>) JsonValues.parse(doc);
        assertThat(picked).containsOnlyKeys("country", "ts", "a");
        assertThat(picked.get("country")).isEqualTo(parsed.get("country"));
        assertThat(picked.get("ts")).isEqualTo(1_700_000_000_000L);
        Map<?, ?> a = (Map<?, ?>) picked.get("a");
        assertThat(a.get("d")).isEqualTo(((Map<?, ?>) parsed.get("a")).get("d"))
                .isEqualTo(Arrays.asList(1L, java.util.Collections.singletonMap("e", null)));
        assertThat(((Map<?, ?>) a.get("b")).get("c")).isEqualTo(2.5);
        assertThat(SchemalessJsonDecoder.pick("[1,2]", List.of("a"))).isNull();
        assertThatThrownBy(() -> SchemalessJsonDecoder.pick("{\"country\":\"DE\",\"x\":NaN}", List.of("country")))
                .isInstanceOf(DataException.class).hasMessageContaining("NaN");
    }

    @Test
    void aDecoderMustBeBoundToItsBatchesSchema() {
        Schema schema = SchemaBuilder.struct().optional().field("a", Schema.OPTIONAL_INT64_SCHEMA).build();
        try (ArrowBatch batch = ArrowBatch.open(schema, allocator, "unbound")) {
            SchemalessJsonDecoder decoder = new SchemalessJsonDecoder();
            assertThatThrownBy(() -> decoder.decode("{\"a\":1}", List.of(), 0)).isInstanceOf(IllegalStateException.class);
            decoder.bind(SchemalessJsonDecoder.infer("{\"a\":1}"));
            assertThatThrownBy(() -> batch.appendDecoded(null, null, decoder, "{\"a\":1}"))
                    .isInstanceOf(IllegalStateException.class);
            decoder.bind(schema);
            batch.appendDecoded(null, null, decoder, "{\"a\":1}");
            assertThat(batch.rows()).isEqualTo(1);
        }
    }
}
