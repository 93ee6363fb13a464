package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.config.AvroSettings;
import dev.quiver.config.QuiverSinkConfig;
import java.util.Base64;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** value.format=protobuf and key.format=protobuf with a Schema Registry, as validate() and the config see them. */
class ProtobufRegistrySettingsTest {

    @Test
    void aRegistryWithoutADescriptorSetMakesARegistryDecoder() {
        QuiverSinkConfig values = new QuiverSinkConfig(DecodingSettings.props("value.format", "protobuf",
                AvroSettings.REGISTRY_URL, "http://127.0.0.1:1"));
        assertThat(values.valueDecoder()).isInstanceOf(ProtobufRegistryDecoder.class);
        QuiverSinkConfig keys = new QuiverSinkConfig(DecodingSettings.props("key.format", "protobuf",
                "metadata.columns", "key,offset", AvroSettings.REGISTRY_URL, "http://127.0.0.1:1"));
        assertThat(keys.keyDecoding().decoder()).isInstanceOf(ProtobufRegistryDecoder.class);
        assertThat(DecodingSettings.errors(DecodingSettings.props("value.format", "protobuf",
                AvroSettings.REGISTRY_URL, "http://127.0.0.1:1", "value.protobuf.wire.format", "confluent"))).isEmpty();
        // A descriptor set given wins over the registry: the fixed message is read as before.
        String set = Base64.getEncoder().encodeToString(TestProtos.descriptorSet(true).toByteArray());
        QuiverSinkConfig fixed = new QuiverSinkConfig(DecodingSettings.props("value.format", "protobuf",
                AvroSettings.REGISTRY_URL, "http://127.0.0.1:1", "value.protobuf.descriptor.set", set,
                "value.protobuf.message", "test.v1.Address"));
        assertThat(fixed.valueDecoder()).isInstanceOf(ProtobufDecoder.class);
    }

    @Test
    void badCombinationsAreRefusedOnTheFieldAtFault() {
        // Neither a descriptor set nor a registry.
        assertThat(DecodingSettings.errors(DecodingSettings.props("value.format", "protobuf")))
                .containsOnlyKeys("value.protobuf.descriptor.set");
        assertThat(DecodingSettings.errors(DecodingSettings.props("value.format", "protobuf"))
                .get("value.protobuf.descriptor.set").get(0)).contains("schema.registry.url");
        // A fixed message or plain framing say something the registry's framing contradicts.
        assertThat(DecodingSettings.errors(DecodingSettings.props("value.format", "protobuf",
                AvroSettings.REGISTRY_URL, "http://r:8081", "value.protobuf.message", "shop.v1.Order")))
                .containsOnlyKeys("value.protobuf.message");
        assertThat(DecodingSettings.errors(DecodingSettings.props("value.format", "protobuf",
                AvroSettings.REGISTRY_URL, "http://r:8081", "value.protobuf.wire.format", "plain")))
                .containsOnlyKeys("value.protobuf.wire.format");
        assertThat(DecodingSettings.errors(DecodingSettings.props("key.format", "protobuf", "metadata.columns",
                "key", AvroSettings.REGISTRY_URL, "http://r:8081", "key.protobuf.wire.format", "plain")))
                .containsOnlyKeys("key.protobuf.wire.format");
        assertThat(DecodingSettings.errors(DecodingSettings.props("key.format", "protobuf", "metadata.columns",
                "key"))).containsOnlyKeys("key.protobuf.descriptor.set");
        assertThatThrownBy(() -> new QuiverSinkConfig(DecodingSettings.props("value.format", "protobuf",
                AvroSettings.REGISTRY_URL, "http://r:8081", "value.protobuf.message", "shop.v1.Order")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("value.protobuf.message")
                .hasMessageContaining("is not used with a Schema Registry");
    }
}
