package dev.quiver.intake;

import static dev.quiver.intake.WriterFixture.P0;
import static dev.quiver.intake.WriterFixture.P1;
import static dev.quiver.intake.WriterFixture.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.commit.CommitLog;
import dev.quiver.config.QuiverSinkConfig;
import dev.quiver.testing.InMemoryObjectStore;
import dev.quiver.testing.ParquetReadback;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exactly-once holes of issue 12 that live in the writer's protocol, each provoked deterministically on the
 * in-memory store: every test here failed before its fix, with the failure named in its Javadoc.
 */
class ExactlyOnceHolesTest {
    private static final Schema V1 = WriterFixture.ID_NAME;

    @TempDir
    Path tmp;

    private final WriterFixture fixture = new WriterFixture("conn", WriterFixture.withoutThresholds(Map.of()));
    private final InMemoryObjectStore store = fixture.store();

    @AfterEach
    void closeWriters() {
        fixture.close();
    }

    private static SinkRecord record(int partition, long offset, String name) {
        return WriterFixture.record(partition, offset, WriterFixture.idAndName(V1, offset, name));
    }

    private static List<SinkRecord> records(int partition, long from, long toExclusive) {
        return LongStream.range(from, toExclusive).mapToObj(o -> record(partition, o, "n" + o))
                .collect(Collectors.toList());
    }

    /** (partition, offset, name) of every landed row, sorted. */
    private List<List<Object>> landed() throws Exception {
        if (fixture.dataKeys().isEmpty()) {
            return List.of();
        }
        Path dir = fixture.landedDir(tmp);
        try (ParquetReadback duck = new ParquetReadback()) {
            return duck.queryLists("SELECT _kafka_partition, _kafka_offset, name FROM " + ParquetReadback.table(dir)
                    + " ORDER BY _kafka_partition, _kafka_offset, name");
        }
    }

    private static List<List<Object>> rows(int partition, long from, long toExclusive, String prefix) {
        return LongStream.range(from, toExclusive).mapToObj(o -> List.<Object>of(partition, o, prefix + o))
                .collect(Collectors.toList());
    }

