package dev.quiver.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.core.exception.SdkException;

/**
 * One real stack per test class: an in-process S3 server ({@link S3ProxyServer}, filesystem-backed) with a bucket,
 * and an {@link EmbeddedConnectCluster} (1 KRaft broker, N distributed workers) that finds Quiver on the test
 * classpath. Start it in {@code @BeforeAll}, close it in {@code @AfterAll}.
 *
 * <pre>
 * stack = ConnectStack.start(1);
 * stack.createTopic("orders", 3);
 * stack.produce("orders", 0, key, json); stack.flush();
 * stack.startConnector("sink", stack.connectorConfig("sink", "orders", Map.of(...)), 1);
 * ConnectStack.Landed landed = stack.awaitLanded("sink", 3000, Duration.ofSeconds(120));
 * </pre>
 *
 * <p>Worker properties can be adjusted through {@code -Dquiver.it.plugin.discovery=...} (default
 * {@code service_load}: Quiver ships a ServiceLoader manifest; use {@code hybrid_warn} if it does not).
 */
public final class ConnectStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConnectStack.class);

    public static final String CONNECTOR_CLASS = "dev.quiver.QuiverSinkConnector";
    public static final String DEFAULT_BUCKET = "quiver-it";
    /** How long the landed set must stay unchanged before {@link #awaitLanded} trusts it. */
    public static final Duration DEFAULT_SETTLE = Duration.ofSeconds(6);
    private static final Duration POLL = Duration.ofMillis(750);
    private static final Duration RUNNING_TIMEOUT = Duration.ofSeconds(120);

    private final S3ProxyServer s3;
    private final EmbeddedConnectCluster connect;
    private final String bucket;
    private final Path scratch;
    private KafkaProducer<byte[], byte[]> producer;
    private final List<Future<RecordMetadata>> pending = new ArrayList<>();
    /** Producers handed to tests by {@link #createProducer}: closed with the stack. */
    private final List<KafkaProducer<byte[], byte[]>> producers = new ArrayList<>();
    private volatile boolean failFast = true;

    private ConnectStack(S3ProxyServer s3, EmbeddedConnectCluster connect, String bucket, Path scratch) {
        this.s3 = s3;
        this.connect = connect;
        this.bucket = bucket;
        this.scratch = scratch;
    }

    /** Starts S3 + Kafka + {@code workers} Connect workers, with default worker properties. */
    public static ConnectStack start(int workers) {
        return start(workers, Map.of());
    }

    /** Starts S3 + Kafka + {@code workers} Connect workers; {@code workerOverrides} win over the defaults. */
    public static ConnectStack start(int workers, Map<String, String> workerOverrides) {
        long t0 = System.nanoTime();
        S3ProxyServer s3 = new S3ProxyServer(S3ProxyServer.Storage.FILESYSTEM).start();
        EmbeddedConnectCluster connect = null;
        try {
            s3.createBucket(DEFAULT_BUCKET);

            Map<String, String> workerProps = new HashMap<>();
            workerProps.put("plugin.discovery", System.getProperty("quiver.it.plugin.discovery", "service_load"));
            // Commit consumer offsets often so a restart resumes close to where the task was.
            workerProps.put("offset.flush.interval.ms", "2000");
            workerProps.put("scheduled.rebalance.max.delay.ms", "0");
            workerProps.putAll(workerOverrides);

            // Tests produce records with fixed timestamps, some years in the past. The broker's default time retention
            // (7 days) would delete them at its next check, possibly before the connector reads them: one CI run lost
            // a topic's first 21 records that way, and the sink then started at offset 21. Keep everything.
            java.util.Properties brokerProps = new java.util.Properties();
            brokerProps.put("log.retention.ms", "-1");
            connect = new EmbeddedConnectCluster.Builder()
                    .name("quiver-it-" + Long.toHexString(System.nanoTime()))
                    .numWorkers(workers)
                    .numBrokers(1)
                    .brokerProps(brokerProps)
                    .workerProps(workerProps)
                    .build();
            connect.start();
            connect.assertions().assertAtLeastNumWorkersAreUp(workers, "Connect workers did not come up");
            assertNoTimeRetention(connect);
            Path scratch = Files.createTempDirectory("quiver-it-");
            log.info("ConnectStack up in {} ms: s3 {} bucket {}, kafka {}, {} worker(s)",
                    (System.nanoTime() - t0) / 1_000_000, s3.endpoint(), DEFAULT_BUCKET,
                    connect.kafka().bootstrapServers(), workers);
            return new ConnectStack(s3, connect, DEFAULT_BUCKET, scratch);
        } catch (Exception | Error e) {
            if (connect != null) {
                try {
                    connect.stop();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            s3.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            if (e instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("could not start the Connect stack", e);
        }
    }

    // ---------------------------------------------------------------- accessors

    public EmbeddedConnectCluster connect() {
        return connect;
    }

    public EmbeddedKafkaCluster kafka() {
        return connect.kafka();
    }

    public S3ProxyServer s3() {
        return s3;
    }

    public String bucket() {
        return bucket;
    }

    /** A fresh directory under this stack's scratch dir (deleted on close). */
    public Path newTempDir(String name) {
        try {
            return Files.createTempDirectory(scratch, name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- Kafka

    /** Creates the topic and waits until every partition has a leader (producing earlier makes the broker bounce). */
    /** The broker must keep old-timestamped test records; fail the set-up loudly if the override did not apply. */
    private static void assertNoTimeRetention(EmbeddedConnectCluster connect) {
        try (org.apache.kafka.clients.admin.Admin admin = connect.kafka().createAdminClient()) {
            String broker = String.valueOf(admin.describeCluster().nodes().get().iterator().next().id());
            org.apache.kafka.common.config.ConfigResource resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.BROKER, broker);
            String retention = admin.describeConfigs(List.of(resource)).all().get().get(resource)
                    .get("log.retention.ms").value();
            if (!"-1".equals(retention)) {
                throw new IllegalStateException("the test broker's log.retention.ms is " + retention + ", not -1");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot read the test broker's configuration", e.getCause());
        }
    }

    public void createTopic(String topic, int partitions) {
        kafka().createTopic(topic, partitions);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            var description = kafka().describeTopics(topic).get(topic);
            if (description != null && description.isPresent()
                    && description.get().partitions().size() == partitions
                    && description.get().partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("topic " + topic + " has no leader for every partition after 30 s: "
                        + description);
            }
            sleep(100);
        }
    }

    /** Sends one record (asynchronously; ordered per partition). Call {@link #flush()} before awaiting results. */
    public void produce(String topic, int partition, String key, String value) {
        produce(topic, partition, null, key, value);
    }

    /** Like {@link #produce(String, int, String, String)}, with the record's Kafka timestamp (null for now). */
    public void produce(String topic, int partition, Long timestamp, String key, String value) {
        if (producer == null) {
            producer = kafka().createProducer(producerConfig(Map.of(ProducerConfig.LINGER_MS_CONFIG, 5,
                    ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024)));
        }
        pending.add(producer.send(new ProducerRecord<>(topic, partition, timestamp,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8))));
    }

    /** Waits until every record sent with {@link #produce} is acknowledged; fails if any send failed. */
    public void flush() {
        if (producer == null) {
            return;
        }
        producer.flush();
        try {
            awaitAcks(pending);
        } finally {
            pending.clear();
        }
    }

    /**
     * A producer of raw bytes for a test's own records, closed with the stack: idempotent, acknowledged by every
     * replica, with one request in flight; {@code overrides} win.
     */
    public KafkaProducer<byte[], byte[]> createProducer(Map<String, Object> overrides) {
        KafkaProducer<byte[], byte[]> created = kafka().createProducer(producerConfig(overrides));
        producers.add(created);
        return created;
    }

    private static Map<String, Object> producerConfig(Map<String, Object> overrides) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // One batch in flight: a retried batch can never overtake or duplicate another (a NOT_LEADER retry right
        // after topic creation otherwise ends in OutOfOrderSequenceException with several in flight).
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        props.putAll(overrides);
        return props;
    }

    /** Sends one record and waits until it is acknowledged; fails if the send failed. */
    public static RecordMetadata sendAndAwait(KafkaProducer<byte[], byte[]> producer,
            ProducerRecord<byte[], byte[]> record) {
        return awaitAcks(List.of(producer.send(record))).get(0);
    }

    /** Waits until every send is acknowledged and returns their metadata, in order; fails at the first failed one. */
    public static List<RecordMetadata> awaitAcks(List<Future<RecordMetadata>> sends) {
        List<RecordMetadata> acks = new ArrayList<>();
        try {
            for (Future<RecordMetadata> f : sends) {
                acks.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("producing a test record failed", e.getCause());
        }
        return acks;
    }

    /**
     * Produces demo records ({@link SchemaJson}) with sequence numbers {@code [fromSeq, toSeq)} into every partition
     * {@code 0..partitions-1}, interleaving partitions, then flushes. Returns the ids produced.
     */
    public List<Long> produceDemo(String topic, int partitions, long idBase, long fromSeq, long toSeq) {
        return produceDemo(topic, partitions, idBase, fromSeq, toSeq, true);
    }

    /** As {@link #produceDemo(String, int, long, long, long)}, with the named or the unnamed value schema. */
    public List<Long> produceDemo(String topic, int partitions, long idBase, long fromSeq, long toSeq,
                                  boolean namedSchema) {
        List<Long> ids = new ArrayList<>();
        for (long seq = fromSeq; seq < toSeq; seq++) {
            for (int p = 0; p < partitions; p++) {
                long id = SchemaJson.id(idBase, p, seq);
                produce(topic, p, SchemaJson.key(id), SchemaJson.envelope(id, namedSchema));
                ids.add(id);
            }
        }
        flush();
        return ids;
    }

    // ---------------------------------------------------------------- Connect

    /** {@code s3a://<bucket>/<prefix>} (no trailing slash; an empty prefix means the bucket root). */
    public String storeUrl(String prefix) {
        return prefix == null || prefix.isEmpty() ? "s3a://" + bucket : "s3a://" + bucket + "/" + prefix;
    }

    /**
     * The base Quiver config writing to {@code s3a://<bucket>/<name>} on the in-process S3 server, one task, String
     * keys and schema'd JSON values; {@code overrides} win (use them for flush.*, tasks.max, store.url...).
     */
    public Map<String, String> connectorConfig(String name, String topics, Map<String, String> overrides) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("connector.class", CONNECTOR_CLASS);
        c.put("tasks.max", "1");
        c.put("topics", topics);
        c.put("store.url", storeUrl(name));
        c.put("s3.endpoint", s3.endpoint());
        c.put("s3.region", "us-east-1");
        c.put("s3.path.style.access", "true");
        c.put("s3.access.key", s3.accessKey());
        c.put("s3.secret.key", s3.secretKey());
        c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        c.put("value.converter.schemas.enable", "true");
        c.putAll(overrides);
        return c;
    }

    /**
     * Connector settings that tolerate bad records and send each to {@code topic}, with Connect's context headers (the
     * reason, the original offset) that {@link #deadLetterReason} and {@link #deadLetterOffset} read.
     */
    public static Map<String, String> deadLettersTo(String topic) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("errors.tolerance", "all");
        c.put("errors.deadletterqueue.topic.name", topic);
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("errors.deadletterqueue.context.headers.enable", "true");
        return c;
    }

    /** Creates (or reconfigures) the connector and waits until it and exactly {@code tasks} tasks are RUNNING. */
    public void startConnector(String name, Map<String, String> config, int tasks) {
        connect.configureConnector(name, config);
        awaitRunning(name, tasks);
    }

    /**
     * Waits (up to 120 s) until the connector and exactly {@code tasks} tasks are RUNNING; fails at once, with the
     * stack trace Connect reports, if the connector or a task is FAILED.
     */
    public void awaitRunning(String name, int tasks) {
        long deadline = System.nanoTime() + RUNNING_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            ConnectorStateInfo s = statusOrNull(name);
            if (s != null) {
                boolean failed = "FAILED".equals(s.connector().state())
                        || s.tasks().stream().anyMatch(t -> "FAILED".equals(t.state()));
                if (failed) {
                    throw new AssertionError("connector " + name + " failed: " + describeStatus(s));
                }
                if ("RUNNING".equals(s.connector().state()) && s.tasks().size() == tasks
                        && s.tasks().stream().allMatch(t -> "RUNNING".equals(t.state()))) {
                    break;
                }
            }
            sleep(200);
        }
        try {
            // the stock assertion, as the final word (returns at once when the loop above saw everything RUNNING)
            connect.assertions().assertConnectorAndExactlyNumTasksAreRunning(name, tasks,
                    "connector " + name + " and exactly " + tasks + " task(s) are not RUNNING");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; status: " + describeStatus(statusOrNull(name)), e);
        }
    }

    /**
     * Restarts the connector and all its tasks through the REST API
     * ({@code POST /connectors/{name}/restart?includeTasks=true&onlyFailed=false}) and waits until it runs again.
     *
     * <p>The REST call only schedules the restart, and the status read right after it may still be the old RUNNING
     * one; so this first waits (up to 15 s) to see the tasks leave RUNNING, then for RUNNING again. A restart fast
     * enough to slip between two polls is logged, not failed.
     */
    public ConnectorStateInfo restartConnectorAndTasks(String name, int tasks) {
        ConnectorStateInfo info = connect.restartConnectorAndTasks(name, false, true, false);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        boolean sawRestart = false;
        while (!sawRestart && System.nanoTime() < deadline) {
            ConnectorStateInfo s = statusOrNull(name);
            sawRestart = s == null || s.tasks().size() != tasks
                    || s.tasks().stream().anyMatch(t -> !"RUNNING".equals(t.state()));
            if (!sawRestart) {
                sleep(20);
            }
        }
        if (!sawRestart) {
            log.warn("did not observe the tasks of {} leave RUNNING after the restart request", name);
        }
        awaitRunning(name, tasks);
        return info;
    }

    public void deleteConnector(String name) {
        connect.deleteConnector(name);
    }

    /** The connector's status, or null if Connect has none (yet). */
    public ConnectorStateInfo statusOrNull(String name) {
        try {
            return connect.connectorStatus(name);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** One line per connector/task state, with Connect's stack trace for failed ones. */
    public static String describeStatus(ConnectorStateInfo s) {
        if (s == null) {
            return "(no status)";
        }
        StringBuilder sb = new StringBuilder();
        sb.append(s.name()).append(": connector=").append(s.connector().state());
        if (s.connector().trace() != null) {
            sb.append("\n").append(s.connector().trace());
        }
        for (ConnectorStateInfo.TaskState t : s.tasks()) {
            sb.append("; task ").append(t.id()).append('=').append(t.state());
            if (t.trace() != null) {
                sb.append("\n").append(t.trace());
            }
        }
        return sb.toString();
    }

    /** Status of every connector on the cluster (for failure messages). */
    public String describeAllConnectors() {
        try {
            return connect.connectors().stream().map(n -> describeStatus(statusOrNull(n)))
                    .collect(Collectors.joining("\n"));
        } catch (RuntimeException e) {
            return "(connectors unavailable: " + e + ")";
        }
    }

    /** Fails if any connector or task on the cluster is FAILED (unless fail-fast is off). */
    private void checkNoFailedTasks(String waitingFor) {
        if (!failFast) {
            return;
        }
        for (String n : connect.connectors()) {
            ConnectorStateInfo s = statusOrNull(n);
            if (s != null && ("FAILED".equals(s.connector().state())
                    || s.tasks().stream().anyMatch(t -> "FAILED".equals(t.state())))) {
                throw new AssertionError("while waiting for " + waitingFor + ", connector " + n + " failed: "
                        + describeStatus(s));
            }
        }
    }

    /**
     * By default the awaits fail at once when any connector or task is FAILED; tests that expect failures (and
     * restart tasks themselves) can turn that off.
     */
    public void setFailFast(boolean failFast) {
        this.failFast = failFast;
    }

    /** Sleeps; an interrupt ends it with an IllegalStateException, the thread's interrupt flag set again. */
    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- landed data

    /** What an await found: a local directory holding copies of the objects, and the data files among them. */
    public record Landed(Path dir, List<String> keys, List<Path> dataFiles, long rows) {

        /** Keys of data objects ({@code .parquet}, not under {@code _quiver/}). */
        public List<String> dataKeys() {
            return keys.stream().filter(Landed::isDataKey).collect(Collectors.toList());
        }

        public static boolean isDataKey(String key) {
            return key.endsWith(".parquet") && !key.startsWith("_quiver/") && !key.contains("/_quiver/");
        }
    }

    /**
     * Polls the bucket under {@code prefix} (downloading every object with the SDK and counting data rows with DuckDB)
     * until exactly {@code expectedRows} rows have landed and the set of objects has then stayed unchanged for
     * {@link #DEFAULT_SETTLE} (so late duplicates get a chance to show). Fails with what was found on timeout.
     */
    public Landed awaitLanded(String prefix, long expectedRows, Duration timeout) {
        return awaitLanded(prefix, expectedRows, timeout, DEFAULT_SETTLE);
    }

    public Landed awaitLanded(String prefix, long expectedRows, Duration timeout, Duration settle) {
        String keyPrefix = prefix == null || prefix.isEmpty() ? "" : prefix.endsWith("/") ? prefix : prefix + "/";
        Path[] previous = new Path[1];
        return await("s3://" + bucket + "/" + keyPrefix, expectedRows, timeout, settle, () -> {
            S3ProxyServer.deleteRecursively(previous[0]); // only the latest download is kept
            Path dir = newTempDir("landed");
            previous[0] = dir;
            List<Path> files;
            try {
                files = s3.downloadTo(bucket, keyPrefix, dir);
            } catch (SdkException e) {
                // e.g. an object replaced or removed between listing and GET: not a result, poll again
                log.debug("download under {} failed, polling again: {}", keyPrefix, e.toString());
                return new Landed(dir, List.of(), List.of(), -1);
            }
            // keys relative to the prefix, so Landed.dataKeys() can filter _quiver/ the same way for both stores
            List<String> keys = files.stream()
                    .map(f -> dir.relativize(f).toString().replace('\\', '/').substring(keyPrefix.length()))
                    .collect(Collectors.toList());
            return snapshot(dir.resolve(keyPrefix.isEmpty() ? "." : keyPrefix).normalize(), keys);
        });
    }

    /** Like {@link #awaitLanded} for a {@code file:///} store: reads {@code dir} in place. */
    public Landed awaitLandedLocal(Path dir, long expectedRows, Duration timeout) {
        return awaitLandedLocal(dir, expectedRows, timeout, DEFAULT_SETTLE);
    }

    public Landed awaitLandedLocal(Path dir, long expectedRows, Duration timeout, Duration settle) {
        return await(dir.toUri().toString(), expectedRows, timeout, settle, () -> scanLocal(dir));
    }

    /** A snapshot of a local directory (a {@code file:///} store, or downloaded copies): keys relative to it. */
    public static Landed scanLocal(Path dir) {
        List<String> keys = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (var walk = Files.walk(dir)) {
                walk.filter(Files::isRegularFile)
                        .map(f -> dir.relativize(f).toString().replace('\\', '/'))
                        .sorted()
                        .forEach(keys::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return snapshot(dir, keys);
    }

    private static Landed snapshot(Path dir, List<String> keys) {
        List<Path> data = keys.stream().filter(Landed::isDataKey).map(dir::resolve).sorted()
                .collect(Collectors.toList());
        long rows;
        try (ParquetReadback duck = new ParquetReadback()) {
            rows = duck.count(data);
        } catch (RuntimeException e) {
            // e.g. a file being written right now on a local store; report it as not yet readable
            log.debug("landed data not readable yet: {}", e.toString());
            rows = -1;
        }
        return new Landed(dir, keys, data, rows);
    }

    private Landed await(String where, long expectedRows, Duration timeout, Duration settle, Supplier<Landed> poll) {
        flush();
        long deadline = System.nanoTime() + timeout.toNanos();
        Landed last = null;
        Landed matched = null;
        long matchedAt = 0;
        while (true) {
            Landed now = poll.get();
            if (now.rows() == expectedRows) {
                if (matched == null || !matched.keys().equals(now.keys())) {
                    matched = now;
                    matchedAt = System.nanoTime();
                } else if (System.nanoTime() - matchedAt >= settle.toNanos()) {
                    return now;
                }
            } else {
                matched = null;
                if (now.rows() > expectedRows) {
                    // more rows than produced can only mean duplicates (or foreign data): report it right away
                    return now;
                }
            }
            last = now;
            checkNoFailedTasks(expectedRows + " rows under " + where + " (saw " + now.rows() + ")");
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + expectedRows
                        + " rows under " + where + "; last saw " + describe(last) + "\nconnectors:\n"
                        + describeAllConnectors());
            }
            sleep(POLL.toMillis());
        }
    }

    /**
     * Waits until the data files under {@code prefix} hold {@code rows} rows, counted file by file (so files of
     * different schemas need not be readable together); returns the local copies, sorted.
     */
    public List<Path> awaitDataFiles(String prefix, long rows, Duration timeout) {
        String keyPrefix = prefix.endsWith("/") ? prefix : prefix + "/";
        long deadline = System.nanoTime() + timeout.toNanos();
        String seen = "nothing";
        while (System.nanoTime() < deadline) {
            checkNoFailedTasks(rows + " rows under " + keyPrefix);
            Path dir = newTempDir("files");
            List<Path> downloaded;
            try {
                downloaded = s3.downloadTo(bucket, keyPrefix, dir);
            } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
                // A commit marker overwritten between the listing and the download: poll again.
                sleep(200);
                continue;
            }
            List<Path> files = downloaded.stream()
                    .filter(f -> Landed.isDataKey(dir.relativize(f).toString().replace('\\', '/')))
                    .sorted().collect(Collectors.toList());
            try (ParquetReadback duck = new ParquetReadback()) {
                long total = duck.rowsPerFile(files).values().stream().mapToLong(Long::longValue).sum();
                if (total == rows) {
                    return files;
                }
                seen = total + " rows in " + files.size() + " files";
            }
            sleep(POLL.toMillis());
        }
        throw new AssertionError("timed out waiting for " + rows + " rows under " + keyPrefix + "; saw " + seen
                + "\n" + describeAllConnectors());
    }

    /**
     * Reads a dead-letter topic from the start until {@code expected} records arrived or {@code timeout} passed, and
     * returns what arrived: the caller asserts the count, so a missing dead letter fails with what was there.
     */
    public List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> readDeadLetters(String topic,
            int expected, Duration timeout) {
        Map<String, Object> props = new HashMap<>();
        props.put(org.apache.kafka.clients.consumer.ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer = kafka().createConsumer(props)) {
            // Assigned, not subscribed: joining a consumer group on a loaded machine sometimes took longer than the
            // whole timeout, and the test then read nothing although the dead letters were there.
            List<org.apache.kafka.common.TopicPartition> partitions = new ArrayList<>();
            while (partitions.isEmpty() && System.nanoTime() < deadline) {
                for (org.apache.kafka.common.PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(5))) {
                    partitions.add(new org.apache.kafka.common.TopicPartition(topic, info.partition()));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }

    /** The reason Connect attached to a dead letter ({@code errors.deadletterqueue.context.headers.enable=true}). */
    public static String deadLetterReason(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record) {
        org.apache.kafka.common.header.Header header = record.headers().lastHeader("__connect.errors.exception.message");
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** The offset of the record a dead letter stands for, in its original topic. */
    public static long deadLetterOffset(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record) {
        return Long.parseLong(new String(record.headers().lastHeader("__connect.errors.offset").value(),
                StandardCharsets.UTF_8));
    }

    /** Human-readable summary of a snapshot: rows, every key, rows per data file. */
    public static String describe(Landed landed) {
        StringBuilder sb = new StringBuilder();
        sb.append(landed.rows() < 0 ? "unreadable data" : landed.rows() + " rows").append(" in ")
                .append(landed.dataFiles().size()).append(" data file(s), ").append(landed.keys().size())
                .append(" object(s):");
        Map<String, Long> perFile = Map.of();
        if (!landed.dataFiles().isEmpty()) {
            try (ParquetReadback duck = new ParquetReadback()) {
                perFile = duck.rowsPerFile(landed.dataFiles());
            } catch (RuntimeException e) {
                sb.append(" (per-file counts unavailable: ").append(e.getMessage()).append(')');
            }
        }
        for (String key : landed.keys()) {
            sb.append("\n  ").append(key);
            Long n = perFile.get(landed.dir().resolve(key).toAbsolutePath().toString());
            if (n != null) {
                sb.append("  (").append(n).append(" rows)");
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void close() {
        try {
            producers.forEach(p -> p.close(Duration.ofSeconds(5)));
            if (producer != null) {
                producer.close(Duration.ofSeconds(10));
            }
        } finally {
            try {
                connect.stop();
            } finally {
                s3.close();
                S3ProxyServer.deleteRecursively(scratch);
            }
        }
    }
}
