package dev.quiver.arrow;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BitVector;

/**
 * Writes one value at row {@code i} of a vector straight into its buffers, for the direct decoders' hot path. Arrow's
 * {@code setSafe} computes the vector's capacity (a division) and checks every buffer access again; here one range
 * check against the buffers' current capacity (asked each time, so a vector grown or reset elsewhere is seen) covers
 * the row, and the bytes go to the buffers' addresses. When the row does not fit, or (variable width) is not the next
 * row, each method returns false and the caller falls back to {@code setSafe}, which grows the vector.
 *
 * <p>Used by the direct decoders (JSON, Avro) and the Connect appenders: in a worker landing JSON, Arrow's per-value
 * checks and hole filling in {@code setSafe} were about 5% of the CPU.
 */
public final class DirectWrites {

    private DirectWrites() {
    }

    private static boolean validityFits(ArrowBuf validity, int i) {
        return (i >>> 3) < validity.capacity();
    }

    private static void setValid(ArrowBuf validity, int i) {
        long at = validity.memoryAddress() + (i >>> 3);
        MemoryUtil.putByte(at, (byte) (MemoryUtil.getByte(at) | (1 << (i & 7))));
    }

    public static boolean putLong(BaseFixedWidthVector v, int i, long value) {
        ArrowBuf data = v.getDataBuffer();
        ArrowBuf validity = v.getValidityBuffer();
        long offset = (long) i << 3;
        if (i < 0 || offset + 8 > data.capacity() || !validityFits(validity, i)) {
            return false;
        }
        MemoryUtil.putLong(data.memoryAddress() + offset, value);
        setValid(validity, i);
        return true;
    }

    public static boolean putInt(BaseFixedWidthVector v, int i, int value) {
        ArrowBuf data = v.getDataBuffer();
        ArrowBuf validity = v.getValidityBuffer();
        long offset = (long) i << 2;
        if (i < 0 || offset + 4 > data.capacity() || !validityFits(validity, i)) {
            return false;
        }
        MemoryUtil.putInt(data.memoryAddress() + offset, value);
        setValid(validity, i);
        return true;
    }

    public static boolean putBit(BitVector v, int i, boolean value) {
        ArrowBuf data = v.getDataBuffer();
        ArrowBuf validity = v.getValidityBuffer();
        if (i < 0 || (i >>> 3) >= data.capacity() || !validityFits(validity, i)) {
            return false;
        }
        long at = data.memoryAddress() + (i >>> 3);
        byte b = MemoryUtil.getByte(at);
        MemoryUtil.putByte(at, (byte) (value ? b | (1 << (i & 7)) : b & ~(1 << (i & 7))));
        setValid(validity, i);
        return true;
    }

    /** Reads eight bytes of an array as one native-order long. */
    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.nativeOrder());

    /** Short runs (most strings) word by word; Unsafe's bulk copy has a fixed cost that dominates below ~64 bytes. */
    private static void copy(byte[] bytes, int at, long address, int length) {
        if (length > 64) {
            MemoryUtil.copyToMemory(bytes, at, address, length);
            return;
        }
        int k = 0;
        for (; k + 8 <= length; k += 8) {
            MemoryUtil.putLong(address + k, (long) LONGS.get(bytes, at + k));
        }
        for (; k < length; k++) {
            MemoryUtil.putByte(address + k, bytes[at + k]);
        }
    }

    /** Bytes as row {@code i} when it follows the last row set: one bulk copy, one offset, one validity bit. */
    public static boolean putBytes(BaseVariableWidthVector v, int i, byte[] bytes, int at, int length) {
        if (v.getLastSet() != i - 1 || i < 0) {
            return false;
        }
        ArrowBuf offsets = v.getOffsetBuffer();
        ArrowBuf validity = v.getValidityBuffer();
        ArrowBuf data = v.getDataBuffer();
        long next = ((long) i + 1) << 2;
        if (next + 4 > offsets.capacity() || !validityFits(validity, i)) {
            return false;
        }
        long offsetsAt = offsets.memoryAddress();
        int start = MemoryUtil.getInt(offsetsAt + next - 4);
        if ((long) start + length > data.capacity()) {
            return false;
        }
        copy(bytes, at, data.memoryAddress() + start, length);
        MemoryUtil.putInt(offsetsAt + next, start + length);
        setValid(validity, i);
        v.setLastSet(i);
        return true;
    }

    /** Sets row {@code i} to {@code bytes[at, at + length)}: in place when it follows the last row set, else setSafe. */
    public static void setBytes(BaseVariableWidthVector v, int i, byte[] bytes, int at, int length) {
        if (!putBytes(v, i, bytes, at, length)) {
            v.setSafe(i, bytes, at, length);
        }
    }

    /** {@link #setBytes(BaseVariableWidthVector, int, byte[], int, int)} with the whole array. */
    public static void setBytes(BaseVariableWidthVector v, int i, byte[] bytes) {
        setBytes(v, i, bytes, 0, bytes.length);
    }
}
