package dev.quiver.parquet;

import java.util.Objects;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.values.ValuesWriter;

/** BOOLEAN columns, read bit by bit from the Arrow data buffer. */
final class BooleanLeafWriter extends LeafWriter {
    private final ArrowBuf data;
    private boolean sawTrue;
    private boolean sawFalse;

    BooleanLeafWriter(ColumnDescriptor descriptor, Shredder shredder, ParquetProperties props, ArrowBuf data) {
        super(descriptor, shredder, props);
        this.data = Objects.requireNonNull(data, "data");
    }

    @Override
    void writeValues(int[] index, int from, int to) {
        ValuesWriter out = values;
        ArrowBuf buf = data;
        for (int k = from; k < to; k++) {
            int ix = index[k];
            if (ix >= 0) {
                boolean v = ((buf.getByte(ix >>> 3) >>> (ix & 7)) & 1) != 0;
                out.writeBoolean(v);
                if (v) {
                    sawTrue = true;
                } else {
                    sawFalse = true;
                }
            }
        }
    }

    @Override
    Statistics<?> takePageStatistics() {
        Statistics<?> stats = Statistics.createStats(type);
        if (sawFalse) {
            stats.updateStats(false);
        }
        if (sawTrue) {
            stats.updateStats(true);
        }
        sawTrue = false;
        sawFalse = false;
        return stats;
    }
}
