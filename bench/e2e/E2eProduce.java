/*
 * bench/e2e.sh helper: produces the benchmark's events, fast, with the plain Kafka producer.
 *
 *   java -cp <kafka classpath> E2eProduce --bootstrap HOST:PORT --events N
 *        [--plain-topic T] [--envelope-topic T] [--avro-topic T --avro-schema FILE]
 *        [--compression none|lz4|zstd|snappy|gzip] [--seed 42]
 *
 * Every event is one JSON object with 11 top-level fields (one a nested object), about 300 bytes as plain JSON:
 *   {"id":..,"ts":..,"user":"user-00042","session":"..","event":"add_to_cart","page":"/p/..","referrer":"..",
 *    "amount":12.34,"quantity":3,"ok":true,"device":{"os":"android","version":14}}
 * --plain-topic gets the object as is (for value.format=json with StringConverter or ByteArrayConverter);
 * --envelope-topic gets the JsonConverter envelope {"schema":{..},"payload":{..}} (schemas.enable=true).
 * --avro-topic gets the same event as plain Avro binary of the schema in --avro-schema (written by org.apache.avro's
 * GenericDatumWriter, no Confluent framing: for value.format=avro with value.avro.schema.file); the harness compiles
 * and runs this with the avro jar the plugin ships.
 * The key is the user (a string). Event i is the same in both topics. Prints, per topic, the record count, the key+value
 * bytes (what ConsumerPerformance counts) and the produce rate, as key=value lines for the harness to parse.
 */

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class E2eProduce {
    static final String[] EVENTS = {"page_view", "add_to_cart", "remove_from_cart", "checkout", "purchase", "search",
            "login", "logout"};
    static final String[] OS = {"linux", "macos", "windows", "android", "ios"};
    static final String[] REFERRERS = {"https://www.google.com/search?q=quiver", "https://news.ycombinator.com/",
            "https://example.org/blog/parquet-on-s3", "direct", "https://t.co/abc123XYZ"};

    static final String SCHEMA = "{\"type\":\"struct\",\"name\":\"bench.Event\",\"optional\":false,\"fields\":["
            + "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false},"
            + "{\"field\":\"ts\",\"type\":\"int64\",\"optional\":false},"
            + "{\"field\":\"user\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"session\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"event\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"page\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"referrer\",\"type\":\"string\",\"optional\":true},"
            + "{\"field\":\"amount\",\"type\":\"double\",\"optional\":false},"
            + "{\"field\":\"quantity\",\"type\":\"int64\",\"optional\":false},"
            + "{\"field\":\"ok\",\"type\":\"boolean\",\"optional\":false},"
            + "{\"field\":\"device\",\"type\":\"struct\",\"optional\":false,\"fields\":["
            + "{\"field\":\"os\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"version\",\"type\":\"int64\",\"optional\":false}]}]}";

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        String bootstrap = o.get("bootstrap");
        long n = Long.parseLong(o.getOrDefault("events", "2000000"));
        List<String[]> topics = new ArrayList<>();   // {topic, kind}
        if (o.containsKey("plain-topic")) {
            topics.add(new String[] {o.get("plain-topic"), "plain"});
        }
        if (o.containsKey("envelope-topic")) {
            topics.add(new String[] {o.get("envelope-topic"), "envelope"});
        }
        if (o.containsKey("avro-topic")) {
            topics.add(new String[] {o.get("avro-topic"), "avro"});
        }
        AvroEvents avro = o.containsKey("avro-topic")
                ? new AvroEvents(new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of(o.get("avro-schema"))),
                        StandardCharsets.UTF_8)) : null;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(512 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(256L * 1024 * 1024));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(8 * 1024 * 1024));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, o.getOrDefault("compression", "none"));
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        long seed = Long.parseLong(o.getOrDefault("seed", "42"));

        for (String[] t : topics) {
            boolean envelope = t[1].equals("envelope");
            boolean isAvro = t[1].equals("avro");
            AtomicReference<Exception> failure = new AtomicReference<>();
            long bytes = 0;
            long t0 = System.nanoTime();
            SplittableRandom rnd = new SplittableRandom(seed);
            StringBuilder sb = new StringBuilder(2048);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
                for (long i = 1; i <= n; i++) {
                    sb.setLength(0);
                    if (envelope) {
                        sb.append("{\"schema\":").append(SCHEMA).append(",\"payload\":");
                    }
                    String user = event(sb, i, rnd);
                    if (envelope) {
                        sb.append('}');
                    }
                    byte[] key = user.getBytes(StandardCharsets.UTF_8);
                    byte[] value = isAvro ? avro.encode(sb) : sb.toString().getBytes(StandardCharsets.UTF_8);
                    bytes += key.length + value.length;
                    producer.send(new ProducerRecord<>(t[0], key, value), (md, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        }
                    });
                    if (failure.get() != null) {
                        throw failure.get();
                    }
                }
                producer.flush();
            }
            if (failure.get() != null) {
                throw failure.get();
            }
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "topic=%s kind=%s records=%d bytes=%d avg.record.bytes=%.1f seconds=%.1f"
                    + " records.per.s=%.0f%n", t[0], t[1], n, bytes, (double) bytes / n, s, n / s);
        }
    }

    /**
     * The JSON event re-encoded as Avro: parsed by Avro's own JSON decoder against the schema (so both topics hold the
     * same values), then written with GenericDatumWriter. Slow, but it runs before anything is measured.
     */
    static final class AvroEvents {
        final org.apache.avro.Schema schema;
        final org.apache.avro.generic.GenericDatumReader<Object> reader;
        final org.apache.avro.generic.GenericDatumWriter<Object> writer;
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(512);
        org.apache.avro.io.BinaryEncoder encoder;

        AvroEvents(String schemaJson) {
            schema = new org.apache.avro.Schema.Parser().parse(schemaJson);
            reader = new org.apache.avro.generic.GenericDatumReader<>(schema);
            writer = new org.apache.avro.generic.GenericDatumWriter<>(schema);
        }

        byte[] encode(CharSequence json) throws java.io.IOException {
            // Avro's JSON encoding wraps a non-null union value in {"type": value}; the events' only union is referrer.
            String text = json.toString().replaceFirst("\"referrer\":(\"[^\"]*\")", "\"referrer\":{\"string\":$1}");
            Object datum = reader.read(null, org.apache.avro.io.DecoderFactory.get().jsonDecoder(schema, text));
            out.reset();
            encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, encoder);
            writer.write(datum, encoder);
            encoder.flush();
            return out.toByteArray();
        }
    }

    /** Appends event i as a JSON object; returns its user (the record key). */
    static String event(StringBuilder sb, long i, SplittableRandom rnd) {
        String user = String.format(Locale.ROOT, "user-%05d", rnd.nextInt(50_000));
        long ts = 1_767_225_600_000L + i * 3 + rnd.nextInt(3);
        String session = Long.toHexString(rnd.nextLong() | Long.MIN_VALUE) + "-" + Integer.toHexString(rnd.nextInt()
                | Integer.MIN_VALUE);
        String event = EVENTS[rnd.nextInt(EVENTS.length)];
        int sku = rnd.nextInt(100_000);
        sb.append("{\"id\":").append(i)
                .append(",\"ts\":").append(ts)
                .append(",\"user\":\"").append(user).append('"')
                .append(",\"session\":\"").append(session).append('"')
                .append(",\"event\":\"").append(event).append('"')
                .append(",\"page\":\"/products/sku-").append(sku).append("?ref=").append(event).append("&lang=en\"")
                .append(",\"referrer\":");
        if (rnd.nextInt(10) == 0) {
            sb.append("null");
        } else {
            sb.append('"').append(REFERRERS[rnd.nextInt(REFERRERS.length)]).append('"');
        }
        sb.append(",\"amount\":").append(rnd.nextInt(1_000_000) / 100.0)
                .append(",\"quantity\":").append(1 + rnd.nextInt(9))
                .append(",\"ok\":").append(rnd.nextInt(20) != 0)
                .append(",\"device\":{\"os\":\"").append(OS[rnd.nextInt(OS.length)]).append("\",\"version\":")
                .append(8 + rnd.nextInt(10)).append("}}");
        return user;
    }
}
