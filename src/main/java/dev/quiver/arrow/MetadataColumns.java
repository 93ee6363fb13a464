package dev.quiver.arrow;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Which Kafka metadata columns a batch carries, and under which names. Immutable; built once from the config.
 */
public final class MetadataColumns {

    /** The metadata a column can hold. */
    public enum Kind {
        TOPIC("_kafka_topic"),
        PARTITION("_kafka_partition"),
        OFFSET("_kafka_offset"),
        TIMESTAMP("_kafka_timestamp"),
        TIMESTAMP_TYPE("_kafka_timestamp_type"),
        KEY("_kafka_key"),
        HEADERS("_kafka_headers");

        private final String defaultName;

        Kind(String defaultName) {
            this.defaultName = defaultName;
        }

        /** The column name used unless renamed. */
        public String defaultName() {
            return defaultName;
        }

        /** The name used in config lists: lower case, e.g. {@code timestamp_type}. */
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The default name of the tombstone flag column written with {@code behavior.on.null.values=write}. */
    public static final String DEFAULT_TOMBSTONE_NAME = "_kafka_tombstone";

    /** No metadata columns and no tombstone flag: only the value's own columns. */
    public static final MetadataColumns NONE = new MetadataColumns(Map.of(), null);

    private final Map<Kind, String> names;
    private final String tombstoneColumn;

    /**
     * @param names           enabled kinds and their column names, in the order the columns appear
     * @param tombstoneColumn name of the tombstone flag column, or null for none
     */
    public MetadataColumns(Map<Kind, String> names, String tombstoneColumn) {
        EnumMap<Kind, String> copy = new EnumMap<>(Kind.class);
        copy.putAll(Objects.requireNonNull(names, "names"));
        this.names = Collections.unmodifiableMap(copy);
        this.tombstoneColumn = tombstoneColumn;
    }

    /** Every kind under its default name, and no tombstone flag. */
    public static MetadataColumns all() {
        EnumMap<Kind, String> names = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            names.put(kind, kind.defaultName());
        }
        return new MetadataColumns(names, null);
    }

    /** Enabled kinds and their names, in column order. */
    public Map<Kind, String> names() {
        return names;
    }

    public boolean has(Kind kind) {
        return names.containsKey(kind);
    }

    /** The tombstone flag column's name, or null when tombstones are not written. */
    public String tombstoneColumn() {
        return tombstoneColumn;
    }
}
