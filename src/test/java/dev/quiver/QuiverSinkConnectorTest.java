package dev.quiver;

import dev.quiver.config.Version;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.config.QuiverSinkConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

class QuiverSinkConnectorTest {

    private static Map<String, List<String>> errorsByField(Config config) {
        return config.configValues().stream()
                .filter(v -> !v.errorMessages().isEmpty())
                .collect(Collectors.toMap(ConfigValue::name, ConfigValue::errorMessages));
    }

    private static Map<String, String> valid() {
        Map<String, String> props = new HashMap<>();
        props.put("name", "q");
        props.put("connector.class", QuiverSinkConnector.class.getName());
        props.put("topics", "t");
        props.put(QuiverSinkConfig.STORE_URL, "s3a://bucket/prefix");
        return props;
    }

    @Test
    void validConfigHasNoErrors() {
        assertThat(errorsByField(new QuiverSinkConnector().validate(valid()))).isEmpty();
    }

    @Test
    void badStoreUrlIsAttachedToThatFieldOnly() {
        Map<String, String> props = valid();
        props.put(QuiverSinkConfig.STORE_URL, "gs://bucket/prefix");
        Map<String, List<String>> errors = errorsByField(new QuiverSinkConnector().validate(props));
        assertThat(errors).containsOnlyKeys(QuiverSinkConfig.STORE_URL);
        assertThat(errors.get(QuiverSinkConfig.STORE_URL).get(0)).contains("s3a://").contains("file:///");
    }

    @Test
    void crossFieldCredentialErrorIsAttachedToTheSecret() {
        Map<String, String> props = valid();
        props.put(QuiverSinkConfig.S3_ACCESS_KEY, "AKIA");
        Map<String, List<String>> errors = errorsByField(new QuiverSinkConnector().validate(props));
        assertThat(errors).containsOnlyKeys(QuiverSinkConfig.S3_SECRET_KEY);
    }

    @Test
    void aMinimumFileSizeAboveTheMaximumIsAttachedToTheMinimum() {
        Map<String, String> props = valid();
        props.put(QuiverSinkConfig.FLUSH_MAX_BYTES, "2048");
        // The default minimum (1 MiB) yields to a smaller maximum: only an explicit one above it is an error.
        assertThat(errorsByField(new QuiverSinkConnector().validate(props))).isEmpty();
        props.put(QuiverSinkConfig.FLUSH_MIN_BYTES, "4096");
        Map<String, List<String>> errors = errorsByField(new QuiverSinkConnector().validate(props));
        assertThat(errors).containsOnlyKeys(QuiverSinkConfig.FLUSH_MIN_BYTES);
        assertThat(errors.get(QuiverSinkConfig.FLUSH_MIN_BYTES).get(0)).contains("flush.max.bytes");
        assertThatThrownBy(() -> new QuiverSinkConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(QuiverSinkConfig.FLUSH_MIN_BYTES);
        props.put(QuiverSinkConfig.FLUSH_MIN_BYTES, "2048");
        assertThat(errorsByField(new QuiverSinkConnector().validate(props))).isEmpty();
    }

    @Test
    void versionIsQuiversOwnAndTasksGetTheConnectorConfig() {
        QuiverSinkConnector connector = new QuiverSinkConnector();
        assertThat(connector.version()).isEqualTo(Version.get()).isNotEqualTo("unknown").doesNotContain("${");
        connector.start(valid());
        List<Map<String, String>> tasks = connector.taskConfigs(3);
        assertThat(tasks).hasSize(3).allSatisfy(t -> assertThat(t).containsEntry(QuiverSinkConfig.STORE_URL, "s3a://bucket/prefix"));
        assertThat(connector.taskClass()).isEqualTo(QuiverSinkTask.class);
    }
}
