package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.config.AvroSettings;
import dev.quiver.config.QuiverSinkConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** value.format=avro, key.format=avro and the schema.registry.* settings, as validate() and the config see them. */
class AvroSettingsTest {
    private static final String USER = "{\"type\":\"record\",\"name\":\"U\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"}]}";

    @Test
    void aRegistryOrAFixedSchemaMakesAnAvroDecoder() {
        QuiverSinkConfig registry = new QuiverSinkConfig(DecodingSettings.props("value.format", "avro",
                AvroSettings.REGISTRY_URL, "http://127.0.0.1:1,http://127.0.0.1:2"));
        assertThat(registry.valueDecoder()).isInstanceOf(AvroDecoder.class);
        QuiverSinkConfig plain = new QuiverSinkConfig(DecodingSettings.props("value.format", "AVRO",
                AvroSettings.VALUE_AVRO_SCHEMA, USER));
        assertThat(plain.valueDecoder().valueSchema().field("id")).isNotNull();
        QuiverSinkConfig keys = new QuiverSinkConfig(DecodingSettings.props("key.format", "avro",
                "metadata.columns", "key,offset", AvroSettings.KEY_AVRO_SCHEMA, USER));
        assertThat(keys.keyDecoding().decoder()).isInstanceOf(AvroDecoder.class);
        assertThat(DecodingSettings.errors(DecodingSettings.props("value.format", "avro",
                AvroSettings.REGISTRY_URL, "https://registry.example:8081"))).isEmpty();
    }

    @Test
    void badCombinationsAreRefusedOnTheFieldAtFault(@TempDir Path dir) throws Exception {
        assertThat(DecodingSettings.errors(DecodingSettings.props("value.format", "avro")))
                .containsOnlyKeys(AvroSettings.REGISTRY_URL);
        assertThat(DecodingSettings.errors(DecodingSettings.props("value.format", "avro",
                AvroSettings.VALUE_AVRO_SCHEMA, "{\"type\":\"recrd\"}")).get(AvroSettings.VALUE_AVRO_SCHEMA).get(0))
                .contains("is not an Avro schema");
        Path file = Files.writeString(dir.resolve("u.avsc"), USER);
        assertThat(DecodingSettings.errors(DecodingSettings.props("value.format", "avro",
                AvroSettings.VALUE_AVRO_SCHEMA, USER, AvroSettings.VALUE_AVRO_SCHEMA_FILE, file.toString())))
                .containsOnlyKeys(AvroSettings.VALUE_AVRO_SCHEMA_FILE);
        assertThat(DecodingSettings.errors(DecodingSettings.props("value.format", "avro",
                AvroSettings.VALUE_AVRO_SCHEMA_FILE, dir.resolve("none.avsc").toString())))
                .containsOnlyKeys(AvroSettings.VALUE_AVRO_SCHEMA_FILE);
        Map<String, List<String>> both = DecodingSettings.errors(DecodingSettings.props("value.format", "avro",
                AvroSettings.REGISTRY_URL, "http://r:8081", AvroSettings.REGISTRY_BASIC_AUTH, "me:s3cret",
                AvroSettings.REGISTRY_BEARER_TOKEN, "t0ken"));
        assertThat(both).containsOnlyKeys(AvroSettings.REGISTRY_BEARER_TOKEN);
        assertThat(both.toString()).doesNotContain("s3cret").doesNotContain("t0ken");
        Map<String, List<String>> userInfo = DecodingSettings.errors(DecodingSettings.props("value.format", "avro",
                AvroSettings.REGISTRY_URL, "http://me:s3cret@r:8081"));
        assertThat(userInfo).containsOnlyKeys(AvroSettings.REGISTRY_URL);
        assertThat(userInfo.toString()).doesNotContain("s3cret");
        assertThat(DecodingSettings.errors(DecodingSettings.props("value.format", "avro",
                AvroSettings.REGISTRY_URL, "ftp://r")).get(AvroSettings.REGISTRY_URL).get(0))
                .contains("is not an http or https URL");
        assertThat(DecodingSettings.errors(DecodingSettings.props("value.format", "avro",
                AvroSettings.REGISTRY_URL, "http://r:8081", AvroSettings.REGISTRY_TRUSTSTORE_PASSWORD, "pw")))
                .containsOnlyKeys(AvroSettings.REGISTRY_TRUSTSTORE_PASSWORD);
        Path notAStore = Files.writeString(dir.resolve("store.p12"), "nope");
        assertThat(DecodingSettings.errors(DecodingSettings.props("value.format", "avro",
                AvroSettings.REGISTRY_URL, "https://r:8081", AvroSettings.REGISTRY_TRUSTSTORE_LOCATION,
                notAStore.toString()))).containsOnlyKeys(AvroSettings.REGISTRY_TRUSTSTORE_LOCATION);
        // Keys need the key column, as every key.format but connect does.
        assertThat(DecodingSettings.errors(DecodingSettings.props("key.format", "avro", "metadata.columns", "offset",
                AvroSettings.REGISTRY_URL, "http://r:8081"))).containsOnlyKeys("key.format");
        assertThatThrownBy(() -> new QuiverSinkConfig(DecodingSettings.props("key.format", "avro",
                "metadata.columns", "key")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(AvroSettings.REGISTRY_URL)
                .hasMessageContaining("is required with key.format=avro");
    }
}
