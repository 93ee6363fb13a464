package dev.quiver.land;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.arrow.ArrowBatch;
import dev.quiver.parquet.ParquetEncoder;
import dev.quiver.parquet.WriterOptions;
import dev.quiver.store.ObjectStore;
import dev.quiver.testing.ForwardingObjectStore;
import dev.quiver.testing.InMemoryObjectStore;
import dev.quiver.testing.ParquetReadback;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileUploadTest {
    private static final Schema ROW = SchemaBuilder.struct().name("row")
            .field("id", Schema.INT64_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .build();

    @TempDir
    Path dir;

    /**
     * A file smaller than a part lands with one PUT that reads the encoded chunks as a stream: FileUpload used to copy
     * the whole file into one heap array first (put(key, byte[], ...)), a heap copy per file being landed that the
     * budget did not count. Before the change the streaming put was never called ("streamed" was empty).
     */
    @Test
    void aFileSmallerThanAPartIsPutAsAStreamOfItsEncodedChunks() throws Exception {
        InMemoryObjectStore memory = new InMemoryObjectStore();
        List<String> streamed = new ArrayList<>();
        List<Long> largestRead = new ArrayList<>();
        ObjectStore store = new ForwardingObjectStore(memory) {
            @Override
            public void put(String key, PartBytes data) {
                streamed.add(key);
                // Read it as a store streams it, in small pieces; the bytes are then stored whole for the readback.
                java.io.ByteArrayOutputStream copy = new java.io.ByteArrayOutputStream();
                long largest = 0;
                byte[] piece = new byte[8192];
                try (InputStream in = data.open()) {
                    for (int n = in.read(piece); n >= 0; n = in.read(piece)) {
                        copy.write(piece, 0, n);
                        largest = Math.max(largest, n);
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                largestRead.add(largest);
                assertThat((long) copy.size()).isEqualTo(data.length());
                delegate().put(key, copy.toByteArray(), 0, copy.size());
            }
        };
        String key = "t/p0/file.parquet";
        try (RootAllocator allocator = new RootAllocator();
                ArrowBatch batch = ArrowBatch.open(ROW, allocator, "rows")) {
            for (long i = 0; i < 5_000; i++) {
                batch.append(new Struct(ROW).put("id", i).put("name", "name-" + i));
            }
            ParquetEncoder encoder = new ParquetEncoder(WriterOptions.withCodec("snappy"));
            try (FileUpload file = new FileUpload(key, encoder.openStream(batch.seal().getSchema(), allocator,
                    8L << 20), store)) {
                file.write(batch);
                file.finishAndLand(Map.of("kafka.topic", "t"));
                assertThat(file.landedAlready()).isTrue();
                assertThat(file.rows()).isEqualTo(5_000);
            }
            // The landed file keeps no encoded bytes: only the emptied batch's buffers are left.
            assertThat(allocator.getAllocatedMemory()).isEqualTo(batch.bufferBytes());
        }
        assertThat(streamed).containsExactly(key);
        assertThat(largestRead.get(0)).isLessThanOrEqualTo(8192);
        assertThat(memory.puts()).isEqualTo(1);

        Path landed = dir.resolve("file.parquet");
        Files.write(landed, memory.get(key).orElseThrow());
        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(List.of(landed));
            assertThat(duck.queryLists("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM " + table))
                    .containsExactly(List.of(5_000L, 5_000L, 0L, 4_999L));
            assertThat(duck.scalar("SELECT name FROM " + table + " WHERE id = 4321")).isEqualTo("name-4321");
            assertThat(duck.columnTypes(List.of(landed))).containsEntry("id", "BIGINT").containsEntry("name", "VARCHAR");
        }
    }
}
