package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.arrow.ArrowBatch;
import dev.quiver.arrow.JsonText;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.util.Text;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Both JSON decoders read a document first without Jackson's duplicate-key check and detect repeated keys themselves
 * (JsonTree.FAST). A repeated key must still be refused wherever it is (a field of the schema, a key the schema does
 * not have, inside a skipped value, a map, JSON text), with Jackson's message and the path, and an earlier error
 * still wins over a later one, as when every read was strict.
 */
class JsonDuplicateKeysTest {
    private final RootAllocator allocator = new RootAllocator();

    @AfterEach
    void close() {
        allocator.close();
    }

    private static final Schema DECLARED = SchemaBuilder.struct()
            .field("a", Schema.OPTIONAL_STRING_SCHEMA)
            .field("n", SchemaBuilder.array(Schema.INT64_SCHEMA).optional().build())
            .field("q", SchemaBuilder.struct().field("k", Schema.OPTIONAL_INT64_SCHEMA).optional().build())
            .field("m", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_INT64_SCHEMA).optional().build())
            .field("l", SchemaBuilder.array(SchemaBuilder.struct().field("s", Schema.OPTIONAL_STRING_SCHEMA).build())
                    .optional().build())
            .build();

    private void declaredFails(String doc, String... messageParts) {
        JsonDecoder decoder = new JsonDecoder(DECLARED);
        try (ArrowBatch batch = ArrowBatch.open(DECLARED, allocator, "d")) {
            assertThatThrownBy(() -> batch.appendDecoded(null, null, decoder, doc)).as(doc)
                    .isInstanceOf(DataException.class).hasMessageContainingAll(messageParts);
            assertThat(batch.rows()).isZero();
        }
    }

    @Test
    void aDeclaredSchemaRefusesRepeatedKeysWhereverTheyAre() {
        declaredFails("{\"a\": \"x\", \"a\": \"y\"}", "field 'a'", "Duplicate field 'a'");
        declaredFails("{\"q\": {\"k\": 1, \"k\": 2}}", "field 'q.k'", "Duplicate field 'k'");
        declaredFails("{\"l\": [{\"s\": \"1\"}, {\"s\": \"2\", \"s\": \"3\"}]}", "field 'l[1].s'",
                "Duplicate field 's'");
        // Keys the schema has no field for: scalars, one repeated among more unknown keys than the reader keeps.
        declaredFails("{\"z\": 1, \"a\": \"x\", \"z\": 2}", "Duplicate field 'z'");
        StringBuilder many = new StringBuilder("{");
        for (int u = 0; u < 12; u++) {
            many.append("\"u").append(u).append("\": ").append(u).append(", ");
        }
        declaredFails(many.append("\"u11\": 0}").toString(), "Duplicate field 'u11'");
        // Inside values skipped unread, and in a map's keys.
        declaredFails("{\"z\": {\"k\": 1, \"k\": 2}, \"a\": \"x\"}", "field 'z.k'", "Duplicate field 'k'");
        declaredFails("{\"z\": [{\"k\": 1}, {\"k\": 1, \"k\": 2}]}", "Duplicate field 'k'");
        declaredFails("{\"m\": {\"k\": 1, \"j\": 2, \"k\": 3}}", "field 'm.k'", "Duplicate field 'k'");
    }

    @Test
    void theFirstErrorInTheDocumentStillWins() {
        // A repeated key inside a skipped value, before a type error: the repeated key, as a strict parser says.
        declaredFails("{\"z\": {\"k\": 1, \"k\": 2}, \"n\": 5}", "Duplicate field 'k'");
        // The type error first: it wins.
        JsonDecoder decoder = new JsonDecoder(DECLARED);
        try (ArrowBatch batch = ArrowBatch.open(DECLARED, allocator, "d")) {
            assertThatThrownBy(() -> batch.appendDecoded(null, null, decoder, "{\"n\": 5, \"z\": {\"k\": 1, \"k\": 2}}"))
                    .isInstanceOf(DataException.class).hasMessageContaining("field 'n' expected an array")
                    .hasMessageNotContaining("Duplicate");
        }
    }

    @Test
    void documentsReadAgainStrictlyLandTheSameValues() {
        // Unknown keys (more than the reader keeps, and containers), a map and a list of structs: each of these sends
        // the document through the strict read as well; the row must hold its values once.
        JsonDecoder decoder = new JsonDecoder(DECLARED);
        try (ArrowBatch batch = ArrowBatch.open(DECLARED, allocator, "d")) {
            StringBuilder doc = new StringBuilder("{\"a\": \"first\", ");
            for (int u = 0; u < 10; u++) {
                doc.append("\"u").append(u).append("\": ").append(u).append(", ");
            }
            doc.append("\"z\": {\"k\": [1, {\"j\": 2}]}, \"m\": {\"x\": 1, \"y\": 2}, \"l\": [{\"s\": \"p\"}], \"n\": [3]}");
            batch.appendDecoded(null, null, decoder, doc.toString());
            batch.appendDecoded(null, null, decoder, "{\"a\": \"second\", \"m\": {\"w\": 9}, \"n\": [4, 5]}");
            batch.appendDecoded(null, null, decoder, "{\"a\": \"third\", \"q\": {\"k\": 7}, \"zz\": 1}");
            VectorSchemaRoot root = batch.seal();
            assertThat(values(root, "a")).containsExactly("first", "second", "third");
            assertThat(values(root, "m").get(0).toString()).isEqualTo("[{\"key\":\"x\",\"value\":1},{\"key\":\"y\",\"value\":2}]");
            assertThat(values(root, "m").get(1).toString()).isEqualTo("[{\"key\":\"w\",\"value\":9}]");
            assertThat(values(root, "m").get(2)).isNull();
            assertThat(values(root, "n")).containsExactly(List.of(3L), List.of(4L, 5L), null);
            assertThat(values(root, "l").get(0).toString()).isEqualTo("[{\"s\":\"p\"}]");
            assertThat(values(root, "q").get(2).toString()).isEqualTo("{\"k\":7}");
        }
    }

    @Test
    void aSchemalessBatchRefusesRepeatedKeysInJsonTextToo() {
        Schema schema = SchemalessJsonDecoder.infer("{\"id\": 1, \"j\": {}, \"o\": {\"k\": 1}}");
        assertThat(JsonText.is(schema.field("j").schema())).isTrue();
        SchemalessJsonDecoder decoder = new SchemalessJsonDecoder();
        decoder.bind(schema);
        try (ArrowBatch batch = ArrowBatch.open(schema, allocator, "s")) {
            for (Map.Entry<String, String> bad : Map.of(
                    "{\"id\": 1, \"id\": 2}", "Duplicate field 'id'",
                    "{\"o\": {\"k\": 1, \"k\": 2}}", "Duplicate field 'k'",
                    "{\"j\": {\"a\": 1, \"a\": 2}}", "Duplicate field 'a'",
                    "{\"j\": [{\"a\": 1, \"b\": [], \"a\": 2}]}", "Duplicate field 'a'").entrySet()) {
                assertThatThrownBy(() -> batch.appendDecoded(null, null, decoder, bad.getKey())).as(bad.getKey())
                        .isInstanceOf(DataException.class).hasMessageContaining(bad.getValue());
            }
            assertThat(batch.rows()).isZero();
            batch.appendDecoded(null, null, decoder, "{\"id\": 3, \"j\": {\"a\": 1, \"b\": [true, null]}}");
            batch.appendDecoded(null, null, decoder, "{\"o\": {\"k\": 4}, \"id\": 4}");
            VectorSchemaRoot root = batch.seal();
            assertThat(values(root, "id")).containsExactly(3L, 4L);
            assertThat(values(root, "j")).containsExactly("{\"a\":1,\"b\":[true,null]}", null);
            assertThat(values(root, "o").get(1).toString()).isEqualTo("{\"k\":4}");
        }
    }

    private static List<Object> values(VectorSchemaRoot root, String column) {
        List<Object> out = new ArrayList<>();
        FieldVector v = root.getVector(column);
        for (int i = 0; i < root.getRowCount(); i++) {
            Object o = v.getObject(i);
            out.add(o instanceof Text ? o.toString() : o);
        }
        return out;
    }
}
