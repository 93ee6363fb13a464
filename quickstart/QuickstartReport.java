/*
 * Quiver quickstart helper: talks to the local S3 server and reads the landed Parquet back with DuckDB.
 *
 * Run as a single-file source program (JDK 11+), with the classpath of the "report" profile of quickstart/pom.xml:
 *
 *   java -cp "$(cat report.classpath)" quickstart/QuickstartReport.java make-bucket  [common options]
 *   java -cp "$(cat report.classpath)" quickstart/QuickstartReport.java wait-report  [common options] --expect N ...
 *
 * Common options: --endpoint http://127.0.0.1:19000 --access-key K --secret-key S --bucket B [--region us-east-1]
 * wait-report:    --prefix landing/ --download-dir DIR --expect N [--timeout-s 300] [--start-ms EPOCH_MS]
 *                 [--status-url http://127.0.0.1:18083/connectors/NAME/status] [--worker-log PATH]
 *                 [--landed-file PATH]   (gets the epoch millis at which all rows had landed)
 *                 [--expected-stats-file PATH]   (one line printed under the landed data's statistics)
 *
 * wait-report polls the bucket: it downloads every new data object under the prefix (keys with a "_quiver/" segment are
 * the connector's commit markers, not data, and are skipped), counts the rows with DuckDB and, once the count reaches
 * --expect, prints the objects, DuckDB's column types and a few rows. DuckDB's S3 support needs an extension download,
 * so the objects are read from local copies.
 *
 * Exit codes: 0 all rows landed; 2 timeout; 3 connector or task FAILED; 4 more rows than expected (duplicates);
 * 5 the landed values differ from the produced ones (--expected-stats-file); 1 other.
 */

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

