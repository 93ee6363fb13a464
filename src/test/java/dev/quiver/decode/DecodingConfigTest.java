package dev.quiver.decode;

import static dev.quiver.decode.DecodingSettings.DESCRIPTOR_SET;
import static dev.quiver.decode.DecodingSettings.errors;
import static dev.quiver.decode.DecodingSettings.props;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.config.QuiverSinkConfig;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The value.* settings as Connect sees them: errors on the field at fault, in the constructor and in validate(). */
class DecodingConfigTest {
    @Test
    void validSettingsBuildADecoder() {
        QuiverSinkConfig json = new QuiverSinkConfig(props("value.format", "json", "value.json.schema",
                "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\"}}}"));
        assertThat(json.valueDecoder()).isInstanceOf(JsonDecoder.class);
        assertThat(json.valueDecoder()).as("a new decoder per task").isNotSameAs(json.valueDecoder());
        QuiverSinkConfig pb = new QuiverSinkConfig(props("value.format", "protobuf",
                "value.protobuf.descriptor.set", DESCRIPTOR_SET, "value.protobuf.message", "test.v1.Everything"));
        assertThat(pb.valueDecoder()).isInstanceOf(ProtobufDecoder.class);
        assertThat(new QuiverSinkConfig(props("value.format", "json")).valueDecoder()).isNull();
        assertThat(errors(props("value.format", "protobuf", "value.protobuf.descriptor.set", DESCRIPTOR_SET,
                "value.protobuf.message", "test.v1.Everything"))).isEmpty();
    }

    @Test
    void errorsAttachToTheFieldAtFault() {
        assertThat(errors(props("value.format", "protobuf", "value.protobuf.descriptor.set", DESCRIPTOR_SET,
                "value.protobuf.message", "test.v1.Typo")))
                .containsOnlyKeys("value.protobuf.message")
                .extractingByKey("value.protobuf.message").asString()
                .contains("'test.v1.Typo' is not a message of the descriptor set");
        assertThat(errors(props("value.format", "protobuf", "value.protobuf.descriptor.set", "bm90IGEgc2V0",
                "value.protobuf.message", "a.B")))
                .containsOnlyKeys("value.protobuf.descriptor.set")
                .extractingByKey("value.protobuf.descriptor.set").asString()
                .contains("is not a serialized FileDescriptorSet");
        assertThat(errors(props("value.format", "json", "value.json.schema", "{\"type\": \"array\"}")))
                .containsOnlyKeys("value.json.schema")
                .extractingByKey("value.json.schema").asString().contains("is an array without an 'items' schema");
        assertThat(errors(props("value.format", "protobuf", "value.protobuf.wire.format", "avro",
                "value.protobuf.descriptor.set", DESCRIPTOR_SET, "value.protobuf.message", "test.v1.Everything")))
                .containsOnlyKeys("value.protobuf.wire.format");
        assertThat(errors(props("value.format", "protobuf"))).containsOnlyKeys("value.protobuf.descriptor.set");

        assertThatThrownBy(() -> new QuiverSinkConfig(props("value.format", "protobuf",
                "value.protobuf.descriptor.set", DESCRIPTOR_SET, "value.protobuf.message", "test.v1.Typo")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("value.protobuf.message");
    }
}
