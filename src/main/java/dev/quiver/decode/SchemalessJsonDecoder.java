package dev.quiver.decode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.quiver.arrow.DirectWrites;
import dev.quiver.arrow.JsonText;
import dev.quiver.arrow.SchemaMerger;
import dev.quiver.decode.JsonTree.Node;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.errors.DataException;

/**
 * {@code value.format=json} without a declared schema: JSON text or UTF-8 bytes streamed by Jackson straight into the
 * value vectors of a batch whose schema is inferred, with no Map, List or per-record Connect schema in between.
 *
 * <p>One decoder serves one batch (a slot of a partition writer), {@linkplain #bind bound} to the batch's current
 * value schema. {@link #decode} writes a record that fits that schema as it is; a record that needs more (a field
 * never seen, an integer where the column holds only nulls so far, a fraction in an integer column, a string where an
 * object was) throws {@link Misfit} instead, leaving the row to be overwritten. The caller then types that record
 * alone with {@link #infer}, merges the result into the batch's schema ({@link SchemaMerger.Mode#LENIENT}), evolves
 * the batch and decodes the record again. With a stable shape every record is parsed once.
 *
 * <p>The types are exactly those of {@code SchemaInference.infer(JsonValues.parse(value))}, the Map path this
 * replaces: integers are int64, other numbers float64, objects structs with their keys sorted, an empty object JSON
 * text, arrays lists of the merge of their elements, null the unknown type; a column whose types conflict holds JSON
 * text, rendered as {@link JsonText#render} renders the parsed value. The bad input {@link JsonValues} refuses is
 * refused here with the same Jackson reason (malformed JSON, invalid UTF-8, NaN/Infinity, duplicate keys, an
 * integer beyond int64, text after the document, nesting deeper than {@link JsonValues#MAX_DEPTH}), plus the path
 * of the field where the parser stopped.
 *
 * <p>Not thread-safe: it keeps its readers and scratch buffers.
 */
