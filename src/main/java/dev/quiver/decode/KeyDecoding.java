package dev.quiver.decode;

import java.util.Objects;
import org.apache.kafka.connect.errors.DataException;

/**
 * How record keys become the key column's values ({@code key.format}): as the key converter delivers them, parsed from
 * JSON and typed per batch, or decoded straight into the key column by a declared {@link ValueDecoder} (a JSON Schema
 * or a Protobuf message), exactly as values are.
 *
 * <p>The decoders were written for values and say "value" or "field 'x'" in their errors; a key error must say that
 * the key is at fault, or a reader of the dead-letter topic would look for the problem in the wrong place. Hence
 * {@link #keyError}.
 */
public final class KeyDecoding {
    /** {@code key.format=connect}: keys land as the converter delivers them. */
    public static final KeyDecoding CONNECT = new KeyDecoding(null, false);

    private final ValueDecoder decoder;
    private final boolean parsesJson;

    private KeyDecoding(ValueDecoder decoder, boolean parsesJson) {
        this.decoder = decoder;
        this.parsesJson = parsesJson;
    }

    /** {@code key.format=json} without a schema: keys are JSON text or bytes, parsed and typed per batch. */
    public static KeyDecoding parsedJson() {
        return new KeyDecoding(null, true);
    }

    /** Keys decoded by {@code decoder} straight into the key column; one per task, as decoders are not thread-safe. */
    public static KeyDecoding decoded(ValueDecoder decoder) {
        return new KeyDecoding(Objects.requireNonNull(decoder, "decoder"), false);
    }

    /** The decoder writing keys into the key column, or null. */
    public ValueDecoder decoder() {
        return decoder;
    }

    /** True when keys are JSON to parse into Maps and lists and type per batch. */
    public boolean parsesJson() {
        return parsesJson;
    }

    /**
     * Parses a JSON key (text or bytes) as {@link JsonValues#parse} does for values.
     *
     * @throws DataException saying the key is at fault
     */
    public static Object parseJson(Object rawKey) {
        try {
            return JsonValues.parse(rawKey);
        } catch (DataException e) {
            throw keyError(e);
        }
    }

    /**
     * The same problem, said of the key: {@code field 'id' has ...} becomes {@code key field 'id' has ...},
     * {@code value is empty ...} becomes {@code key is empty ...}.
     */
    public static DataException keyError(DataException e) {
        String message = String.valueOf(e.getMessage());
        String keyed = message.startsWith("value") ? "key" + message.substring("value".length()) : "key " + message;
        return new DataException(keyed, e);
    }
}