    private Map<String, byte[]> dataFiles() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String key : fixture.dataKeys()) {
            files.put(key, store.get(key).orElseThrow());
        }
        return files;
    }

    /**
     * Item 1. The topic is deleted and recreated (or truncated, or mirrored without offset translation): the marker
     * says offsets through 9 landed, the consumer finds offset 10 out of range and starts the new log at 0. Before the
     * fix every new record at or below 9 was dropped as already landed, silently, and Connect ignored the offset the
     * task reported ("not yet consumed").
     */
    @Test
    void aRecreatedLogLandsUnderNewKeysAndLeavesTheOldFilesAlone() throws Exception {
        SinkWriter first = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "5"));
        first.open(List.of(P0));
        first.put(records(0, 0, 10));
        first.close(List.of(P0));
        fixture.stop(first);
        Map<String, byte[]> oldFiles = dataFiles();
        assertThat(oldFiles).hasSize(2);

        SinkWriter second = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "5"));
        second.open(List.of(P0));
        assertThat(fixture.consumer().seeks()).containsEntry(P0, 10L);
        List<SinkRecord> newLog = LongStream.range(0, 7).mapToObj(o -> record(0, o, "new" + o))
                .collect(Collectors.toList());
        second.put(newLog);
        // The new log's first five records landed; nothing of the old log's offsets is claimed for the new one.
        assertThat(second.committableOffsets()).containsExactly(Map.entry(P0, new OffsetAndMetadata(5)));
        second.close(List.of(P0));

        for (Map.Entry<String, byte[]> old : oldFiles.entrySet()) {
            assertThat(store.get(old.getKey())).as("old file %s", old.getKey()).hasValueSatisfying(
                    bytes -> assertThat(bytes).isEqualTo(old.getValue()));
        }
        List<List<Object>> expected = new ArrayList<>();
        for (long o = 0; o < 10; o++) {
            expected.add(List.of(0, o, "n" + o));
            if (o < 7) {
                expected.add(List.of(0, o, "new" + o));
            }
        }
        expected.sort((a, b) -> {
            int byOffset = Long.compare((Long) a.get(1), (Long) b.get(1));
            return byOffset != 0 ? byOffset : ((String) a.get(2)).compareTo((String) b.get(2));
        });
        assertThat(landed()).isEqualTo(expected);
        assertThat(fixture.dataKeys()).hasSize(4);
    }

    /**
     * Item 3. A fencing conflict seeks a partition back, and the same put() then fails retriably on another partition:
     * Connect redelivers the retained batch, whose records of the fenced partition start above the seek. Before the
     * fix they were accepted, and the records between the seek and the batch were then dropped as redeliveries: rows
     * 5 and 6 were lost.
     */
    @Test
    void aRedeliveredBatchDoesNotJumpOverTheSeekOfAFencedPartition() throws Exception {
        SinkWriter zombie = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "8"));
        zombie.open(List.of(P0, P1));
        zombie.put(records(0, 0, 7));

        // The partition's new owner lands 0..4 and writes the marker the zombie's next write conflicts with.
        SinkWriter owner = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "5"));
        owner.open(List.of(P0));
        owner.put(records(0, 0, 5));
        fixture.stop(owner);

        List<SinkRecord> batch = new ArrayList<>(records(0, 7, 10));
        batch.addAll(records(1, 0, 8));
        // P0's flush at offset 8 is fenced (the zombie re-reads the marker: resume at 5); P1's flush then fails.
        // The storage failure no longer leaves put() (issue 12 #13): P1 is paused and waits for its retry.
        store.failNextPuts(1, true);
        zombie.put(batch);
        assertThat(fixture.consumer().seeks()).containsEntry(P0, 5L);
        assertThat(fixture.consumer().paused()).containsExactly(P1);

        // The consumer reads P0 again from the seek; P1's flush lands on its retry after the back-off.
        fixture.advanceMillis(StorageOutage.MAX_BACKOFF_MS);
        zombie.put(records(0, 5, 10));
        assertThat(fixture.consumer().paused()).isEmpty();
        zombie.close(List.of(P0, P1));

        List<List<Object>> expected = new ArrayList<>(rows(0, 0, 10, "n"));
        expected.addAll(rows(1, 0, 8, "n"));
        assertThat(landed()).isEqualTo(expected);
    }

    /**
     * Item 4. A flush on the flush threads is fenced (another task wrote the marker). Before the fix preCommit
     * swallowed the conflict and, with nothing buffered or in flight, reported every accepted offset: 5, for records
     * that never landed.
     */
    @Test
    void preCommitAfterAFencedBackgroundFlushReportsOnlyWhatLanded() throws Exception {
        SinkWriter zombie = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "5",
                QuiverSinkConfig.FLUSH_THREADS, "1"));
        zombie.open(List.of(P0));
        SinkWriter owner = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "3"));
        owner.open(List.of(P0));
        owner.put(records(0, 0, 3));
        fixture.stop(owner);

        zombie.put(records(0, 0, 5));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        // Until the zombie has noticed the conflict and re-read the marker (it then seeks to 3), every preCommit may
        // report at most what the marker holds.
        while (!Long.valueOf(3).equals(fixture.consumer().seeks().get(P0))) {
            assertThat(System.nanoTime()).as("the fenced flush was never noticed").isLessThan(deadline);
            Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> offsets = zombie.committableOffsets();
            if (offsets.containsKey(P0)) {
                assertThat(offsets.get(P0).offset()).isLessThanOrEqualTo(3);
            }
            zombie.put(List.of());
            Thread.sleep(5);
        }
        Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> after = zombie.committableOffsets();
        if (after.containsKey(P0)) {
            assertThat(after.get(P0).offset()).isLessThanOrEqualTo(3);
        }
        assertThat(landed()).isEqualTo(rows(0, 0, 3, "n"));
    }

    /**
     * Item 5. A replay finds files of the interrupted flush that it does not rewrite (orphans) and must delete them.
     * Before the fix the replay's marker listed only its own keys and the orphans were deleted after its uploads, so a
     * crash in between left the orphan for good: a duplicate of rows that landed again.
     */
    @Test
    void aReplayThatDiesBeforeDeletingItsOrphansDeletesThemOnTheNextOpen() throws Exception {
        String replayed = "landing/events/partition=0/events+0+00000000000000000000.parquet";
        String orphan = "landing/events/record_type=Gone/partition=0/events+0+00000000000000000000.parquet";
        CommitLog log = new CommitLog(store, "landing", "conn");
        log.read(P0);
        log.recordFlush(P0, -1, 0, 9, List.of(replayed, orphan));
        store.put(orphan, new byte[] {1, 2, 3}, 0, 3);

        SinkWriter first = fixture.writer();
        first.open(List.of(P0));
        assertThat(fixture.consumer().seeks()).containsEntry(P0, 0L);
        store.failNextDeletes(1);
        // The failed delete fails the replay's flush, which waits, paused, for its retry; the task then dies.
        first.put(records(0, 0, 10));
        assertThat(fixture.consumer().paused()).containsExactly(P0);
        assertThat(store.exists(orphan)).isTrue();
        fixture.stop(first);

        SinkWriter second = fixture.writer();
        second.open(List.of(P0));
        if (fixture.consumer().seeks().get(P0) == 0L) {
            second.put(records(0, 0, 10));
        }
        second.close(List.of(P0));
        assertThat(store.exists(orphan)).as("the orphan of the interrupted flush").isFalse();
        assertThat(fixture.dataKeys()).containsExactly(replayed);
        assertThat(landed()).isEqualTo(rows(0, 0, 10, "n"));
    }

    /**
     * Item 10. The first record of a partition with no marker opens a batch of its own record type and is then
     * dead-lettered, leaving that batch empty. Before the fix the flush took its start offset from the empty batch,
     * -1, and failed with an IllegalArgumentException from the key's zero-padding: nothing landed, every time.
     */
    @Test
    void aDeadLetteredFirstRecordLeavesNoEmptyBatchToBreakTheFlush() throws Exception {
        Schema other = SchemaBuilder.struct().name("Other")
                .field("id", Schema.INT64_SCHEMA).field("name", Schema.STRING_SCHEMA).build();
        Schema otherWrong = SchemaBuilder.struct().name("Other")
                .field("id", Schema.STRING_SCHEMA).field("name", Schema.STRING_SCHEMA).build();
        SinkRecord bad = new SinkRecord(TOPIC, 0, null, null, other,
                new Struct(otherWrong).put("id", "x").put("name", "bad"), 0);
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "5"), true);
        writer.open(List.of(P0));
        List<SinkRecord> batch = new ArrayList<>();
        batch.add(bad);
        batch.addAll(records(0, 1, 6));
        writer.put(batch);
        writer.put(List.of());

        assertThat(fixture.deadLetterOffsets()).containsExactly(0L);
        assertThat(writer.committableOffsets()).containsExactly(Map.entry(P0, new OffsetAndMetadata(6)));
        assertThat(landed()).isEqualTo(rows(0, 1, 6, "n"));
        assertThat(fixture.dataKeys()).allSatisfy(key -> assertThat(key).doesNotContain("-"));
    }

    /**
     * Item 12. A schema change that cannot share a file meets the partition's flush still running against a stalled
     * store: before the fix put() waited for that flush without bound (here, until the store was released).
     */
    @Test
    void aSchemaChangeBehindARunningFlushWaitsNoLongerThanPutsBound() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "5",
                QuiverSinkConfig.FLUSH_THREADS, "1", "consumer.override.max.poll.interval.ms", "10000"));
        writer.open(List.of(P0));
        store.holdPuts();
        writer.put(records(0, 0, 7));
        Schema changed = SchemaBuilder.struct()
                .field("id", Schema.STRING_SCHEMA).field("name", Schema.STRING_SCHEMA).build();
        SinkRecord change = new SinkRecord(TOPIC, 0, null, null, changed,
                new Struct(changed).put("id", "seven").put("name", "n7"), 7);
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            Future<?> put = caller.submit(() -> writer.put(List.of(change)));
            // The bound is a tenth of max.poll.interval.ms: 1 s here.
            put.get(4, TimeUnit.SECONDS);
        } finally {
            store.releasePuts();
            caller.shutdownNow();
        }
        assertThat(fixture.consumer().seeks()).containsEntry(P0, 7L);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!writer.committableOffsets().containsKey(P0)) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            writer.put(List.of());
            Thread.sleep(5);
        }
        writer.put(List.of(change));
        writer.close(List.of(P0));
        try (ParquetReadback duck = new ParquetReadback()) {
            Path dir = fixture.landedDir(tmp);
            assertThat(duck.queryLists("SELECT _kafka_offset, CAST(id AS VARCHAR) FROM " + ParquetReadback.table(dir)
                    + " ORDER BY _kafka_offset")).containsExactly(List.of(0L, "0"), List.of(1L, "1"),
                    List.of(2L, "2"), List.of(3L, "3"), List.of(4L, "4"), List.of(5L, "5"), List.of(6L, "6"),
                    List.of(7L, "seven"));
        }
        assertThat(fixture.dataKeys()).hasSize(3);
    }
}
