package dev.quiver.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.QuiverSinkConnector;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, security: credentials written into {@code store.url} (s3a://key:secret@bucket) or {@code s3.endpoint}
 * (http://user:secret@host) are refused on the field, and neither the validate error nor the exception of a task's
 * config ever shows them. Connect's own "Invalid value X for configuration Y" would, so the value is redacted.
 */
class UrlCredentialsTest {
    private static final String SECRET = "wJalrXUtnFEMIK7MDENG";

    private static Map<String, String> props(String field, String value) {
        Map<String, String> props = new HashMap<>();
        props.put("name", "q");
        props.put("connector.class", QuiverSinkConnector.class.getName());
        props.put("topics", "t");
        props.put(QuiverSinkConfig.STORE_URL, "s3a://bucket/prefix");
        props.put(field, value);
        return props;
    }

    private static Map<String, List<String>> errors(Map<String, String> props) {
        return new QuiverSinkConnector().validate(props).configValues().stream()
                .filter(v -> !v.errorMessages().isEmpty())
                .collect(Collectors.toMap(ConfigValue::name, ConfigValue::errorMessages));
    }

    @Test
    void aStoreUrlWithUserInfoIsRefusedOnTheFieldWithoutShowingIt() {
        for (String url : List.of("s3a://AKIAEXAMPLE:" + SECRET + "@bucket/prefix", "s3a://" + SECRET + "@bucket",
                "s3a://AKIAEXAMPLE:" + SECRET + " x@bucket/prefix", "file://" + SECRET + "@/data")) {
            Map<String, List<String>> errors = errors(props(QuiverSinkConfig.STORE_URL, url));
            assertThat(errors).as(url).containsOnlyKeys(QuiverSinkConfig.STORE_URL);
            assertThat(errors.toString()).as(url).doesNotContain(SECRET);
            assertThatThrownBy(() -> new QuiverSinkConfig(props(QuiverSinkConfig.STORE_URL, url)))
                    .isInstanceOf(ConfigException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
        }
        assertThat(errors(props(QuiverSinkConfig.STORE_URL, "s3a://k:" + SECRET + "@bucket/p"))
                .get(QuiverSinkConfig.STORE_URL)).singleElement().asString()
                .contains("s3.access.key", "s3.secret.key");
    }

    @Test
    void anEndpointWithUserInfoIsRefusedOnTheFieldWithoutShowingIt() {
        for (String endpoint : List.of("http://minio:" + SECRET + "@minio:9000", "https://" + SECRET + "@s3.example",
                "http://u:" + SECRET + " @minio:9000")) {
            Map<String, List<String>> errors = errors(props(QuiverSinkConfig.S3_ENDPOINT, endpoint));
            assertThat(errors).as(endpoint).containsOnlyKeys(QuiverSinkConfig.S3_ENDPOINT);
            assertThat(errors.toString()).as(endpoint).doesNotContain(SECRET);
        }
    }

    @Test
    void urlsWithoutUserInfoStayValid() {
        assertThat(errors(props(QuiverSinkConfig.S3_ENDPOINT, "http://minio:9000"))).isEmpty();
        assertThat(errors(props(QuiverSinkConfig.STORE_URL, "s3a://bucket/a@b/prefix"))).isEmpty();
    }
}
