package dev.quiver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.testing.ConnectStack;
import dev.quiver.testing.ParquetReadback;
import dev.quiver.testing.S3ProxyServer;
import dev.quiver.testing.WorkerSizing;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Memory on a real worker: a Connect worker forked as its own JVM with the heap README's sizing rule gives it (not
 * the test JVM's 3 GB), the plugin unzipped from the zip {@code mvn package} built, against a real KRaft broker (the
 * embedded one) and s3proxy. Schemaless JSON over many partitions, each writing to every one of 168 hourly folders,
 * so that one flush of a partition spans 168 files: the shape that ran a 512 MiB worker out of heap (issue 11).
 * bench/memory.sh runs the full-size scenarios.
 */
class ForkedWorkerMemoryIT {
    private static final int PARTITIONS = 12;
    private static final int HOURS = 168;
    private static final int PER_FOLDER = 4;
    private static final int RECORDS = PARTITIONS * HOURS * PER_FOLDER;
    private static final long BUDGET = 32 * WorkerSizing.MIB;
    private static final int FLUSH_THREADS = 2;
    private static final long PART_BYTES = 8 * WorkerSizing.MIB;
    private static final long ROW_GROUP_BYTES = 64 * WorkerSizing.MIB;
    private static final long START_MS = 1_767_225_600_000L; // 2026-01-01T00:00Z
    private static final long HOUR_MS = 3_600_000L;
    private static final String TOPIC = "events";
    private static final String CONNECTOR = "memory";
    private static final Duration LAND_TIMEOUT = Duration.ofMinutes(4);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EmbeddedKafkaCluster kafka;
    private static S3ProxyServer s3;
    private static Path work;

