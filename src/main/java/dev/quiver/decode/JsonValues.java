package dev.quiver.decode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.kafka.connect.errors.DataException;

/**
 * Parses a JSON value (text or UTF-8 bytes) into the Maps, Lists and primitives that schemaless Connect data uses, so
 * that it is typed by the same inference as JsonConverter's schemaless output. {@code value.format=json} values no
 * longer take this path: {@link SchemalessJsonDecoder} streams them into the columns with the same types and the same
 * refusals, and its tests use this parse as their reference.
 *
 * <p>Strict on purpose: duplicate keys, NaN and Infinity, trailing garbage and nesting deeper than
 * {@link #MAX_DEPTH} are errors, because a landing zone that silently picks one of two duplicate keys is not
 * trustworthy. Deep nesting is refused by the parser's own limit, so no StackOverflowError can escape.
 */
public final class JsonValues {
    /** The deepest nesting accepted; real documents stay far below it. */
    public static final int MAX_DEPTH = 200;

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_LONG_FOR_INTS);

    private JsonValues() {
    }

    /**
     * Parses {@code value}: a String, byte[] or ByteBuffer holding one JSON document.
     *
     * @throws DataException naming the problem and where in the document it is
     */
    public static Object parse(Object value) {
        try {
            if (value instanceof String) {
                return MAPPER.readValue((String) value, Object.class);
            }
            if (value instanceof byte[]) {
                return MAPPER.readValue((byte[]) value, Object.class);
            }
            if (value instanceof ByteBuffer) {
                ByteBuffer buffer = ((ByteBuffer) value).duplicate();
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                return MAPPER.readValue(bytes, Object.class);
            }
        } catch (JsonProcessingException e) {
            throw new DataException("is not valid JSON: " + e.getOriginalMessage() + location(e));
        } catch (IOException e) {
            throw new DataException("cannot be read as JSON: " + e.getMessage());
        }
        throw new DataException("value.format=json needs a string or bytes value, but got "
                + (value == null ? "null" : value.getClass().getSimpleName())
                + "; use StringConverter or ByteArrayConverter");
    }

    private static String location(JsonProcessingException e) {
        if (e.getLocation() == null) {
            return "";
        }
        return " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }
}
