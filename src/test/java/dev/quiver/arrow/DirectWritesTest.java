package dev.quiver.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.junit.jupiter.api.Test;

/**
 * {@link DirectWrites#setBytes} against Arrow's {@code setSafe}: the same rows in the same vector state, skipped (null)
 * rows, buffers that must grow, and a vector reset for reuse, give the same values, validity and offsets.
 */
class DirectWritesTest {
    @Test
    void appendsLikeSetSafeThroughSkippedRowsGrowthAndReuse() {
        try (BufferAllocator allocator = new RootAllocator();
                VarCharVector ours = new VarCharVector("ours", allocator);
                VarCharVector theirs = new VarCharVector("theirs", allocator)) {
            for (VarCharVector v : new VarCharVector[] {ours, theirs}) {
                v.setInitialCapacity(4, 2);
                v.allocateNew();
            }
            Random random = new Random(7);
            for (int round = 0; round < 3; round++) {
                int rows = 500 + random.nextInt(500);
                for (int row = 0; row < rows; row++) {
                    if (random.nextInt(5) == 0) {
                        continue; // a null: neither vector is touched, as the appenders leave a missing value
                    }
                    byte[] value = ("v" + "x".repeat(random.nextInt(30)) + row).getBytes(StandardCharsets.UTF_8);
                    int start = random.nextInt(3);
                    byte[] padded = new byte[value.length + start + 2];
                    System.arraycopy(value, 0, padded, start, value.length);
                    DirectWrites.setBytes(ours, row, padded, start, value.length);
                    theirs.setSafe(row, padded, start, value.length);
                }
                ours.setValueCount(rows);
                theirs.setValueCount(rows);
                assertThat(ours.getNullCount()).isEqualTo(theirs.getNullCount()).isPositive();
                for (int row = 0; row < rows; row++) {
                    assertThat(ours.getObject(row)).as("row %d of round %d", row, round)
                            .isEqualTo(theirs.getObject(row));
                    assertThat(ours.getOffsetBuffer().getInt(row * 4L)).isEqualTo(theirs.getOffsetBuffer().getInt(row * 4L));
                }
                ours.reset();
                theirs.reset();
            }
        }
    }
}
