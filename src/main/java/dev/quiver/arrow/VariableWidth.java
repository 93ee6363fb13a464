package dev.quiver.arrow;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BitVectorHelper;

/**
 * Appends to string and bytes vectors. Arrow's {@code setSafe} checks capacity, back-fills skipped rows and then
 * writes through several bounds-checked buffer calls for every value; in a Connect worker landing JSON those checks
 * were about 5% of the CPU. Rows are appended in order, so the common case is the row right after the last one set,
 * with room in every buffer: that case is written here with one capacity check of our own. Any other case (a
 * skipped row, a full buffer) goes to {@code setSafe}, which does the rest exactly as before.
 */
public final class VariableWidth {
    private VariableWidth() {
    }

    /** Sets row {@code index} of {@code vector} to {@code bytes[start, start + length)}, as {@code setSafe} does. */
    public static void set(BaseVariableWidthVector vector, int index, byte[] bytes, int start, int length) {
        if (index == vector.getLastSet() + 1 && index < vector.getValueCapacity()) {
            ArrowBuf offsets = vector.getOffsetBuffer();
            // The start of the row after the last one set is that row's end, which setSafe wrote (0 for row 0).
            int from = offsets.getInt((long) index * BaseVariableWidthVector.OFFSET_WIDTH);
            long to = (long) from + length;
            ArrowBuf data = vector.getDataBuffer();
            if (to <= data.capacity()) {
                BitVectorHelper.setBit(vector.getValidityBuffer(), index);
                offsets.setInt((long) (index + 1) * BaseVariableWidthVector.OFFSET_WIDTH, (int) to);
                data.setBytes(from, bytes, start, length);
                vector.setLastSet(index);
                return;
            }
        }
        vector.setSafe(index, bytes, start, length);
    }

    /** {@link #set(BaseVariableWidthVector, int, byte[], int, int)} with the whole array. */
    public static void set(BaseVariableWidthVector vector, int index, byte[] bytes) {
        set(vector, index, bytes, 0, bytes.length);
    }
}
