package dev.quiver.arrow;

import java.util.List;
import org.apache.arrow.vector.FieldVector;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;

/**
 * What {@link ArrowBatch} needs of a decoder that writes raw bytes straight into its columns. It lives in arrow/ so
 * that arrow/ does not depend on decode/, whose value decoders implement it.
 */
public interface RowDecoder {

    /** The schema of every value this decoder produces; fixed for the decoder's life. */
    Schema valueSchema();

    /**
     * Writes one value into row {@code row} of {@code columns}. It must write every column of the row, null or not,
     * so that a failed decode leaves nothing behind that the next record's write would not overwrite.
     *
     * @throws DataException naming the field at fault and the problem
     */
    void decode(Object raw, List<FieldVector> columns, int row);

    /**
     * True when the last {@link #decode} read a JSON {@code null} document and wrote nulls: a struct column written
     * through its children (a key) must then stay null itself rather than become a struct of nulls.
     */
    default boolean decodedNull() {
        return false;
    }

    /**
     * The same problem, said of the key: {@code field 'id' has ...} becomes {@code key field 'id' has ...},
     * {@code value is empty ...} becomes {@code key is empty ...}. Decoders were written for values and say "value"
     * in their errors; a key error must say that the key is at fault.
     */
    static DataException keyError(DataException e) {
        String message = String.valueOf(e.getMessage());
        String keyed = message.startsWith("value") ? "key" + message.substring("value".length()) : "key " + message;
        return new DataException(keyed, e);
    }
}
