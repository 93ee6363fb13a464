package dev.quiver.metrics;

import java.util.Arrays;

/** The last {@value #SIZE} latencies of one kind, for averages and percentiles without unbounded memory. */
final class LatencyWindow {
    static final int SIZE = 1024;

    private final long[] nanos = new long[SIZE];
    private long count;
    private long max;

    synchronized void record(long value) {
        nanos[(int) (count % SIZE)] = value;
        count++;
        max = Math.max(max, value);
    }

    /** The {@code q} quantile (0..1) of the window in milliseconds, 0 when empty. */
    synchronized double quantileMillis(double q) {
        int n = (int) Math.min(count, SIZE);
        if (n == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(nanos, n);
        Arrays.sort(sorted);
        int index = (int) Math.min(n - 1, Math.ceil(q * n) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }

    synchronized double averageMillis() {
        int n = (int) Math.min(count, SIZE);
        if (n == 0) {
            return 0;
        }
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += nanos[i];
        }
        return sum / (double) n / 1e6;
    }

    synchronized double maxMillis() {
        return max / 1e6;
    }
}
