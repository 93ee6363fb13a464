package dev.quiver.testing;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Schema'd JSON envelopes ({@code {"schema": ..., "payload": ...}}), as Connect's JsonConverter expects with
 * {@code schemas.enable=true}, for one demo record type:
 *
 * <pre>
 * dev.quiver.demo.Order {
 *   id      int64   required
 *   name    string  required
 *   amount  float64 required
 *   active  boolean required
 *   count   int32   required
 *   device  struct  required { os string required, version int32 required }
 *   note    string  optional   (null for every 4th id)
 * }
 * </pre>
 *
 * <p>Every value is a pure function of the {@code id}, and {@link #id} packs (base, partition, offset) into the id, so a
 * test can recompute the expected content of any row it reads back, and where (partition, offset) it came from.
 */
public final class SchemaJson {

    /** Ids of one topic partition are {@code base + partition * PARTITION_STRIDE + sequence}. */
    public static final long PARTITION_STRIDE = 1_000_000L;

    private static final String[] OS = {"linux", "macos", "windows", "android", "ios"};

    private SchemaJson() {
    }

    /** The name of the value schema (Quiver puts files of named value schemas under {@code record_type=<name>/}). */
    public static final String RECORD_TYPE = "dev.quiver.demo.Order";

    private static final String FIELDS_JSON = "\"fields\":["
            + "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false},"
            + "{\"field\":\"name\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"amount\",\"type\":\"double\",\"optional\":false},"
            + "{\"field\":\"active\",\"type\":\"boolean\",\"optional\":false},"
            + "{\"field\":\"count\",\"type\":\"int32\",\"optional\":false},"
            + "{\"field\":\"device\",\"type\":\"struct\",\"name\":\"dev.quiver.demo.Device\",\"optional\":false,"
            + "\"fields\":["
            + "{\"field\":\"os\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"version\",\"type\":\"int32\",\"optional\":false}]},"
            + "{\"field\":\"note\",\"type\":\"string\",\"optional\":true}"
            + "]";

    /** The schema part of the envelope, as JSON: a struct named {@link #RECORD_TYPE}. */
    public static final String SCHEMA_JSON = "{\"type\":\"struct\",\"name\":\"" + RECORD_TYPE
            + "\",\"optional\":false," + FIELDS_JSON + "}";

    /** The same schema without a name (the nested device struct keeps its name). */
    public static final String SCHEMA_JSON_UNNAMED = "{\"type\":\"struct\",\"optional\":false," + FIELDS_JSON + "}";

    /**
     * DuckDB's view of the Parquet columns Quiver must write for this schema (DESCRIBE column_type, double quotes
     * removed since DuckDB quotes some struct field names).
     */
    public static final Map<String, String> DUCKDB_TYPES;

    static {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("id", "BIGINT");
        t.put("name", "VARCHAR");
        t.put("amount", "DOUBLE");
        t.put("active", "BOOLEAN");
        t.put("count", "INTEGER");
        t.put("device", "STRUCT(os VARCHAR, version INTEGER)");
        t.put("note", "VARCHAR");
        DUCKDB_TYPES = java.util.Collections.unmodifiableMap(t);
    }

    /**
     * DuckDB's view of the Kafka metadata columns Quiver appends after the value's columns by default (README, "Rows
     * and types"), for String keys and no headers.
     */
    public static final Map<String, String> DUCKDB_METADATA_TYPES;

    static {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("_kafka_topic", "VARCHAR");
        t.put("_kafka_partition", "INTEGER");
        t.put("_kafka_offset", "BIGINT");
        t.put("_kafka_timestamp", "TIMESTAMP WITH TIME ZONE");
        t.put("_kafka_timestamp_type", "VARCHAR");
        t.put("_kafka_key", "VARCHAR");
        t.put("_kafka_headers", "STRUCT(key VARCHAR, value VARCHAR)[]");
        DUCKDB_METADATA_TYPES = java.util.Collections.unmodifiableMap(t);
    }

    /** The id of the record with sequence number {@code seq} (= its offset in a fresh topic) in {@code partition}. */
    public static long id(long base, int partition, long seq) {
        if (seq < 0 || seq >= PARTITION_STRIDE) {
            throw new IllegalArgumentException("seq out of range: " + seq);
        }
        return base + partition * PARTITION_STRIDE + seq;
    }

    /** Partition encoded in an id made with {@link #id} (the base must be a multiple of 100 * PARTITION_STRIDE). */
    public static int partitionOf(long id) {
        return (int) ((id / PARTITION_STRIDE) % 100);
    }

    /** Sequence number (offset in a fresh topic) encoded in an id made with {@link #id}. */
    public static long seqOf(long id) {
        return id % PARTITION_STRIDE;
    }

    public static String name(long id) {
        // every 7th name is non-ASCII, to check UTF-8 round trips
        return id % 7 == 0 ? "zoë-ünïcødé-名前-" + id : "user-" + id;
    }

    public static double amount(long id) {
        // exact in binary floating point; negative, zero and fractional values all occur
        return (id % 2000 - 1000) / 8.0;
    }

    public static boolean active(long id) {
        return id % 3 == 0;
    }

    public static int count(long id) {
        return (int) (id % 1000) - 500;
    }

    public static String deviceOs(long id) {
        return OS[(int) (id % OS.length)];
    }

    public static int deviceVersion(long id) {
        return (int) (id % 17) + 1;
    }

    /** null for every 4th id. */
    public static String note(long id) {
        return id % 4 == 0 ? null : "note \"" + id + "\"\n\ttabbed";
    }

    public static boolean hasNullNote(long id) {
        return note(id) == null;
    }

    /** The message key used for a record (StringConverter). */
    public static String key(long id) {
        return "k-" + id;
    }

    /** The JSON payload (value object) of record {@code id}. */
    public static String payload(long id) {
        StringBuilder sb = new StringBuilder(160);
        sb.append("{\"id\":").append(id)
                .append(",\"name\":").append(quote(name(id)))
                .append(",\"amount\":").append(Double.toString(amount(id)))
                .append(",\"active\":").append(active(id))
                .append(",\"count\":").append(count(id))
                .append(",\"device\":{\"os\":").append(quote(deviceOs(id)))
                .append(",\"version\":").append(deviceVersion(id)).append('}')
                .append(",\"note\":").append(note(id) == null ? "null" : quote(note(id)))
                .append('}');
        return sb.toString();
    }

    /** The full envelope of record {@code id} with the named schema: {@code {"schema":..., "payload":...}}. */
    public static String envelope(long id) {
        return envelope(id, true);
    }

    /** The full envelope of record {@code id}, with the named ({@link #SCHEMA_JSON}) or unnamed schema. */
    public static String envelope(long id, boolean namedSchema) {
        return "{\"schema\":" + (namedSchema ? SCHEMA_JSON : SCHEMA_JSON_UNNAMED) + ",\"payload\":" + payload(id) + "}";
    }

    /**
     * The row DuckDB must return for record {@code id}, in the shape {@link ParquetReadback#query} produces: column
     * name -> value, with {@code device} as a {@code Map} and {@code note} possibly null.
     */
    public static Map<String, Object> expectedRow(long id) {
        Map<String, Object> device = new LinkedHashMap<>();
        device.put("os", deviceOs(id));
        device.put("version", deviceVersion(id));
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", id);
        row.put("name", name(id));
        row.put("amount", amount(id));
        row.put("active", active(id));
        row.put("count", count(id));
        row.put("device", device);
        row.put("note", note(id));
        return row;
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"').toString();
    }
}
