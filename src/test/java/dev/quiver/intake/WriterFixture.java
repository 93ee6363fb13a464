package dev.quiver.intake;

import dev.quiver.config.QuiverSinkConfig;
import dev.quiver.testing.InMemoryObjectStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.stream.Collectors;
import javax.management.JMException;
import javax.management.ObjectName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * What the writer unit tests share: {@link SinkWriter}s over one {@link InMemoryObjectStore}, a {@link
 * RecordingConsumer}, recorded dead letters and a clock that moves only when the test moves it; records of topic
 * {@value #TOPIC}; put() loops; and copies of what landed, for DuckDB to read.
 *
 * <p>A test class keeps one per test and {@link #close()}s it after each test: that closes every writer still open,
 * and closing checks the Arrow allocator, so a leaked buffer fails the test there.
 */
final class WriterFixture implements AutoCloseable {
    static final String TOPIC = "events";
    static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    /** The value most writer tests land: an id and a name. */
    static final Schema ID_NAME = SchemaBuilder.struct()
            .field("id", Schema.INT64_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .build();
    /** {@link #ID_NAME} with an optional int field "extra" more: a compatible change of it. */
    static final Schema ID_NAME_EXTRA = SchemaBuilder.struct()
            .field("id", Schema.INT64_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("extra", Schema.OPTIONAL_INT32_SCHEMA)
            .build();
    /** Where the store URL puts every key. */
    private static final String LANDING = "landing/";

    private final String connector;
    private final Map<String, String> defaults;
    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private final RecordingConsumer consumer = new RecordingConsumer();
    private final AtomicLong clock = new AtomicLong();
    private final List<SinkRecord> deadLetters = new ArrayList<>();
    private final List<String> deadLetterReasons = new ArrayList<>();
    private final List<SinkWriter> open = new ArrayList<>();
    private final Map<SinkWriter, String> tasks = new IdentityHashMap<>();

    /**
     * @param connector the connector name, which the writers' JMX metrics carry
     * @param defaults the test class's settings, over the fixture's own and under each writer's
     */
    WriterFixture(String connector, Map<String, String> defaults) {
        this.connector = Objects.requireNonNull(connector, "connector");
        this.defaults = Map.copyOf(Objects.requireNonNull(defaults, "defaults"));
    }

    // ------------------------------------------------------------------------------------------------ writers

    /**
     * {@code settings} and flush thresholds (records, bytes, interval) that never cut a file by themselves, so that
     * files land on close(), for memory, or at a threshold the test sets.
     */
    static Map<String, String> withoutThresholds(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.putIfAbsent(QuiverSinkConfig.FLUSH_MAX_RECORDS, "100000000");
        all.putIfAbsent(QuiverSinkConfig.FLUSH_MAX_BYTES, Long.toString(1L << 40));
        all.putIfAbsent(QuiverSinkConfig.FLUSH_INTERVAL_MS, "3600000");
        return all;
    }

    SinkWriter writer() {
        return writer(Map.of());
    }

    /** A writer that fails the task on a bad record, with the fixture's consumer. */
    SinkWriter writer(Map<String, String> overrides) {
        return writer(consumer, overrides, false);
    }

    /** With {@code tolerateAll}, bad records go to the fixture's dead letters instead of failing the task. */
    SinkWriter writer(Map<String, String> overrides, boolean tolerateAll) {
        return writer(consumer, overrides, tolerateAll);
    }

    /** A writer that asks {@code consumer} for seeks, pauses and resumes, e.g. a {@link SimulatedConsumer}. */
    SinkWriter writer(ConsumerControl consumer, Map<String, String> overrides) {
        return writer(consumer, overrides, false);
    }

    private SinkWriter writer(ConsumerControl consumer, Map<String, String> overrides, boolean tolerateAll) {
        Map<String, String> props = new HashMap<>();
        props.put(QuiverSinkConfig.STORE_URL, "s3a://bucket/landing");
        // Flushes land on the test's thread, so that a test can assert right after put(); a test that wants them on
        // a pool, as the connector runs them by default, sets flush.threads.
        props.put(QuiverSinkConfig.FLUSH_THREADS, "0");
        props.putAll(defaults);
        props.putAll(overrides);
        DeadLetters recorded = (record, reason) -> {
            deadLetters.add(record);
            deadLetterReasons.add(reason.getMessage());
            return CompletableFuture.completedFuture(null);
        };
        // Task ids are never reused, so that no two writers of a test share their metrics' names.
        String task = Integer.toString(tasks.size());
        SinkWriter writer = new SinkWriter(new QuiverSinkConfig(props), store, connector, task, consumer, recorded,
                tolerateAll, clock::get);
        tasks.put(writer, task);
        open.add(writer);
        return writer;
    }

    /** Closes a writer now, as a task that stops or dies does; {@link #close()} leaves it alone. */
    void stop(SinkWriter writer) {
        open.remove(writer);
        writer.close();
    }

    /** The writers not yet closed, in the order they were made. */
    List<SinkWriter> openWriters() {
        return List.copyOf(open);
    }

    /** An attribute of a writer's task MBean, as JMX serves it to a user. */
    Object taskMetric(SinkWriter writer, String attribute) throws JMException {
        ObjectName name = new ObjectName("dev.quiver:type=sink-task-metrics,connector=" + ObjectName.quote(connector)
                + ",task=" + ObjectName.quote(tasks.get(writer)));
        return ManagementFactory.getPlatformMBeanServer().getAttribute(name, attribute);
    }

    @Override
    public void close() {
        open.forEach(SinkWriter::close);
    }

    // ------------------------------------------------------------------------------------------------ surroundings

    InMemoryObjectStore store() {
        return store;
    }

    RecordingConsumer consumer() {
        return consumer;
    }

    /** Moves the writers' clock on. */
    void advanceMillis(long millis) {
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    /** Offsets of the dead-lettered records, in the order they were reported. */
    List<Long> deadLetterOffsets() {
        return deadLetters.stream().map(SinkRecord::kafkaOffset).collect(Collectors.toList());
    }

    /** The reasons of the dead letters, in the order they were reported. */
    List<String> deadLetterReasons() {
        return List.copyOf(deadLetterReasons);
    }

    // ------------------------------------------------------------------------------------------------ records

    /** A keyless record of {@value #TOPIC}, its value schema the value's own. */
    static SinkRecord record(int partition, long offset, Struct value) {
        return new SinkRecord(TOPIC, partition, null, null, value.schema(), value, offset);
    }

    /** A value of {@code schema} with its id and name set, for schemas with those fields ({@link #ID_NAME} and up). */
    static Struct idAndName(Schema schema, long id, String name) {
        return new Struct(schema).put("id", id).put("name", name);
    }

    /** 200 characters that do not compress, so that the Parquet bytes track the row count. */
    static String incompressibleName(long id) {
        StringBuilder text = new StringBuilder(200);
        long x = id * 0x9E3779B97F4A7C15L + 1;
        while (text.length() < 200) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            text.append(Long.toHexString(x));
        }
        return text.substring(0, 200);
    }

    /**
     * Calls put() with the records of offsets {@code [from, toExclusive)}, {@code perPut} at a time, each built by
     * {@code recordAt} just before its put(), so that a large range never sits in the heap at once, as Connect's loop
     * would with the fixture's consumer: a seek the writer asks for moves the next batch back to it; while the
     * partition is paused it gets no records, only empty put() calls with the clock moved past the storage back-off;
     * a put() that fails retriably gets the same records again, up to {@code attempts} in all (with 1 the failure
     * goes to the test). The records must all be of one partition.
     */
    void deliver(SinkWriter writer, long from, long toExclusive, int perPut, LongFunction<SinkRecord> recordAt,
            int attempts) {
        int idleRounds = 0;
        for (long o = from; o < toExclusive; ) {
            SinkRecord first = recordAt.apply(o);
            TopicPartition tp = new TopicPartition(first.topic(), first.kafkaPartition());
            if (consumer.isPaused(tp)) {
                if (++idleRounds > 1000) {
                    throw new AssertionError(tp + " stayed paused through 1000 put() calls");
                }
                advanceMillis(StorageOutage.MAX_BACKOFF_MS);
                sleepQuietly(2);
                writer.put(List.of());
                continue;
            }
            idleRounds = 0;
            List<SinkRecord> batch = new ArrayList<>();
            batch.add(first);
            for (long i = o + 1; i < Math.min(toExclusive, o + perPut); i++) {
                batch.add(recordAt.apply(i));
            }
            consumer.clearSeeks();
            for (int attempt = 1; ; attempt++) {
                try {
                    writer.put(batch);
                    break;
                } catch (RetriableException e) {
                    if (attempt >= attempts) {
                        throw e;
                    }
                }
            }
            Long seek = consumer.seeks().get(tp);
            o = seek != null ? seek : o + batch.size();
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------------------------------------ landed data

    /** Keys of every landed data file, sorted. */
    List<String> dataKeys() {
        return dataKeysUnder(LANDING);
    }

    /** Keys of the data files of one partition of {@value #TOPIC} in the default layout, sorted. */
    List<String> dataKeys(int partition) {
        return dataKeysUnder(LANDING + TOPIC + "/partition=" + partition + "/");
    }

    private List<String> dataKeysUnder(String prefix) {
        return store.list(prefix).stream().filter(k -> k.endsWith(".parquet")).sorted().collect(Collectors.toList());
    }

    /** Copies an object out of the store to its key's path under {@code dir}, so that DuckDB can read it. */
    Path copyOut(Path dir, String key) throws IOException {
        Path file = dir.resolve(key);
        Files.createDirectories(file.getParent());
        Files.write(file, store.get(key).orElseThrow());
        return file;
    }

    /** {@link #copyOut(Path, String)} for each key; returns the files in the keys' order. */
    List<Path> copyOut(Path dir, List<String> keys) throws IOException {
        List<Path> files = new ArrayList<>();
        for (String key : keys) {
            files.add(copyOut(dir, key));
        }
        return files;
    }

    /** A new directory under {@code parent} holding a copy of every landed data file at its key's path. */
    Path landedDir(Path parent) throws IOException {
        Path dir = Files.createTempDirectory(parent, "landed");
        copyOut(dir, dataKeys());
        return dir;
    }
}
