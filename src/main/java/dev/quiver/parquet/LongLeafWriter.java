package dev.quiver.parquet;

import java.util.Objects;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.values.ValuesWriter;

/**
 * INT64 columns: Arrow int64, timestamps (millis) and decimals of 10 to 18 digits, little-endian longs at a fixed
 * stride; a decimal's 16-byte value fits in its low 8 bytes.
 */
final class LongLeafWriter extends LeafWriter {
    private final ArrowBuf data;
    private final long stride;
    private long min;
    private long max;
    private boolean any;

    /** @param stride bytes from one value to the next: 8, or 16 for a decimal */
    LongLeafWriter(ColumnDescriptor descriptor, Shredder shredder, ParquetProperties props, ArrowBuf data, int stride) {
        super(descriptor, shredder, props);
        this.data = Objects.requireNonNull(data, "data");
        this.stride = stride;
    }

    @Override
    boolean sampleable() {
        return true;
    }

    @Override
    long sampleKey(int ix) {
        return data.getLong(ix * stride);
    }

    @Override
    int plainBytes(int ix) {
        return Long.BYTES;
    }

    @Override
    void writeValues(int[] index, int from, int to) {
        ValuesWriter out = values;
        ArrowBuf buf = data;
        long step = stride;
        long lo = min;
        long hi = max;
        boolean seen = any;
        for (int k = from; k < to; k++) {
            int ix = index[k];
            if (ix < 0) {
                continue;
            }
            long v = buf.getLong(ix * step);
            out.writeLong(v);
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
