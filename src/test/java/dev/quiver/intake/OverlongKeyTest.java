package dev.quiver.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.config.QuiverSinkConfig;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 #9: a field value or a record type name that would make an object key longer than S3 allows (1024 bytes
 * of UTF-8) is a bad record, found where the record is routed, before anything is written: with errors.tolerance=all
 * it is dead-lettered with its reason and the partition goes on; without, the task fails naming the record, and no
 * commit marker ever records the key (which would make every later open() of the partition fail too). The fixture's
 * in-memory store refuses such keys as S3 does, for good.
 */
class OverlongKeyTest {
    private static final Schema V1 = WriterFixture.ID_NAME;

    private final WriterFixture fixture = new WriterFixture("overlong-keys", Map.of());

    @AfterEach
    void closeWriters() {
        fixture.close();
    }

    private static SinkRecord named(long offset, String name) {
        return new SinkRecord(WriterFixture.TOPIC, 0, null, null, V1, WriterFixture.idAndName(V1, offset, name), offset);
    }

    @Test
    void aFieldValueTooLongForAKeyIsDeadLetteredAndTheRestLands() {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.PARTITION_BY, "field",
                QuiverSinkConfig.PARTITION_FIELDS, "name"), true);
        writer.open(List.of(WriterFixture.P0));
        writer.put(List.of(named(0, "DE"), named(1, "x".repeat(1000)), named(2, "FR")));
        writer.close(List.of(WriterFixture.P0));

        assertThat(fixture.deadLetterOffsets()).containsExactly(1L);
        assertThat(fixture.deadLetterReasons().get(0)).contains("topic 'events'", "partition 0", "offset 1", "1024")
                .hasSizeLessThan(600);
        assertThat(fixture.dataKeys()).containsExactly(
                "landing/events/name=DE/events+0+00000000000000000000.parquet",
                "landing/events/name=FR/events+0+00000000000000000000.parquet");
    }

    @Test
    void aRecordTypeNameTooLongForAKeyIsDeadLettered() {
        Schema longName = SchemaBuilder.struct().name("com.example." + "\u00e9".repeat(600))
                .field("id", Schema.INT64_SCHEMA).field("name", Schema.STRING_SCHEMA).build();
        SinkWriter writer = fixture.writer(Map.of(), true);
        writer.open(List.of(WriterFixture.P0));
        writer.put(List.of(named(0, "a"),
                new SinkRecord(WriterFixture.TOPIC, 0, null, null, longName,
                        new Struct(longName).put("id", 1L).put("name", "b"), 1),
                named(2, "c")));
        writer.close(List.of(WriterFixture.P0));

        assertThat(fixture.deadLetterOffsets()).containsExactly(1L);
        assertThat(fixture.deadLetterReasons().get(0)).contains("offset 1", "record type", "1024");
        assertThat(fixture.dataKeys()).containsExactly("landing/events/partition=0/events+0+00000000000000000000.parquet");
    }

    @Test
    void withoutToleranceTheTaskFailsOnTheRecordAndTheNextOwnerCanStillOpenThePartition() {
        SinkWriter writer = fixture.writer(Map.of(QuiverSinkConfig.PARTITION_BY, "field",
                QuiverSinkConfig.PARTITION_FIELDS, "name", QuiverSinkConfig.FLUSH_MAX_RECORDS, "2"), false);
        writer.open(List.of(WriterFixture.P0));
        assertThatThrownBy(() -> writer.put(List.of(named(0, "DE"), named(1, "y".repeat(1100)), named(2, "FR"))))
                .isInstanceOf(BadRecordException.class)
                .hasMessageContaining("topic 'events' partition 0 offset 1")
                .hasMessageContaining("1024");
        fixture.stop(writer);

        // The restarted task opens the partition (no marker pins an impossible key) and lands what it can.
        SinkWriter next = fixture.writer(Map.of(QuiverSinkConfig.PARTITION_BY, "field",
                QuiverSinkConfig.PARTITION_FIELDS, "name"), true);
        next.open(List.of(WriterFixture.P0));
        next.put(List.of(named(0, "DE"), named(1, "y".repeat(1100)), named(2, "FR")));
        next.close(List.of(WriterFixture.P0));
        assertThat(fixture.deadLetterOffsets()).containsExactly(1L);
        assertThat(fixture.dataKeys()).hasSize(2);
    }
}
