package dev.quiver.parquet;

import java.util.Objects;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.values.ValuesWriter;

/**
 * Columns whose Parquet type is wider than their Arrow vector, as {@link TypeMapping} asks: int8, int16 and int32 (and
 * a time in milliseconds, scaled to microseconds) written as INT64, float32 written as DOUBLE. Kept apart from the
 * exact-width writers, which carry the default mappings' speed; these serve settings a user opts into.
 */
final class WidenedLeafWriter extends LeafWriter {
    private final ArrowBuf data;
    private final int width;
    private final long factor;
    private final boolean fromFloat;
    private Statistics<?> stats;

    /**
     * @param width     bytes per Arrow value: 1, 2 or 4
     * @param factor    what each integer is multiplied by (1000 for milliseconds to microseconds); 1 for floats
     * @param fromFloat the Arrow values are float32 and the column is DOUBLE
     */
    WidenedLeafWriter(ColumnDescriptor descriptor, Shredder shredder, ParquetProperties props, ArrowBuf data,
            int width, long factor, boolean fromFloat) {
        super(descriptor, shredder, props);
        this.data = Objects.requireNonNull(data, "data");
        if (width != 1 && width != 2 && width != 4) {
            throw new IllegalArgumentException("value width " + width + " of column " + descriptor);
        }
        this.width = width;
        this.factor = factor;
        this.fromFloat = fromFloat;
        this.stats = Statistics.createStats(type);
    }

    @Override
    void writeValues(int[] index, int from, int to) {
        ValuesWriter out = values;
        for (int k = from; k < to; k++) {
            int ix = index[k];
            if (ix < 0) {
                continue;
            }
            long at = (long) ix * width;
            if (fromFloat) {
                // Every float is exactly a double, NaN and signed zeros included.
                double v = data.getFloat(at);
                out.writeDouble(v);
                stats.updateStats(v);
            } else {
                long v = (width == 1 ? data.getByte(at) : width == 2 ? data.getShort(at) : data.getInt(at)) * factor;
                out.writeLong(v);
                stats.updateStats(v);
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
