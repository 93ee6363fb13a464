package dev.quiver.decode;

import java.nio.ByteBuffer;
import org.apache.kafka.connect.errors.DataException;

/**
 * A binary value (from ByteArrayConverter: a byte[] or a ByteBuffer) as a range of an array, without copying it when
 * the buffer has one. A decoder keeps one and resets it per record, so no object is made per record.
 */
final class RawBytes {
    byte[] bytes;
    int offset;
    int length;

    /**
     * Points at {@code raw}'s bytes.
     *
     * @param decoder the decoder's name in an error for a value that is not bytes, e.g. "an Avro decoder"
     */
    RawBytes reset(Object raw, String decoder) {
        if (raw instanceof byte[]) {
            bytes = (byte[]) raw;
            offset = 0;
            length = bytes.length;
        } else if (raw instanceof ByteBuffer && ((ByteBuffer) raw).hasArray()) {
            ByteBuffer buffer = (ByteBuffer) raw;
            bytes = buffer.array();
            offset = buffer.arrayOffset() + buffer.position();
            length = buffer.remaining();
        } else if (raw instanceof ByteBuffer) {
            ByteBuffer buffer = ((ByteBuffer) raw).duplicate();
            bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            offset = 0;
            length = bytes.length;
        } else {
            throw new DataException("value is a " + (raw == null ? "null" : raw.getClass().getSimpleName())
                    + ", but " + decoder + " needs bytes; use ByteArrayConverter");
        }
        return this;
    }
}
