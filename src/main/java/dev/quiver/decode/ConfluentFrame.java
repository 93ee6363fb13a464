package dev.quiver.decode;

import org.apache.kafka.connect.errors.DataException;

/**
 * Reads the Confluent serializer framing in front of a Schema Registry value: magic byte 0, then the writer schema id
 * as a 4-byte big-endian int; the payload (Avro binary, or Protobuf message indexes and message) starts at
 * {@link #PAYLOAD_OFFSET}.
 */
public final class ConfluentFrame {

    /** The first byte of every framed value. */
    public static final byte MAGIC = 0;
    /** Where the payload starts: after the magic byte and the schema id. */
    public static final int PAYLOAD_OFFSET = 5;

    private ConfluentFrame() {
    }

    /**
     * The schema id of a framed value held in {@code bytes[offset, offset + length)}.
     *
     * @throws DataException when the value is shorter than the frame or does not start with the magic byte
     */
    public static int schemaId(byte[] bytes, int offset, int length) {
        if (length < PAYLOAD_OFFSET) {
            throw new DataException("value is " + length + " bytes, shorter than the 5-byte Confluent framing"
                    + " (magic byte 0 and a 4-byte schema id)");
        }
        if (bytes[offset] != MAGIC) {
            throw new DataException("value starts with byte " + (bytes[offset] & 0xff)
                    + ", not the Confluent magic byte 0: it was not written by a Schema Registry serializer");
        }
        return ((bytes[offset + 1] & 0xff) << 24) | ((bytes[offset + 2] & 0xff) << 16)
                | ((bytes[offset + 3] & 0xff) << 8) | (bytes[offset + 4] & 0xff);
    }
}
