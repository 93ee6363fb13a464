/*
 * bench/e2e.sh helper: summarises a JFR recording of the Connect worker (no dependencies beyond the JDK).
 *
 *   java bench/e2e/JfrTop.java recording.jfr [top=25]
 *
 * Prints, from the jdk.ExecutionSample events: samples per thread; the hottest methods by self time (top frame), also
 * with the nearest connector or library frame under a JDK method (who calls HashMap.resize so often);
 * the hottest methods by inclusive time among the connector's and its libraries' packages; a breakdown by cost
 * centre (the first frame from the top of the stack that belongs to a known package); and GC pause totals.
 */

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

public class JfrTop {
    /** Cost centres, most specific first: a sample is charged to the first of these found walking down from the top. */
    static final String[][] CENTRES = {
            {"JSON parsing (Jackson)", "com.fasterxml.jackson."},
            {"Quiver: JSON decode / schema inference", "dev.quiver.decode.", "dev.quiver.arrow.SchemaInference",
                    "dev.quiver.arrow.JsonText"},
            {"Quiver: Parquet encode", "dev.quiver.parquet.", "org.apache.parquet."},
            {"compression (snappy/zstd)", "org.xerial.snappy.", "com.github.luben.zstd.", "io.airlift.compress."},
            {"Quiver: Arrow append / batch", "dev.quiver.arrow.", "org.apache.arrow."},
            {"Quiver: intake / other", "dev.quiver."},
            {"Connect JsonConverter", "org.apache.kafka.connect.json."},
            {"Connect runtime (converters, transforms, task loop)", "org.apache.kafka.connect."},
            {"Kafka consumer (fetch, decompress, deserialize)", "org.apache.kafka.clients.",
                    "org.apache.kafka.common."},
            {"S3 client (AWS SDK / Hadoop S3A / HTTP)", "software.amazon.", "org.apache.hadoop.", "org.apache.http."},
    };

    public static void main(String[] args) throws Exception {
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> inclusive = new HashMap<>();
        Map<String, Long> threads = new HashMap<>();
        Map<String, Long> selfByCaller = new HashMap<>();
        Map<String, Long> centres = new LinkedHashMap<>();
        for (String[] c : CENTRES) {
            centres.put(c[0], 0L);
        }
        centres.put("JDK / other", 0L);
        long samples = 0;
        long gcPauseNs = 0;
        long gcs = 0;
        long longestPauseNs = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            String type = e.getEventType().getName();
            if (type.equals("jdk.GarbageCollection")) {
                gcs++;
                long p = e.getLong("sumOfPauses");
                gcPauseNs += p;
                longestPauseNs = Math.max(longestPauseNs, e.getLong("longestPause"));
                continue;
            }
            if (!type.equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
                continue;
            }
            samples++;
            String thread = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
            threads.merge(thread == null ? "?" : thread.replaceAll("\\d+", "N"), 1L, Long::sum);
            List<RecordedFrame> frames = st.getFrames();
            String topMethod = name(frames.get(0).getMethod());
            self.merge(topMethod, 1L, Long::sum);
            String caller = "?";
            for (int i = 1; i < frames.size(); i++) {   // the nearest frame below the top in a known package
                String m = name(frames.get(i).getMethod());
                if (centreOf(m) != null) {
                    caller = m;
                    break;
                }
            }
            selfByCaller.merge(centreOf(topMethod) != null ? topMethod : topMethod + "  <-  " + caller, 1L, Long::sum);
            Set<String> seen = new HashSet<>();
            String centre = null;
            for (RecordedFrame f : frames) {
                String m = name(f.getMethod());
                if (seen.add(m)) {
                    inclusive.merge(m, 1L, Long::sum);
                }
                if (centre == null) {
                    centre = centreOf(m);
                }
            }
            centres.merge(centre == null ? "JDK / other" : centre, 1L, Long::sum);
        }
        System.out.printf(Locale.ROOT, "execution samples: %d%n", samples);
        System.out.printf(Locale.ROOT, "GC: %d collections, %.0f ms paused in total, longest pause %.0f ms%n", gcs,
                gcPauseNs / 1e6, longestPauseNs / 1e6);
        print("samples by thread", threads, samples, 10);
        print("cost centres (first known frame from the top of each sample)", centres, samples, centres.size());
        print("hottest methods, self (top frame)", self, samples, top);
        print("hottest methods, self, JDK methods with their nearest connector/library caller", selfByCaller, samples,
                top);
        Map<String, Long> ours = new HashMap<>();
        for (Map.Entry<String, Long> en : inclusive.entrySet()) {
            if (centreOf(en.getKey()) != null) {
                ours.put(en.getKey(), en.getValue());
            }
        }
        print("hottest methods, inclusive (connector, Connect, Kafka, Jackson, Arrow, Parquet, S3 packages)", ours,
                samples, top);
    }

    static String centreOf(String method) {
        for (String[] c : CENTRES) {
            for (int i = 1; i < c.length; i++) {
                if (method.startsWith(c[i])) {
                    return c[0];
                }
            }
        }
        return null;
    }

    static String name(RecordedMethod m) {
        return m == null ? "?" : m.getType().getName() + "." + m.getName();
    }

    static void print(String title, Map<String, Long> counts, long total, int top) {
        System.out.printf("%n%s%n", title);
        List<Map.Entry<String, Long>> l = new ArrayList<>(counts.entrySet());
        l.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        for (int i = 0; i < Math.min(top, l.size()); i++) {
            System.out.printf(Locale.ROOT, "  %5.1f%%  %7d  %s%n", 100.0 * l.get(i).getValue() / Math.max(1, total),
                    l.get(i).getValue(), l.get(i).getKey());
        }
    }
}
