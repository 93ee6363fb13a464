package dev.quiver.intake;

import dev.quiver.metrics.TaskMetrics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions a task paused for back-pressure, and why. Connect only offers pause and resume; the task must know
 * what it paused to resume it, and must forget partitions it no longer owns (resuming one of those is an error).
 *
 * <p>Pauses are gathered during a put() and logged once at its end, one WARN line per reason, so that hundreds of
 * partitions paused together make one line, not hundreds. Not thread-safe: used from the task thread only.
 */
final class PausedPartitions {
    private static final Logger LOG = LoggerFactory.getLogger(PausedPartitions.class);
    /** Partitions named in one log line; the rest are counted. */
    private static final int LOGGED_NAMES = 10;

    /** Why a partition was paused, which also decides when it may resume. */
    enum Reason {
        /** The budget is full and cannot be freed at once: resumes when memory falls to the low-water mark. */
        MEMORY("the memory budget is full and nothing can be freed at once (batches below flush.min.bytes, or"
                + " uploads in flight)"),
        /** Its next batch is due while its previous flush still uploads: resumes when that flush has finished. */
        UPLOAD("the next batch is due while the previous flush of the partition is still uploading"),
        /**
         * Its flush failed because storage is unreachable: resumes once the retried flush has landed. Logged by
         * {@link StorageOutage}, once for the outage, not per pause.
         */
        STORAGE("storage is unreachable and the partition's flush waits for its retry");

        final String text;

        Reason(String text) {
            this.text = text;
        }
    }

    private final ConsumerControl consumer;
    private final TaskMetrics metrics;
    private final Map<TopicPartition, Reason> paused = new LinkedHashMap<>();
    private final Map<Reason, List<TopicPartition>> unlogged = new EnumMap<>(Reason.class);

    PausedPartitions(ConsumerControl consumer, TaskMetrics metrics) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    boolean isEmpty() {
        return paused.isEmpty();
    }

    boolean contains(TopicPartition tp) {
        return paused.containsKey(tp);
    }

    /**
     * Pauses {@code tp} unless it is already paused. A partition paused for an upload is then held for memory too;
     * one paused for storage stays so until its flush lands, whatever else holds it.
     */
    void pause(TopicPartition tp, Reason reason) {
        Reason before = paused.get(tp);
        if (before == null) {
            consumer.pause(tp);
            paused.put(tp, reason);
            if (reason != Reason.STORAGE) {
                unlogged.computeIfAbsent(reason, r -> new ArrayList<>()).add(tp);
            }
            metrics.partitionsPaused(1, paused.size());
        } else if (reason == Reason.STORAGE || (reason == Reason.MEMORY && before == Reason.UPLOAD)) {
            paused.put(tp, reason);
        }
    }

    /** How many partitions are paused, for whatever reason. */
    int size() {
        return paused.size();
    }

    /** Resumes the partitions paused for {@code reason} that {@code mayResume} allows; returns how many. */
    int resume(Reason reason, Predicate<TopicPartition> mayResume, String why) {
        List<TopicPartition> resumed = new ArrayList<>();
        for (Map.Entry<TopicPartition, Reason> e : paused.entrySet()) {
            if (e.getValue() == reason && mayResume.test(e.getKey())) {
                resumed.add(e.getKey());
            }
        }
        for (TopicPartition tp : resumed) {
            consumer.resume(tp);
            paused.remove(tp);
        }
        if (!resumed.isEmpty()) {
            metrics.partitionsResumed(paused.size());
            if (reason == Reason.STORAGE) {
                // StorageOutage says once that storage is back; the partitions it freed are a detail.
                LOG.debug("Resuming {} partition(s) {}: {}", resumed.size(), names(resumed), why);
            } else {
                LOG.info("Back-pressure: resuming {} partition(s) {}: {}", resumed.size(), names(resumed), why);
            }
        }
        return resumed.size();
    }

    /** Resumes every partition still paused that the task owns: after a rebalance the picture is a new one. */
    void resumeAll(Predicate<TopicPartition> owned, String why) {
        paused.keySet().removeIf(tp -> !owned.test(tp));
        for (Reason reason : Reason.values()) {
            resume(reason, tp -> true, why);
        }
        metrics.partitionsResumed(paused.size());
    }

    /** Forgets partitions the task no longer owns, without resuming them: Connect refuses that for them. */
    void forget(Collection<TopicPartition> revoked) {
        boolean changed = false;
        for (TopicPartition tp : revoked) {
            changed |= paused.remove(tp) != null;
        }
        if (changed) {
            metrics.partitionsResumed(paused.size());
        }
    }

    /** Logs the pauses made since the last call, one WARN line per reason. */
    void logPauses(long inUse, long budget) {
        for (Map.Entry<Reason, List<TopicPartition>> e : unlogged.entrySet()) {
            List<TopicPartition> tps = e.getValue();
            LOG.warn("Back-pressure: pausing {} partition(s) {}: {}; {} of {} Arrow bytes in use, {} partition(s)"
                    + " paused in all", tps.size(), names(tps), e.getKey().text, inUse, budget, paused.size());
        }
        unlogged.clear();
    }

    private static String names(List<TopicPartition> tps) {
        if (tps.size() <= LOGGED_NAMES) {
            return tps.toString();
        }
        return tps.subList(0, LOGGED_NAMES) + " and " + (tps.size() - LOGGED_NAMES) + " more";
    }
}