    @BeforeAll
    static void startBrokerAndS3() throws IOException {
        work = Files.createTempDirectory("quiver-forked-worker-");
        s3 = new S3ProxyServer(S3ProxyServer.Storage.FILESYSTEM).start();
        s3.createBucket(ConnectStack.DEFAULT_BUCKET);
        Properties broker = new Properties();
        // The records are timestamped in January 2026: keep them whatever their age.
        broker.put("log.retention.ms", "-1");
        kafka = new EmbeddedKafkaCluster(1, broker);
        kafka.start();
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.stop();
        }
        if (s3 != null) {
            s3.close();
        }
        S3ProxyServer.deleteRecursively(work);
    }

    @Test
    void aWorkerWithTheRulesHeapLandsEveryRecordOnceOverManyPartitionsAndHourlyFolders() throws Exception {
        long heap = WorkerSizing.heap(1, BUDGET, FLUSH_THREADS, PART_BYTES, ROW_GROUP_BYTES);
        long t0 = System.nanoTime();
        createTopic();
        produce();
        long produced = System.nanoTime();
        Path plugins = unzipPlugin(work.resolve("plugins"));
        int port = freePort();
        Path log = work.resolve("connect.log");
        Path gcLog = work.resolve("gc.log");
        Process worker = forkWorker(heap, plugins, port, log, gcLog);
        try {
            String url = "http://127.0.0.1:" + port;
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            awaitPlugin(http, url, worker, log);
            long up = System.nanoTime();
            put(http, url + "/connectors/" + CONNECTOR + "/config", JSON.writeValueAsString(connectorConfig()));

            Path landedDir = s3.baseDir().resolve(ConnectStack.DEFAULT_BUCKET).resolve(CONNECTOR);
            long rows = awaitRows(http, url, worker, log, landedDir);
            long landed = System.nanoTime();

            JsonNode status = JSON.readTree(get(http, url + "/connectors/" + CONNECTOR + "/status"));
            String ooms = Files.readAllLines(log).stream().filter(l -> l.contains("OutOfMemoryError"))
                    .limit(5).collect(Collectors.joining("\n"));
            assertThat(ooms).as("OutOfMemoryError in the worker log (-Xmx%dm)", heap / WorkerSizing.MIB).isEmpty();
            assertThat(status.get("tasks")).as("the connector's tasks: %s", status).hasSize(1);
            assertThat(status.get("tasks").get(0).get("state").asText()).as("task state: %s", status)
                    .isEqualTo("RUNNING");
            assertThat(rows).isEqualTo(RECORDS);
            assertLanded(landedDir);
            System.out.printf("ForkedWorkerMemoryIT: -Xmx%dm, %d records in %d partitions x %d hourly folders, %d files;"
                    + " peak heap after GC %s MiB; produced in %d s, worker up in %d s, landed in %d s%n",
                    heap / WorkerSizing.MIB, RECORDS, PARTITIONS, HOURS, dataFiles(landedDir).size(),
                    peakHeapAfterGc(gcLog), (produced - t0) / 1_000_000_000, (up - produced) / 1_000_000_000,
                    (landed - up) / 1_000_000_000);
        } finally {
            worker.destroy();
            if (!worker.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                worker.destroyForcibly();
            }
        }
    }

    private static Map<String, String> connectorConfig() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("connector.class", ConnectStack.CONNECTOR_CLASS);
        c.put("tasks.max", "1");
        c.put("topics", TOPIC);
        c.put("store.url", "s3a://" + ConnectStack.DEFAULT_BUCKET + "/" + CONNECTOR);
        c.put("s3.endpoint", s3.endpoint());
        c.put("s3.region", "us-east-1");
        c.put("s3.path.style.access", "true");
        c.put("s3.access.key", s3.accessKey());
        c.put("s3.secret.key", s3.secretKey());
        c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        c.put("value.converter.schemas.enable", "false");
        c.put("partition.by", "time");
        c.put("buffer.memory.bytes", Long.toString(BUDGET));
        c.put("flush.threads", Integer.toString(FLUSH_THREADS));
        c.put("upload.part.bytes", Long.toString(PART_BYTES));
        c.put("parquet.row.group.bytes", Long.toString(ROW_GROUP_BYTES));
        c.put("flush.interval.ms", "10000");
        return c;
    }

    /** Creates the topic and waits until every partition has a leader: producing earlier makes the broker bounce. */
    private static void createTopic() throws InterruptedException {
        kafka.createTopic(TOPIC, PARTITIONS);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            var description = kafka.describeTopics(TOPIC).get(TOPIC);
            if (description != null && description.isPresent()
                    && description.get().partitions().size() == PARTITIONS
                    && description.get().partitions().stream().allMatch(x -> x.leader() != null && !x.leader().isEmpty())) {
                return;
            }
            assertThat(System.nanoTime()).as("every partition of %s has a leader", TOPIC).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** Record i: partition i mod P, in hour (i / P) mod H, so every partition writes to every hour's folder. */
    private static void produce() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // One batch in flight: a NOT_LEADER retry right after topic creation cannot overtake another batch.
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                int partition = i % PARTITIONS;
                long timestamp = START_MS + (long) ((i / PARTITIONS) % HOURS) * HOUR_MS + (i * 7919L) % HOUR_MS;
                sends.add(producer.send(new ProducerRecord<>(TOPIC, partition, timestamp,
                        ("k" + i).getBytes(StandardCharsets.UTF_8), value(i).getBytes(StandardCharsets.UTF_8))));
            }
            ConnectStack.awaitAcks(sends);
        }
    }

    private static String value(long id) {
        return "{\"id\":" + id + ",\"user\":\"u" + (id % 97) + "\",\"amount\":" + (id * 0.25) + ",\"device\":{\"os\":\"os"
                + (id % 5) + "\",\"v\":" + (id % 13) + "}}";
    }

    private static Process forkWorker(long heap, Path plugins, int port, Path log, Path gcLog) throws IOException {
        Path props = work.resolve("worker.properties");
        Files.writeString(props, String.join("\n",
                "bootstrap.servers=" + kafka.bootstrapServers(),
                "group.id=quiver-forked",
                "listeners=http://127.0.0.1:" + port,
                "rest.advertised.host.name=127.0.0.1",
                "rest.advertised.port=" + port,
                "plugin.path=" + plugins,
                // The worker's classpath is the test's (Kafka, Connect); Quiver comes from the zip alone.
                "plugin.discovery=service_load",
                "key.converter=org.apache.kafka.connect.storage.StringConverter",
                "value.converter=org.apache.kafka.connect.json.JsonConverter",
                "config.storage.topic=forked-configs",
                "offset.storage.topic=forked-offsets",
                "status.storage.topic=forked-status",
                "config.storage.replication.factor=1",
                "offset.storage.replication.factor=1",
                "status.storage.replication.factor=1",
                "offset.flush.interval.ms=2000",
                "") );
        Path log4j = work.resolve("log4j2.properties");
        Files.writeString(log4j, String.join("\n",
                "status = warn",
                "appender.console.type = Console",
                "appender.console.name = STDOUT",
                "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.stdout.ref = STDOUT",
                "logger.reflections.name = org.reflections",
                "logger.reflections.level = ERROR",
                ""));
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(javaBin,
                "-Xmx" + heap / WorkerSizing.MIB + "m",
                "-Xlog:gc:file=" + gcLog,
                "-Dlog4j2.configurationFile=" + log4j.toUri(),
                "-cp", workerClasspath(),
                "org.apache.kafka.connect.cli.ConnectDistributed", props.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The test JVM's classpath without Quiver's own classes: Kafka and Connect, as a worker has them. */
    private static String workerClasspath() {
        Path classes = Path.of("target", "classes").toAbsolutePath();
        Path testClasses = Path.of("target", "test-classes").toAbsolutePath();
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> {
                    Path p = Path.of(e).toAbsolutePath();
                    return !p.equals(classes) && !p.equals(testClasses);
                })
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static Path unzipPlugin(Path dir) throws IOException {
        Path zip;
        try (Stream<Path> files = Files.list(Path.of("target/components/packages"))) {
            List<Path> zips = files.filter(p -> p.toString().endsWith(".zip")).collect(Collectors.toList());
            assertThat(zips).as("the plugin zip mvn package built").hasSize(1);
            zip = zips.get(0);
        }
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (ZipEntry e : java.util.Collections.list(z.entries())) {
                Path target = dir.resolve(e.getName()).normalize();
                assertThat(target.startsWith(dir)).as("zip entry %s stays in %s", e.getName(), dir).isTrue();
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    try (InputStream in = z.getInputStream(e)) {
                        Files.copy(in, target);
                    }
                }
            }
        }
        return dir;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void awaitPlugin(HttpClient http, String url, Process worker, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (true) {
            assertThat(worker.isAlive()).as("the worker JVM is alive; its log ends:\n%s", tail(log)).isTrue();
            String plugins = getOrNull(http, url + "/connector-plugins");
            if (plugins != null && plugins.contains(ConnectStack.CONNECTOR_CLASS)) {
                return;
            }
            assertThat(System.nanoTime()).as("the worker loads Quiver within 180 s; its log ends:\n%s", tail(log))
                    .isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    /** Waits for every record's row, failing at once if the task fails or the worker dies; returns the row count. */
    private static long awaitRows(HttpClient http, String url, Process worker, Path log, Path dir) throws Exception {
        long deadline = System.nanoTime() + LAND_TIMEOUT.toNanos();
        long rows = -1;
        try (ParquetReadback duck = new ParquetReadback()) {
            while (true) {
                assertThat(worker.isAlive()).as("the worker JVM is alive; its log ends:\n%s", tail(log)).isTrue();
                String status = getOrNull(http, url + "/connectors/" + CONNECTOR + "/status");
                assertThat(status == null ? "" : status).as("connector status (the worker log's errors: %s)",
                        errors(log)).doesNotContain("\"FAILED\"");
                List<Path> files = dataFiles(dir);
                try {
                    rows = files.isEmpty() ? 0 : duck.count(files);
                } catch (RuntimeException stillBeingWritten) {
                    rows = -1;
                }
                if (rows >= RECORDS) {
                    // Give a late duplicate or a failing task the time to show.
                    Thread.sleep(5_000);
                    return duck.count(dataFiles(dir));
                }
                assertThat(System.nanoTime()).as("all %d rows land within %s; %d so far", RECORDS, LAND_TIMEOUT, rows)
                        .isLessThan(deadline);
                Thread.sleep(2_000);
            }
        }
    }

    private static List<Path> dataFiles(Path dir) throws IOException {
        for (int attempt = 1; ; attempt++) {
            if (!Files.isDirectory(dir)) {
                return List.of();
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                return walk.filter(Files::isRegularFile)
                        .filter(p -> ConnectStack.Landed.isDataKey(dir.relativize(p).toString().replace('\\', '/')))
                        .sorted().collect(Collectors.toList());
            } catch (java.io.UncheckedIOException e) {
                // s3proxy writes each object to a temporary file and renames it: one can vanish during the walk.
                if (!(e.getCause() instanceof java.nio.file.NoSuchFileException) || attempt >= 5) {
                    throw e;
                }
            }
        }
    }

    /** Every record once, in the folder of its own hour, with the values and types it was produced with. */
    private static void assertLanded(Path dir) throws IOException {
        List<Path> files = dataFiles(dir);
        try (ParquetReadback duck = new ParquetReadback()) {
            String t = "read_parquet(" + files.stream().map(f -> "'" + f.toString().replace("'", "''") + "'")
                    .collect(Collectors.joining(", ", "[", "]")) + ", filename = true, union_by_name = true)";
            assertThat(duck.queryLists("SELECT count(*), count(DISTINCT (_kafka_partition, _kafka_offset)),"
                    + " count(DISTINCT id), min(id), max(id) FROM " + t))
                    .containsExactly(List.of((long) RECORDS, (long) RECORDS, (long) RECORDS, 0L, RECORDS - 1L));
            // Record i was produced to partition i mod P at offset i div P.
            assertThat(duck.scalarLong("SELECT count(*) FROM " + t + " WHERE _kafka_partition <> id % " + PARTITIONS
                    + " OR _kafka_offset <> id // " + PARTITIONS)).as("rows off their partition or offset").isZero();
            assertThat(duck.scalarLong("SELECT count(*) FROM " + t + " WHERE \"user\" <> 'u' || (id % 97)"
                    + " OR amount <> id * 0.25 OR device.os <> 'os' || (id % 5) OR device.v <> id % 13"
                    + " OR _kafka_key <> 'k' || id")).as("rows whose values differ from those produced").isZero();
            assertThat(duck.scalarLong("SELECT count(*) FROM " + t + " WHERE epoch_ms(_kafka_timestamp) // " + HOUR_MS
                    + " <> epoch_ms(strptime(regexp_extract(filename, 'dt=([^/]*)/hr=([^/]*)', 1) || ' ' ||"
                    + " regexp_extract(filename, 'dt=([^/]*)/hr=([^/]*)', 2), '%Y-%m-%d %H')) // " + HOUR_MS))
                    .as("rows outside the folder of their hour").isZero();
            assertThat(duck.scalarLong("SELECT count(DISTINCT regexp_extract(filename, 'dt=[^/]*/hr=[^/]*')) FROM " + t))
                    .as("hourly folders").isEqualTo(HOURS);
            assertThat(duck.columnTypes(files)).containsEntry("id", "BIGINT").containsEntry("user", "VARCHAR")
                    .containsEntry("amount", "DOUBLE").containsEntry("_kafka_offset", "BIGINT");
        }
    }

    private static String peakHeapAfterGc(Path gcLog) throws IOException {
        java.util.regex.Pattern after = java.util.regex.Pattern.compile("Pause.* \\d+M->(\\d+)M\\(\\d+M\\)");
        return Files.readAllLines(gcLog).stream().map(after::matcher).filter(java.util.regex.Matcher::find)
                .map(m -> Integer.parseInt(m.group(1))).max(Integer::compare).map(String::valueOf).orElse("?");
    }

    /** The worker log's first OutOfMemoryError and ERROR lines, for a failure message. */
    private static String errors(Path log) {
        try {
            return Files.readAllLines(log).stream().filter(l -> l.contains("OutOfMemoryError") || l.contains(" ERROR "))
                    .limit(6).collect(Collectors.joining("\n"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static String getOrNull(HttpClient http, String url) {
        try {
            return get(http, url);
        } catch (Exception e) {
            return null;
        }
    }

    private static String get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    private static void put(HttpClient http, String url, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("PUT %s: %s", url, r.body()).isIn(200, 201);
    }
}
