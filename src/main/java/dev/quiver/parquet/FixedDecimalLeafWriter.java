package dev.quiver.parquet;

import java.util.Objects;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.io.api.Binary;

/**
 * FIXED_LEN_BYTE_ARRAY decimals (19 to 38 digits): Arrow's 16-byte little-endian two's complement, turned into the
 * big-endian bytes of the column's width, sign included. Rare enough that statistics go through parquet-java's own
 * (signed comparison) per value.
 */
final class FixedDecimalLeafWriter extends LeafWriter {
    private final ArrowBuf data;
    private final int width;
    private Statistics<?> stats;

    FixedDecimalLeafWriter(ColumnDescriptor descriptor, Shredder shredder, ParquetProperties props, ArrowBuf data) {
        super(descriptor, shredder, props);
        this.data = Objects.requireNonNull(data, "data");
        this.width = descriptor.getPrimitiveType().getTypeLength();
        if (width < 1 || width > 16) {
            throw new IllegalArgumentException("decimal width " + width + " of column " + descriptor);
        }
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
            long base = (long) ix * 16;
            long low = data.getLong(base);
            long high = data.getLong(base + 8);
            byte[] value = new byte[width];
            for (int b = 0; b < width; b++) {
                long word = b < 8 ? low >>> (8 * b) : high >>> (8 * (b - 8));
                value[width - 1 - b] = (byte) word;
            }
            Binary binary = Binary.fromConstantByteArray(value);
            out.writeBytes(binary);
            stats.updateStats(binary);
        }
    }

    @Override
    Statistics<?> takePageStatistics() {
        Statistics<?> page = stats;
        stats = Statistics.createStats(type);
        return page;
    }
}
