package dev.quiver.parquet;

import java.util.Objects;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.values.ValuesWriter;

/**
 * INT32 columns: Arrow int8, int16, int32, date (days), time (millis) and decimals of up to 9 digits. Every one of them
 * is a little-endian integer at a fixed stride in the data buffer; a decimal's 16-byte value fits in its low 4 bytes.
 */
final class IntLeafWriter extends LeafWriter {
    private final ArrowBuf data;
    private final int width;
    private final long stride;
    private int min;
    private int max;
    private boolean any;

    /**
     * @param width  bytes read per value: 1, 2 or 4
     * @param stride bytes from one value to the next: the width, or 16 for a decimal
     */
    IntLeafWriter(ColumnDescriptor descriptor, Shredder shredder, ParquetProperties props, ArrowBuf data, int width,
            int stride) {
        super(descriptor, shredder, props);
        this.data = Objects.requireNonNull(data, "data");
        if (width != 1 && width != 2 && width != 4) {
            throw new IllegalArgumentException("int width " + width + " of column " + descriptor);
        }
        this.width = width;
        this.stride = stride;
    }

    @Override
    boolean sampleable() {
        return true;
    }

    @Override
    long sampleKey(int ix) {
        return width == 4 ? data.getInt(ix * stride) : width == 2 ? data.getShort(ix * stride) : data.getByte(ix * stride);
    }

    @Override
    int plainBytes(int ix) {
        return Integer.BYTES;
    }

    @Override
    void writeValues(int[] index, int from, int to) {
        ValuesWriter out = values;
        ArrowBuf buf = data;
        long step = stride;
        int lo = min;
        int hi = max;
        boolean seen = any;
        for (int k = from; k < to; k++) {
            int ix = index[k];
            if (ix < 0) {
                continue;
            }
            int v;
            if (width == 4) {
                v = buf.getInt(ix * step);
            } else if (width == 2) {
                v = buf.getShort(ix * step);
            } else {
                v = buf.getByte(ix * step);
            }
            out.writeInteger(v);
            if (!seen) {
                lo = v;
                hi = v;
                seen = true;
            } else if (v < lo) {
                lo = v;
            } else if (v > hi) {
                hi = v;
            }
        }
        min = lo;
        max = hi;
        any = seen;
    }

    @Override
    Statistics<?> takePageStatistics() {
        Statistics<?> stats = Statistics.createStats(type);
        if (any) {
            stats.updateStats(min);
            stats.updateStats(max);
        }
        any = false;
        return stats;
    }
}
