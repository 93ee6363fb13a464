package dev.quiver.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

/** The demo envelopes are what Connect's JsonConverter (schemas.enable=true) turns into the intended Structs. */
class SchemaJsonTest {

    @Test
    void envelopesConvertToTheIntendedStructs() {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), false);
        int nullNotes = 0;
        for (long id = 0; id < 200; id++) {
            SchemaAndValue sv = converter.toConnectData("t",
                    SchemaJson.envelope(id, id % 2 == 0).getBytes(StandardCharsets.UTF_8));
            Schema schema = sv.schema();
            assertThat(schema.type()).isEqualTo(Schema.Type.STRUCT);
            assertThat(schema.name()).isEqualTo(id % 2 == 0 ? SchemaJson.RECORD_TYPE : null);
            assertThat(schema.field("id").schema().type()).isEqualTo(Schema.Type.INT64);
            assertThat(schema.field("id").schema().isOptional()).isFalse();
            assertThat(schema.field("amount").schema().type()).isEqualTo(Schema.Type.FLOAT64);
            assertThat(schema.field("count").schema().type()).isEqualTo(Schema.Type.INT32);
            assertThat(schema.field("device").schema().field("version").schema().type())
                    .isEqualTo(Schema.Type.INT32);
            assertThat(schema.field("note").schema().isOptional()).isTrue();

            Struct s = (Struct) sv.value();
            assertThat(s.getInt64("id")).isEqualTo(id);
            assertThat(s.getString("name")).isEqualTo(SchemaJson.name(id));
            assertThat(s.getFloat64("amount")).isEqualTo(SchemaJson.amount(id));
            assertThat(s.getBoolean("active")).isEqualTo(SchemaJson.active(id));
            assertThat(s.getInt32("count")).isEqualTo(SchemaJson.count(id));
            assertThat(s.getStruct("device").getString("os")).isEqualTo(SchemaJson.deviceOs(id));
            assertThat(s.getStruct("device").getInt32("version")).isEqualTo(SchemaJson.deviceVersion(id));
            assertThat(s.getString("note")).isEqualTo(SchemaJson.note(id));
            if (s.getString("note") == null) {
                nullNotes++;
            }
        }
        assertThat(nullNotes).isEqualTo(50);
    }

    @Test
    void idsEncodePartitionAndSequence() {
        long id = SchemaJson.id(3_000_000_000L, 2, 1234);
        assertThat(SchemaJson.partitionOf(id)).isEqualTo(2);
        assertThat(SchemaJson.seqOf(id)).isEqualTo(1234);
    }
}
