package dev.quiver.intake;

import static dev.quiver.intake.WriterFixture.P0;
import static dev.quiver.intake.WriterFixture.incompressibleName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.config.QuiverSinkConfig;
import dev.quiver.testing.InMemoryObjectStore;
import dev.quiver.testing.ParquetReadback;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files larger than the memory budget: a batch streams its rows out as row groups into multipart parts, its vectors
 * are reused, and the file still lands exactly once through the commit marker, across part failures and crashes.
 */
class StreamedFilesTest {
    private static final long MIB = 1024 * 1024;
    /** Big enough for a 5 MiB part, two 1 MiB row groups and their spare, under the 85% high-water mark. */
    private static final long BUDGET = 16 * MIB;
    private static final String KEY0 = "landing/events/partition=0/events+0+00000000000000000000.parquet";
    private static final Schema V1 = WriterFixture.ID_NAME;
    private static final Schema V2 = WriterFixture.ID_NAME_EXTRA;

    @TempDir
    Path tmp;

    private final WriterFixture fixture = new WriterFixture("conn", WriterFixture.withoutThresholds(Map.of(
            QuiverSinkConfig.BUFFER_MEMORY_BYTES, Long.toString(BUDGET),
            QuiverSinkConfig.PARQUET_COMPRESSION, "none",
            QuiverSinkConfig.UPLOAD_PART_BYTES, Long.toString(5 * MIB),
            // Small row groups, so that a file in progress (two row groups and a part) fits this small budget.
            QuiverSinkConfig.PARQUET_ROW_GROUP_BYTES, Long.toString(2 * MIB))));
    private final InMemoryObjectStore store = fixture.store();

    @AfterEach
    void closeWriters() {
        // Closing checks the Arrow allocator: a leaked vector or encoded chunk fails the test here.
        fixture.close();
        // This fake delivers every record once and never withholds a paused partition's records: a streaming file
        // must make room by itself, not by back-pressure, or these tests would not show what they claim.
        assertThat(fixture.consumer().paused()).isEmpty();
    }

    private static SinkRecord record(long offset, Schema schema) {
        return WriterFixture.record(0, offset, WriterFixture.idAndName(schema, offset, incompressibleName(offset)));
    }

    private static List<SinkRecord> records(long from, long toExclusive) {
        List<SinkRecord> list = new ArrayList<>();
        for (long o = from; o < toExclusive; o++) {
            list.add(record(o, V1));
        }
        return list;
    }

    /** Delivers records in put() calls of 5,000, as Connect would, retrying a put that failed retriably. */
    private void deliver(SinkWriter writer, long from, long toExclusive) {
        fixture.deliver(writer, from, toExclusive, 5_000, o -> record(o, V1), 10);
    }

