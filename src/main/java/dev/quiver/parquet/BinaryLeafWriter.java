package dev.quiver.parquet;

import java.util.Arrays;
import java.util.Objects;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.io.api.Binary;

/**
 * BYTE_ARRAY columns (strings, bytes). The column's bytes are copied to the heap once, then every value is a
 * zero-copy slice of that array: a direct view of the Arrow buffer (nioBuffer) needs --add-opens on JDK 17+, a flag a
 * connector cannot give its worker. The slices stay valid for the whole file, as the dictionary encoder requires; the
 * dictionary is {@link BinaryDictionary}, which works on positions in the array.
 * Min and max are tracked as positions in the array, compared unsigned as parquet-java orders BINARY.
 */
final class BinaryLeafWriter extends LeafWriter {
    private final ArrowBuf offsets;
    private final byte[] bytes;
    private int minStart = -1;
    private int minEnd;
    private int maxStart;
    private int maxEnd;
    private long unencoded;

    BinaryLeafWriter(ColumnDescriptor descriptor, Shredder shredder, ParquetProperties props,
            BaseVariableWidthVector vector) {
        super(descriptor, shredder, props);
        Objects.requireNonNull(vector, "vector");
        this.offsets = vector.getOffsetBuffer();
        int count = vector.getValueCount();
        int end = count == 0 ? 0 : offsets.getInt((long) count * Integer.BYTES);
        this.bytes = new byte[end];
        vector.getDataBuffer().getBytes(0, bytes, 0, end);
    }

    @Override
    ValuesWriter dictionaryWriter(ParquetProperties props) {
        return new BinaryDictionary(bytes, props);
    }

    @Override
    boolean sampleable() {
        return true;
    }

    @Override
    long sampleKey(int ix) {
        int start = offsets.getInt((long) ix * Integer.BYTES);
        int end = offsets.getInt((long) (ix + 1) * Integer.BYTES);
        long h = 0xcbf29ce484222325L ^ (end - start);
        for (int i = start; i < end; i++) {
            h = (h ^ bytes[i]) * 0x100000001b3L;
        }
        return h;
    }

    @Override
    int plainBytes(int ix) {
        // Plain BYTE_ARRAY: a 4-byte length, then the bytes.
        return Integer.BYTES + offsets.getInt((long) (ix + 1) * Integer.BYTES) - offsets.getInt((long) ix * Integer.BYTES);
    }

    /**
     * The first 8 bytes of a value as a big-endian long, zero-padded: comparing two prefixes unsigned orders the values
     * as a full unsigned comparison would, except that equal prefixes (or a short value that pads like a longer one)
     * need the full comparison.
     */
    private static long prefix(byte[] data, int start, int end) {
        if (end - start >= Long.BYTES) {
            return (long) BIG_ENDIAN_LONG.get(data, start);
        }
        long p = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            p = (p << 8) | (start + i < end ? data[start + i] & 0xff : 0);
        }
        return p;
    }

    private static final java.lang.invoke.VarHandle BIG_ENDIAN_LONG = java.lang.invoke.MethodHandles
            .byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);

    @Override
    void writeValues(int[] index, int from, int to) {
        ValuesWriter out = values;
        BinaryDictionary dictionary = out instanceof BinaryDictionary ? (BinaryDictionary) out : null;
        ArrowBuf off = offsets;
        byte[] data = bytes;
        int lo = minStart;
        int loEnd = minEnd;
        int hi = maxStart;
        int hiEnd = maxEnd;
        // Min and max are mostly decided by their first 8 bytes: one long comparison instead of a mismatch call.
        long loPrefix = lo < 0 ? 0 : prefix(data, lo, loEnd);
        long hiPrefix = lo < 0 ? 0 : prefix(data, hi, hiEnd);
        long size = 0;
        for (int k = from; k < to; k++) {
            int ix = index[k];
            if (ix < 0) {
                continue;
            }
            int start = off.getInt((long) ix * Integer.BYTES);
            int end = off.getInt((long) (ix + 1) * Integer.BYTES);
            if (dictionary != null) {
                dictionary.write(start, end);
            } else {
                out.writeBytes(Binary.fromConstantByteArray(data, start, end - start));
            }
            size += end - start;
            long p = prefix(data, start, end);
            int vsLo;
            if (lo < 0) {
                lo = start;
                loEnd = end;
                hi = start;
                hiEnd = end;
                loPrefix = p;
                hiPrefix = p;
            } else if ((vsLo = Long.compareUnsigned(p, loPrefix)) < 0
                    || vsLo == 0 && Arrays.compareUnsigned(data, start, end, data, lo, loEnd) < 0) {
                lo = start;
                loEnd = end;
                loPrefix = p;
            } else {
                int vsHi = Long.compareUnsigned(p, hiPrefix);
                if (vsHi > 0 || vsHi == 0 && Arrays.compareUnsigned(data, start, end, data, hi, hiEnd) > 0) {
                    hi = start;
                    hiEnd = end;
                    hiPrefix = p;
                }
            }
        }
        minStart = lo;
        minEnd = loEnd;
        maxStart = hi;
        maxEnd = hiEnd;
        unencoded += size;
    }

    @Override
    Statistics<?> takePageStatistics() {
        Statistics<?> stats = Statistics.createStats(type);
        if (minStart >= 0) {
            stats.updateStats(Binary.fromConstantByteArray(bytes, minStart, minEnd - minStart));
            stats.updateStats(Binary.fromConstantByteArray(bytes, maxStart, maxEnd - maxStart));
        }
        minStart = -1;
        return stats;
    }

    @Override
    long takeUnencodedBytes() {
        long size = unencoded;
        unencoded = 0;
        return size;
    }
}
