package dev.quiver.decode;

/**
 * A cursor over Avro binary in a byte array: zig-zag varints, little-endian floats and length-prefixed bytes, as the
 * Avro specification encodes them. Reading past the end, a varint longer than its type allows, or a negative length
 * throws {@link Malformed}; the decoder turns it into an error naming the field being read, which it keeps in
 * {@link #field} (one reference store per value, far cheaper than a try block per node).
 */
final class AvroInput {

    /** The input ends early or holds a value no Avro writer produces. Carries no stack: it is a bad record. */
    static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    byte[] buf;
    int pos;
    int limit;
    /** The dotted path of the field being read, for the error; "" at the top. */
    String field = "";
    /** Set when the whole value was the null member of a union: a key struct must then be null, not all-null. */
    boolean rootNull;

    void reset(byte[] bytes, int offset, int length) {
        buf = bytes;
        pos = offset;
        limit = offset + length;
        field = "";
        rootNull = false;
    }

    int remaining() {
        return limit - pos;
    }

    int readInt() {
        int p = pos;
        byte[] b = buf;
        if (limit - p >= 5) {
            // Fast path: the whole varint is in the input, so only its length needs checking.
            int value = b[p++];
            if (value >= 0) {
                pos = p;
                return (value >>> 1) ^ -(value & 1);
            }
            value &= 0x7f;
            for (int shift = 7; ; shift += 7) {
                if (shift > 28) {
                    throw new Malformed("is an int varint longer than 5 bytes");
                }
                int next = b[p++];
                value |= (next & 0x7f) << shift;
                if (next >= 0) {
                    pos = p;
                    return (value >>> 1) ^ -(value & 1);
                }
            }
        }
        return readIntNearEnd();
    }

    private int readIntNearEnd() {
        int value = 0;
        int shift = 0;
        while (true) {
            if (pos >= limit) {
                throw truncated();
            }
            int b = buf[pos++];
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (value >>> 1) ^ -(value & 1);
            }
            shift += 7;
            if (shift > 28) {
                throw new Malformed("is an int varint longer than 5 bytes");
            }
        }
    }

    long readLong() {
        int p = pos;
        byte[] b = buf;
        if (limit - p >= 10) {
            // Fast path, as in readInt: most lengths and many longs are one or two bytes.
            long value = b[p++];
            if (value >= 0) {
                pos = p;
                return (value >>> 1) ^ -(value & 1);
            }
            value &= 0x7f;
            for (int shift = 7; ; shift += 7) {
                if (shift > 63) {
                    throw new Malformed("is a long varint longer than 10 bytes");
                }
                long next = b[p++];
                value |= (next & 0x7f) << shift;
                if (next >= 0) {
                    pos = p;
                    return (value >>> 1) ^ -(value & 1);
                }
            }
        }
        return readLongNearEnd();
    }

    private long readLongNearEnd() {
        long value = 0;
        int shift = 0;
        while (true) {
            if (pos >= limit) {
                throw truncated();
            }
            long b = buf[pos++];
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (value >>> 1) ^ -(value & 1);
            }
            shift += 7;
            if (shift > 63) {
                throw new Malformed("is a long varint longer than 10 bytes");
            }
        }
    }

    boolean readBoolean() {
        if (pos >= limit) {
            throw truncated();
        }
        byte b = buf[pos++];
        if (b != 0 && b != 1) {
            throw new Malformed("is a boolean byte " + (b & 0xff) + ", neither 0 nor 1");
        }
        return b == 1;
    }

    float readFloat() {
        return Float.intBitsToFloat(fixedInt());
    }

    double readDouble() {
        int low = fixedInt();
        int high = fixedInt();
        return Double.longBitsToDouble(((long) high << 32) | (low & 0xffffffffL));
    }

    private int fixedInt() {
        need(4);
        int p = pos;
        pos = p + 4;
        return (buf[p] & 0xff) | ((buf[p + 1] & 0xff) << 8) | ((buf[p + 2] & 0xff) << 16) | ((buf[p + 3] & 0xff) << 24);
    }

    /** The length of a string or bytes value, checked against what is left; the bytes start at {@link #pos}. */
    int readLength() {
        long length = readLong();
        if (length < 0) {
            throw new Malformed("has a negative length " + length);
        }
        if (length > limit - pos) {
            throw new Malformed("is truncated: its length is " + length + " bytes but only " + (limit - pos)
                    + " remain");
        }
        return (int) length;
    }

    /** The item count of the next array or map block (0 ends the value); a negative count's byte size is skipped. */
    long readBlockCount() {
        long count = readLong();
        if (count < 0) {
            if (count == Long.MIN_VALUE) {
                throw new Malformed("has an invalid block count");
            }
            count = -count;
            readLong();
        }
        // Every item takes at least... nothing (a null or an empty record); bound the count by the input anyway, so a
        // corrupt count cannot make the vectors grow without end.
        if (count > (long) (limit - pos) + 1 && count > 1_000_000) {
            throw new Malformed("has a block of " + count + " items, more than the input can hold");
        }
        return count;
    }

    void need(int n) {
        if (limit - pos < n) {
            throw truncated();
        }
    }

    void skip(int n) {
        need(n);
        pos += n;
    }

    private Malformed truncated() {
        return new Malformed("is truncated: the input ends inside it");
    }
}
