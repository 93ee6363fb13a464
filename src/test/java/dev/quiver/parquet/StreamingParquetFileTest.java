package dev.quiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.arrow.ArrowBatch;
import dev.quiver.testing.ParquetReadback;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamingParquetFileTest {
    private static final Schema ROW = SchemaBuilder.struct().name("row")
            .field("id", Schema.INT64_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("score", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
            .build();

    @TempDir
    Path dir;

    private final RootAllocator allocator = new RootAllocator();

    @AfterEach
    void closeAllocator() {
        // Throws if a chunk or a vector leaked.
        allocator.close();
    }

    private static Struct row(long id) {
        return new Struct(ROW).put("id", id)
                // Random-looking text, so the file is not compressed down to nothing.
                .put("name", "n" + id + "-" + Long.toHexString(id * 0x9E3779B97F4A7C15L))
                .put("score", id % 7 == 0 ? null : id * 0.5)
                .put("tags", id % 3 == 0 ? List.of() : List.of("t" + (id % 10), "u"));
    }

    @Test
    void rootsReusedAcrossRowGroupsLandAsOneFileOfManyRowGroupsTakenInParts() throws Exception {
        int groups = 6;
        int rowsPerGroup = 40_000;
        long partBytes = 512 * 1024;
        ParquetEncoder encoder = new ParquetEncoder(WriterOptions.withCodec("snappy"));
        List<byte[]> parts = new ArrayList<>();
        long vectorBytes;
        long file;
        try (ArrowBatch batch = ArrowBatch.open(ROW, allocator, "reused");
                StreamingParquetFile stream = encoder.openStream(batch.seal().getSchema(), allocator, partBytes)) {
            long id = 0;
            long capacityAfterFirst = -1;
            for (int g = 0; g < groups; g++) {
                for (int i = 0; i < rowsPerGroup; i++) {
                    batch.append(row(id++));
                }
                stream.writeRowGroup(batch.seal());
                if (g == 0) {
                    capacityAfterFirst = batch.bufferBytes();
                }
                // The vectors are reused: refilling them to the same size allocates nothing more.
                assertThat(batch.bufferBytes()).isEqualTo(capacityAfterFirst);
                batch.reset();
                assertThat(batch.rows()).isZero();
                // The encoded bytes not yet taken are Arrow memory of the same allocator.
                assertThat(allocator.getAllocatedMemory()).isGreaterThanOrEqualTo(batch.bufferBytes()
                        + stream.pendingBytes());
                drain(stream, parts);
                assertThat(stream.pendingBytes()).isLessThan(partBytes + ArrowChunkOutputFile.MAX_CHUNK);
            }
            vectorBytes = batch.bufferBytes();
            stream.finish(Map.of("kafka.topic", "t"));
            drain(stream, parts);
            assertThat(stream.pendingBytes()).isZero();
            assertThat(stream.rows()).isEqualTo((long) groups * rowsPerGroup);
            assertThat(stream.heapBytes()).isZero();
            file = stream.length();
        }
        assertThat(parts).hasSizeGreaterThan(3);
        for (byte[] part : parts.subList(0, parts.size() - 1)) {
            assertThat((long) part.length).isGreaterThanOrEqualTo(partBytes);
        }
        // The file is many times the memory that held its rows at once.
        assertThat(file).isGreaterThan(2 * partBytes);
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            whole.write(part);
        }
        assertThat((long) whole.size()).isEqualTo(file);
        Path path = dir.resolve("streamed.parquet");
        Files.write(path, whole.toByteArray());

        long rows = (long) groups * rowsPerGroup;
        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(List.of(path));
            assertThat(duck.queryLists("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM " + table))
                    .containsExactly(List.of(rows, rows, 0L, rows - 1));
            assertThat(duck.columnTypes(List.of(path))).containsEntry("id", "BIGINT").containsEntry("name", "VARCHAR")
                    .containsEntry("score", "DOUBLE").containsEntry("tags", "VARCHAR[]");
            for (long id : new long[] {0, 7, rowsPerGroup - 1, rowsPerGroup, rows - 1}) {
                Struct expected = row(id);
                assertThat(duck.queryLists("SELECT name, score, tags FROM " + table + " WHERE id = " + id))
                        .containsExactly(java.util.Arrays.asList(expected.get("name"), expected.get("score"),
                                expected.get("tags")));
            }
            // One row group or more per root written, each in its own place in the footer.
            assertThat(duck.scalarLong("SELECT count(DISTINCT row_group_id) FROM parquet_metadata('" + path + "')"))
                    .isGreaterThanOrEqualTo(groups);
            assertThat(duck.scalar("SELECT decode(value) FROM parquet_kv_metadata('" + path
                    + "') WHERE decode(key) = 'kafka.topic'")).isEqualTo("t");
        }
        assertThat(vectorBytes).isLessThan(file);
    }

    @Test
    void filesOpenAtOnceShareOneCompressorPerEncodingThreadAndEachReadsBack() throws Exception {
        // A flush over many time folders keeps many files open; each used to hold its own compressor and its
        // page-sized buffers for its whole life. Now a compressor is lent per encoding call.
        int files = 40;
        ParquetEncoder encoder = new ParquetEncoder(WriterOptions.withCodec("snappy"));
        List<StreamingParquetFile> open = new ArrayList<>();
        List<Path> paths = new ArrayList<>();
        try (ArrowBatch batch = ArrowBatch.open(ROW, allocator, "shared")) {
            try {
                for (int f = 0; f < files; f++) {
                    StreamingParquetFile stream = encoder.openStream(batch.seal().getSchema(), allocator, 1 << 20);
                    open.add(stream);
                    for (int i = 0; i < 100; i++) {
                        batch.append(row(f * 1000L + i));
                    }
                    stream.writeRowGroup(batch.seal());
                    batch.reset();
                }
                // Every file is still open and unfinished, and one thread encoded them all: one compressor.
                assertThat(encoder.compressorsCreated()).isEqualTo(1);
                for (int f = 0; f < files; f++) {
                    StreamingParquetFile stream = open.get(f);
                    stream.finish(Map.of());
                    List<byte[]> parts = new ArrayList<>();
                    drain(stream, parts);
                    ByteArrayOutputStream whole = new ByteArrayOutputStream();
                    for (byte[] part : parts) {
                        whole.write(part);
                    }
                    Path path = dir.resolve("f" + f + ".parquet");
                    Files.write(path, whole.toByteArray());
                    paths.add(path);
                }
            } finally {
                open.forEach(StreamingParquetFile::close);
            }
        }
        assertThat(encoder.compressorsCreated()).isEqualTo(1);
        try (ParquetReadback duck = new ParquetReadback()) {
            for (int f = 0; f < files; f += 13) {
                String table = ParquetReadback.table(List.of(paths.get(f)));
                assertThat(duck.queryLists("SELECT count(*), min(id), max(id) FROM " + table))
                        .containsExactly(List.of(100L, f * 1000L, f * 1000L + 99));
                Struct expected = row(f * 1000L + 42);
                assertThat(duck.queryLists("SELECT name, score FROM " + table + " WHERE id = " + (f * 1000L + 42)))
                        .containsExactly(java.util.Arrays.asList(expected.get("name"), expected.get("score")));
            }
        }
    }

    @Test
    void threadsEncodingAtOnceEachBorrowTheirOwnCompressorAndGiveItBack() throws Exception {
        ParquetEncoder encoder = new ParquetEncoder(WriterOptions.withCodec("snappy"));
        int threads = 3;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<Long>> rounds = new ArrayList<>();
            for (int r = 0; r < 12; r++) {
                long base = r * 10_000L;
                rounds.add(pool.submit(() -> {
                    try (ArrowBatch batch = ArrowBatch.open(ROW, allocator, "t" + base)) {
                        for (int i = 0; i < 2_000; i++) {
                            batch.append(row(base + i));
                        }
                        return encoder.encode(batch.seal(), Map.of()).rows();
                    }
                }));
            }
            for (var round : rounds) {
                assertThat(round.get()).isEqualTo(2_000L);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(encoder.compressorsCreated()).isBetween(1, threads);
    }

    @Test
    void aPartIsHandedOutAgainUntilStoredAndClosingUnfinishedReleasesEverything() {
        ParquetEncoder encoder = new ParquetEncoder(WriterOptions.withCodec("none"));
        try (ArrowBatch batch = ArrowBatch.open(ROW, allocator, "b")) {
            StreamingParquetFile stream = encoder.openStream(batch.seal().getSchema(), allocator, 64 * 1024);
            for (int i = 0; i < 20_000; i++) {
                batch.append(row(i));
            }
            stream.writeRowGroup(batch.seal());
            EncodedPart first = stream.nextPart();
            assertThat(first).isNotNull();
            byte[] once = bytes(first);
            // A failed upload asks again and gets the same bytes.
            assertThat(bytes(stream.nextPart())).isEqualTo(once);
            assertThat(stream.nextPartIsLast()).isFalse();
            stream.partStored();
            assertThat(bytes(stream.nextPart())).isNotEqualTo(once);
            assertThat(allocator.getAllocatedMemory()).isGreaterThan(batch.bufferBytes());
            stream.close();
            assertThat(allocator.getAllocatedMemory()).isEqualTo(batch.bufferBytes());
        }
    }

    private static byte[] bytes(EncodedPart part) {
        try (java.io.InputStream in = part.open()) {
            byte[] bytes = in.readAllBytes();
            assertThat((long) bytes.length).isEqualTo(part.length());
            return bytes;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * When the budget is full the encoded chunks come from the heap; they are charged to the budget until stored, so
     * files that streamed row groups while memory was short cannot hold heap that nothing counts. Before, the budget
     * read the same before and after such a write (the heap bytes were uncounted).
     */
    @Test
    void encodedBytesHeldOnTheHeapWhileTheBudgetIsFullAreChargedToItUntilStored() {
        long limit = 4 << 20;
        dev.quiver.arrow.MemoryBudget budget = new dev.quiver.arrow.MemoryBudget(limit);
        ParquetEncoder encoder = new ParquetEncoder(WriterOptions.withCodec("snappy"));
        List<org.apache.arrow.memory.ArrowBuf> filler = new ArrayList<>();
        try (RootAllocator root = new RootAllocator(budget, limit);
                ArrowBatch batch = ArrowBatch.open(ROW, root, "rows")) {
            for (int i = 0; i < 10_000; i++) {
                batch.append(row(i));
            }
            try (StreamingParquetFile stream = encoder.openStream(batch.seal().getSchema(), root, 1 << 20)) {
                try {
                    while (true) {
                        filler.add(root.buffer(4096));
                    }
                } catch (org.apache.arrow.memory.OutOfMemoryException e) {
                    // The budget is full.
                }
                // Beside Arrow's own count, the budget holds the batch's Java cost (bufferBytes beyond its buffers).
                long javaCost = batch.bufferBytes() - batch.filledBytes();
                assertThat(budget.held()).isEqualTo(root.getAllocatedMemory() + javaCost);
                stream.writeRowGroup(batch.seal());
                stream.finish(Map.of());
                assertThat(stream.heapBytes()).isPositive().isEqualTo(budget.charged());
                assertThat(budget.held()).isEqualTo(root.getAllocatedMemory() + javaCost + stream.heapBytes())
                        .isGreaterThan(limit);
                List<byte[]> parts = new ArrayList<>();
                drain(stream, parts);
                assertThat(budget.held()).isEqualTo(root.getAllocatedMemory() + javaCost);
            } finally {
                filler.forEach(org.apache.arrow.memory.ArrowBuf::close);
            }
        }
        assertThat(budget.held()).isZero();
    }

    private static void drain(StreamingParquetFile stream, List<byte[]> parts) {
        for (EncodedPart part = stream.nextPart(); part != null; part = stream.nextPart()) {
            parts.add(bytes(part));
            stream.partStored();
        }
    }
}
