package dev.quiver.decode;

import dev.quiver.QuiverSinkConnector;
import dev.quiver.config.QuiverSinkConfig;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigValue;

/**
 * What the tests of the value.* and key.* settings share: settings as Connect hands them over, and the errors that
 * {@code validate()} attaches to each setting.
 */
final class DecodingSettings {
    /** {@link TestProtos}' descriptor set, in base64 as the {@code *.protobuf.descriptor.set} settings take it. */
    static final String DESCRIPTOR_SET = Base64.getEncoder().encodeToString(
            TestProtos.descriptorSet(false).toByteArray());

    private DecodingSettings() {
    }

    /** A local store URL (nothing is written there) and then {@code pairs}: name, value, name, value... */
    static Map<String, String> props(String... pairs) {
        Map<String, String> props = new HashMap<>();
        props.put(QuiverSinkConfig.STORE_URL, "file:///tmp/quiver-decoding-config-test");
        for (int i = 0; i < pairs.length; i += 2) {
            props.put(pairs[i], pairs[i + 1]);
        }
        return props;
    }

    /** The error messages of each setting that has any, as the connector's {@code validate()} reports them. */
    static Map<String, List<String>> errors(Map<String, String> props) {
        return new QuiverSinkConnector().validate(props).configValues().stream()
                .filter(v -> !v.errorMessages().isEmpty())
                .collect(Collectors.toMap(ConfigValue::name, ConfigValue::errorMessages));
    }
}
