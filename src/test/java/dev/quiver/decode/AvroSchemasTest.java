package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

class AvroSchemasTest {

    private static Schema map(String json) {
        return AvroSchemas.toConnect(new org.apache.avro.Schema.Parser().parse(json));
    }

    @Test
    void mapsEveryTypeOfARecord() {
        Schema s = map("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"n\",\"fields\":["
                + "{\"name\":\"b\",\"type\":\"boolean\"},{\"name\":\"i\",\"type\":\"int\"},"
                + "{\"name\":\"l\",\"type\":\"long\"},{\"name\":\"f\",\"type\":\"float\"},"
                + "{\"name\":\"d\",\"type\":\"double\"},{\"name\":\"s\",\"type\":\"string\"},"
                + "{\"name\":\"by\",\"type\":\"bytes\"},"
                + "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}},"
                + "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":4}},"
                + "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"int\"}},"
                + "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"long\"}},"
                + "{\"name\":\"o\",\"type\":[\"null\",\"string\"]},"
                + "{\"name\":\"u\",\"type\":[\"int\",\"string\",\"null\"]},"
                + "{\"name\":\"dec\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":9,\"scale\":2}},"
                + "{\"name\":\"decf\",\"type\":{\"type\":\"fixed\",\"name\":\"D\",\"size\":8,\"logicalType\":\"decimal\",\"precision\":12,\"scale\":3}},"
                + "{\"name\":\"dt\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
                + "{\"name\":\"tm\",\"type\":{\"type\":\"int\",\"logicalType\":\"time-millis\"}},"
                + "{\"name\":\"tu\",\"type\":{\"type\":\"long\",\"logicalType\":\"time-micros\"}},"
                + "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
                + "{\"name\":\"tsu\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}},"
                + "{\"name\":\"lts\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-millis\"}},"
                + "{\"name\":\"id\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"}}]}");

        assertThat(s.type()).isEqualTo(Schema.Type.STRUCT);
        assertThat(s.name()).isEqualTo("n.R");
        assertThat(s.field("b").schema()).isEqualTo(Schema.BOOLEAN_SCHEMA);
        assertThat(s.field("i").schema()).isEqualTo(Schema.INT32_SCHEMA);
        assertThat(s.field("l").schema()).isEqualTo(Schema.INT64_SCHEMA);
        assertThat(s.field("f").schema()).isEqualTo(Schema.FLOAT32_SCHEMA);
        assertThat(s.field("d").schema()).isEqualTo(Schema.FLOAT64_SCHEMA);
        assertThat(s.field("s").schema()).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(s.field("by").schema()).isEqualTo(Schema.BYTES_SCHEMA);
        assertThat(s.field("e").schema()).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(s.field("fx").schema()).isEqualTo(Schema.BYTES_SCHEMA);
        assertThat(s.field("a").schema().valueSchema()).isEqualTo(Schema.INT32_SCHEMA);
        assertThat(s.field("m").schema().keySchema()).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(s.field("m").schema().valueSchema()).isEqualTo(Schema.INT64_SCHEMA);
        assertThat(s.field("o").schema()).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);

        Schema u = s.field("u").schema();
        assertThat(u.type()).isEqualTo(Schema.Type.STRUCT);
        assertThat(u.isOptional()).isTrue();
        assertThat(u.field("int").schema()).isEqualTo(Schema.OPTIONAL_INT32_SCHEMA);
        assertThat(u.field("string").schema()).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);

        assertThat(s.field("dec").schema().name()).isEqualTo(Decimal.LOGICAL_NAME);
        assertThat(s.field("dec").schema().parameters()).containsEntry(Decimal.SCALE_FIELD, "2")
                .containsEntry(AvroSchemas.PRECISION, "9");
        assertThat(s.field("decf").schema().parameters()).containsEntry(Decimal.SCALE_FIELD, "3")
                .containsEntry(AvroSchemas.PRECISION, "12");
        assertThat(s.field("dt").schema().name()).isEqualTo(Date.LOGICAL_NAME);
        assertThat(s.field("tm").schema().name()).isEqualTo(Time.LOGICAL_NAME);
        assertThat(s.field("ts").schema().name()).isEqualTo(Timestamp.LOGICAL_NAME);
        assertThat(s.field("tu").schema().name()).isEqualTo(dev.quiver.arrow.ArrowSchemas.TIME_MICROS);
        assertThat(s.field("tsu").schema().name()).isEqualTo(dev.quiver.arrow.ArrowSchemas.TIMESTAMP_MICROS);
        assertThat(s.field("lts").schema().name()).isEqualTo(dev.quiver.arrow.ArrowSchemas.LOCAL_TIMESTAMP_MILLIS);
        assertThat(s.field("tsu").schema().type()).isEqualTo(Schema.Type.INT64);
        assertThat(s.field("id").schema()).isEqualTo(Schema.STRING_SCHEMA);
    }

    @Test
    void microsecondAndLocalTimesMergeWithThemselvesButNotWithAPlainLong() {
        String v1 = "{\"type\":\"record\",\"name\":\"E\",\"fields\":["
                + "{\"name\":\"at\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}},"
                + "{\"name\":\"wall\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}}]}";
        String v2 = "{\"type\":\"record\",\"name\":\"E\",\"fields\":["
                + "{\"name\":\"at\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}]},"
                + "{\"name\":\"wall\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}},"
                + "{\"name\":\"tod\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"time-micros\"}]}]}";
        Schema merged = dev.quiver.arrow.SchemaMerger.merge(map(v1), map(v2), dev.quiver.arrow.SchemaMerger.Mode.STRICT);
        assertThat(merged.field("at").schema().name()).isEqualTo(dev.quiver.arrow.ArrowSchemas.TIMESTAMP_MICROS);
        assertThat(merged.field("at").schema().isOptional()).isTrue();
        assertThat(merged.field("wall").schema().name()).isEqualTo(dev.quiver.arrow.ArrowSchemas.LOCAL_TIMESTAMP_MICROS);
        assertThat(merged.field("tod").schema().name()).isEqualTo(dev.quiver.arrow.ArrowSchemas.TIME_MICROS);

        String plain = "{\"type\":\"record\",\"name\":\"E\",\"fields\":[{\"name\":\"at\",\"type\":\"long\"},"
                + "{\"name\":\"wall\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}}]}";
        assertThatThrownBy(() -> dev.quiver.arrow.SchemaMerger.merge(map(v1), map(plain),
                dev.quiver.arrow.SchemaMerger.Mode.STRICT))
                .isInstanceOf(dev.quiver.arrow.SchemaMerger.IncompatibleSchemaException.class)
                .hasMessageContaining("'at'").hasMessageContaining(dev.quiver.arrow.ArrowSchemas.TIMESTAMP_MICROS);
    }

    @Test
    void refusesARecursiveRecordNamingIt() {
        assertThatThrownBy(() -> map("{\"type\":\"record\",\"name\":\"Node\",\"fields\":["
                + "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}"))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("value.next")
                .hasMessageContaining("Node");
    }

    @Test
    void readsTheConfluentFrame() {
        byte[] v = {0, 0, 0, 1, 2, 42};
        assertThat(ConfluentFrame.schemaId(v, 0, v.length)).isEqualTo(258);
        assertThatThrownBy(() -> ConfluentFrame.schemaId(new byte[] {1, 0, 0, 0, 1}, 0, 5))
                .isInstanceOf(DataException.class).hasMessageContaining("magic byte");
        assertThatThrownBy(() -> ConfluentFrame.schemaId(new byte[] {0, 0}, 0, 2))
                .isInstanceOf(DataException.class).hasMessageContaining("shorter");
    }
}
