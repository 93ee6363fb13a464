package dev.quiver.commit;

import dev.quiver.store.ObjectStore;
import dev.quiver.store.StoreException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovery on open: claims the partition's topic for this connector, reads the partition's commit marker and checks
 * that every file of the flush it records exists. If so, that flush landed and reading resumes after it; if not, it
 * was interrupted and is replayed from its start (a {@link Replay}); with no marker, nothing landed yet and Connect's
 * committed offset stands.
 *
 * <p>The marker, not Kafka's committed offset, says where durable data ends: a crash after a file landed but before
 * Connect committed would otherwise land that file's records twice.
 */
public final class PartitionRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionRecovery.class);
    private static final int OPEN_ATTEMPTS = 5;

    private final ObjectStore store;
    private final CommitLog commitLog;
    private final TopicClaims claims;

    public PartitionRecovery(ObjectStore store, CommitLog commitLog, TopicClaims claims) {
        this.store = Objects.requireNonNull(store, "store");
        this.commitLog = Objects.requireNonNull(commitLog, "commitLog");
        this.claims = Objects.requireNonNull(claims, "claims");
    }

    /**
     * Where a partition starts.
     *
     * @param landed      the last offset durable or deliberately skipped, -1 for none
     * @param seekTo      where the consumer must resume, or -1 to keep Connect's committed offset (no marker)
     * @param incarnation which log of the partition the marker's offsets belong to
     * @param replay      the interrupted flush to replay, or null
     */
    public record Plan(long landed, long seekTo, int incarnation, Replay replay) {
        /** True when the marker decided where reading resumes. */
        public boolean sought() {
            return seekTo >= 0;
        }
    }

    /** Claims the topic, reads the partition's marker and decides where it resumes; reads retry short outages. */
    public Plan open(TopicPartition tp) {
        // Before any write, delete or abort: another connector's files under the prefix are never touched.
        withRetries(tp, "claim the topic", () -> claims.claim(tp.topic()));
        Optional<CommitLog.Marker> marker = withRetries(tp, "read the commit marker", () -> commitLog.read(tp));
        if (marker.isEmpty()) {
            LOG.info("Opened {}: nothing landed yet, resuming at Connect's committed offset", tp);
            return new Plan(-1, -1, 0, null);
        }
        CommitLog.Marker m = marker.get();
        boolean complete = allExist(tp, m.files());
        long landed = m.landedThrough(complete);
        if (complete) {
            LOG.info("Opened {}: landed through offset {}, resuming at {}", tp, landed, landed + 1);
            return new Plan(landed, landed + 1, m.incarnation(), null);
        }
        LOG.info("Opened {}: the flush of offsets {}..{} was interrupted; replaying it from {} to rewrite the same"
                + " {} file(s)", tp, m.flushStart(), m.flushLast(), m.flushStart(), m.files().size());
        return new Plan(landed, m.flushStart(), m.incarnation(), new Replay(m.flushStart(), m.flushLast(), m.files()));
    }

    private boolean allExist(TopicPartition tp, List<String> keys) {
        for (String key : keys) {
            if (!withRetries(tp, "check " + key, () -> store.exists(key))) {
                return false;
            }
        }
        return true;
    }

    /** Storage reads on open, retried through short outages; a partition cannot start without them. */
    private <T> T withRetries(TopicPartition tp, String what, Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (StoreException e) {
                if (!e.retriable() || attempt >= OPEN_ATTEMPTS) {
                    throw new ConnectException("cannot " + what + " of " + tp + " in " + store.describe() + ": "
                            + e.getMessage(), e);
                }
                LOG.warn("Could not {} of {} (attempt {} of {}), retrying: {}", what, tp, attempt, OPEN_ATTEMPTS,
                        e.getMessage());
                sleep(StoreException.retryBackoffMillis(attempt));
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("interrupted", e);
        }
    }
}
