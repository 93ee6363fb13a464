package dev.quiver.intake;

import static dev.quiver.intake.WriterFixture.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.config.QuiverSinkConfig;
import dev.quiver.testing.InMemoryObjectStore;
import dev.quiver.testing.ParquetReadback;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Back-pressure under a full memory budget, driven through a {@link SimulatedConsumer} that honours pause, resume and
 * seek as Connect's consumer does: partitions are paused instead of the task thread waiting on stuck uploads, small
 * batches are not landed for memory below flush.min.bytes, and in every case each record lands exactly once.
 *
 * <p>The class-level timeout is the proof that no put() blocks on a held upload: the store holds every write until
 * the test releases it, so a put() that waited for one would never return.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackPressureTest {
    private static final long BUDGET = 1024L * 1024;
    private static final Schema VALUE = WriterFixture.ID_NAME;
    private static final String PADDING = "x".repeat(100);

    @TempDir
    Path tmp;

    private final WriterFixture fixture = new WriterFixture("bp", Map.of(
            QuiverSinkConfig.BUFFER_MEMORY_BYTES, Long.toString(BUDGET),
            QuiverSinkConfig.FLUSH_MAX_RECORDS, "1000000",
            QuiverSinkConfig.FLUSH_INTERVAL_MS, "60000",
            // put() may wait a tenth of this for uploads: 100 ms, so held uploads cost the test little time.
            "consumer.override.max.poll.interval.ms", "1000"));
    private final InMemoryObjectStore store = fixture.store();

    @AfterEach
    void closeWriters() {
        store.releasePuts();
        // Closing checks the Arrow allocator: a leaked buffer fails the test here.
        fixture.close();
    }

    private static TopicPartition tp(int partition) {
        return new TopicPartition(TOPIC, partition);
    }

    /** Records of one partition, ids {@code partition * 1_000_000 + offset}. */
    private static List<SinkRecord> records(int partition, long count) {
        return LongStream.range(0, count).mapToObj(offset -> {
            long id = partition * 1_000_000L + offset;
            return WriterFixture.record(partition, offset, WriterFixture.idAndName(VALUE, id, PADDING + id));
        }).collect(Collectors.toList());
    }

    /**
     * Connect's loop, one round per put(): poll, put, preCommit. A put() that fails retriably gets the same batch
     * again, as Connect redelivers it. Runs at least one round, then until {@code done} or {@code maxRounds}; returns
     * the rounds run.
     */
    private int drive(SinkWriter writer, SimulatedConsumer consumer, BooleanSupplier done, int maxRounds) {
        List<SinkRecord> batch = null;
        int round = 0;
        while (round < maxRounds && (round == 0 || batch != null || !done.getAsBoolean())) {
            round++;
            if (batch == null) {
                batch = consumer.poll();
                if (batch.isEmpty()) {
                    // As Connect's poll would block a while: gives the flush threads time to finish an upload, so a
                    // loaded machine does not use up the rounds spinning.
                    sleepQuietly(5);
                }
            }
            try {
                writer.put(batch);
                batch = null;
            } catch (RetriableException e) {
                // Connect keeps the batch and calls put() with it again.
            }
            writer.committableOffsets();
        }
        return round;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** count(*), count(DISTINCT id) and the sum of ids over every landed file. */
    private List<Object> landedSummary() throws Exception {
        Path dir = fixture.landedDir(tmp);
        try (ParquetReadback duck = new ParquetReadback()) {
            return duck.queryLists("SELECT count(*), count(DISTINCT id), sum(id)::BIGINT, min(typeof(id)),"
                    + " count(*) FILTER (WHERE name <> '" + PADDING + "' || id) FROM " + ParquetReadback.table(dir))
                    .get(0);
        }
    }

    private static List<Object> expectedSummary(int partitions, long perPartition) {
        long sum = 0;
        for (int p = 0; p < partitions; p++) {
            for (long o = 0; o < perPartition; o++) {
                sum += p * 1_000_000L + o;
            }
        }
        long rows = partitions * perPartition;
        return List.of(rows, rows, sum, "BIGINT", 0L);
    }

    @Test
    void stuckUploadsPausePartitionsInsteadOfBlockingAndEverythingLandsOnceWhenTheyRecover() throws Exception {
        int partitions = 4;
        long perPartition = 6000;
        SimulatedConsumer consumer = new SimulatedConsumer(300);
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            consumer.append(tp(p), records(p, perPartition));
            tps.add(tp(p));
        }
        SinkWriter writer = fixture.writer(consumer, Map.of(QuiverSinkConfig.FLUSH_THREADS, "2",
                QuiverSinkConfig.FLUSH_MIN_BYTES, Long.toString(32 * 1024)));
        writer.open(tps);
        store.holdPuts();

        // Storage accepts nothing: batches landed for memory stay in flight and hold the budget. Every put() returns
        // all the same (the class timeout fails a put() that waits for a held upload), and the task pauses partitions.
        drive(writer, consumer, () -> consumer.paused().size() == partitions, 2000);
        assertThat(consumer.paused()).containsExactlyInAnyOrderElementsOf(tps);
        assertThat(store.heldPuts()).isPositive();
        assertThat(fixture.dataKeys()).isEmpty();
        assertThat(writer.committableOffsets()).isEmpty();
        assertThat(fixture.taskMetric(writer, "PausedPartitions")).isEqualTo(partitions);
        assertThat(writer.bufferedBytes()).isLessThanOrEqualTo(BUDGET);
        // Each paused partition was sought back to the first record it could not take, and nothing was skipped.
        for (Map.Entry<TopicPartition, Long> seek : consumer.seekCalls()) {
            assertThat(consumer.deliveries(seek.getKey(), seek.getValue())).isEqualTo(1);
        }

        store.releasePuts();
        drive(writer, consumer, consumer::drained, 5000);
        assertThat(consumer.drained()).isTrue();
        writer.close(tps);

        assertThat(landedSummary()).isEqualTo(expectedSummary(partitions, perPartition));
        assertThat(consumer.paused()).isEmpty();
        assertThat(consumer.resumeCalls()).isNotEmpty();
        assertThat(fixture.taskMetric(writer, "PausedPartitions")).isEqualTo(0);
        assertThat((Long) fixture.taskMetric(writer, "PauseEvents")).isGreaterThanOrEqualTo(partitions);
        assertThat(writer.peakBufferedBytes()).isLessThanOrEqualTo(BUDGET);
    }

    /**
     * A flush fails while storage is down; when Connect calls put() again, storage stalls. The retry runs on a flush
     * thread and waits there: put() returns (without the fix it retried on the task thread and never returned, which
     * the timeout catches), the partition's next flush waits paused behind the retry, and once storage answers every
     * record lands once, the retried flush at the keys it first chose.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFailedFlushIsRetriedOnAFlushThreadAndPutGoesOnWhileStorageStalls() throws Exception {
        SimulatedConsumer consumer = new SimulatedConsumer(200);
        long perPartition = 3000;
        consumer.append(tp(0), records(0, perPartition));
        consumer.append(tp(1), records(1, perPartition));
        SinkWriter writer = fixture.writer(consumer, Map.of(QuiverSinkConfig.FLUSH_THREADS, "2",
                QuiverSinkConfig.FLUSH_MAX_RECORDS, "500"));
        writer.open(List.of(tp(0), tp(1)));
        store.failAfterPuts(0);

        // Connect's loop until a failed flush pauses its partition. No put() throws (issue 12 #13): an exception here
        // fails the test.
        for (int round = 0; round < 2000 && consumer.paused().isEmpty(); round++) {
            writer.put(consumer.poll());
            sleepQuietly(2);
        }
        assertThat(consumer.paused()).as("a partition waits for its failed flush's retry").isNotEmpty();
        assertThat(fixture.dataKeys()).isEmpty();

        store.heal();
        store.holdPuts();
        // The back-off has passed: the next put() hands the retries to the flush threads.
        fixture.advanceMillis(StorageOutage.MAX_BACKOFF_MS);
        writer.put(List.of());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (store.heldPuts() == 0 && System.nanoTime() < deadline) {
            sleepQuietly(5);
        }
        assertThat(store.heldPuts()).as("the retry waits for storage on a flush thread").isPositive();
        // More rounds while storage stalls: each put() returns; nothing is reported durable.
        drive(writer, consumer, () -> false, 50);
        assertThat(fixture.dataKeys()).isEmpty();
        assertThat(writer.committableOffsets()).isEmpty();

        store.releasePuts();
        drive(writer, consumer, consumer::drained, 5000);
        assertThat(consumer.drained()).isTrue();
        writer.close(List.of(tp(0), tp(1)));
        assertThat(landedSummary()).isEqualTo(expectedSummary(2, perPartition));
        assertThat(fixture.dataKeys(0)).first().asString().endsWith("+0+00000000000000000000.parquet");
        assertThat(consumer.paused()).isEmpty();
    }

    @Test
    void aRecordThatFindsNoMemoryWhileUploadsAreStuckIsSoughtBackDeliveredOnceMoreAndLandedOnce() throws Exception {
        SimulatedConsumer consumer = new SimulatedConsumer(500);
        long perPartition = 5000;
        consumer.append(tp(0), records(0, perPartition));
        consumer.append(tp(1), records(1, perPartition));
        SinkWriter writer = fixture.writer(consumer, Map.of(QuiverSinkConfig.FLUSH_THREADS, "1",
                QuiverSinkConfig.FLUSH_MIN_BYTES, Long.toString(128 * 1024)));
        writer.open(List.of(tp(0), tp(1)));
        store.holdPuts();

        drive(writer, consumer, () -> consumer.paused().size() == 2, 2000);
        assertThat(consumer.paused()).containsExactlyInAnyOrder(tp(0), tp(1));
        // A partition that met a full budget in the middle of a put() was sought back to the record Arrow had no room
        // for (one paused at the end of a put() needs no seek); until now each of those offsets came exactly once.
        Map<TopicPartition, Long> soughtTo = consumer.seekCalls().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a));
        assertThat(soughtTo).isNotEmpty();
        assertThat(soughtTo.keySet()).isSubsetOf(tp(0), tp(1));
        for (Map.Entry<TopicPartition, Long> e : soughtTo.entrySet()) {
            assertThat(e.getValue()).isPositive().isLessThan(perPartition);
            assertThat(consumer.deliveries(e.getKey(), e.getValue())).isEqualTo(1);
            // Offsets never run ahead of what is buffered: nothing at or after the deferred record is committable.
            OffsetAndMetadata committable = writer.committableOffsets().get(e.getKey());
            assertThat(committable == null ? 0 : committable.offset()).isLessThanOrEqualTo(e.getValue());
        }

        store.releasePuts();
        drive(writer, consumer, consumer::drained, 5000);
        assertThat(consumer.drained()).isTrue();
        for (Map.Entry<TopicPartition, Long> e : soughtTo.entrySet()) {
            assertThat(consumer.deliveries(e.getKey(), e.getValue())).isEqualTo(2);
        }
        // Redeliveries are not counted again.
        assertThat(fixture.taskMetric(writer, "RecordsIn")).isEqualTo(2 * perPartition);
        writer.close(List.of(tp(0), tp(1)));
        assertThat(landedSummary()).isEqualTo(expectedSummary(2, perPartition));
        assertThat(consumer.paused()).isEmpty();
    }

    @Test
    void aBatchDueWhileThePreviousOneStillUploadsPausesItsPartitionUntilTheUploadIsThrough() throws Exception {
        SimulatedConsumer consumer = new SimulatedConsumer(150);
        long perPartition = 1000;
        consumer.append(tp(0), records(0, perPartition));
        consumer.append(tp(1), records(1, perPartition));
        SinkWriter writer = fixture.writer(consumer, Map.of(QuiverSinkConfig.FLUSH_THREADS, "2",
                QuiverSinkConfig.FLUSH_MAX_RECORDS, "100"));
        writer.open(List.of(tp(0), tp(1)));
        store.holdPuts();

        drive(writer, consumer, () -> consumer.paused().size() == 2, 500);
        assertThat(consumer.paused()).containsExactlyInAnyOrder(tp(0), tp(1));
        // Each partition's first batch is in flight, held; the record that made the next one due (offset 200, after
        // the 100 rows of the held batch and 100 of the next one) is where each was sought back to.
        assertThat(consumer.seekCalls()).containsExactlyInAnyOrder(Map.entry(tp(0), 200L), Map.entry(tp(1), 200L));
        assertThat(writer.bufferedBytes()).isLessThan(BUDGET / 2);
        // Memory is not the reason: the partitions wait for their uploads, not for the budget.
        writer.put(List.of());
        assertThat(consumer.paused()).hasSize(2);

        store.releasePuts();
        drive(writer, consumer, consumer::drained, 2000);
        assertThat(consumer.drained()).isTrue();
        assertThat(consumer.deliveries(tp(0), 200)).isEqualTo(2);
        writer.close(List.of(tp(0), tp(1)));
        assertThat(landedSummary()).isEqualTo(expectedSummary(2, perPartition));
        assertThat(fixture.dataKeys(0)).hasSize(10);
    }

    /**
     * Quiet partitions of one record each: their batches fill more than half the 1 MiB budget, Arrow buffers and Java
     * objects counted (it took 60 when the budget counted only the buffers).
     */
    private static final int QUIET = 30;

    /** QUIET partitions of one record, then one busy partition pushing the budget past its high-water mark. */
    private void quietPartitionsAndOneBusy(SinkWriter writer) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p <= QUIET; p++) {
            tps.add(tp(p));
        }
        writer.open(tps);
        List<SinkRecord> quiet = new ArrayList<>();
        for (int p = 1; p <= QUIET; p++) {
            quiet.addAll(records(p, 1));
        }
        writer.put(quiet);
        // Each quiet batch holds its first allocation, about 10 KiB, and as much again for its vectors' Java objects:
        // together more than half the budget.
        assertThat(writer.bufferedBytes()).isGreaterThan(BUDGET / 2).isLessThan(BUDGET * 85 / 100);
        List<SinkRecord> busy = records(0, 3000);
        for (int from = 0; from < busy.size(); from += 100) {
            writer.put(busy.subList(from, from + 100));
        }
    }

    @Test
    void quietPartitionsAreNotLandedForMemoryBelowTheMinimumWhileABusyOneIs() throws Exception {
        SimulatedConsumer consumer = new SimulatedConsumer(1000);
        for (int p = 0; p <= QUIET; p++) {
            consumer.append(tp(p), List.of());
        }
        SinkWriter writer = fixture.writer(consumer, Map.of(QuiverSinkConfig.FLUSH_THREADS, "0",
                QuiverSinkConfig.FLUSH_MIN_BYTES, Long.toString(64 * 1024)));
        quietPartitionsAndOneBusy(writer);

        assertThat(fixture.dataKeys(0)).isNotEmpty();
        for (int p = 1; p <= QUIET; p++) {
            assertThat(fixture.dataKeys(p)).as("partition %d", p).isEmpty();
        }
        // Landing the busy partition was enough: nothing had to be paused.
        assertThat(consumer.pauseCalls()).isEmpty();
        assertThat(writer.peakBufferedBytes()).isLessThanOrEqualTo(BUDGET);
    }

    @Test
    void withoutAMinimumTheBudgetLandsQuietPartitionsToo() {
        SimulatedConsumer consumer = new SimulatedConsumer(1000);
        for (int p = 0; p <= QUIET; p++) {
            consumer.append(tp(p), List.of());
        }
        SinkWriter writer = fixture.writer(consumer, Map.of(QuiverSinkConfig.FLUSH_THREADS, "0",
                QuiverSinkConfig.FLUSH_MIN_BYTES, "0"));
        quietPartitionsAndOneBusy(writer);

        // The same input as above: the budget now also cuts one-record files of quiet partitions.
        long quietLanded = LongStream.rangeClosed(1, QUIET).filter(p -> !fixture.dataKeys((int) p).isEmpty()).count();
        assertThat(quietLanded).isPositive();
    }

    @Test
    void whenEveryBatchIsBelowTheMinimumTheLargerOnesLandRatherThanStallingUntilTheInterval() throws Exception {
        int partitions = 80;
        long perPartition = 100;
        SimulatedConsumer consumer = new SimulatedConsumer(400);
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            consumer.append(tp(p), records(p, perPartition));
            tps.add(tp(p));
        }
        // The default minimum (1 MiB, capped at a quarter of the 1 MiB budget) is far above any batch here, and the
        // interval never comes: the clock does not move. Only landing batches below the minimum can free memory.
        SinkWriter writer = fixture.writer(consumer, Map.of(QuiverSinkConfig.FLUSH_THREADS, "0",
                QuiverSinkConfig.FLUSH_INTERVAL_MS, "3600000"));
        writer.open(tps);

        drive(writer, consumer, consumer::drained, 2000);
        assertThat(consumer.drained()).as("every record delivered without the interval's help").isTrue();
        assertThat(fixture.dataKeys()).as("batches below the minimum landed for memory").isNotEmpty();
        assertThat(writer.peakBufferedBytes()).isLessThanOrEqualTo(BUDGET);
        writer.close(tps);
        assertThat(landedSummary()).isEqualTo(expectedSummary(partitions, perPartition));
        assertThat(consumer.paused()).isEmpty();
        for (int p = 0; p < partitions; p++) {
            // Only batches above the average land for memory: each partition is cut a few times, not per record.
            assertThat(fixture.dataKeys(p)).as("partition %d", p).hasSizeLessThanOrEqualTo(4);
        }
    }

    @Test
    void aRebalanceResumesWhatTheTaskPausedAndForgetsRevokedPartitions() throws Exception {
        int partitions = 4;
        SimulatedConsumer consumer = new SimulatedConsumer(300);
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            consumer.append(tp(p), records(p, 6000));
            tps.add(tp(p));
        }
        SinkWriter writer = fixture.writer(consumer, Map.of(QuiverSinkConfig.FLUSH_THREADS, "2",
                QuiverSinkConfig.FLUSH_MIN_BYTES, Long.toString(32 * 1024)));
        writer.open(tps);
        // Uploads stuck: the budget fills with batches in flight and the task pauses partitions.
        store.holdPuts();
        drive(writer, consumer, () -> consumer.paused().size() >= 2, 2000);
        List<TopicPartition> pausedBefore = List.copyOf(consumer.paused());
        assertThat(pausedBefore).hasSizeGreaterThanOrEqualTo(2);
        store.releasePuts();

        // Revoke one paused partition: it is forgotten (Connect refuses a resume of a partition not assigned, and the
        // simulated consumer throws), and the rest are resumed, since landing the revoked one freed memory.
        TopicPartition revoked = pausedBefore.get(0);
        writer.close(List.of(revoked));
        consumer.revoke(revoked);
        assertThat(consumer.paused()).isEmpty();
        assertThat(consumer.resumeCalls()).doesNotContain(revoked).containsAll(pausedBefore.subList(1,
                pausedBefore.size()));
        // What the revoked partition buffered landed on close, after its held upload: every file is whole and the
        // offsets it covers start at 0 with no gap.
        assertThat(fixture.dataKeys(revoked.partition())).isNotEmpty();
        Path dir = Files.createTempDirectory(tmp, "revoked");
        fixture.copyOut(dir, fixture.dataKeys(revoked.partition()));
        long first = revoked.partition() * 1_000_000L;
        try (ParquetReadback duck = new ParquetReadback()) {
            List<Object> summary = duck.queryLists("SELECT min(id), count(*), count(DISTINCT id), max(id) - min(id) + 1"
                    + " FROM " + ParquetReadback.table(dir)).get(0);
            assertThat(summary.get(0)).isEqualTo(first);
            assertThat(summary.get(1)).isEqualTo(summary.get(2)).isEqualTo(summary.get(3));
        }
    }
}