public final class SchemalessJsonDecoder implements ValueDecoder {
    /**
     * The record does not fit the bound schema as it is; not a bad record. Thrown often enough while a batch's shape
     * settles that it carries no stack trace; it never leaves the writer that catches it.
     */
    public static final class Misfit extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private Misfit() {
            super("the value needs a wider schema than the batch's", null, false, false);
        }
    }

    private static final Misfit MISFIT = new Misfit();

    /** With an inferred schema every token that does not fit is a misfit: the caller widens the schema. */
    private static final class Misfits implements JsonTree.Mismatch {
        @Override
        public RuntimeException nullValue(JsonParser p) {
            // The merge makes it optional.
            return MISFIT;
        }

        @Override
        public RuntimeException wrongToken(JsonParser p, String expected, JsonToken token) {
            return MISFIT;
        }

        @Override
        public void unknownField(JsonParser p) {
            throw MISFIT;
        }

        @Override
        public void emptyObject(JsonParser p) {
            // An empty object is typed as JSON text, not as a struct.
            throw MISFIT;
        }

        @Override
        public RuntimeException missingField(JsonParser p, String name) {
            // Never asked: every field of an inferred struct may be missing.
            return MISFIT;
        }
    }

    private static final Misfits MISFITS = new Misfits();

    private final Utf8Buffer utf8 = new Utf8Buffer();
    private final StringBuilder text = new StringBuilder();
    private final JsonTree readers = new Readers();
    private Schema schema;
    private List<FieldVector> boundColumns;
    private Schema boundSchema;
    private Node root;
    /** The last document was JSON null: see {@link #decodedNull}. */
    private boolean decodedNull;

    /**
     * Binds the decoder to the value schema of the batch it writes next, which must be a schema this class infers
     * (or a merge of such schemas).
     */
    public void bind(Schema valueSchema) {
        this.schema = valueSchema;
    }

    @Override
    public Schema valueSchema() {
        return schema;
    }

    /**
     * Writes the JSON document {@code raw} into row {@code row}.
     *
     * @throws Misfit when the value needs a schema change first; the row may be half-written and must not count
     * @throws DataException when the value is not valid JSON, naming where and why
     */
    @Override
    public void decode(Object raw, List<FieldVector> columns, int row) {
        if (schema == null) {
            throw new IllegalStateException("bind the decoder to the batch's value schema first");
        }
        if (columns != boundColumns || schema != boundSchema) {
            root = readers.root(schema, columns);
            boundColumns = columns;
            boundSchema = schema;
        }
        // First without Jackson's duplicate-key check; any doubt, or any failure (a misfit too), and the strict read
        // decides, so a record with a repeated key is refused exactly as before.
        readers.unchecked = false;
        try {
            decode(JsonTree.FAST, raw, row);
            if (!readers.unchecked) {
                return;
            }
        } catch (RuntimeException firstRead) {
            // Read again below: the strict read's error, misfit or success is the one the record gets.
        }
        decode(JsonTree.FACTORY, raw, row);
    }

    private void decode(JsonFactory factory, Object raw, int row) {
        decodedNull = false;
        JsonParser parser = null;
        try {
            parser = open(factory, raw);
            JsonToken token = first(parser);
            root.readOrNull(parser, token, row);
            decodedNull = token == JsonToken.VALUE_NULL;
            end(parser);
        } catch (IOException e) {
            throw JsonDecoder.unreadable(parser, e);
        } finally {
            JsonTree.close(parser);
        }
    }

    @Override
    public boolean decodedNull() {
        return decodedNull;
    }

    /**
     * The schema of the JSON document {@code raw}, read as a token stream: equal to
     * {@code SchemaInference.infer(JsonValues.parse(raw))}.
     *
     * @throws DataException when the value is not valid JSON, naming where and why
     */
    public static Schema infer(Object raw) {
        JsonParser parser = null;
        try {
            parser = open(raw);
            Schema inferred = inferValue(parser, first(parser));
            end(parser);
            return inferred;
        } catch (IOException e) {
            throw JsonDecoder.unreadable(parser, e);
        } finally {
            JsonTree.close(parser);
        }
    }

    /**
     * The values of the dotted {@code paths} in the JSON document {@code raw}, as a Map holding only those paths (for
     * folder partitioning by value fields): the leaves are what {@link JsonValues#parse} would give, so
     * {@code PathPartitioner} reads them as before. The whole document is checked as {@link #infer} checks it. Null
     * when the document is not an object.
     *
     * @throws DataException when the value is not valid JSON, naming where and why
     */
    public static Map<String, Object> pick(Object raw, List<String> paths) {
        Pick wanted = new Pick();
        for (String path : paths) {
            Pick at = wanted;
            for (String part : path.split("\\.")) {
                at = at.children.computeIfAbsent(part, k -> new Pick());
            }
            at.whole = true;
        }
        JsonParser parser = null;
        try {
            parser = open(raw);
            JsonToken token = first(parser);
            Map<String, Object> picked = null;
            if (token == JsonToken.START_OBJECT) {
                picked = pickObject(parser, wanted);
            } else {
                parser.skipChildren();
            }
            end(parser);
            return picked;
        } catch (IOException e) {
            throw JsonDecoder.unreadable(parser, e);
        } finally {
            JsonTree.close(parser);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Parsing, shared by the three entry points

    private static JsonParser open(Object raw) throws IOException {
        return open(JsonTree.FACTORY, raw);
    }

    private static JsonParser open(JsonFactory factory, Object raw) throws IOException {
        // The same sources as JsonValues hands to Jackson, so encoding detection and errors are the same.
        if (raw instanceof byte[]) {
            return factory.createParser((byte[]) raw);
        }
        if (raw instanceof String) {
            return factory.createParser((String) raw);
        }
        if (raw instanceof ByteBuffer) {
            ByteBuffer buffer = (ByteBuffer) raw;
            if (buffer.hasArray()) {
                return factory.createParser(buffer.array(), buffer.arrayOffset() + buffer.position(),
                        buffer.remaining());
            }
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            return factory.createParser(bytes);
        }
        throw new DataException("value.format=json needs a string or bytes value, but got "
                + (raw == null ? "null" : raw.getClass().getSimpleName())
                + "; use StringConverter or ByteArrayConverter");
    }

    private static JsonToken first(JsonParser parser) throws IOException {
        JsonToken token = parser.nextToken();
        if (token == null) {
            throw new DataException("value is not valid JSON: it is empty (no content to map due to end-of-input)");
        }
        return token;
    }

    private static void end(JsonParser parser) throws IOException {
        JsonToken trailing = parser.nextToken();
        if (trailing != null) {
            var at = parser.currentLocation();
            throw new DataException("value is not valid JSON: trailing token (of type " + trailing + ") found after"
                    + " the document (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Inference: SchemaInference's rules, applied to tokens

    private static Schema inferValue(JsonParser p, JsonToken token) throws IOException {
        switch (token) {
            case VALUE_NULL:
                return SchemaMerger.UNKNOWN;
            case VALUE_STRING:
                return Schema.OPTIONAL_STRING_SCHEMA;
            case VALUE_NUMBER_INT:
                // As JsonValues reads it: a long, and an integer beyond one is refused by the parser's own check.
                p.getLongValue();
                return Schema.OPTIONAL_INT64_SCHEMA;
            case VALUE_NUMBER_FLOAT:
                return Schema.OPTIONAL_FLOAT64_SCHEMA;
            case VALUE_TRUE:
            case VALUE_FALSE:
                return Schema.OPTIONAL_BOOLEAN_SCHEMA;
            case START_OBJECT: {
                // Sorted keys: the column order does not depend on how the first record happened to order them.
                TreeMap<String, Schema> fields = new TreeMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    if (name.isEmpty()) {
                        throw JsonDecoder.fail(p, "has an empty key, which cannot name a column");
                    }
                    fields.put(name, inferValue(p, p.nextToken()));
                }
                if (fields.isEmpty()) {
                    // An empty object says nothing about its fields; JSON text keeps it without inventing columns.
                    return JsonText.SCHEMA;
                }
                SchemaBuilder struct = SchemaBuilder.struct().optional();
                fields.forEach(struct::field);
                return struct.build();
            }
            case START_ARRAY: {
                Schema element = SchemaMerger.UNKNOWN;
                JsonToken t;
                while ((t = JsonTree.nextElement(p)) != null) {
                    element = SchemaMerger.merge(element, inferValue(p, t), SchemaMerger.Mode.LENIENT);
                }
                return SchemaBuilder.array(SchemaMerger.optionalIf(element, true)).optional().build();
            }
            default:
                throw JsonDecoder.fail(p, "has an unexpected " + token);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Picking partition fields

    /** A trie of the wanted paths; {@code whole} where a path ends, so its value is kept entire. */
    private static final class Pick {
        final Map<String, Pick> children = new HashMap<>();
        boolean whole;
    }

    private static Map<String, Object> pickObject(JsonParser p, Pick wanted) throws IOException {
        Map<String, Object> out = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            Pick at = wanted.children.get(p.currentName());
            String name = p.currentName();
            JsonToken token = p.nextToken();
            if (at == null) {
                p.skipChildren();
            } else if (at.whole) {
                out.put(name, materialize(p, token));
            } else if (token == JsonToken.START_OBJECT) {
                out.put(name, pickObject(p, at));
            } else {
                // Not an object: the deeper path finds nothing, as with the parsed value.
                p.skipChildren();
            }
        }
        return out;
    }

    /** The value JsonValues would give: Long, Double, String, Boolean, null, or Map and List of those. */
    private static Object materialize(JsonParser p, JsonToken token) throws IOException {
        switch (token) {
            case VALUE_NULL:
                return null;
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case START_OBJECT: {
                Map<String, Object> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    map.put(name, materialize(p, p.nextToken()));
                }
                return map;
            }
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                JsonToken t;
                while ((t = JsonTree.nextElement(p)) != null) {
                    list.add(materialize(p, t));
                }
                return list;
            }
            default:
                throw JsonDecoder.fail(p, "has an unexpected " + token);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Readers: one per column of the bound schema

    /** The leaves of inferred types; structs and lists are {@link JsonTree}'s, and no field must be present. */
    private final class Readers extends JsonTree {
        Readers() {
            super(MISFITS);
        }

        @Override
        Node leaf(Schema s, FieldVector vector, String path) {
            boolean nullable = s.isOptional();
            if (SchemaMerger.isUnknown(s)) {
                return new UnknownNode(nullable, vector);
            }
            if (JsonText.is(s)) {
                return new JsonTextNode(nullable, (VarCharVector) vector);
            }
            if (s.name() == null) {
                switch (s.type()) {
                    case INT64:
                        return new Int64Node(nullable, (BigIntVector) vector);
                    case FLOAT64:
                        return new Float64Node(nullable, (Float8Vector) vector);
                    case BOOLEAN:
                        return new BooleanNode(nullable, (BitVector) vector);
                    case STRING:
                        return new StringNode(nullable, (VarCharVector) vector);
                    case STRUCT:
                    case ARRAY:
                        return null;
                    default:
                        break;
                }
            }
            // Inference never makes these; a batch of schemaless JSON cannot hold them.
            throw new IllegalStateException("a schemaless JSON batch has a column of type "
                    + (s.name() != null ? s.name() : s.type().toString()));
        }

        @Override
        boolean mustBePresent(Field field, String path) {
            return false;
        }
    }

    /** A column that held only nulls so far: any value changes its type. */
    private static final class UnknownNode extends JsonTree.Leaf<FieldVector> {
        UnknownNode(boolean nullable, FieldVector vector) {
            super(nullable, MISFITS, vector);
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) {
            throw MISFIT;
        }
    }

    private static final class Int64Node extends JsonTree.Leaf<BigIntVector> {
        Int64Node(boolean nullable, BigIntVector vector) {
            super(nullable, MISFITS, vector);
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            if (token != JsonToken.VALUE_NUMBER_INT) {
                throw MISFIT;
            }
            long value = p.getLongValue();
            if (!DirectWrites.putLong(vector, i, value)) {
                vector.setSafe(i, value);
            }
        }
    }

    private static final class Float64Node extends JsonTree.Leaf<Float8Vector> {
        Float64Node(boolean nullable, Float8Vector vector) {
            super(nullable, MISFITS, vector);
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            double value;
            if (token == JsonToken.VALUE_NUMBER_FLOAT) {
                value = p.getDoubleValue();
            } else if (token == JsonToken.VALUE_NUMBER_INT) {
                // An integer in a widened column: the long's nearest double, as the Map path converted it.
                value = (double) p.getLongValue();
            } else {
                throw MISFIT;
            }
            if (!DirectWrites.putLong(vector, i, Double.doubleToRawLongBits(value))) {
                vector.setSafe(i, value);
            }
        }
    }

    private static final class BooleanNode extends JsonTree.Leaf<BitVector> {
        BooleanNode(boolean nullable, BitVector vector) {
            super(nullable, MISFITS, vector);
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) {
            if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
                throw MISFIT;
            }
            boolean value = token == JsonToken.VALUE_TRUE;
            if (!DirectWrites.putBit(vector, i, value)) {
                vector.setSafe(i, value ? 1 : 0);
            }
        }
    }

    private final class StringNode extends JsonTree.Leaf<VarCharVector> {
        StringNode(boolean nullable, VarCharVector vector) {
            super(nullable, MISFITS, vector);
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            if (token != JsonToken.VALUE_STRING) {
                throw MISFIT;
            }
            if (utf8.encode(p.getTextCharacters(), p.getTextOffset(), p.getTextLength())) {
                DirectWrites.setBytes(vector, i, utf8.bytes, 0, utf8.length);
            } else {
                // An escaped unpaired surrogate: Java's encoder writes '?' for it, as the Map path did.
                vector.setSafe(i, p.getText().getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** A column whose types conflicted: every value as compact JSON text, exactly as {@link JsonText#render}. */
    private final class JsonTextNode extends JsonTree.Leaf<VarCharVector> {
        JsonTextNode(boolean nullable, VarCharVector vector) {
            super(nullable, MISFITS, vector);
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                // Rendered without a check of its keys: the strict read does it.
                readers.unchecked = true;
            }
            StringBuilder out = text;
            out.setLength(0);
            render(p, token, out);
            vector.setSafe(i, out.toString().getBytes(StandardCharsets.UTF_8));
        }

        private void render(JsonParser p, JsonToken token, StringBuilder out) throws IOException {
            switch (token) {
                case VALUE_NULL:
                    out.append("null");
                    break;
                case VALUE_STRING:
                    JsonText.quote(out, p.getText());
                    break;
                case VALUE_NUMBER_INT:
                    out.append(p.getLongValue());
                    break;
                case VALUE_NUMBER_FLOAT: {
                    double d = p.getDoubleValue();
                    if (Double.isFinite(d)) {
                        out.append(Double.toString(d));
                    } else {
                        // An overflowing literal (1e400) parses to Infinity; JSON text keeps it as a string.
                        JsonText.quote(out, Double.toString(d));
                    }
                    break;
                }
                case VALUE_TRUE:
                    out.append("true");
                    break;
                case VALUE_FALSE:
                    out.append("false");
                    break;
                case START_OBJECT: {
                    out.append('{');
                    boolean first = true;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        if (!first) {
                            out.append(',');
                        }
                        first = false;
                        JsonText.quote(out, p.currentName());
                        out.append(':');
                        render(p, p.nextToken(), out);
                    }
                    out.append('}');
                    break;
                }
                case START_ARRAY: {
                    out.append('[');
                    boolean first = true;
                    JsonToken t;
                    while ((t = JsonTree.nextElement(p)) != null) {
                        if (!first) {
                            out.append(',');
                        }
                        first = false;
                        render(p, t, out);
                    }
                    out.append(']');
                    break;
                }
                default:
                    throw JsonDecoder.fail(p, "has an unexpected " + token);
            }
        }
    }
}