    /** Every id in [0, rows) exactly once, with its own name, in one file of several row groups. */
    private void assertLandedOnce(Path file, long rows) {
        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(List.of(file));
            assertThat(duck.queryLists("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM " + table))
                    .containsExactly(List.of(rows, rows, 0L, rows - 1));
            assertThat(duck.columnTypes(List.of(file))).containsEntry("id", "BIGINT").containsEntry("name", "VARCHAR")
                    .containsEntry("_kafka_offset", "BIGINT");
            for (long id : new long[] {0, 1, rows / 2, rows - 1}) {
                assertThat(duck.queryLists("SELECT name, _kafka_offset FROM " + table + " WHERE id = " + id))
                        .containsExactly(List.of(incompressibleName(id), id));
            }
            assertThat(duck.scalarLong("SELECT count(*) FROM " + table + " WHERE name <> '' AND length(name) <> 200"))
                    .isZero();
            assertThat(duck.scalarLong("SELECT count(DISTINCT row_group_id) FROM parquet_metadata('" + file + "')"))
                    .isGreaterThan(4);
        }
    }

    @Test
    void aFileSeveralTimesTheBudgetLandsWholeAndOnceWithVectorsReused() throws Exception {
        long rows = 250_000;
        SinkWriter writer = fixture.writer();
        writer.open(List.of(P0));
        deliver(writer, 0, rows);
        // Nothing is visible before the flush: the parts wait in an unfinished upload.
        assertThat(fixture.dataKeys()).isEmpty();
        assertThat(store.partsUploaded()).isGreaterThan(3);
        assertThat(store.openUploads()).containsExactly(KEY0);
        writer.close(List.of(P0));

        assertThat(fixture.dataKeys()).containsExactly(KEY0);
        assertThat(store.openUploads()).isEmpty();
        assertThat(store.uploadsCompleted()).isEqualTo(1);
        long size = store.get(KEY0).orElseThrow().length;
        assertThat(size).isGreaterThan(3 * BUDGET);
        long peak = writer.peakBufferedBytes();
        // Arrow memory (batches and encoded bytes alike) peaked well under the budget and a fraction of the file.
        assertThat(peak).isPositive().isLessThan(BUDGET);
        assertThat(size).isGreaterThan(3 * peak);
        assertLandedOnce(fixture.copyOut(tmp, KEY0), rows);
        assertThat(writer.committableOffsets()).isEmpty();
    }

    @Test
    void aFailedPartIsRetriedWithItsBytesAndNothingIsLostOrDuplicated() throws Exception {
        long rows = 70_000;
        SinkWriter writer = fixture.writer();
        writer.open(List.of(P0));
        deliver(writer, 0, rows / 2);
        int partsBefore = store.partsUploaded();
        assertThat(partsBefore).isPositive();
        // The next two writes fail: a part (and its retry) in the middle of the file.
        store.failNextPuts(2, true);
        deliver(writer, rows / 2, rows);
        assertThat(store.partsUploaded()).isGreaterThan(partsBefore);
        writer.close(List.of(P0));

        assertThat(fixture.dataKeys()).containsExactly(KEY0);
        assertThat(store.openUploads()).isEmpty();
        assertLandedOnce(fixture.copyOut(tmp, KEY0), rows);
    }

    /**
     * S3 completes the multipart upload but its answer is lost: the flush fails retriably, and its retry's completion
     * finds no such upload. The file is at its key, so the retry counts it as landed instead of failing the task.
     */
    @Test
    void aCompletionWhoseAnswerWasLostIsFoundLandedByTheRetry() throws Exception {
        long rows = 50_000;
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, Long.toString(rows)));
        writer.open(List.of(P0));
        deliver(writer, 0, rows - 5_000);
        assertThat(store.partsUploaded()).isPositive();
        store.loseNextCompletionResponse();
        List<SinkRecord> last = records(rows - 5_000, rows);
        // The failed flush does not throw out of put() (issue 12 #13): the partition waits, paused, for its retry.
        writer.put(last);
        assertThat(fixture.consumer().paused()).containsExactly(P0);
        assertThat(fixture.dataKeys()).containsExactly(KEY0);
        assertThat(writer.committableOffsets()).isEmpty();

        // After the back-off the retry finds the file and the flush is done.
        fixture.advanceMillis(StorageOutage.MAX_BACKOFF_MS);
        writer.put(List.of());
        assertThat(fixture.consumer().paused()).isEmpty();
        assertThat(writer.committableOffsets()).containsEntry(P0,
                new org.apache.kafka.clients.consumer.OffsetAndMetadata(rows));
        assertThat(store.uploadsCompleted()).isEqualTo(1);
        assertThat(store.openUploads()).isEmpty();
        assertThat(fixture.dataKeys()).containsExactly(KEY0);
        assertLandedOnce(fixture.copyOut(tmp, KEY0), rows);
        writer.close(List.of(P0));
        assertThat(fixture.dataKeys()).containsExactly(KEY0);
    }

    /**
     * Issue 12, item 11: a bucket lifecycle rule (or another writer) aborts the multipart upload of a file that is
     * streaming out. Its parts, and the rows they held, are gone. Before the fix the next part's "no such upload" was
     * a permanent failure and the task died; now the partition starts again from its marker, and the rows, read again
     * from Kafka, land once.
     */
    @Test
    void aVanishedUploadIsWrittenAgainFromKafkaAndLandsOnce() throws Exception {
        long rows = 150_000;
        SimulatedConsumer consumer = new SimulatedConsumer(5_000);
        consumer.append(P0, records(0, rows));
        SinkWriter writer = fixture.writer(consumer, Map.of());
        writer.open(List.of(P0));
        while (store.partsUploaded() == 0) {
            writer.put(consumer.poll());
        }
        store.abortUploads(KEY0);
        for (int round = 0; round < 1_000 && !consumer.drained(); round++) {
            writer.put(consumer.poll());
        }
        assertThat(consumer.drained()).isTrue();
        assertThat(consumer.deliveries(P0, 0)).isEqualTo(2);
        writer.close(List.of(P0));

        assertThat(fixture.dataKeys()).containsExactly(KEY0);
        assertThat(store.openUploads()).isEmpty();
        assertLandedOnce(fixture.copyOut(tmp, KEY0), rows);
    }

    @Test
    void aCrashMidFileIsReplayedFromTheMarkerToTheSameKey() throws Exception {
        long rows = 50_000;
        SinkWriter first = fixture.writer();
        first.open(List.of(P0));
        deliver(first, 0, rows);
        assertThat(store.partsUploaded()).isPositive();
        // The flush writes its intent, then storage fails for good: the file never completes. The crash leaves
        // the upload behind, as a killed worker would.
        store.failAfterPuts(1);
        first.close(List.of(P0));
        assertThat(fixture.dataKeys()).isEmpty();
        store.heal();
        store.startUpload(KEY0);
        assertThat(store.openUploads()).contains(KEY0);

        SinkWriter second = fixture.writer();
        second.open(List.of(P0));
        assertThat(fixture.consumer().seeks()).containsEntry(P0, 0L);
        deliver(second, 0, rows);
        // The replay is cut at the recorded end and lands by itself, at the same key.
        assertThat(fixture.dataKeys()).containsExactly(KEY0);
        assertThat(store.openUploads()).isEmpty();
        assertLandedOnce(fixture.copyOut(tmp, KEY0), rows);
        second.close(List.of(P0));
        assertThat(fixture.dataKeys()).containsExactly(KEY0);
    }

    @Test
    void aSchemaChangeAfterRowGroupsStreamedCutsTheFile() throws Exception {
        SinkWriter writer = fixture.writer();
        writer.open(List.of(P0));
        deliver(writer, 0, 20_000);
        // The batch has streamed row groups: its file's schema is fixed, so the new field starts a new file.
        writer.put(List.of(record(20_000, V2), record(20_001, V1)));
        writer.close(List.of(P0));

        assertThat(fixture.dataKeys()).containsExactly(KEY0,
                "landing/events/partition=0/events+0+00000000000000020000.parquet");
        try (ParquetReadback duck = new ParquetReadback()) {
            Path first = fixture.copyOut(tmp, KEY0);
            Path second = fixture.copyOut(tmp, fixture.dataKeys().get(1));
            assertThat(duck.columnTypes(List.of(first))).doesNotContainKey("extra");
            assertThat(duck.columnTypes(List.of(second))).containsEntry("extra", "INTEGER");
            assertThat(duck.queryLists("SELECT count(*), min(id), max(id) FROM "
                    + ParquetReadback.table(List.of(first)))).containsExactly(List.of(20_000L, 0L, 19_999L));
            assertThat(duck.queryLists("SELECT id FROM " + ParquetReadback.table(List.of(second)) + " ORDER BY id"))
                    .containsExactly(List.of(20_000L), List.of(20_001L));
        }
    }

    @Test
    void anUnfinishedFileIsAbortedWhenThePartitionIsDropped() {
        SinkWriter writer = fixture.writer();
        writer.open(List.of(P0));
        deliver(writer, 0, 40_000);
        assertThat(store.openUploads()).containsExactly(KEY0);
        // Dropping the buffer (the task stopping without landing) aborts the upload and releases every chunk.
        fixture.stop(writer);
        assertThat(store.openUploads()).isEmpty();
        assertThat(fixture.dataKeys()).isEmpty();
        assertThatThrownBy(() -> store.get(KEY0).orElseThrow()).isInstanceOf(java.util.NoSuchElementException.class);
    }

    @Test
    void aReplayThatStreamedWhereTheFirstAttemptDidNotRestartsWithoutStreamingAtASchemaChange() throws Exception {
        List<SinkRecord> flush = new ArrayList<>(records(0, 2_000));
        flush.add(record(2_000, V2));
        flush.addAll(records(2_001, 2_100));
        // First attempt: rows stay in memory (well under a row group), so the new field widens the batch in place;
        // then the flush's upload fails after its intent marker, and the task dies.
        SinkWriter first = fixture.writer();
        first.open(List.of(P0));
        first.put(flush);
        store.failAfterPuts(1);
        first.close(List.of(P0));
        store.heal();
        assertThat(fixture.dataKeys()).isEmpty();

        // The replay runs with small row groups: it streams rows out before offset 2000, where the first attempt
        // did not, and cannot take the new field into that file nor cut there.
        SinkWriter second = fixture.writer(Map.of(QuiverSinkConfig.PARQUET_ROW_GROUP_BYTES, Long.toString(64 * 1024)));
        second.open(List.of(P0));
        assertThat(fixture.consumer().seeks()).containsEntry(P0, 0L);
        fixture.consumer().clearSeeks();
        second.put(flush);
        // It drops what it had and seeks back to the flush's start, to replay again without streaming.
        assertThat(fixture.consumer().seeks()).containsEntry(P0, 0L);
        assertThat(fixture.dataKeys()).isEmpty();
        assertThat(store.openUploads()).isEmpty();
        second.put(flush);

        assertThat(fixture.dataKeys()).containsExactly(KEY0);
        Path file = fixture.copyOut(tmp, KEY0);
        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(List.of(file));
            assertThat(duck.queryLists("SELECT count(*), count(DISTINCT id), min(id), max(id), count(extra) FROM "
                    + table)).containsExactly(List.of(2_100L, 2_100L, 0L, 2_099L, 0L));
            assertThat(duck.columnTypes(List.of(file))).containsEntry("extra", "INTEGER");
        }
        // Once the replay landed, the partition streams again.
        deliver(second, 2_100, 40_000);
        assertThat(store.partsUploaded()).isPositive();
        second.close(List.of(P0));
        assertThat(fixture.dataKeys()).hasSize(2);
    }
}
