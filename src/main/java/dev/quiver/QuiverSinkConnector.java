package dev.quiver;

import dev.quiver.config.Version;
import dev.quiver.config.QuiverSinkConfig;
import dev.quiver.config.S3SecurityConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Quiver: lands Kafka topics on object storage as Parquet, batching records in Arrow. Every task gets the same
 * configuration; Connect spreads the topic partitions over them.
 */
public final class QuiverSinkConnector extends SinkConnector {
    /** Task property carrying the task's index, which names its metrics. Not a user setting. */
    static final String TASK_ID = "quiver.task.id";

    private Map<String, String> props;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        // Parse now so that a bad configuration fails the connector, not each task separately.
        new QuiverSinkConfig(props);
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return QuiverSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            Map<String, String> task = new HashMap<>(props);
            task.put(TASK_ID, Integer.toString(i));
            configs.add(task);
        }
        return configs;
    }

    @Override
    public void stop() {
        props = null;
    }

    @Override
    public ConfigDef config() {
        return QuiverSinkConfig.configDef();
    }

    /** Field-by-field validation from the ConfigDef, plus the checks that span fields, attached to the field at fault. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        Map<String, ConfigValue> byName = new HashMap<>();
        for (ConfigValue value : config.configValues()) {
            byName.put(value.name(), value);
        }
        ConfigValue access = byName.get(QuiverSinkConfig.S3_ACCESS_KEY);
        ConfigValue secret = byName.get(QuiverSinkConfig.S3_SECRET_KEY);
        if (access != null && secret != null && access.errorMessages().isEmpty()) {
            String problem = QuiverSinkConfig.validateAcrossFields((Password) access.value(), (Password) secret.value());
            if (problem != null) {
                secret.addErrorMessage(problem);
            }
        }
        ConfigValue partitionBy = byName.get(QuiverSinkConfig.PARTITION_BY);
        ConfigValue fields = byName.get(QuiverSinkConfig.PARTITION_FIELDS);
        if (partitionBy != null && fields != null && partitionBy.errorMessages().isEmpty()) {
            String problem = QuiverSinkConfig.validatePartitioning((String) partitionBy.value(), (List<?>) fields.value());
            if (problem != null) {
                fields.addErrorMessage(problem);
            }
        }
        validateValueDecoding(byName);
        validateKeyDecoding(byName);
        validateS3Security(config, byName, connectorConfigs);
        dev.quiver.config.AvroSettings.crossFieldProblems(key -> {
            ConfigValue value = byName.get(key);
            return value == null || !value.errorMessages().isEmpty() ? null : value.value();
        }).forEach((key, problem) -> byName.get(key).addErrorMessage(problem));
        ConfigValue minBytes = byName.get(QuiverSinkConfig.FLUSH_MIN_BYTES);
        ConfigValue maxBytes = byName.get(QuiverSinkConfig.FLUSH_MAX_BYTES);
        if (minBytes != null && maxBytes != null && minBytes.errorMessages().isEmpty()
                && maxBytes.errorMessages().isEmpty()) {
            String problem = QuiverSinkConfig.validateFlushMinBytes(
                    connectorConfigs.containsKey(QuiverSinkConfig.FLUSH_MIN_BYTES) ? (Long) minBytes.value() : null,
                    (Long) maxBytes.value());
            if (problem != null) {
                minBytes.addErrorMessage(problem);
            }
        }
        ConfigValue timeSource = byName.get(QuiverSinkConfig.PARTITION_TIME_SOURCE);
        ConfigValue format = byName.get(QuiverSinkConfig.VALUE_FORMAT);
        ConfigValue schema = byName.get(QuiverSinkConfig.VALUE_JSON_SCHEMA);
        ConfigValue schemaFile = byName.get(QuiverSinkConfig.VALUE_JSON_SCHEMA_FILE);
        if (partitionBy != null && timeSource != null && format != null && schema != null && schemaFile != null
                && partitionBy.errorMessages().isEmpty()) {
            String problem = QuiverSinkConfig.validatePartitioningWithDecoder((String) partitionBy.value(),
                    (String) timeSource.value(), QuiverSinkConfig.decodesDirectly((String) format.value(),
                            (String) schema.value(), (String) schemaFile.value()));
            if (problem != null) {
                partitionBy.addErrorMessage(problem);
            }
        }
        return config;
    }

    /**
     * Encryption, tags and credential combinations, each on its field; a denied {@code s3.extra.*} key gets an entry
     * of its own, as it is not in the ConfigDef.
     */
    private static void validateS3Security(Config config, Map<String, ConfigValue> byName, Map<String, String> props) {
        Map<String, String> problems = S3SecurityConfig.crossFieldProblems(key -> {
            ConfigValue value = byName.get(key);
            return value == null || !value.errorMessages().isEmpty() ? null : value.value();
        });
        problems.forEach((key, problem) -> {
            ConfigValue value = byName.get(key);
            if (value != null && value.errorMessages().isEmpty()) {
                value.addErrorMessage(problem);
            }
        });
        S3SecurityConfig.passThroughProblems(props).forEach((key, problem) ->
                config.configValues().add(new ConfigValue(key, props.get(key), new ArrayList<>(),
                        new ArrayList<>(List.of(problem)))));
    }

    /** The values of {@code keys}, or null when any of them is missing or failed its own check. */
    private static String[] passedValues(Map<String, ConfigValue> byName, String[] keys) {
        String[] values = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            ConfigValue value = byName.get(keys[i]);
            if (value == null || !value.errorMessages().isEmpty()) {
                return null;
            }
            values[i] = (String) value.value();
        }
        return values;
    }

    /** True when schema.registry.url names a registry (a bad URL counts: that field carries its own error). */
    private static boolean registrySet(Map<String, ConfigValue> byName) {
        ConfigValue urls = byName.get(dev.quiver.config.AvroSettings.REGISTRY_URL);
        return urls != null && urls.value() instanceof List && !((List<?>) urls.value()).isEmpty();
    }

    /** The message name against the descriptor set, and the like: only once each field passed its own check. */
    private static void validateValueDecoding(Map<String, ConfigValue> byName) {
        String[] keys = {QuiverSinkConfig.VALUE_FORMAT, QuiverSinkConfig.VALUE_JSON_SCHEMA,
                QuiverSinkConfig.VALUE_JSON_SCHEMA_FILE, QuiverSinkConfig.VALUE_PROTOBUF_DESCRIPTOR_SET,
                QuiverSinkConfig.VALUE_PROTOBUF_DESCRIPTOR_FILE, QuiverSinkConfig.VALUE_PROTOBUF_MESSAGE,
                QuiverSinkConfig.VALUE_PROTOBUF_WIRE_FORMAT};
        String[] values = passedValues(byName, keys);
        if (values == null) {
            return;
        }
        String[] problem = QuiverSinkConfig.validateValueDecoding(new dev.quiver.decode.ValueDecoders.Spec(
                values[0], values[1], values[2], values[3], values[4], values[5], values[6], registrySet(byName)));
        if (problem != null) {
            byName.get(problem[0]).addErrorMessage(problem[1]);
        }
    }

    /**
     * The same for the key.* settings, plus the key column they write into. The value's descriptor settings are the
     * key's fallback, so they too must have passed their own checks.
     */
    private static void validateKeyDecoding(Map<String, ConfigValue> byName) {
        String[] keys = {QuiverSinkConfig.KEY_FORMAT, QuiverSinkConfig.KEY_JSON_SCHEMA,
                QuiverSinkConfig.KEY_JSON_SCHEMA_FILE, QuiverSinkConfig.KEY_PROTOBUF_DESCRIPTOR_SET,
                QuiverSinkConfig.KEY_PROTOBUF_DESCRIPTOR_FILE, QuiverSinkConfig.KEY_PROTOBUF_MESSAGE,
                QuiverSinkConfig.KEY_PROTOBUF_WIRE_FORMAT, QuiverSinkConfig.VALUE_PROTOBUF_DESCRIPTOR_SET,
                QuiverSinkConfig.VALUE_PROTOBUF_DESCRIPTOR_FILE};
        String[] values = passedValues(byName, keys);
        if (values == null) {
            return;
        }
        ConfigValue metadata = byName.get(QuiverSinkConfig.METADATA_COLUMNS);
        if (metadata == null || !metadata.errorMessages().isEmpty()) {
            return;
        }
        boolean hasKeyColumn = ((List<?>) metadata.value()).stream()
                .anyMatch(kind -> "key".equalsIgnoreCase(String.valueOf(kind).trim()));
        String[] problem = QuiverSinkConfig.validateKeyDecoding(QuiverSinkConfig.keyDecoderSpec(values[0], values[1],
                values[2], values[3], values[4], values[5], values[6], values[7], values[8], registrySet(byName)),
                hasKeyColumn);
        if (problem != null) {
            byName.get(problem[0]).addErrorMessage(problem[1]);
        }
    }
}
