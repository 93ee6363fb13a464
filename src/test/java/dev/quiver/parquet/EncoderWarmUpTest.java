package dev.quiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.testing.ParquetReadback;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The warm-up file goes through every kind of leaf writer it means to load, and leaves no Arrow memory behind. */
class EncoderWarmUpTest {
    @TempDir
    Path dir;

    @Test
    void theWarmUpFileHoldsItsTwoRowsAndReadsBack() throws Exception {
        EncodedFile file = EncoderWarmUp.encodeSample(new ParquetEncoder(WriterOptions.withCodec("snappy")));
        assertThat(file.rows()).isEqualTo(2);
        Path path = dir.resolve("warm.parquet");
        Files.write(path, Arrays.copyOf(file.bytes(), file.length()));
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.columnTypes(List.of(path))).containsExactly(
                    Map.entry("i", "BIGINT"), Map.entry("d", "DOUBLE"), Map.entry("s", "VARCHAR"),
                    Map.entry("b", "BOOLEAN"), Map.entry("o", "STRUCT(k VARCHAR, v BIGINT)"),
                    Map.entry("l", "VARCHAR[]"));
            List<Map<String, Object>> rows = duck.query("SELECT i, d, s, b, o.k AS k, o.v AS v, l::VARCHAR AS l FROM "
                    + ParquetReadback.table(List.of(path)) + " ORDER BY i NULLS LAST");
            assertThat(rows).hasSize(2);
            assertThat(rows.get(0)).containsEntry("i", 1L).containsEntry("d", 1.5).containsEntry("s", "warm")
                    .containsEntry("b", true).containsEntry("k", "warm").containsEntry("v", 2L)
                    .containsEntry("l", "[a, b]");
            assertThat(rows.get(1).values()).containsOnlyNulls();
        }
    }

    @Test
    void aRunEncodesThroughTheEncoderGiven() {
        ParquetEncoder encoder = new ParquetEncoder(WriterOptions.withCodec("zstd"));
        assertThat(encoder.compressorsCreated()).isZero();
        EncoderWarmUp.run(encoder);
        assertThat(encoder.compressorsCreated()).isEqualTo(1);
    }
}
