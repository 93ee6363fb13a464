package dev.quiver.testing;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The integration tests' oracle must be able to fail: Parquet layouts written here with DuckDB (a correct one, then
 * one defect at a time) go through {@link LandedAssertions#assertExactlyOnce}.
 */
class LandedAssertionsTest {

    private static final String TOPIC = "orders";
    private static final int PARTITIONS = 2;
    private static final int PER_PARTITION = 10;
    private static final int MAX = 4;
    private static final LandedAssertions.Layout PLAIN = new LandedAssertions.Layout(null, false);

    @TempDir
    Path dir;

    private final List<Long> produced = new ArrayList<>();

    LandedAssertionsTest() {
        for (int p = 0; p < PARTITIONS; p++) {
            for (long seq = 0; seq < PER_PARTITION; seq++) {
                produced.add(SchemaJson.id(0, p, seq));
            }
        }
    }

    @Test
    void acceptsACorrectLayout() {
        writeCorrectLayout();
        assertThatCode(this::check).doesNotThrowAnyException();
    }

    @Test
    void rejectsAnOverlappingDuplicateFile() {
        writeCorrectLayout();
        write(0, 2, range(0, 2, 6), LandedAssertionsTest::row);
        assertThatThrownBy(this::check).isInstanceOf(AssertionError.class);
    }

    @Test
    void rejectsAGap() throws Exception {
        writeCorrectLayout();
        Files.delete(dataFile(1, 4));
        assertThatThrownBy(this::check).isInstanceOf(AssertionError.class).hasMessageContaining("rows landed");
    }

    @Test
    void rejectsAWrongValue() {
        writeCorrectLayout();
        write(1, 4, range(1, 4, 8), id -> id == SchemaJson.id(0, 1, 6)
                ? row(id).replace("'" + SchemaJson.deviceOs(id) + "'", "'plan9'") : row(id));
        assertThatThrownBy(this::check).isInstanceOf(AssertionError.class).hasMessageContaining("plan9");
    }

    @Test
    void rejectsANullWhereAValueWasProduced() {
        writeCorrectLayout();
        long victim = SchemaJson.id(0, 0, 1); // note(victim) is not null
        write(0, 0, range(0, 0, 4), id -> id == victim ? row(id).replaceAll(", '[^']*'\\)$", ", NULL)") : row(id));
        assertThatThrownBy(this::check).isInstanceOf(AssertionError.class);
    }

    @Test
    void rejectsAWrongColumnType() {
        writeCorrectLayout();
        write(0, 8, range(0, 8, 10), id -> row(id).replace("::DOUBLE", "::FLOAT"));
        assertThatThrownBy(this::check).isInstanceOf(AssertionError.class).hasMessageContaining("amount");
    }

    @Test
    void rejectsAKeyOutsideTheContract() throws Exception {
        writeCorrectLayout();
        Path f = dataFile(0, 8);
        Files.move(f, f.resolveSibling("orders+0+8.parquet"));
        assertThatThrownBy(this::check).isInstanceOf(AssertionError.class).hasMessageContaining("orders+0+8.parquet");
    }

    @Test
    void rejectsAFileNamedAfterTheWrongOffset() throws Exception {
        writeCorrectLayout();
        Path f = dataFile(1, 8);
        Files.move(f, dataFile(1, 7));
        assertThatThrownBy(this::check).isInstanceOf(AssertionError.class);
    }

    @Test
    void rejectsAFileLargerThanFlushMaxRecords() {
        writeCorrectLayout();
        assertThatThrownBy(() -> LandedAssertions.assertExactlyOnce(ConnectStack.scanLocal(dir), TOPIC, PARTITIONS,
                produced, MAX - 1, PLAIN)).isInstanceOf(AssertionError.class).hasMessageContaining("flush.max.records");
    }

    @Test
    void checksTheKafkaMetadataColumns() {
        LandedAssertions.Layout withMetadata = new LandedAssertions.Layout(null, true);
        writeCorrectLayoutWithMetadata(LandedAssertionsTest::metadata);
        assertThatCode(() -> LandedAssertions.assertExactlyOnce(ConnectStack.scanLocal(dir), TOPIC, PARTITIONS,
                produced, MAX, withMetadata)).doesNotThrowAnyException();

        long victim = SchemaJson.id(0, 1, 5);
        writeCorrectLayoutWithMetadata(id -> id == victim
                ? metadata(id).replace(SchemaJson.seqOf(id) + "::BIGINT", (SchemaJson.seqOf(id) + 1) + "::BIGINT")
                : metadata(id));
        assertThatThrownBy(() -> LandedAssertions.assertExactlyOnce(ConnectStack.scanLocal(dir), TOPIC, PARTITIONS,
                produced, MAX, withMetadata)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("metadata").hasMessageContaining("id " + victim);
    }

    @Test
    void rejectsAMissingRecordTypeFolderOrMissingMetadataColumns() {
        writeCorrectLayout();
        assertThatThrownBy(() -> LandedAssertions.assertExactlyOnce(ConnectStack.scanLocal(dir), TOPIC, PARTITIONS,
                produced, MAX, new LandedAssertions.Layout(SchemaJson.RECORD_TYPE, false)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("record_type=");
        assertThatThrownBy(() -> LandedAssertions.assertExactlyOnce(ConnectStack.scanLocal(dir), TOPIC, PARTITIONS,
                produced, MAX, new LandedAssertions.Layout(null, true)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("_kafka_offset");
    }

    @Test
    void ignoresMarkersButNotStrayObjects() throws Exception {
        writeCorrectLayout();
        Files.createDirectories(dir.resolve("_quiver/offsets/sink"));
        Files.writeString(dir.resolve("_quiver/offsets/sink/orders+0.json"), "{}");
        assertThatCode(this::check).doesNotThrowAnyException();
        Files.writeString(dir.resolve("orders/partition=0/.orders+0+00000000000000000000.parquet.crc"), "x");
        assertThatThrownBy(this::check).isInstanceOf(AssertionError.class).hasMessageContaining(".crc");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private void check() {
        LandedAssertions.assertExactlyOnce(ConnectStack.scanLocal(dir), TOPIC, PARTITIONS, produced, MAX, PLAIN);
    }

    /** Files of 4, 4 and 2 rows per partition, named by first offset. */
    private void writeCorrectLayout() {
        for (int p = 0; p < PARTITIONS; p++) {
            for (long first = 0; first < PER_PARTITION; first += MAX) {
                write(p, first, range(p, first, Math.min(first + MAX, PER_PARTITION)), LandedAssertionsTest::row);
            }
        }
    }

    private static List<Long> range(int p, long fromSeq, long toSeq) {
        return LongStream.range(fromSeq, toSeq).mapToObj(seq -> SchemaJson.id(0, p, seq)).collect(Collectors.toList());
    }

    private Path dataFile(int p, long firstOffset) {
        return dir.resolve(TOPIC + "/partition=" + p + "/" + TOPIC + "+" + p + "+"
                + String.format("%020d", firstOffset) + ".parquet");
    }

    /** The correct layout with the default Kafka metadata columns after the value's columns. */
    private void writeCorrectLayoutWithMetadata(LongFunction<String> metadataSql) {
        for (int p = 0; p < PARTITIONS; p++) {
            for (long first = 0; first < PER_PARTITION; first += MAX) {
                write(p, first, range(p, first, Math.min(first + MAX, PER_PARTITION)),
                        id -> row(id).replaceAll("\\)$", ", " + metadataSql.apply(id) + ")"), METADATA_COLUMNS);
            }
        }
    }

    private static final String METADATA_COLUMNS = ", _kafka_topic, _kafka_partition, _kafka_offset, _kafka_timestamp,"
            + " _kafka_timestamp_type, _kafka_key, _kafka_headers";

    /** Correct metadata of record {@code id} as DuckDB SQL expressions. */
    private static String metadata(long id) {
        return lit(TOPIC) + ", " + SchemaJson.partitionOf(id) + "::INTEGER, " + SchemaJson.seqOf(id) + "::BIGINT, "
                + "TIMESTAMPTZ '2026-01-01 00:00:00+00', 'CreateTime', " + lit(SchemaJson.key(id)) + ", "
                + "[]::STRUCT(\"key\" VARCHAR, \"value\" VARCHAR)[]";
    }

    private void write(int p, long firstOffset, List<Long> ids, LongFunction<String> rowSql) {
        write(p, firstOffset, ids, rowSql, "");
    }

    private void write(int p, long firstOffset, List<Long> ids, LongFunction<String> rowSql, String extraColumns) {
        Path f = dataFile(p, firstOffset);
        try {
            Files.createDirectories(f.getParent());
            Files.deleteIfExists(f);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String values = ids.stream().map(rowSql::apply).collect(Collectors.joining(", "));
        try (ParquetReadback duck = new ParquetReadback()) {
            duck.execute("COPY (SELECT * FROM (VALUES " + values + ") t(id, name, amount, active, \"count\", device,"
                    + " note" + extraColumns + ")) TO '" + f.toAbsolutePath().toString().replace("'", "''") + "' (FORMAT parquet)");
        }
    }

    /** The correct row of {@code id} as a DuckDB VALUES tuple. */
    private static String row(long id) {
        String note = SchemaJson.note(id);
        return "(" + id + "::BIGINT, " + lit(SchemaJson.name(id)) + ", " + SchemaJson.amount(id) + "::DOUBLE, "
                + SchemaJson.active(id) + ", " + SchemaJson.count(id) + "::INTEGER, {'os': "
                + lit(SchemaJson.deviceOs(id)) + ", 'version': " + SchemaJson.deviceVersion(id) + "::INTEGER}, "
                + (note == null ? "NULL::VARCHAR" : lit(note)) + ")";
    }

    private static String lit(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
