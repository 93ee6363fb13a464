package dev.quiver.arrow;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * The column type of last resort for schemaless data: a field whose types conflict beyond widening is kept as JSON
 * text, so no value is ever dropped. Parquet sees a plain string column; readers parse it with their JSON functions.
 */
public final class JsonText {
    /** Marks a string column whose values are JSON documents. */
    public static final String LOGICAL_NAME = "dev.quiver.JsonText";
    /** The schema of such a column. */
    public static final Schema SCHEMA = SchemaBuilder.string().name(LOGICAL_NAME).optional().build();

    private JsonText() {
    }

    /** True for a JSON-text column's schema. */
    public static boolean is(Schema schema) {
        return LOGICAL_NAME.equals(schema.name());
    }

    /**
     * Text already in JSON form, read back from a JSON-text column: it is copied as it is, where a plain
     * {@code String} would be quoted as a JSON string.
     */
    public record Raw(String json) {
    }

    /** {@code value} as compact JSON. Bytes become base64 strings, dates their epoch milliseconds. */
    public static String render(Object value) {
        if (value instanceof Raw) {
            return ((Raw) value).json();
        }
        StringBuilder out = new StringBuilder();
        write(out, value);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Raw) {
            out.append(((Raw) value).json());
        } else if (value instanceof String) {
            quote(out, (String) value);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            // JSON has no NaN or Infinity; a string keeps the value readable instead of producing invalid JSON.
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                quote(out, value.toString());
            } else {
                out.append(value);
            }
        } else if (value instanceof BigDecimal) {
            out.append(((BigDecimal) value).toPlainString());
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof byte[]) {
            quote(out, Base64.getEncoder().encodeToString((byte[]) value));
        } else if (value instanceof ByteBuffer) {
            ByteBuffer buffer = ((ByteBuffer) value).duplicate();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            quote(out, Base64.getEncoder().encodeToString(bytes));
        } else if (value instanceof java.util.Date) {
            out.append(((java.util.Date) value).getTime());
        } else if (value instanceof Struct) {
            Struct struct = (Struct) value;
            out.append('{');
            boolean first = true;
            for (Field field : struct.schema().fields()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                quote(out, field.name());
                out.append(':');
                write(out, struct.get(field));
            }
            out.append('}');
        } else if (value instanceof Map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                quote(out, String.valueOf(entry.getKey()));
                out.append(':');
                write(out, entry.getValue());
            }
            out.append('}');
        } else if (value instanceof List) {
            out.append('[');
            boolean first = true;
            for (Object element : (List<?>) value) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                write(out, element);
            }
            out.append(']');
        } else {
            quote(out, value.toString());
        }
    }

    /**
     * Appends {@code s} as a JSON string: for decoders that render JSON text from tokens, so their text matches
     * {@link #render} character for character.
     */
    public static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
