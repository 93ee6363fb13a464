package dev.quiver.intake;

import static dev.quiver.intake.WriterFixture.P0;
import static dev.quiver.intake.WriterFixture.P1;
import static dev.quiver.intake.WriterFixture.TOPIC;
import static dev.quiver.intake.WriterFixture.incompressibleName;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.config.QuiverSinkConfig;
import dev.quiver.testing.ParquetReadback;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A landed flush's emptied batches are kept and taken by the partition's next batches of the same record type, folder
 * and layout, so a steady partition stops reallocating its vectors; they give way first when memory is short, and are
 * closed with the partition. Every writer is closed after each test, which closes its allocator and fails on a leak.
 */
class BatchReuseTest {
    private static final long MIB = 1024 * 1024;
    private static final Schema V1 = WriterFixture.ID_NAME;
    private static final Schema V2 = WriterFixture.ID_NAME_EXTRA;

    @TempDir
    Path tmp;

    private final WriterFixture fixture = new WriterFixture("reuse", WriterFixture.withoutThresholds(Map.of(
            QuiverSinkConfig.BUFFER_MEMORY_BYTES, Long.toString(64 * MIB),
            QuiverSinkConfig.PARQUET_COMPRESSION, "none")));

    @AfterEach
    void closeWriters() {
        // Closing checks the Arrow allocator: an idle batch nobody closed fails the test here.
        fixture.close();
    }

    /** The task MBean's BatchesReused: the metric a user sees, read as JMX serves it. */
    private long batchesReused(SinkWriter writer) throws Exception {
        return (Long) fixture.taskMetric(writer, "BatchesReused");
    }

    private static SinkRecord record(int partition, long offset, Schema schema) {
        Struct value = WriterFixture.idAndName(schema, offset, incompressibleName(offset));
        if (schema.field("extra") != null) {
            value.put("extra", (int) (offset % 1000));
        }
        return WriterFixture.record(partition, offset, value);
    }

    /** Records of one partition in put() calls of {@code perPut}. */
    private void deliver(SinkWriter writer, int partition, long from, long toExclusive, int perPut,
            Schema schema) {
        fixture.deliver(writer, from, toExclusive, perPut, o -> record(partition, o, schema), 1);
    }

