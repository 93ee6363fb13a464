/*
 * bench/e2e.sh helper (steady-state mode): follows one sink connector's progress through the offsets its consumer
 * group commits, the same way for every sink (Quiver, Kafka's FileStreamSink), and the worker's CPU time.
 *
 *   java -cp <kafka classpath> E2eProgress --bootstrap HOST:PORT --group connect-NAME --topic T --expect N
 *        --start-ms EPOCH_MS --worker-pid PID [--status-url URL] [--timeout-s 1800] [--poll-ms 250]
 *
 * Every poll reads the group's committed offsets (Admin.listConsumerGroupOffsets) and sums them over the topic's
 * partitions; each change of the sum is a commit. The worker's CPU (utime+stime from /proc/PID/stat) is read at each
 * commit, so the steady-state window (first commit to the commit that reaches N) has its own CPU figure.
 *
 * Prints key=value lines, times in ms since --start-ms (the connector's creation):
 *   task.running.ms   first time the REST status showed every task RUNNING (the task has started)
 *   first.commit.ms   first commit of a non-zero offset; first.commit.records its sum; first.commit.cpu.ticks
 *   done.ms           the commit whose sum reached N; done.cpu.ticks; commits (how many commits were seen)
 *   start.cpu.ticks   the worker's CPU when this poller started (right after the connector was created)
 *   worker.hwm.kb / worker.rss.kb at done
 * Exit: 0 done; 2 timeout; 3 connector or task FAILED.
 */

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

public class E2eProgress {
    private static final Pattern STATE = Pattern.compile("\"state\"\\s*:\\s*\"([A-Z_]+)\"");

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        String group = o.get("group");
        String topic = o.get("topic");
        long expect = Long.parseLong(o.get("expect"));
        long startMs = Long.parseLong(o.get("start-ms"));
        String pid = o.get("worker-pid");
        long timeoutMs = Long.parseLong(o.getOrDefault("timeout-s", "1800")) * 1000;
        long pollMs = Long.parseLong(o.getOrDefault("poll-ms", "250"));
        String statusUrl = o.get("status-url");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        System.out.println("start.cpu.ticks=" + cpuTicks(pid));
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, o.get("bootstrap"));
        try (Admin admin = Admin.create(props)) {
            long last = 0;
            long commits = 0;
            long taskRunningMs = -1;
            long firstCommitMs = -1;
            long lastPrintMs = 0;
            long lastStatusMs = 0;
            while (true) {
                long now = System.currentTimeMillis();
                if (statusUrl != null && (taskRunningMs < 0 ? now - lastStatusMs >= 100 : now - lastStatusMs >= 3000)) {
                    lastStatusMs = now;
                    String status = get(http, statusUrl);
                    if (status != null) {
                        if (status.contains("\"FAILED\"")) {
                            System.out.println("FAILED: the connector or a task failed at " + last + " records: " + status);
                            System.exit(3);
                        }
                        int tasksAt = status.indexOf("\"tasks\"");
                        if (taskRunningMs < 0 && tasksAt >= 0) {
                            Matcher m = STATE.matcher(status.substring(tasksAt));
                            int running = 0;
                            int all = 0;
                            while (m.find()) {
                                all++;
                                running += m.group(1).equals("RUNNING") ? 1 : 0;
                            }
                            if (all > 0 && running == all) {
                                taskRunningMs = now - startMs;
                                System.out.println("task.running.ms=" + taskRunningMs);
                            }
                        }
                    }
                }
                long sum = 0;
                try {
                    Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                            .partitionsToOffsetAndMetadata().get();
                    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
                        if (e.getKey().topic().equals(topic) && e.getValue() != null) {
                            sum += e.getValue().offset();
                        }
                    }
                } catch (Exception groupNotThereYet) {
                    sum = last;
                }
                long elapsed = now - startMs;
                if (sum != last) {
                    long ticks = cpuTicks(pid);
                    commits++;
                    System.out.printf(Locale.ROOT, "commit at %.1fs: %d records, worker cpu %d ticks%n",
                            elapsed / 1000.0, sum, ticks);
                    if (firstCommitMs < 0 && sum > 0) {
                        firstCommitMs = elapsed;
                        System.out.println("first.commit.ms=" + elapsed);
                        System.out.println("first.commit.records=" + sum);
                        System.out.println("first.commit.cpu.ticks=" + ticks);
                    }
                    last = sum;
                    if (sum >= expect) {
                        System.out.println("done.ms=" + elapsed);
                        System.out.println("done.cpu.ticks=" + ticks);
                        System.out.println("commits=" + commits);
                        for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                            if (line.startsWith("VmHWM:") || line.startsWith("VmRSS:")) {
                                System.out.println("worker." + line.substring(2, 5).toLowerCase(Locale.ROOT) + ".kb="
                                        + line.replaceAll("[^0-9]", ""));
                            }
                        }
                        return;
                    }
                }
                if (now - lastPrintMs >= 10_000) {
                    System.out.printf(Locale.ROOT, "  %6.1fs  %d/%d records committed%n", elapsed / 1000.0, last, expect);
                    lastPrintMs = now;
                }
                if (elapsed > timeoutMs) {
                    System.out.printf("TIMEOUT: %d of %d records committed in %d s%n", last, expect, timeoutMs / 1000);
                    System.exit(2);
                }
                Thread.sleep(pollMs);
            }
        }
    }

    static long cpuTicks(String pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", pid, "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
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
