/*
 * bench/e2e.sh helper: waits until a run's rows have landed, then verifies them with DuckDB.
 *
 *   java -cp <quickstart report classpath> E2eLanding --dir DIR --expect N --topic T --start-ms EPOCH_MS
 *        [--timeout-s 900] [--poll-ms 500] [--status-url URL] [--worker-pid PID]
 *
 * DIR is the run's prefix inside the s3proxy filesystem store (s3proxy's jclouds "filesystem" provider keeps every
 * object as a plain file, <basedir>/<bucket>/<key>), so polling costs no S3 downloads while the connector runs. Every
 * poll lists the *.parquet files under DIR (the connector's _quiver/ commit markers are skipped) and reads the footer
 * of each new one (parquet_file_metadata); a file whose footer does not parse yet is still being written and is
 * retried on the next poll. Once the footers add up to N rows the landing time is taken, and the data is verified:
 * count(*), count(DISTINCT (_kafka_partition, _kafka_offset)), the topic column, and per-partition offset ranges.
 *
 * Prints key=value lines for the harness: landed.ms (since --start-ms), first.file.ms, rows, distinct, files, bytes,
 * verified=true|false, and with --worker-pid the worker's CPU ticks (utime+stime) and VmHWM/VmRSS at landing.
 * Exit: 0 landed and verified; 2 timeout; 3 connector or task FAILED; 4 verification failed.
 */

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

