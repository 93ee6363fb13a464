package dev.quiver.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.store.StoreException;
import dev.quiver.testing.LogCapture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 item 13: an outage is logged three ways only (one WARN when storage goes, one a minute while it stays
 * gone, one INFO when it is back), and failed flushes are retried after a back-off of 1 s doubling to 30 s, one
 * step per round of retries however many partitions failed in it.
 */
class StorageOutageTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final LogCapture log = LogCapture.start(e -> e.getLoggerName().equals(StorageOutage.class.getName()));
    private final StorageOutage outage = new StorageOutage("s3a://bucket/", clock::get);

    @AfterEach
    void close() {
        log.close();
    }

    @Test
    void oneWarnWhenStorageGoesOneAMinuteWhileItStaysGoneAndOneInfoWhenItIsBack() {
        assertThat(outage.down()).isFalse();
        outage.failed(failure("first"), 3);
        outage.failed(failure("same round, another partition"), 3);
        for (int s = 0; s < 59; s++) {
            advanceMillis(1_000);
            outage.failed(failure("retry " + s), 3);
        }
        assertThat(lines()).containsExactly("WARN Storage unreachable");
        advanceMillis(1_000);
        outage.failed(failure("a minute on"), 3);
        assertThat(lines()).containsExactly("WARN Storage unreachable", "WARN Storage still unreachable");

        outage.landed();
        outage.landed();
        assertThat(outage.down()).isFalse();
        assertThat(lines()).containsExactly("WARN Storage unreachable", "WARN Storage still unreachable",
                "INFO Storage reachable again");
        assertThat(log.events().get(2).message()).contains("after 60 s and 62 failed writes");
    }

    @Test
    void retriesWaitABackOffThatDoublesPerRoundUpToThirtySeconds() {
        assertThat(outage.retryDue()).as("nothing failed yet").isTrue();
        long[] expected = {1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000};
        for (long backoff : expected) {
            outage.failed(failure("round"), 1);
            // Other partitions failing in the same round do not lengthen the wait.
            outage.failed(failure("same round"), 2);
            assertThat(outage.retryDue()).isFalse();
            assertThat(outage.nanosUntilRetry()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(backoff));
            advanceMillis(backoff - 1);
            assertThat(outage.retryDue()).isFalse();
            advanceMillis(1);
            assertThat(outage.retryDue()).isTrue();
        }
        outage.landed();
        outage.failed(failure("a new outage"), 1);
        assertThat(outage.nanosUntilRetry()).as("starts again at 1 s").isEqualTo(TimeUnit.SECONDS.toNanos(1));
    }

    private List<String> lines() {
        return log.events().stream().map(e -> e.level() + " " + e.message().replaceAll(" \\(.*", "")
                .replaceAll(" after .*", "")).toList();
    }

    private void advanceMillis(long millis) {
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private static StoreException failure(String what) {
        return new StoreException("injected " + what, null, true);
    }
}
