package dev.quiver.layout;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Decides the folder a record's file goes to, below the topic: nothing for Kafka-partition layout, a time path such
 * as {@code dt=2026-11-21/hr=10} for time partitioning, or Hive-style {@code country=DE/} for field partitioning.
 *
 * <p>A record's path is a pure function of the record, so a replay of the same records lands in the same folders.
 */
public abstract class PathPartitioner {
    /** Hive's name for a partition whose value is null. */
    public static final String NULL_VALUE = "__HIVE_DEFAULT_PARTITION__";

    /** The folder (without leading or trailing slash) for this record; empty for none. */
    public abstract String pathOf(SinkRecord record, Object value);

    /**
     * The dotted value fields {@link #pathOf} reads, empty when it reads none: a value parsed straight into columns
     * has no Map to read them from, so only these are picked out of it.
     */
    public List<String> valueFields() {
        return List.of();
    }

    /** True for the default layout, where files group by Kafka partition folder. */
    public boolean byKafkaPartition() {
        return false;
    }

    /** Files under {@code <topic>/partition=<p>/}. */
    public static PathPartitioner byKafka() {
        return new PathPartitioner() {
            @Override
            public String pathOf(SinkRecord record, Object value) {
                return "";
            }

            @Override
            public boolean byKafkaPartition() {
                return true;
            }
        };
    }

    /**
     * Files under a path formatted from a timestamp.
     *
     * @param field   value field holding the time (epoch millis or a Connect Timestamp/Date), or null for the record's
     *                Kafka timestamp
     * @param pattern DateTimeFormatter pattern, literals in single quotes, e.g. {@code 'dt='yyyy-MM-dd/'hr='HH}
     */
    public static PathPartitioner byTime(String field, String pattern, ZoneId zone) {
        return new TimePartitioner(field, DateTimeFormatter.ofPattern(pattern).withZone(zone), pattern.contains("S"));
    }

    /** Files under {@code f1=v1/f2=v2/}, values escaped so none can leave its segment. */
    public static PathPartitioner byFields(List<String> fields) {
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("field partitioning needs at least one field");
        }
        return new FieldPartitioner(List.copyOf(fields));
    }

    /** The value of a (dotted) field of a Struct or Map value, or null when any step is missing. */
    static Object fieldValue(Object value, String path) {
        Object current = value;
        for (String part : path.split("\\.")) {
            if (current instanceof Struct) {
                Struct struct = (Struct) current;
                Field field = struct.schema().field(part);
                current = field == null ? null : struct.get(field);
            } else if (current instanceof Map) {
                current = ((Map<?, ?>) current).get(part);
            } else {
                return null;
            }
        }
        return current;
    }

    private static final class TimePartitioner extends PathPartitioner {
        private final String field;
        private final DateTimeFormatter formatter;
        private final boolean subSecond;
        /** The last second formatted and its path: consecutive records mostly share one. */
        private long cachedSecond = Long.MIN_VALUE;
        private String cachedPath;

        TimePartitioner(String field, DateTimeFormatter formatter, boolean subSecond) {
            this.field = field;
            this.formatter = Objects.requireNonNull(formatter, "formatter");
            this.subSecond = subSecond;
        }

        @Override
        public List<String> valueFields() {
            return field == null ? List.of() : List.of(field);
        }

        @Override
        public String pathOf(SinkRecord record, Object value) {
            long millis = millisOf(record, value);
            long second = Math.floorDiv(millis, 1000L);
            if (!subSecond && second == cachedSecond) {
                return cachedPath;
            }
            String path = formatter.format(Instant.ofEpochMilli(millis));
            cachedSecond = second;
            cachedPath = path;
            return path;
        }

        private long millisOf(SinkRecord record, Object value) {
            if (field == null) {
                if (record.timestamp() == null) {
                    throw new DataException("has no Kafka timestamp, which time partitioning by record time needs");
                }
                return record.timestamp();
            }
            Object time = fieldValue(value, field);
            if (time instanceof java.util.Date) {
                return ((java.util.Date) time).getTime();
            }
            if (time instanceof Long || time instanceof Integer) {
                return ((Number) time).longValue();
            }
            if (time == null) {
                throw new DataException("field '" + field + "' is missing or null, and time partitioning needs it");
            }
            throw new DataException("field '" + field + "' holds " + time.getClass().getSimpleName()
                    + ", but time partitioning needs epoch milliseconds or a timestamp");
        }
    }

    private static final class FieldPartitioner extends PathPartitioner {
        private final List<String> fields;

        FieldPartitioner(List<String> fields) {
            this.fields = fields;
        }

        @Override
        public List<String> valueFields() {
            return fields;
        }

        @Override
        public String pathOf(SinkRecord record, Object value) {
            StringBuilder path = new StringBuilder();
            for (String field : fields) {
                if (path.length() > 0) {
                    path.append('/');
                }
                Object v = fieldValue(value, field);
                String text = v == null ? NULL_VALUE
                        : v instanceof java.util.Date ? Instant.ofEpochMilli(((java.util.Date) v).getTime()).toString()
                        : v.toString();
                if (text.isEmpty()) {
                    text = NULL_VALUE;
                }
                path.append(FileLayout.escape(field)).append('=').append(FileLayout.escape(text));
            }
            return path.toString();
        }
    }
}