public class QuickstartReport {

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage("missing command");
        }
        Map<String, String> opts = parse(args);
        try (S3Client s3 = s3(opts)) {
            switch (args[0]) {
                case "make-bucket" -> makeBucket(s3, req(opts, "bucket"));
                case "wait-report" -> System.exit(waitAndReport(s3, opts));
                default -> usage("unknown command " + args[0]);
            }
        }
    }

    // ---------------------------------------------------------------- S3

    static S3Client s3(Map<String, String> o) {
        return S3Client.builder()
                .endpointOverride(URI.create(req(o, "endpoint")))
                .region(Region.of(o.getOrDefault("region", "us-east-1")))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(req(o, "access-key"), req(o, "secret-key"))))
                .forcePathStyle(true)
                // Local S3 servers need not implement the SDK's newer default checksums.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    static void makeBucket(S3Client s3, String bucket) {
        try {
            s3.createBucket(b -> b.bucket(bucket));
            System.out.println("created bucket " + bucket);
        } catch (BucketAlreadyOwnedByYouException e) {
            System.out.println("bucket " + bucket + " already exists");
        }
    }

    /** Data objects under the prefix, key -> object; commit markers (any "_quiver/" segment) are skipped. */
    static Map<String, S3Object> listData(S3Client s3, String bucket, String prefix) {
        Map<String, S3Object> out = new TreeMap<>();
        String token = null;
        do {
            ListObjectsV2Request.Builder r = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix);
            if (token != null) {
                r.continuationToken(token);
            }
            ListObjectsV2Response page = s3.listObjectsV2(r.build());
            for (S3Object o : page.contents()) {
                String k = o.key();
                if (k.startsWith("_quiver/") || k.contains("/_quiver/") || !k.endsWith(".parquet")) {
                    continue;
                }
                out.put(k, o);
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return out;
    }

    // ---------------------------------------------------------------- wait + report

    static int waitAndReport(S3Client s3, Map<String, String> o) throws Exception {
        String bucket = req(o, "bucket");
        String prefix = o.getOrDefault("prefix", "");
        Path dir = Path.of(req(o, "download-dir")).toAbsolutePath();
        long expect = Long.parseLong(req(o, "expect"));
        long timeoutMs = Long.parseLong(o.getOrDefault("timeout-s", "300")) * 1000;
        long startMs = Long.parseLong(o.getOrDefault("start-ms", Long.toString(System.currentTimeMillis())));
        String statusUrl = o.get("status-url");
        String workerLog = o.getOrDefault("worker-log", "the Connect worker log");
        Files.createDirectories(dir);
        String glob = dir.toString().replace('\\', '/') + "/**/*.parquet";

        Class.forName("org.duckdb.DuckDBDriver");
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:")) {
            Map<String, S3Object> objects = new TreeMap<>();
            long rows = 0;
            long lastPrinted = -1;
            long polls = 0;
            long deadline = System.currentTimeMillis() + timeoutMs;
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            while (true) {
                Map<String, S3Object> now = listData(s3, bucket, prefix);
                boolean fresh = false;
                for (Map.Entry<String, S3Object> e : now.entrySet()) {
                    S3Object prev = objects.get(e.getKey());
                    if (prev == null || !prev.eTag().equals(e.getValue().eTag())) {
                        Path target = dir.resolve(e.getKey());
                        Files.createDirectories(target.getParent());
                        Files.deleteIfExists(target);
                        s3.getObject(b -> b.bucket(bucket).key(e.getKey()), target);
                        fresh = true;
                    }
                }
                objects = now;
                if (fresh) {
                    rows = scalarLong(db, "SELECT count(*) FROM read_parquet('" + glob + "', hive_partitioning = false)");
                }
                long elapsed = System.currentTimeMillis() - startMs;
                if (rows != lastPrinted) {
                    System.out.printf(Locale.ROOT, "  %6.1fs  %d/%d rows landed in %d object(s)%n",
                            elapsed / 1000.0, rows, expect, objects.size());
                    lastPrinted = rows;
                }
                if (rows >= expect) {
                    if (o.containsKey("landed-file")) {
                        Files.writeString(Path.of(o.get("landed-file")), Long.toString(startMs + elapsed));
                    }
                    String expectedStats = null;
                    if (o.containsKey("expected-stats-file")) {
                        expectedStats = Files.readString(Path.of(o.get("expected-stats-file"))).strip();
                    }
                    boolean same = report(db, glob, dir, bucket, objects, rows, expect, expectedStats);
                    if (rows == expect && !same) {
                        System.out.printf("%nFAILED: the landed rows do not add up to the produced events (see "
                                + "'landed' and 'produced' above). See %s%n", workerLog);
                        return 5;
                    }
                    if (rows > expect) {
                        System.out.printf("%nFAILED: %d rows landed but only %d events were produced (duplicates). "
                                + "See %s%n", rows, expect, workerLog);
                        return 4;
                    }
                    return 0;
                }
                if (statusUrl != null && ++polls % 3 == 0) {   // every ~3 s: each call is a line in the worker log
                    String status = connectorStatus(http, statusUrl);
                    if (status != null && status.contains("\"FAILED\"")) {
                        System.out.printf("%nFAILED: the connector or one of its tasks failed after %d/%d rows.%n"
                                + "%s%nFull status: curl %s%nFull log: %s%n", rows, expect,
                                summarizeFailures(status), statusUrl, workerLog);
                        return 3;
                    }
                }
                if (System.currentTimeMillis() > deadline) {
                    System.out.printf("%nFAILED: only %d of %d rows landed in s3://%s/%s within %ds.%n"
                            + "Look for errors in %s%n", rows, expect, bucket, prefix, timeoutMs / 1000, workerLog);
                    if (statusUrl != null) {
                        System.out.println("Connector status: " + connectorStatus(http, statusUrl));
                    }
                    return 2;
                }
                Thread.sleep(1000);
            }
        }
    }

    static String connectorStatus(HttpClient http, String url) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The FAILED parts of a Connect status document: who failed and the exception lines of the trace. */
    @SuppressWarnings("unchecked")
    static String summarizeFailures(String statusJson) {
        Object doc;
        try {
            doc = new Json(statusJson).value();
        } catch (RuntimeException e) {
            return statusJson;
        }
        if (!(doc instanceof Map)) {
            return statusJson;
        }
        Map<String, Object> m = (Map<String, Object>) doc;
        List<Map<String, Object>> parts = new ArrayList<>();
        if (m.get("connector") instanceof Map) {
            Map<String, Object> c = new HashMap<>((Map<String, Object>) m.get("connector"));
            c.put("id", "connector");
            parts.add(c);
        }
        if (m.get("tasks") instanceof List) {
            for (Object t : (List<Object>) m.get("tasks")) {
                Map<String, Object> task = new HashMap<>((Map<String, Object>) t);
                task.put("id", "task " + task.get("id"));
                parts.add(task);
            }
        }
        StringBuilder sb = new StringBuilder();
        Map<String, String> seen = new HashMap<>();
        for (Map<String, Object> part : parts) {
            if (!"FAILED".equals(part.get("state"))) {
                continue;
            }
            String trace = String.valueOf(part.getOrDefault("trace", ""));
            StringBuilder lines = new StringBuilder();
            for (String line : trace.split("\n")) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("at ") && !t.startsWith("...")) {
                    lines.append("    ").append(line.strip()).append('\n');
                }
            }
            String key = lines.toString();
            if (seen.containsKey(key)) {
                sb.append("  ").append(part.get("id")).append(": FAILED, same trace as ").append(seen.get(key))
                        .append('\n');
            } else {
                seen.put(key, String.valueOf(part.get("id")));
                sb.append("  ").append(part.get("id")).append(": FAILED\n").append(key);
            }
        }
        return sb.toString().stripTrailing();
    }

    /** Just enough JSON for Connect's status documents. */
    static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        Object value() {
            skip();
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new HashMap<>();
                i++;
                skip();
                if (s.charAt(i) == '}') {
                    i++;
                    return m;
                }
                while (true) {
                    skip();
                    String k = string();
                    skip();
                    expect(':');
                    m.put(k, value());
                    skip();
                    if (s.charAt(i++) == '}') {
                        return m;
                    }
                }
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                skip();
                if (s.charAt(i) == ']') {
                    i++;
                    return l;
                }
                while (true) {
                    l.add(value());
                    skip();
                    if (s.charAt(i++) == ']') {
                        return l;
                    }
                }
            }
            if (c == '"') {
                return string();
            }
            int start = i;
            while (i < s.length() && ",}] \n\r\t".indexOf(s.charAt(i)) < 0) {
                i++;
            }
            return s.substring(start, i);
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> sb.append(e);
                }
            }
        }

        private void expect(char c) {
            if (s.charAt(i++) != c) {
                throw new IllegalArgumentException("expected " + c + " at " + (i - 1));
            }
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }
    }

    /** Prints the report; false if the landed data's statistics differ from the produced events'. */
    static boolean report(Connection db, String glob, Path dir, String bucket, Map<String, S3Object> objects,
                          long rows, long expect, String expectedStats) throws SQLException {
        String src = "read_parquet('" + glob + "', hive_partitioning = false)";
        Map<String, Long> rowsPerFile = new HashMap<>();
        Map<String, String> codecPerFile = new HashMap<>();
        try (Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT filename, count(*) FROM read_parquet('" + glob
                     + "', filename = true, hive_partitioning = false) GROUP BY filename")) {
            while (rs.next()) {
                rowsPerFile.put(Path.of(rs.getString(1)).toAbsolutePath().normalize().toString(), rs.getLong(2));
            }
        }
        try (Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT file_name, string_agg(DISTINCT compression, ',') FROM "
                     + "parquet_metadata('" + glob + "') GROUP BY file_name")) {
            while (rs.next()) {
                codecPerFile.put(Path.of(rs.getString(1)).toAbsolutePath().normalize().toString(), rs.getString(2));
            }
        }

        System.out.printf("%n== Landed objects in s3://%s (commit markers under _quiver/ not shown)%n", bucket);
        int keyWidth = objects.keySet().stream().mapToInt(String::length).max().orElse(10);
        System.out.printf("  %-" + keyWidth + "s  %10s  %7s  %s%n", "key", "bytes", "rows", "codec");
        long totalBytes = 0;
        for (Map.Entry<String, S3Object> e : objects.entrySet()) {
            String local = dir.resolve(e.getKey()).toAbsolutePath().normalize().toString();
            long size = e.getValue().size();
            totalBytes += size;
            System.out.printf("  %-" + keyWidth + "s  %10d  %7s  %s%n", e.getKey(), size,
                    rowsPerFile.getOrDefault(local, -1L), codecPerFile.getOrDefault(local, "?"));
        }
        System.out.printf("  %d object(s), %d bytes in total%n", objects.size(), totalBytes);

        System.out.printf("%n== Row count%n");
        System.out.printf("  rows: %d (expected %d), distinct id: %d%n", rows, expect,
                scalarLong(db, "SELECT count(DISTINCT id) FROM " + src));
        boolean statsMatch = true;
        try (Statement st = db.createStatement();   // the quickstart's own event schema; skipped for other data
             ResultSet rs = st.executeQuery("SELECT 'min_id=' || min(id) || ' max_id=' || max(id) || ' null_coupons='"
                     + " || count(*) FILTER (coupon IS NULL) || ' ok_true=' || count(*) FILTER (ok) || ' sum_amount='"
                     + " || printf('%.2f', sum(amount))"
                     // ts is a Connect Timestamp, so it lands as TIMESTAMP WITH TIME ZONE: epoch_ms of a BIGINT
                     // would be a timestamp, not these milliseconds, and the line would not match.
                     + " || ' min_ts_ms=' || epoch_ms(min(ts)) || ' max_ts_ms=' || epoch_ms(max(ts)) FROM " + src)) {
            rs.next();
            String landed = rs.getString(1);
            System.out.println("  landed:   " + landed);
            if (expectedStats != null) {
                System.out.println("  produced: " + expectedStats);
                statsMatch = landed.equals(expectedStats);
            }
        } catch (SQLException e) {
            System.out.println("  (no quickstart columns: " + e.getMessage().lines().findFirst().orElse("") + ")");
        }

        System.out.printf("%n== Column types (DuckDB: DESCRIBE SELECT * FROM read_parquet(...))%n");
        printQuery(db, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " + src + ")");

        // The value's own columns plus a few of the connector's Kafka metadata columns, to keep the table narrow.
        List<String> columns = new ArrayList<>();
        List<String> left = new ArrayList<>();
        try (Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT column_name FROM (DESCRIBE SELECT * FROM " + src + ")")) {
            while (rs.next()) {
                String c = rs.getString(1);
                boolean meta = c.startsWith("_kafka_");
                if (!meta || c.equals("_kafka_partition") || c.equals("_kafka_offset") || c.equals("_kafka_key")) {
                    columns.add(c);
                } else {
                    left.add(c);
                }
            }
        }
        String order = columns.contains("id") ? " ORDER BY id" : "";
        System.out.printf("%n== Sample rows (SELECT %s ...%s LIMIT 5)%n", left.isEmpty() ? "*" : "some columns", order);
        printQuery(db, "SELECT " + String.join(", ", columns.stream().map(c -> '"' + c.replace("\"", "\"\"") + '"')
                .toList()) + " FROM " + src + order + " LIMIT 5");
        if (!left.isEmpty()) {
            System.out.println("  (not shown: " + String.join(", ", left) + ")");
        }

        System.out.printf("%n== Local copies of the objects: %s%n", dir);
        System.out.printf("   query them yourself, e.g. duckdb -c \"SELECT * FROM read_parquet('%s') LIMIT 10\"%n",
                glob);
        return statsMatch;
    }

    static long scalarLong(Connection db, String sql) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static void printQuery(Connection db, String sql) throws SQLException {
        List<String[]> table = new ArrayList<>();
        int cols;
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            cols = md.getColumnCount();
            String[] header = new String[cols];
            for (int i = 0; i < cols; i++) {
                header[i] = md.getColumnLabel(i + 1);
            }
            table.add(header);
            while (rs.next()) {
                String[] row = new String[cols];
                for (int i = 0; i < cols; i++) {
                    Object v = rs.getObject(i + 1);
                    row[i] = v == null ? "NULL" : v.toString();
                }
                table.add(row);
            }
        }
        int[] w = new int[cols];
        for (String[] r : table) {
            for (int i = 0; i < cols; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (int n = 0; n < table.size(); n++) {
            StringBuilder sb = new StringBuilder("  ");
            for (int i = 0; i < cols; i++) {
                sb.append(String.format("%-" + w[i] + "s", table.get(n)[i])).append(i + 1 < cols ? " | " : "");
            }
            System.out.println(sb.toString().stripTrailing());
            if (n == 0) {
                StringBuilder line = new StringBuilder("  ");
                for (int i = 0; i < cols; i++) {
                    line.append("-".repeat(w[i])).append(i + 1 < cols ? "-+-" : "");
                }
                System.out.println(line);
            }
        }
    }

    // ---------------------------------------------------------------- options

    static Map<String, String> parse(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage("bad option " + args[i]);
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return m;
    }

    static String req(Map<String, String> o, String key) {
        String v = o.get(key);
        if (v == null || v.isEmpty()) {
            usage("missing --" + key);
        }
        return v;
    }

    static void usage(String why) {
        System.err.println("QuickstartReport: " + why);
        System.err.println("usage: QuickstartReport make-bucket|wait-report --endpoint URL --access-key K "
                + "--secret-key S --bucket B [--prefix P --download-dir D --expect N --timeout-s S --start-ms MS "
                + "--status-url URL --worker-log PATH --landed-file PATH --expected-stats-file PATH]");
        System.exit(1);
    }
}
