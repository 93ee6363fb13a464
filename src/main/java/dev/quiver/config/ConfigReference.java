package dev.quiver.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;

/**
 * Renders the ConfigDef as the Markdown reference in {@code docs/configuration.md}, so the documentation is generated
 * from the one definition and cannot drift from it. A unit test fails when the committed file is out of date;
 * {@code main} rewrites it.
 */
public final class ConfigReference {
    private ConfigReference() {
    }

    /** The reference as Markdown, grouped in ConfigDef order. */
    public static String markdown() {
        ConfigDef def = QuiverSinkConfig.configDef();
        Map<String, List<ConfigDef.ConfigKey>> byGroup = new LinkedHashMap<>();
        for (String group : def.groups()) {
            byGroup.put(group, new ArrayList<>());
        }
        for (ConfigDef.ConfigKey key : def.configKeys().values()) {
            byGroup.computeIfAbsent(key.group == null ? "Other" : key.group, g -> new ArrayList<>()).add(key);
        }
        StringBuilder md = new StringBuilder()
                .append("# Quiver configuration reference\n\n")
                .append("Generated from `QuiverSinkConfig` by `dev.quiver.config.ConfigReference`; do not edit by hand.")
                .append(" Regenerate it with `mvn test -Dtest=ConfigReferenceTest -Dquiver.docs.write=true`;")
                .append(" the same test fails the build when this file is out of date.\n\n")
                .append("Besides these keys, Quiver honours Connect's own sink settings: `topics` or `topics.regex`,")
                .append(" `tasks.max`, `key.converter`, `value.converter`, and `errors.tolerance` with")
                .append(" `errors.deadletterqueue.topic.name` for bad records.\n");
        for (Map.Entry<String, List<ConfigDef.ConfigKey>> group : byGroup.entrySet()) {
            group.getValue().sort((a, b) -> Integer.compare(a.orderInGroup, b.orderInGroup));
            md.append("\n## ").append(group.getKey()).append("\n");
            for (ConfigDef.ConfigKey key : group.getValue()) {
                md.append("\n### `").append(key.name).append("`\n\n")
                        .append(key.documentation).append("\n\n")
                        .append("| | |\n|---|---|\n")
                        .append("| Type | ").append(key.type.name().toLowerCase()).append(" |\n")
                        .append("| Default | ").append(defaultOf(key)).append(" |\n")
                        .append("| Valid values | ").append(key.validator == null ? "any" : escape(key.validator.toString()))
                        .append(" |\n")
                        .append("| Importance | ").append(key.importance.name().toLowerCase()).append(" |\n");
            }
        }
        return md.toString();
    }

    private static String defaultOf(ConfigDef.ConfigKey key) {
        if (!key.hasDefault()) {
            return "required";
        }
        Object value = key.defaultValue;
        if (value == null) {
            return "null";
        }
        if (value instanceof Password) {
            return "[hidden]";
        }
        String text = ConfigDef.convertToString(value, key.type);
        return text.isEmpty() ? "\"\"" : "`" + text + "`";
    }

    private static String escape(String text) {
        return text.replace("|", "\\|");
    }

    /** Writes the reference to {@code args[0]}, default {@code docs/configuration.md}. */
    public static void main(String[] args) throws IOException {
        Path target = Path.of(args.length > 0 ? args[0] : "docs/configuration.md");
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.writeString(target, markdown(), StandardCharsets.UTF_8);
    }
}
