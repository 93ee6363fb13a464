package dev.quiver.parquet;

import java.util.Objects;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.values.ValuesWriter;

/**
 * FLOAT and DOUBLE columns. Statistics go through parquet-java's own per value, which handles NaN (counted, kept out
 * of min and max) and signed zeros exactly as its writer does.
 */
final class FloatingLeafWriter extends LeafWriter {
    private final ArrowBuf data;
    private final boolean isDouble;
    private Statistics<?> stats;

    FloatingLeafWriter(ColumnDescriptor descriptor, Shredder shredder, ParquetProperties props, ArrowBuf data,
            boolean isDouble) {
        super(descriptor, shredder, props);
        this.data = Objects.requireNonNull(data, "data");
        this.isDouble = isDouble;
        this.stats = Statistics.createStats(type);
    }

    @Override
    boolean sampleable() {
        return true;
    }

    @Override
    long sampleKey(int ix) {
        // Raw bits: what the dictionary tells apart (NaNs of different bits are different entries there too).
        return isDouble ? data.getLong((long) ix * Double.BYTES) : data.getInt((long) ix * Float.BYTES);
    }

    @Override
    int plainBytes(int ix) {
        return isDouble ? Double.BYTES : Float.BYTES;
    }

    @Override
    void writeValues(int[] index, int from, int to) {
        ValuesWriter out = values;
        ArrowBuf buf = data;
        Statistics<?> s = stats;
        if (isDouble) {
            for (int k = from; k < to; k++) {
                int ix = index[k];
                if (ix >= 0) {
                    double v = buf.getDouble((long) ix * Double.BYTES);
                    out.writeDouble(v);
                    s.updateStats(v);
                }
            }
        } else {
            for (int k = from; k < to; k++) {
                int ix = index[k];
                if (ix >= 0) {
                    float v = buf.getFloat((long) ix * Float.BYTES);
                    out.writeFloat(v);
                    s.updateStats(v);
                }
            }
        }
    }

    @Override
    Statistics<?> takePageStatistics() {
        Statistics<?> page = stats;
        stats = Statistics.createStats(type);
        return page;
    }
}
