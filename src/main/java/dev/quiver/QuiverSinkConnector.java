package dev.quiver;

import dev.quiver.config.QuiverSinkConfig;
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
        return config;
    }
}
