package dev.quiver.decode;

import dev.quiver.arrow.SchemaMerger;
import java.util.Objects;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;

/**
 * How record keys become the key column's values ({@code key.format}): as the key converter delivers them, typed per
 * batch from their JSON tokens and streamed into the key column, or decoded straight into the key column by a
 * declared {@link ValueDecoder} (a JSON Schema or a Protobuf message), exactly as values are.
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

    /** {@code key.format=json} without a schema: keys are JSON text or bytes, typed per batch and streamed in. */
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

    /**
     * True when keys are JSON without a declared schema: each batch types its key column from the keys' tokens and a
     * {@link SchemalessJsonDecoder} of its own streams them into it.
     */
    public boolean parsesJson() {
        return parsesJson;
    }

    /**
     * The schema of a JSON key (text or bytes), read from its tokens as {@link SchemalessJsonDecoder#infer} reads
     * values: what a batch's key column must hold for the key to fit. Null for a JSON {@code null} key, which, like a
     * null key, says nothing about the column's type.
     *
     * @throws DataException saying the key is at fault
     */
    public static Schema inferJson(Object rawKey) {
        Schema inferred;
        try {
            inferred = SchemalessJsonDecoder.infer(rawKey);
        } catch (DataException e) {
            throw keyError(e);
        }
        return SchemaMerger.isUnknown(inferred) ? null : inferred;
    }

    /**
     * The same problem, said of the key: {@code field 'id' has ...} becomes {@code key field 'id' has ...},
     * {@code value is empty ...} becomes {@code key is empty ...}.
     */
    public static DataException keyError(DataException e) {
        return dev.quiver.arrow.RowDecoder.keyError(e);
    }
}
