/*
 * bench/memory.sh helper: produces N schemaless JSON events round-robin over every partition of a topic, with record
 * timestamps spread over H hours, so that a connector with partition.by=time and hourly folders sees every partition
 * write to every folder: partitions x hours open folders, the shape that costs memory.
 *
 *   java -cp <bench classes>:<kafka classpath> MemoryProduce --bootstrap HOST:PORT --topic T --events N
 *        --partitions P --hours H [--seed 42]
 *
 * The events are bench/e2e's (E2eProduce.event: 11 fields, one nested, about 300 bytes); record i goes to partition
 * i mod P with a timestamp in hour (i / P) mod H after a fixed start, so each partition walks through every hour in
 * turn. Prints records=, bytes= and seconds= for the harness.
 */

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class MemoryProduce {
    /** 2026-01-01T00:00:00Z: a whole hour, so hour h of the run is folder hr=(h mod 24). */
    static final long START_MS = 1_767_225_600_000L;
    static final long HOUR_MS = 3_600_000L;

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        String topic = o.get("topic");
        long n = Long.parseLong(o.get("events"));
        int partitions = Integer.parseInt(o.get("partitions"));
        int hours = Integer.parseInt(o.get("hours"));
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, o.get("bootstrap"));
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "50");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(64 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(256L * 1024 * 1024));
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        SplittableRandom rnd = new SplittableRandom(Long.parseLong(o.getOrDefault("seed", "42")));
        AtomicReference<Exception> failure = new AtomicReference<>();
        StringBuilder sb = new StringBuilder(1024);
        long bytes = 0;
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (long i = 0; i < n; i++) {
                sb.setLength(0);
                String user = E2eProduce.event(sb, i + 1, rnd);
                int partition = (int) (i % partitions);
                long hour = (i / partitions) % hours;
                long timestamp = START_MS + hour * HOUR_MS + rnd.nextLong(HOUR_MS);
                byte[] key = user.getBytes(StandardCharsets.UTF_8);
                byte[] value = sb.toString().getBytes(StandardCharsets.UTF_8);
                bytes += key.length + value.length;
                producer.send(new ProducerRecord<>(topic, partition, timestamp, key, value), (md, e) -> {
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
        System.out.printf(Locale.ROOT, "records=%d bytes=%d seconds=%.1f%n", n, bytes, (System.nanoTime() - t0) / 1e9);
    }
}
