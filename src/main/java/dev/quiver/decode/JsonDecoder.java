package dev.quiver.decode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import dev.quiver.arrow.ColumnAppender.FieldException;
import dev.quiver.arrow.DirectWrites;
import dev.quiver.decode.JsonTree.Node;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeStampMilliTZVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/**
 * Decodes JSON text or UTF-8 bytes of a declared schema straight into a batch's value vectors: Jackson's streaming
 * parser feeds one small reader per column, chosen once per batch, and no Map, Struct or JsonNode exists per record.
 *
 * <p>Coercions, each applied only where the declared type asks for it:
 * <ul>
 *   <li>integer fields take JSON integers that fit the column, numbers with a zero fraction ({@code 42.0}) and
 *       strings holding such a number ({@code "42"}); anything that does not fit, or has a fraction, is a bad
 *       record, never a truncation;</li>
 *   <li>number fields take any JSON number and numeric strings ({@code "42.00"}); NaN and Infinity are refused, as
 *       text and as tokens;</li>
 *   <li>boolean fields take {@code true}/{@code false} and the strings "true"/"false" (any case);</li>
 *   <li>string fields take strings, and numbers and booleans as their JSON text exactly as written ({@code 42.00}
 *       stays "42.00"); objects and arrays are a bad record;</li>
 *   <li>timestamp fields take epoch milliseconds (a JSON integer or a string of digits) or ISO-8601 text: with an
 *       offset or zone ({@code 2024-05-01T12:00:00.123+02:00}, {@code ...Z}), without one (read as UTC), a space
 *       instead of the T, or a bare date (midnight UTC); digits past milliseconds are truncated;</li>
 *   <li>date fields take ISO dates ({@code 2024-05-01}); time fields ISO times ({@code 12:30:00.250});</li>
 *   <li>bytes fields take base64 text; decimal fields (Connect schemas only) numbers or numeric strings that fit the
 *       scale exactly;</li>
 *   <li>an empty or blank string in a number, boolean, timestamp, date or time field is null, or a bad record when
 *       the field is required.</li>
 * </ul>
 *
 * <p>Fields not in the schema are skipped unread (their syntax is still checked). A missing field is null; a missing
 * required field is a bad record. Strict like {@link JsonValues}: duplicate keys, NaN/Infinity, invalid UTF-8 or
 * unpaired surrogates, text after the document and nesting deeper than {@link JsonValues#MAX_DEPTH} levels are bad
 * records, with the field path (e.g. {@code items[3].price}) and the problem in the message. The parser's own depth
 * limit and a schema depth limit keep the decoder's recursion shallow, so no StackOverflowError can escape.
 *
 * <p>Bytes that begin with the Confluent wire-format header (a zero magic byte and a 4-byte schema id, as the JSON
 * Schema serializer writes them) have the header skipped: JSON text never starts with a zero byte.
 *
 * <p>Not thread-safe: one decoder per task (it keeps per-batch readers and a scratch buffer).
 */
public final class JsonDecoder implements ValueDecoder {
    private static final long MILLIS_PER_DAY = 86_400_000L;
    private static final int CONFLUENT_HEADER = 5;

    private final Schema schema;
    private final Set<String> presentRequired;
    private final Utf8Buffer utf8 = new Utf8Buffer();
    private final JsonTree readers = new Readers();
    private final ColumnBindings<Node> bindings = new ColumnBindings<>(this::bind);

    /**
     * A decoder for values of {@code schema}: a required struct (one column per field) or any other schema (one
     * column). Every nullable field may be absent; use {@link #fromJsonSchema} for JSON Schema's "required".
     */
    public JsonDecoder(Schema schema) {
        this(schema, Set.of());
    }

    private JsonDecoder(Schema schema, Set<String> presentRequired) {
        this.schema = Objects.requireNonNull(schema, "schema");
        this.presentRequired = presentRequired;
        // Fails now, not at the first record, if the schema has a type the decoder cannot read.
        checkSupported(schema, schema.type() == Schema.Type.STRUCT ? "" : "value", 0);
    }

