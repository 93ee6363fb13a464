package dev.quiver.bench;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;

/**
 * The benchmark's records: ten fields of the kinds a clickstream or CDC topic carries. Deterministic (fixed seed), so
 * every fork and every writer sees the same rows.
 */
final class BenchData {
    /** Rows in the batch every benchmark writes. */
    static final int ROWS = 1_000_000;

    static final Schema DEVICE = SchemaBuilder.struct().name("device").optional()
            .field("os", Schema.STRING_SCHEMA)
            .field("version", Schema.INT32_SCHEMA)
            .field("score", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .build();

    static final Schema VALUE = SchemaBuilder.struct().name("event")
            .field("id", Schema.INT32_SCHEMA)
            .field("seq", Schema.INT64_SCHEMA)
            .field("amount", Schema.FLOAT64_SCHEMA)
            .field("ratio", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("country", Schema.STRING_SCHEMA)
            .field("session", Schema.STRING_SCHEMA)
            .field("url", Schema.OPTIONAL_STRING_SCHEMA)
            .field("event_time", Timestamp.SCHEMA)
            .field("device", DEVICE)
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
            .build();

    private static final String[] COUNTRIES = {"US", "DE", "FR", "GB", "JP", "BR", "IN", "CA"};
    private static final String[] OSES = {"linux", "android", "ios", "windows"};
    private static final String[] TAGS = new String[20];

    static {
        for (int i = 0; i < TAGS.length; i++) {
            TAGS[i] = "tag-" + i;
        }
    }

    private BenchData() {
    }

    /** {@code count} records of {@link #VALUE}, the same ones on every call. */
    static List<Struct> records(int count) {
        Random random = new Random(42);
        List<Struct> rows = new ArrayList<>(count);
        long seq = 1_000_000_000_000L;
        long time = 1_795_000_000_000L;
        for (int i = 0; i < count; i++) {
            seq += 1 + random.nextInt(16);
            time += random.nextInt(40);
            Struct device = random.nextInt(20) == 0 ? null : new Struct(DEVICE)
                    .put("os", OSES[random.nextInt(OSES.length)])
                    .put("version", 10 + random.nextInt(8))
                    .put("score", random.nextInt(4) == 0 ? null : random.nextDouble());
            List<String> tags = null;
            if (random.nextInt(10) != 0) {
                int n = random.nextInt(4);
                tags = new ArrayList<>(n);
                for (int t = 0; t < n; t++) {
                    tags.add(TAGS[random.nextInt(TAGS.length)]);
                }
            }
            rows.add(new Struct(VALUE)
                    .put("id", i)
                    .put("seq", seq)
                    .put("amount", Math.round(random.nextDouble() * 100_000) / 100.0)
                    .put("ratio", random.nextInt(10) == 0 ? null : random.nextDouble())
                    .put("country", COUNTRIES[random.nextInt(COUNTRIES.length)])
                    .put("session", new UUID(random.nextLong(), random.nextLong()).toString())
                    .put("url", random.nextInt(8) == 0 ? null : "/products/" + random.nextInt(200_000) + "/view")
                    .put("event_time", new Date(time))
                    .put("device", device)
                    .put("tags", tags));
        }
        return rows;
    }
}