public class E2eLanding {
    static final java.util.regex.Pattern DATA_FILE = java.util.regex.Pattern.compile("[^.].*\\+\\d+\\+\\d{20}\\.parquet");

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path dir = Path.of(o.get("dir")).toAbsolutePath();
        long expect = Long.parseLong(o.get("expect"));
        String topic = o.get("topic");
        long startMs = Long.parseLong(o.getOrDefault("start-ms", Long.toString(System.currentTimeMillis())));
        long timeoutMs = Long.parseLong(o.getOrDefault("timeout-s", "900")) * 1000;
        long pollMs = Long.parseLong(o.getOrDefault("poll-ms", "500"));
        String statusUrl = o.get("status-url");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        Class.forName("org.duckdb.DuckDBDriver");
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:")) {
            Map<Path, Long> rowsPerFile = new HashMap<>();
            long rows = 0;
            long firstFileMs = -1;
            long lastPrintMs = 0;
            long lastStatusMs = 0;
            while (true) {
                long now = System.currentTimeMillis();
                List<Path> listed;
                try {
                    listed = listData(dir);
                } catch (java.io.UncheckedIOException vanished) {
                    // s3proxy renamed a temporary upload file away during the walk: list again on the next poll.
                    listed = List.of();
                }
                for (Path f : listed) {
                    if (rowsPerFile.containsKey(f)) {
                        continue;
                    }
                    try {
                        long n = scalar(db, "SELECT sum(num_rows) FROM parquet_file_metadata('" + sql(f) + "')");
                        rowsPerFile.put(f, n);
                        rows += n;
                        if (firstFileMs < 0) {
                            firstFileMs = now - startMs;
                        }
                    } catch (SQLException incomplete) {
                        // still being written: next poll
                    }
                }
                long elapsed = System.currentTimeMillis() - startMs;
                if (rows >= expect) {
                    System.out.printf(Locale.ROOT, "  %6.1fs  %d/%d rows in %d files: all landed%n", elapsed / 1000.0,
                            rows, expect, rowsPerFile.size());
                    System.out.println("landed.ms=" + elapsed);
                    if (o.containsKey("worker-pid")) {   // the worker's CPU time and peak RSS at the moment of landing
                        String pid = o.get("worker-pid");
                        String stat = Files.readString(Path.of("/proc", pid, "stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        System.out.println("worker.cpu.ticks=" + (Long.parseLong(f[11]) + Long.parseLong(f[12])));
                        for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                            if (line.startsWith("VmHWM:") || line.startsWith("VmRSS:")) {
                                System.out.println("worker." + line.substring(2, 5).toLowerCase(Locale.ROOT) + ".kb="
                                        + line.replaceAll("[^0-9]", ""));
                            }
                        }
                    }
                    System.out.println("first.file.ms=" + firstFileMs);
                    break;
                }
                if (now - lastPrintMs >= 10_000) {
                    System.out.printf(Locale.ROOT, "  %6.1fs  %d/%d rows in %d files%n", elapsed / 1000.0, rows,
                            expect, rowsPerFile.size());
                    lastPrintMs = now;
                }
                if (statusUrl != null && now - lastStatusMs >= 3_000) {
                    lastStatusMs = now;
                    String status = get(http, statusUrl);
                    if (status != null && status.contains("\"FAILED\"")) {
                        System.out.println("FAILED: the connector or a task failed after " + rows + " rows: " + status);
                        System.exit(3);
                    }
                }
                if (elapsed > timeoutMs) {
                    System.out.printf("TIMEOUT: %d of %d rows landed in %d s%n", rows, expect, timeoutMs / 1000);
                    if (statusUrl != null) {
                        System.out.println("status: " + get(http, statusUrl));
                    }
                    System.exit(2);
                }
                Thread.sleep(pollMs);
            }

            // Verification over every row that landed.
            String glob = sql(dir) + "/**/*.parquet";
            String src = "read_parquet('" + glob + "', hive_partitioning = false)";
            long total = scalar(db, "SELECT count(*) FROM " + src);
            long distinct = scalar(db, "SELECT count(*) FROM (SELECT DISTINCT _kafka_partition, _kafka_offset FROM "
                    + src + ")");
            long otherTopic = scalar(db, "SELECT count(*) FROM " + src + " WHERE _kafka_topic IS DISTINCT FROM '"
                    + topic.replace("'", "''") + "'");
            long nullIds = scalar(db, "SELECT count(*) FROM " + src + " WHERE id IS NULL");
            long bytes = 0;
            for (Path f : rowsPerFile.keySet()) {
                bytes += Files.size(f);
            }
            StringBuilder ranges = new StringBuilder();
            try (Statement st = db.createStatement();
                 ResultSet rs = st.executeQuery("SELECT _kafka_partition, count(*), min(_kafka_offset), "
                         + "max(_kafka_offset) FROM " + src + " GROUP BY 1 ORDER BY 1")) {
                while (rs.next()) {
                    ranges.append(String.format(Locale.ROOT, " p%d:%d[%d..%d]", rs.getInt(1), rs.getLong(2),
                            rs.getLong(3), rs.getLong(4)));
                }
            }
            boolean ok = total == expect && distinct == expect && otherTopic == 0 && nullIds == 0;
            System.out.println("rows=" + total);
            System.out.println("distinct=" + distinct);
            System.out.println("files=" + rowsPerFile.size());
            System.out.println("bytes=" + bytes);
            System.out.println("partitions=" + ranges.toString().trim());
            System.out.println("verified=" + ok);
            if (!ok) {
                System.out.printf("VERIFY FAILED: rows=%d distinct(partition,offset)=%d expected=%d rows-of-other-topic=%d"
                        + " null-ids=%d%n", total, distinct, expect, otherTopic, nullIds);
                System.exit(4);
            }
        }
    }

    static List<Path> listData(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        // A store may rename a temporary file while the walk passes it (s3proxy's filesystem store does): that poll
        // lists nothing new, and the next one sees the file under its key.
        try (Stream<Path> s = Files.walk(dir)) {
            // Only Quiver's own data keys, <topic>+<partition>+<20-digit start offset>.parquet, outside _quiver/ and
            // outside any dot-directory (where a store may keep uploads in progress).
            return s.filter(p -> DATA_FILE.matcher(p.getFileName().toString()).matches())
                    .filter(p -> {
                        String rel = dir.relativize(p).toString().replace('\\', '/');
                        return !rel.startsWith("_quiver/") && !rel.startsWith(".") && !rel.contains("/.");
                    })
                    .filter(Files::isRegularFile)
                    .sorted()
                    .collect(Collectors.toList());
        } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException vanished) {
            return List.of();
        }
    }

    static String sql(Path p) {
        return p.toString().replace('\\', '/').replace("'", "''");
    }

    static long scalar(Connection db, String q) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(q)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String get(HttpClient http, String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return null;
        }
    }
}