    /** A decoder for the JSON Schema document {@code jsonSchema}; see {@link JsonSchemas} for the supported subset. */
    public static JsonDecoder fromJsonSchema(String jsonSchema) {
        JsonSchemas.Declared declared = JsonSchemas.translate(jsonSchema);
        return new JsonDecoder(declared.schema(), declared.presentRequired());
    }

    @Override
    public Schema valueSchema() {
        return schema;
    }

    @Override
    public void decode(Object raw, List<FieldVector> columns, int row) {
        Node root = bindings.forColumns(columns);
        // First without Jackson's duplicate-key check; any doubt, or any failure, and the strict read decides.
        readers.unchecked = false;
        try {
            decode(JsonTree.FAST, raw, root, row);
            if (!readers.unchecked) {
                return;
            }
        } catch (RuntimeException firstRead) {
            // Read again below: the strict read's error (or success) is the one the record gets.
        }
        decode(JsonTree.FACTORY, raw, root, row);
    }

    private void decode(JsonFactory factory, Object raw, Node root, int row) {
        JsonParser parser = null;
        try {
            parser = open(factory, raw);
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw new DataException("value is empty: no JSON document");
            }
            if (token == JsonToken.VALUE_NULL) {
                throw new DataException("value is JSON null; declared values must be " + describe(schema));
            }
            root.read(parser, token, row);
            if (parser.nextToken() != null) {
                throw new DataException("value has more text after its JSON document (" + location(parser) + ")");
            }
        } catch (IOException e) {
            throw unreadable(parser, e);
        } finally {
            JsonTree.close(parser);
        }
    }

    private JsonParser open(JsonFactory factory, Object raw) throws IOException {
        if (raw instanceof byte[]) {
            byte[] bytes = (byte[]) raw;
            int skip = hasConfluentHeader(bytes, 0, bytes.length) ? CONFLUENT_HEADER : 0;
            return factory.createParser(bytes, skip, bytes.length - skip);
        }
        if (raw instanceof String) {
            return factory.createParser((String) raw);
        }
        if (raw instanceof ByteBuffer) {
            ByteBuffer buffer = (ByteBuffer) raw;
            if (buffer.hasArray()) {
                int offset = buffer.arrayOffset() + buffer.position();
                int length = buffer.remaining();
                int skip = hasConfluentHeader(buffer.array(), offset, length) ? CONFLUENT_HEADER : 0;
                return factory.createParser(buffer.array(), offset + skip, length - skip);
            }
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            return open(factory, bytes);
        }
        throw new DataException("value is a " + (raw == null ? "null" : raw.getClass().getSimpleName())
                + ", but a JSON decoder needs a string or bytes; use StringConverter or ByteArrayConverter");
    }

    private static boolean hasConfluentHeader(byte[] bytes, int offset, int length) {
        return length > CONFLUENT_HEADER && bytes[offset] == 0;
    }

    private Node bind(List<FieldVector> columns) {
        return readers.root(schema, columns);
    }

    private static void checkSupported(Schema s, String path, int depth) {
        if (depth > JsonSchemas.MAX_SCHEMA_DEPTH) {
            throw new IllegalArgumentException("schema nests deeper than " + JsonSchemas.MAX_SCHEMA_DEPTH + " at "
                    + path);
        }
        switch (s.type()) {
            case STRUCT:
                for (Field f : s.fields()) {
                    checkSupported(f.schema(), path.isEmpty() ? f.name() : path + "." + f.name(), depth + 1);
                }
                break;
            case ARRAY:
                checkSupported(s.valueSchema(), path + "[]", depth + 1);
                break;
            case MAP:
                if (s.keySchema().type() != Schema.Type.STRING || s.keySchema().name() != null) {
                    throw new IllegalArgumentException("field '" + path + "' is a map with " + describe(s.keySchema())
                            + " keys; JSON object keys are strings");
                }
                checkSupported(s.valueSchema(), path + ".value", depth + 1);
                break;
            default:
                break;
        }
    }

    private static String describe(Schema s) {
        return s.name() != null ? s.name() : s.type().toString().toLowerCase(java.util.Locale.ROOT);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Errors

    /** The dotted path of where the parser is, from its context: {@code items[3].price}; "value" at the root. */
    static String pathOf(JsonParser parser) {
        if (parser == null) {
            return "value";
        }
        return pathOf(parser.getParsingContext());
    }

    /** The path of the value the parser's current token starts (for errors the decoder itself finds). */
    static String valuePathOf(JsonParser parser) {
        JsonStreamContext context = parser.getParsingContext();
        JsonToken token = parser.currentToken();
        if ((token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) && context.getParent() != null) {
            // At the opening token the context is already the new container's; the value is in its parent's.
            context = context.getParent();
        }
        return pathOf(context);
    }

    static String pathOf(JsonStreamContext context) {
        List<String> segments = new ArrayList<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                segments.add("[" + Math.max(c.getCurrentIndex(), 0) + "]");
            } else if (c.getCurrentName() != null) {
                segments.add("." + c.getCurrentName());
            }
        }
        if (segments.isEmpty()) {
            return "value";
        }
        StringBuilder path = new StringBuilder();
        int n = segments.size();
        // A document nested hundreds of levels deep would make a path as long; name the top and bottom of it.
        int shown = 0;
        for (int i = n - 1; i >= 0; i--, shown++) {
            if (n > 24 && shown == 12) {
                path.append("...(").append(n - 20).append(" more levels)...");
                i = 8;
                continue;
            }
            path.append(segments.get(i));
        }
        return path.charAt(0) == '.' ? path.substring(1) : path.toString();
    }

    private static String location(JsonParser parser) {
        var location = parser.currentLocation();
        return "line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    static DataException invalidJson(JsonParser parser, JsonProcessingException e) {
        String where = parser == null ? "value" : pathOf(parser);
        String at = e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        String problem = "is not valid JSON: " + e.getOriginalMessage() + at;
        return where.equals("value") ? new DataException("value " + problem) : new FieldException(where, problem);
    }

    /** What an IOException while reading {@code parser} makes of the value: invalid JSON, or unreadable. */
    static DataException unreadable(JsonParser parser, IOException e) {
        if (e instanceof JsonProcessingException) {
            return invalidJson(parser, (JsonProcessingException) e);
        }
        return new DataException("value cannot be read as JSON: " + e.getMessage(), e);
    }

    static FieldException fail(JsonParser parser, String problem) {
        return new FieldException(valuePathOf(parser), problem);
    }

    static FieldException typeError(JsonParser parser, String expected, JsonToken token) {
        return fail(parser, "expected " + expected + " but got " + describe(token));
    }

    private static String describe(JsonToken token) {
        switch (token) {
            case START_OBJECT:
                return "an object";
            case START_ARRAY:
                return "an array";
            case VALUE_STRING:
                return "a string";
            case VALUE_NUMBER_INT:
                return "an integer";
            case VALUE_NUMBER_FLOAT:
                return "a number";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "a boolean";
            case VALUE_NULL:
                return "null";
            default:
                return token.toString();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Readers: one per column, writing at a given index; {@link Node#read} never sees a JSON null. Structs, lists and
    // nulls are {@link JsonTree}'s; the leaves and maps below apply the coercions of a declared schema.

    /** With a declared schema a token that does not fit is a bad record, named by the path of its field. */
    private static final class BadRecord implements JsonTree.Mismatch {
        @Override
        public RuntimeException nullValue(JsonParser p) {
            return fail(p, "is required but the value is null");
        }

        @Override
        public RuntimeException wrongToken(JsonParser p, String expected, JsonToken token) {
            return typeError(p, expected, token);
        }

        @Override
        public void unknownField(JsonParser p) throws IOException {
            // Skipped unread; the parser still checks its syntax.
            p.nextToken();
            p.skipChildren();
        }

        @Override
        public void emptyObject(JsonParser p) {
            // An object like any other: its fields are missing.
        }

        @Override
        public RuntimeException missingField(JsonParser p, String name) {
            String at = valuePathOf(p);
            return new FieldException(at.equals("value") ? name : at + "." + name, "is required but missing");
        }
    }

    private static final BadRecord BAD_RECORD = new BadRecord();

    /** The declared schema's leaves and maps; "required" in its JSON Schema says which fields must be present. */
    private final class Readers extends JsonTree {
        Readers() {
            super(BAD_RECORD);
        }

        @Override
        Node leaf(Schema s, FieldVector vector, String path) {
            boolean nullable = s.isOptional();
            if (s.name() != null) {
                switch (s.name()) {
                    case Timestamp.LOGICAL_NAME:
                        return new TimestampNode(nullable, (TimeStampMilliTZVector) vector);
                    case Date.LOGICAL_NAME:
                        return new DateNode(nullable, (DateDayVector) vector);
                    case Time.LOGICAL_NAME:
                        return new TimeNode(nullable, (TimeMilliVector) vector);
                    case Decimal.LOGICAL_NAME:
                        return new DecimalNode(nullable, (DecimalVector) vector);
                    default:
                        break;
                }
            }
            switch (s.type()) {
                case INT8:
                    return new IntegerNode<>(nullable, (TinyIntVector) vector, Byte.MIN_VALUE, Byte.MAX_VALUE,
                            "an int8", (v, i, value) -> v.setSafe(i, (byte) value));
                case INT16:
                    return new IntegerNode<>(nullable, (SmallIntVector) vector, Short.MIN_VALUE, Short.MAX_VALUE,
                            "an int16", (v, i, value) -> v.setSafe(i, (short) value));
                case INT32:
                    return new IntegerNode<>(nullable, (IntVector) vector, Integer.MIN_VALUE, Integer.MAX_VALUE,
                            "an int32", (v, i, value) -> v.setSafe(i, (int) value));
                case INT64:
                    return new IntegerNode<>(nullable, (BigIntVector) vector, Long.MIN_VALUE, Long.MAX_VALUE,
                            "an int64", BigIntVector::setSafe);
                case FLOAT32:
                    return new Float32Node(nullable, (Float4Vector) vector);
                case FLOAT64:
                    return new Float64Node(nullable, (Float8Vector) vector);
                case BOOLEAN:
                    return new BooleanNode(nullable, (BitVector) vector);
                case STRING:
                    return new StringNode(nullable, (VarCharVector) vector);
                case BYTES:
                    return new BytesNode(nullable, (VarBinaryVector) vector);
                case MAP: {
                    MapVector map = (MapVector) vector;
                    StructVector entries = (StructVector) map.getDataVector();
                    Node value = create(s.valueSchema(), (FieldVector) entries.getChildByOrdinal(1), path + ".value");
                    return new MapNode(nullable, map, entries, (VarCharVector) entries.getChildByOrdinal(0), value);
                }
                default:
                    // Structs and arrays are the tree's to build.
                    return null;
            }
        }

        @Override
        boolean mustBePresent(Field field, String path) {
            return !field.schema().isOptional() || presentRequired.contains(path);
        }
    }

    /** A leaf of a declared schema: a null where it allows none is a bad record, like any token that does not fit. */
    private abstract static class Scalar<V extends FieldVector> extends JsonTree.Leaf<V> {
        Scalar(boolean nullable, V vector) {
            super(nullable, BAD_RECORD, vector);
        }

        /** A blank string in a non-text field: null when allowed. */
        final void blank(JsonParser p, int i) {
            if (!nullable) {
                throw fail(p, "is required but the value is an empty string");
            }
            writeNull(i);
        }
    }

    private final class MapNode extends Node {
        private final MapVector vector;
        private final StructVector entries;
        private final VarCharVector keys;
        private final Node value;

        MapNode(boolean nullable, MapVector vector, StructVector entries, VarCharVector keys, Node value) {
            super(nullable, BAD_RECORD);
            this.vector = vector;
            this.entries = entries;
            this.keys = keys;
            this.value = value;
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            if (token != JsonToken.START_OBJECT) {
                throw typeError(p, "an object", token);
            }
            // Its keys are not checked for duplicates here: the strict read does it.
            readers.unchecked = true;
            int start = vector.startNewValue(i);
            int n = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                int at = start + n;
                entries.setIndexDefined(at);
                String key = p.currentName();
                if (!utf8.encode(key)) {
                    throw fail(p, "has a key with an unpaired surrogate, which is not valid Unicode");
                }
                DirectWrites.setBytes(keys, at, utf8.bytes, 0, utf8.length);
                value.readOrNull(p, p.nextToken(), at);
                n++;
            }
            vector.endValue(i, n);
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }

    private final class StringNode extends Scalar<VarCharVector> {
        StringNode(boolean nullable, VarCharVector vector) {
            super(nullable, vector);
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            switch (token) {
                case VALUE_STRING:
                case VALUE_NUMBER_INT:
                case VALUE_NUMBER_FLOAT:
                case VALUE_TRUE:
                case VALUE_FALSE:
                    // Numbers and booleans keep the text they were written with.
                    if (!utf8.encode(p.getTextCharacters(), p.getTextOffset(), p.getTextLength())) {
                        throw fail(p, "has an unpaired surrogate, which is not valid Unicode");
                    }
                    DirectWrites.setBytes(vector, i, utf8.bytes, 0, utf8.length);
                    return;
                default:
                    throw typeError(p, "a string", token);
            }
        }
    }

    private static final class BytesNode extends Scalar<VarBinaryVector> {
        BytesNode(boolean nullable, VarBinaryVector vector) {
            super(nullable, vector);
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            if (token != JsonToken.VALUE_STRING) {
                throw typeError(p, "base64 text", token);
            }
            try {
                vector.setSafe(i, Base64.getDecoder().decode(p.getText()));
            } catch (IllegalArgumentException e) {
                throw fail(p, "is not valid base64: " + e.getMessage());
            }
        }
    }

    /** Every integer column: an exact long from an integer, an integral number or a numeric string. */
    private static final class IntegerNode<V extends FieldVector> extends Scalar<V> {
        /** Writes a value already checked to fit the column. */
        interface Setter<V> {
            void set(V vector, int i, long value);
        }

        private final long min;
        private final long max;
        private final String type;
        private final Setter<V> setter;

        IntegerNode(boolean nullable, V vector, long min, long max, String type, Setter<V> setter) {
            super(nullable, vector);
            this.min = min;
            this.max = max;
            this.type = type;
            this.setter = setter;
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            long value;
            if (token == JsonToken.VALUE_NUMBER_INT) {
                JsonParser.NumberType numberType = p.getNumberType();
                if (numberType == JsonParser.NumberType.BIG_INTEGER) {
                    throw outOfRange(p, p.getText());
                }
                value = numberType == JsonParser.NumberType.INT ? p.getIntValue() : p.getLongValue();
            } else if (token == JsonToken.VALUE_NUMBER_FLOAT) {
                value = exactLong(p, p.getDecimalValue(), p.getText());
            } else if (token == JsonToken.VALUE_STRING) {
                String text = p.getText().trim();
                if (text.isEmpty()) {
                    blank(p, i);
                    return;
                }
                try {
                    value = exactLong(p, new BigDecimal(text), text);
                } catch (NumberFormatException e) {
                    throw fail(p, "expected " + type + " but got the string \"" + abbreviate(text) + "\"");
                }
            } else {
                throw typeError(p, type, token);
            }
            if (value < min || value > max) {
                throw outOfRange(p, Long.toString(value));
            }
            setter.set(vector, i, value);
        }

        private long exactLong(JsonParser p, BigDecimal decimal, String text) {
            try {
                return decimal.longValueExact();
            } catch (ArithmeticException e) {
                if (decimal.stripTrailingZeros().scale() > 0) {
                    throw fail(p, "expected " + type + " but got " + abbreviate(text) + ", which has a fraction");
                }
                throw outOfRange(p, text);
            }
        }

        private FieldException outOfRange(JsonParser p, String text) {
            return fail(p, "has " + abbreviate(text) + ", which does not fit " + type);
        }
    }

    /** A finite double from a number or a numeric string; NaN and Infinity are refused. */
    private static double readDouble(JsonParser p, JsonToken token, String type) throws IOException {
        if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
            return p.getDoubleValue();
        }
        if (token == JsonToken.VALUE_STRING) {
            String text = p.getText().trim();
            try {
                // BigDecimal's grammar: no hex, no "NaN", no "Infinity", no trailing 'd' or 'f'.
                return new BigDecimal(text).doubleValue();
            } catch (NumberFormatException e) {
                throw fail(p, "expected " + type + " but got the string \"" + abbreviate(text) + "\"");
            }
        }
        throw typeError(p, type, token);
    }

    private static boolean isBlankString(JsonParser p, JsonToken token) throws IOException {
        if (token != JsonToken.VALUE_STRING) {
            return false;
        }
        char[] chars = p.getTextCharacters();
        int end = p.getTextOffset() + p.getTextLength();
        for (int k = p.getTextOffset(); k < end; k++) {
            if (!Character.isWhitespace(chars[k])) {
                return false;
            }
        }
        return true;
    }

    private static final class Float64Node extends Scalar<Float8Vector> {
        Float64Node(boolean nullable, Float8Vector vector) {
            super(nullable, vector);
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            if (isBlankString(p, token)) {
                blank(p, i);
                return;
            }
            double value = readDouble(p, token, "a number");
            if (!Double.isFinite(value)) {
                throw fail(p, "has " + abbreviate(p.getText()) + ", which is beyond the range of a float64");
            }
            vector.setSafe(i, value);
        }
    }

    private static final class Float32Node extends Scalar<Float4Vector> {
        Float32Node(boolean nullable, Float4Vector vector) {
            super(nullable, vector);
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            if (isBlankString(p, token)) {
                blank(p, i);
                return;
            }
            float value;
            if (token == JsonToken.VALUE_STRING) {
                value = (float) readDouble(p, token, "a number");
            } else if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
                value = p.getFloatValue();
            } else {
                throw typeError(p, "a number", token);
            }
            if (!Float.isFinite(value)) {
                throw fail(p, "has " + abbreviate(p.getText()) + ", which is beyond the range of a float32");
            }
            vector.setSafe(i, value);
        }
    }

    private static final class DecimalNode extends Scalar<DecimalVector> {
        DecimalNode(boolean nullable, DecimalVector vector) {
            super(nullable, vector);
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            if (isBlankString(p, token)) {
                blank(p, i);
                return;
            }
            BigDecimal value;
            if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
                value = p.getDecimalValue();
            } else if (token == JsonToken.VALUE_STRING) {
                try {
                    value = new BigDecimal(p.getText().trim());
                } catch (NumberFormatException e) {
                    throw fail(p, "expected a decimal but got the string \"" + abbreviate(p.getText()) + "\"");
                }
            } else {
                throw typeError(p, "a decimal", token);
            }
            try {
                value = value.setScale(vector.getScale(), RoundingMode.UNNECESSARY);
            } catch (ArithmeticException e) {
                throw fail(p, "has " + value + ", which has more than the " + vector.getScale() + " decimal places of"
                        + " its column");
            }
            if (value.precision() > vector.getPrecision()) {
                throw fail(p, "has " + value + ", more digits than the precision " + vector.getPrecision()
                        + " of its column");
            }
            vector.setSafe(i, value);
        }
    }

    private static final class BooleanNode extends Scalar<BitVector> {
        BooleanNode(boolean nullable, BitVector vector) {
            super(nullable, vector);
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            if (token == JsonToken.VALUE_TRUE) {
                vector.setSafe(i, 1);
            } else if (token == JsonToken.VALUE_FALSE) {
                vector.setSafe(i, 0);
            } else if (token == JsonToken.VALUE_STRING) {
                String text = p.getText().trim();
                if (text.equalsIgnoreCase("true")) {
                    vector.setSafe(i, 1);
                } else if (text.equalsIgnoreCase("false")) {
                    vector.setSafe(i, 0);
                } else if (text.isEmpty()) {
                    blank(p, i);
                } else {
                    throw fail(p, "expected a boolean but got the string \"" + abbreviate(text) + "\"");
                }
            } else {
                throw typeError(p, "a boolean", token);
            }
        }
    }

    private static final DateTimeFormatter ISO_DATE_TIME = DateTimeFormatter.ISO_DATE_TIME;

    /** Epoch milliseconds of an ISO-8601 text, or digits as epoch milliseconds; null when it is neither. */
    static Long parseTimestamp(String text) {
        int n = text.length();
        if (n == 0) {
            return null;
        }
        int first = text.charAt(0) == '-' ? 1 : 0;
        boolean digits = n > first;
        for (int k = first; k < n && digits; k++) {
            digits = text.charAt(k) >= '0' && text.charAt(k) <= '9';
        }
        if (digits) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        try {
            if (n == 10) {
                return LocalDate.parse(text).toEpochDay() * MILLIS_PER_DAY;
            }
            String iso = n > 10 && text.charAt(10) == ' ' ? text.substring(0, 10) + 'T' + text.substring(11) : text;
            TemporalAccessor parsed = ISO_DATE_TIME.parseBest(iso, ZonedDateTime::from, LocalDateTime::from);
            if (parsed instanceof ZonedDateTime) {
                return ((ZonedDateTime) parsed).toInstant().toEpochMilli();
            }
            return ((LocalDateTime) parsed).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeException | ArithmeticException e) {
            return null;
        }
    }

    private static final class TimestampNode extends Scalar<TimeStampMilliTZVector> {
        TimestampNode(boolean nullable, TimeStampMilliTZVector vector) {
            super(nullable, vector);
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            if (token == JsonToken.VALUE_NUMBER_INT) {
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    throw fail(p, "has " + abbreviate(p.getText()) + ", which is not a timestamp in epoch milliseconds");
                }
                vector.setSafe(i, p.getLongValue());
            } else if (token == JsonToken.VALUE_STRING) {
                String text = p.getText().trim();
                if (text.isEmpty()) {
                    blank(p, i);
                    return;
                }
                Long millis = parseTimestamp(text);
                if (millis == null) {
                    throw fail(p, "expected an ISO-8601 timestamp or epoch milliseconds but got \"" + abbreviate(text)
                            + "\"");
                }
                vector.setSafe(i, millis);
            } else {
                throw typeError(p, "a timestamp (epoch milliseconds or ISO-8601 text)", token);
            }
        }
    }

    private static final class DateNode extends Scalar<DateDayVector> {
        DateNode(boolean nullable, DateDayVector vector) {
            super(nullable, vector);
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            if (token != JsonToken.VALUE_STRING) {
                throw typeError(p, "an ISO-8601 date", token);
            }
            String text = p.getText().trim();
            if (text.isEmpty()) {
                blank(p, i);
                return;
            }
            try {
                vector.setSafe(i, Math.toIntExact(LocalDate.parse(text).toEpochDay()));
            } catch (DateTimeException | ArithmeticException e) {
                throw fail(p, "expected an ISO-8601 date (2024-05-01) but got \"" + abbreviate(text) + "\"");
            }
        }
    }

    private static final class TimeNode extends Scalar<TimeMilliVector> {
        TimeNode(boolean nullable, TimeMilliVector vector) {
            super(nullable, vector);
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            if (token != JsonToken.VALUE_STRING) {
                throw typeError(p, "an ISO-8601 time", token);
            }
            String text = p.getText().trim();
            if (text.isEmpty()) {
                blank(p, i);
                return;
            }
            try {
                vector.setSafe(i, (int) (LocalTime.parse(text).toNanoOfDay() / 1_000_000L));
            } catch (DateTimeException e) {
                throw fail(p, "expected an ISO-8601 time (12:30:00.250) but got \"" + abbreviate(text) + "\"");
            }
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
}
