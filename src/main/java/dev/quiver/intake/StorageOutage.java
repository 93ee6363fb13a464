package dev.quiver.intake;

import dev.quiver.store.StoreException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task's view of a storage outage: when failed flushes may be retried, and what the log says about it. A retriable
 * storage error does not leave put(): the partition keeps its failed flush, is paused and sought back, and the flush
 * is retried after a back-off (1 s doubling to 30 s) while the other partitions go on. The log gets one WARN when
 * storage becomes unreachable, one per minute while it stays so, and one INFO when it is back, instead of an ERROR
 * with a stack trace per retry from Connect. Task thread only; times are the task's nanoTime clock.
 */
final class StorageOutage {
    private static final Logger LOG = LoggerFactory.getLogger(StorageOutage.class);
    static final long MIN_BACKOFF_MS = StoreException.MIN_RETRY_BACKOFF_MS;
    static final long MAX_BACKOFF_MS = StoreException.MAX_RETRY_BACKOFF_MS;
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final String store;
    private final LongSupplier clock;
    private long downSinceNanos = -1;
    private long lastWarnNanos;
    /** Retry rounds that failed: each round may fail in many partitions, and counts once. */
    private int failedRounds;
    private long failures;
    private long nextRetryNanos;

    StorageOutage(String store, LongSupplier clock) {
        this.store = store;
        this.clock = clock;
    }

    /** True from a retriable storage error until a write lands again. */
    boolean down() {
        return downSinceNanos >= 0;
    }

    /** True when failed flushes may be retried now: storage is up, or the back-off has passed. */
    boolean retryDue() {
        return !down() || clock.getAsLong() - nextRetryNanos >= 0;
    }

    /** Nanoseconds until the next retry round, 0 when due or not down. */
    long nanosUntilRetry() {
        return down() ? Math.max(0, nextRetryNanos - clock.getAsLong()) : 0;
    }

    /** A write failed retriably; {@code paused} partitions now wait for storage. */
    void failed(StoreException e, int paused) {
        long nowNanos = clock.getAsLong();
        failures++;
        boolean newRound = !down() || nowNanos - nextRetryNanos >= 0;
        if (!down()) {
            downSinceNanos = nowNanos;
            lastWarnNanos = nowNanos;
            LOG.warn("Storage unreachable ({}): {}. Buffered data is kept; the partitions whose flush failed are paused"
                    + " and their flushes retried every {} s to {} s until it is back; the others go on",
                    store, e.getMessage(), MIN_BACKOFF_MS / 1000, MAX_BACKOFF_MS / 1000);
        } else if (nowNanos - lastWarnNanos >= WARN_EVERY_NANOS) {
            lastWarnNanos = nowNanos;
            LOG.warn("Storage still unreachable after {} s ({}): {} writes failed, {} partition(s) paused; last error: {}",
                    TimeUnit.NANOSECONDS.toSeconds(nowNanos - downSinceNanos), store, failures, paused,
                    e.getMessage());
        }
        if (newRound) {
            failedRounds++;
            long backoff = StoreException.retryBackoffMillis(failedRounds);
            nextRetryNanos = nowNanos + TimeUnit.MILLISECONDS.toNanos(backoff);
        }
    }

    /** A landing job of any partition succeeded: if storage was down, it is back, and that is said once. */
    void landed() {
        if (!down()) {
            return;
        }
        long nowNanos = clock.getAsLong();
        LOG.info("Storage reachable again ({}) after {} s and {} failed writes; paused partitions resume",
                store, TimeUnit.NANOSECONDS.toSeconds(nowNanos - downSinceNanos), failures);
        downSinceNanos = -1;
        failedRounds = 0;
        failures = 0;
    }
}
