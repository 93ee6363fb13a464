package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import dev.quiver.arrow.ArrowBatch;
import dev.quiver.arrow.MetadataColumns;
import dev.quiver.arrow.RowLayout;
import dev.quiver.parquet.EncodedFile;
import dev.quiver.parquet.ParquetEncoder;
import dev.quiver.parquet.WriterOptions;
import dev.quiver.testing.ParquetReadback;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ProtobufDecoder#boundTo}: one message written into the columns of a batch schema merged from several
 * versions, as the lattice makes them (extra optional columns, widened types, optional where the message is not).
 */
class ProtobufDecoderBindingTest {
    private static final MetadataColumns OFFSET_ONLY =
            new MetadataColumns(Map.of(MetadataColumns.Kind.OFFSET, "_kafka_offset"), null);
    private final RootAllocator allocator = new RootAllocator();

    @AfterEach
    void noLeaks() {
        assertThat(allocator.getAllocatedMemory()).isZero();
        allocator.close();
    }

    private static ProtobufDecoder address() {
        return ProtobufDecoder.fromDescriptorSet(TestProtos.descriptorSet(true).toByteArray(), "test.v1.Address",
                ProtobufDecoder.Framing.PLAIN);
    }

    private static byte[] address(ProtobufDecoder d, String city, Integer zip) {
        Descriptor m = d.message();
        DynamicMessage.Builder b = DynamicMessage.newBuilder(m);
        if (city != null) {
            b.setField(m.findFieldByName("city"), city);
        }
        if (zip != null) {
            b.setField(m.findFieldByName("zip"), zip);
        }
        return b.build().toByteArray();
    }

    @Test
    void aMergedSchemaGetsWidenedValuesNullsForColumnsTheMessageLacksAndDefaultsForAbsentScalars(@TempDir Path dir)
            throws Exception {
        ProtobufDecoder d = address();
        assertThat(d.boundTo(d.valueSchema())).isSameAs(d);
        // Another version's view: zip became a double, country and geo are new, city optional.
        Schema merged = SchemaBuilder.struct().name("test.v1.Address")
                .field("country", Schema.OPTIONAL_STRING_SCHEMA)
                .field("city", Schema.OPTIONAL_STRING_SCHEMA)
                .field("zip", Schema.OPTIONAL_FLOAT64_SCHEMA)
                .field("geo", SchemaBuilder.struct().field("lat", Schema.FLOAT64_SCHEMA)
                        .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build()).optional().build())
                .field("codes", SchemaBuilder.array(Schema.INT64_SCHEMA).optional().build())
                .build();
        ValueDecoder bound = d.boundTo(merged);
        assertThat(bound.valueSchema()).isSameAs(merged);
        assertThat(d.boundTo(merged)).isSameAs(bound);
        Path file = dir.resolve("bound.parquet");
        try (ArrowBatch batch = ArrowBatch.open(new RowLayout(merged, null, OFFSET_ONLY), allocator, "pb")) {
            byte[] a = address(d, "Lyon", 69001);
            byte[] b = address(d, null, -5);
            batch.appendDecoded(new SinkRecord("t", 0, null, null, null, a, 0), null, bound, a);
            batch.appendDecoded(new SinkRecord("t", 0, null, null, null, b, 1), null, bound, b);
            EncodedFile encoded = new ParquetEncoder(WriterOptions.withCodec("zstd")).encode(batch.seal(), Map.of());
            Files.write(file, Arrays.copyOf(encoded.bytes(), encoded.length()));
        }
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.columnTypes(List.of(file))).containsEntry("zip", "DOUBLE").containsEntry("country", "VARCHAR")
                    .containsEntry("geo", "STRUCT(lat DOUBLE, tags VARCHAR[])").containsEntry("codes", "BIGINT[]");
            List<Map<String, Object>> rows = duck.query("SELECT country, city, zip, geo IS NULL AS no_geo,"
                    + " codes IS NULL AS no_codes FROM " + ParquetReadback.table(List.of(file))
                    + " ORDER BY _kafka_offset");
            Map<String, Object> first = new HashMap<>(Map.of("city", "Lyon", "zip", 69001.0, "no_geo", true,
                    "no_codes", true));
            first.put("country", null);
            // city has no presence in proto3: absent is "", as every reader of this message sees it, not null.
            Map<String, Object> second = new HashMap<>(Map.of("city", "", "zip", -5.0, "no_geo", true,
                    "no_codes", true));
            second.put("country", null);
            assertThat(rows).containsExactly(first, second);
        }
    }

    @Test
    void aRequiredColumnTheMessageLacksIsABugNotABadRecord() {
        ProtobufDecoder d = address();
        Schema wrong = SchemaBuilder.struct().field("city", Schema.STRING_SCHEMA).field("zip", Schema.INT32_SCHEMA)
                .field("country", Schema.STRING_SCHEMA).build();
        try (ArrowBatch batch = ArrowBatch.open(new RowLayout(wrong, null, OFFSET_ONLY), allocator, "pb")) {
            byte[] a = address(d, "Lyon", 1);
            assertThatThrownBy(() -> batch.appendDecoded(new SinkRecord("t", 0, null, null, null, a, 0), null,
                    d.boundTo(wrong), a)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'country' is required");
        }
    }
}