    /** Every id in [from, to) exactly once over {@code files}, each with its own name and offset. */
    private static void assertExactly(List<Path> files, long from, long to) {
        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(files);
            long rows = to - from;
            assertThat(duck.queryLists("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM " + table))
                    .containsExactly(List.of(rows, rows, from, to - 1));
            assertThat(duck.scalarLong("SELECT count(*) FROM " + table + " WHERE _kafka_offset <> id")).isZero();
            for (long id : new long[] {from, from + 1, (from + to) / 2, to - 1}) {
                assertThat(duck.queryLists("SELECT name FROM " + table + " WHERE id = " + id))
                        .containsExactly(List.of(incompressibleName(id)));
            }
            assertThat(duck.scalarLong("SELECT count(*) FROM " + table + " WHERE length(name) <> 200")).isZero();
            assertThat(duck.columnTypes(files)).containsEntry("id", "BIGINT").containsEntry("name", "VARCHAR")
                    .containsEntry("_kafka_offset", "BIGINT");
        }
    }

    @Test
    void aSteadyPartitionFillsTheSameVectorsFlushAfterFlush() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "1000"));
        writer.open(List.of(P0));
        deliver(writer, 0, 0, 10_000, 500, V1);

        // flush.threads=0 lands each flush before the next record: every batch after the first is a reused one.
        List<String> keys = fixture.dataKeys(0);
        assertThat(keys).hasSize(10);
        assertThat(batchesReused(writer)).isEqualTo(9);
        // Nothing is open, yet the last flush's emptied batch is kept for the next records.
        long idle = writer.bufferedBytes();
        assertThat(idle).isPositive();

        deliver(writer, 0, 10_000, 10_500, 500, V1);
        assertThat(batchesReused(writer)).isEqualTo(10);
        // The open batch is the idle one, refilled to half its earlier size: it allocated nothing.
        assertThat(writer.bufferedBytes()).isEqualTo(idle);
        writer.close(List.of(P0));

        List<Path> files = fixture.copyOut(tmp, fixture.dataKeys(0));
        assertThat(files).hasSize(11);
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.rowsPerFile(files).values()).containsOnly(1000L, 500L);
        }
        assertExactly(files, 0, 10_500);
    }

    @Test
    void withFlushThreadsABatchIsReusedOnceItsFlushHasLanded() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "1000",
                QuiverSinkConfig.FLUSH_THREADS, "1"));
        writer.open(List.of(P0));
        deliver(writer, 0, 0, 10_000, 500, V1);
        writer.close(List.of(P0));

        // This fake never redelivers a paused partition's records: a pause behind a slow upload would lose them.
        assertThat(fixture.consumer().paused()).isEmpty();
        // A flush's batches come back once it has landed and is accounted, which races with the next records: the
        // second file always allocates, and usually (8 or 9 in quiet runs) all later ones reuse; one loaded run saw 7.
        assertThat(batchesReused(writer)).isBetween(5L, 9L);
        List<Path> files = fixture.copyOut(tmp, fixture.dataKeys(0));
        assertThat(files).hasSize(10);
        assertExactly(files, 0, 10_000);
    }

    @Test
    void aReusedBatchStillFlushesByBytesAtAFullFileNotAtItsFirstRow() throws Exception {
        // The kept vectors hold the capacity of a full file from the start; their rows must count, not the capacity.
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_BYTES, Long.toString(256 * 1024)));
        writer.open(List.of(P0));
        deliver(writer, 0, 0, 12_000, 500, V1);
        writer.close(List.of(P0));

        List<Path> files = fixture.copyOut(tmp, fixture.dataKeys(0));
        assertThat(files.size()).isBetween(5, 20);
        assertThat(batchesReused(writer)).isEqualTo(files.size() - 1);
        try (ParquetReadback duck = new ParquetReadback()) {
            Map<String, Long> rows = duck.rowsPerFile(files);
            List<Long> counts = files.stream().map(f -> rows.get(f.toAbsolutePath().toString()))
                    .collect(Collectors.toList());
            // A fresh batch counts its allocation, a reused one its rows' bytes: a reused file is no smaller than the
            // first and at most twice as large, as buffers grow by doubling.
            List<Long> reused = counts.subList(1, counts.size() - 1);
            assertThat(reused).allSatisfy(n -> assertThat(n).isBetween(counts.get(0), 2 * counts.get(0)));
            // Once the vectors grew to a whole file's rows (the second file may still grow them), files agree.
            assertThat(new HashSet<>(counts.subList(2, counts.size() - 1))).hasSize(1);
        }
        assertExactly(files, 0, 12_000);
    }

    @Test
    void memoryReliefFreesIdleBatchesBeforeLandingABusyOne() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(
                QuiverSinkConfig.BUFFER_MEMORY_BYTES, Long.toString(MIB),
                QuiverSinkConfig.FLUSH_MIN_BYTES, "0",
                QuiverSinkConfig.FLUSH_MAX_RECORDS, "1600"));
        writer.open(List.of(P0, P1));
        deliver(writer, 0, 0, 1600, 100, V1);
        assertThat(fixture.dataKeys(0)).hasSize(1);
        long idle = writer.bufferedBytes();
        // Sized so that P1's batch and P0's idle one do not both fit the budget, while P1's alone does.
        assertThat(idle).isGreaterThan(MIB * 40 / 100);

        deliver(writer, 1, 0, 1500, 100, V1);
        // The idle batch gave way; P1's batch was neither landed early nor paused.
        assertThat(fixture.dataKeys(1)).isEmpty();
        assertThat(fixture.consumer().paused()).isEmpty();
        // Only P1's batch holds memory now, and fewer rows than P0's flush need no more than it had.
        assertThat(writer.bufferedBytes()).isLessThanOrEqualTo(idle);
        assertThat(batchesReused(writer)).isZero();
        writer.close(List.of(P0, P1));

        assertThat(fixture.dataKeys(1)).hasSize(1);
        assertExactly(fixture.copyOut(tmp, fixture.dataKeys(1)), 0, 1500);
        assertExactly(fixture.copyOut(tmp, fixture.dataKeys(0)), 0, 1600);
    }

    @Test
    void idleBatchesAreClosedWhenThePartitionIsRevoked() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "1000"));
        writer.open(List.of(P0));
        deliver(writer, 0, 0, 2000, 500, V1);
        assertThat(writer.bufferedBytes()).isPositive();
        writer.close(List.of(P0));
        assertThat(writer.bufferedBytes()).isZero();

        // Reopened, the partition starts from fresh batches: nothing survived the revocation.
        long before = batchesReused(writer);
        writer.open(List.of(P0));
        deliver(writer, 0, 2000, 2500, 500, V1);
        assertThat(batchesReused(writer)).isEqualTo(before);
        writer.close(List.of(P0));
        assertThat(writer.bufferedBytes()).isZero();
        assertExactly(fixture.copyOut(tmp, fixture.dataKeys(0)), 0, 2500);
    }

    @Test
    void schemalessValuesReuseABatchOfTheSameInferredColumns() throws Exception {
        // Each record's inferred schema is a new object: equal columns are what lets the next file reuse the batch.
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "1000"));
        writer.open(List.of(P0));
        for (long o = 0; o < 3000; o += 500) {
            List<SinkRecord> batch = new ArrayList<>();
            for (long i = o; i < o + 500; i++) {
                Map<String, Object> value = new java.util.LinkedHashMap<>();
                value.put("id", i);
                value.put("name", incompressibleName(i));
                batch.add(new SinkRecord(TOPIC, 0, null, null, null, value, i));
            }
            writer.put(batch);
        }
        assertThat(batchesReused(writer)).isEqualTo(2);
        writer.close(List.of(P0));
        List<Path> files = fixture.copyOut(tmp, fixture.dataKeys(0));
        assertThat(files).hasSize(3);
        assertExactly(files, 0, 3000);
    }

    @Test
    void aSchemaChangeDoesNotReuseABatchOfTheOldColumns() throws Exception {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.FLUSH_MAX_RECORDS, "1000"));
        writer.open(List.of(P0));
        deliver(writer, 0, 0, 1000, 500, V1);
        assertThat(batchesReused(writer)).isZero();
        // The idle batch has V1's columns; V2's batch is a new one, then reused by V2's next file.
        deliver(writer, 0, 1000, 3000, 500, V2);
        assertThat(batchesReused(writer)).isEqualTo(1);
        deliver(writer, 0, 3000, 4000, 500, V1);
        // V1 again: the idle batch is V2's, so V1 gets a new one.
        assertThat(batchesReused(writer)).isEqualTo(1);
        writer.close(List.of(P0));

        List<String> keys = fixture.dataKeys(0);
        assertThat(keys).hasSize(4);
        List<Path> files = fixture.copyOut(tmp, keys);
        assertExactly(files, 0, 4000);
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.columnTypes(List.of(files.get(0)))).doesNotContainKey("extra");
            assertThat(duck.columnTypes(List.of(files.get(3)))).doesNotContainKey("extra");
            for (Path v2 : files.subList(1, 3)) {
                assertThat(duck.columnTypes(List.of(v2))).containsEntry("extra", "INTEGER");
            }
            String table = ParquetReadback.table(files.subList(1, 3));
            assertThat(duck.scalarLong("SELECT count(*) FROM " + table + " WHERE extra = id % 1000")).isEqualTo(2000);
        }
    }
}
