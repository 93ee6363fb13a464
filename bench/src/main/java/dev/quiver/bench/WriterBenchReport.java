package dev.quiver.bench;

import java.io.IOException;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link WriterBenchmark} with JMH's usual command-line options and prints rows/s, MB/s and the Quiver to
 * parquet-avro ratio per codec. Any mode works (run-writer-bench.sh uses single-shot: one file per iteration); the
 * figures are medians over the measured iterations, and the load average before and after shows how busy the box was.
 */
public final class WriterBenchReport {
    private static final double MB = 1_000_000.0;

    private WriterBenchReport() {
    }

    public static void main(String[] args) throws Exception {
        CommandLineOptions cli = new CommandLineOptions(args);
        Path dir = WriterBenchmark.resultDir();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> old = Files.list(dir)) {
                for (Path p : (Iterable<Path>) old::iterator) {
                    Files.delete(p);
                }
            }
        }
        OptionsBuilder builder = new OptionsBuilder();
        builder.parent(cli);
        if (cli.getIncludes().isEmpty()) {
            builder.include(WriterBenchmark.class.getName());
        }
        Options options = builder.build();
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Collection<RunResult> results = new Runner(options).run();
        double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();

        // benchmark -> codec -> rows/s (and its error)
        Map<String, Map<String, double[]>> scores = new HashMap<>();
        List<String> codecs = new ArrayList<>();
        for (RunResult r : results) {
            String bench = r.getParams().getBenchmark();
            bench = bench.substring(bench.lastIndexOf('.') + 1);
            String codec = r.getParams().getParam("codec");
            if (!codecs.contains(codec)) {
                codecs.add(codec);
            }
            // Median of the measured iterations, as rows per second: a shared 2-core box has outliers the mean keeps.
            List<Double> rates = new ArrayList<>();
            for (BenchmarkResult fork : r.getBenchmarkResults()) {
                for (IterationResult iteration : fork.getIterationResults()) {
                    rates.add(rowsPerSecond(iteration.getPrimaryResult().getScore(),
                            iteration.getPrimaryResult().getScoreUnit()));
                }
            }
            rates.sort(Comparator.naturalOrder());
            double score = median(rates);
            double error = rates.isEmpty() ? Double.NaN : (rates.get(rates.size() - 1) - rates.get(0)) / 2;
            scores.computeIfAbsent(bench, k -> new HashMap<>()).put(codec, new double[] {score, error});
        }
        codecs.sort(Comparator.naturalOrder());
        long arrowBytes = -1;
        for (String codec : codecs) {
            Properties p = sizes(dir, "quiverArrow", codec);
            if (p != null && p.getProperty("arrowBytes") != null) {
                arrowBytes = Long.parseLong(p.getProperty("arrowBytes"));
            }
        }

        System.out.println();
        System.out.printf(Locale.ROOT, "Writer benchmark: %,d rows x 10 fields, %d cores, %s %s%n", BenchData.ROWS,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"));
        System.out.printf(Locale.ROOT, "Load average (1 min): %.2f before, %.2f after%n", loadBefore, loadAfter);
        System.out.printf(Locale.ROOT, "Arrow input: %,d bytes (%.1f bytes/row)%n", arrowBytes,
                arrowBytes / (double) BenchData.ROWS);
        System.out.println("rows/s is the median of the measured iterations; +/-% is half their range over the median.");
        System.out.printf(Locale.ROOT, "%-20s %-7s %16s %8s %12s %13s %12s%n", "writer", "codec", "rows/s (median)", "+/-%",
                "out MB/s", "Arrow-in MB/s", "file bytes");
        String[] order = {"quiverArrow", "quiverStream", "parquetAvro", "parquetAvroConvert"};
        for (String codec : codecs) {
            for (String bench : order) {
                double[] s = scores.getOrDefault(bench, Map.of()).get(codec);
                if (s == null) {
                    continue;
                }
                Properties p = sizes(dir, bench, codec);
                long out = p == null ? -1 : Long.parseLong(p.getProperty("outputBytes"));
                double seconds = BenchData.ROWS / s[0];
                System.out.printf(Locale.ROOT, "%-20s %-7s %,16.0f %7.1f%% %12.1f %13.1f %,12d%n", bench, codec, s[0],
                        100 * s[1] / s[0], out < 0 ? Double.NaN : out / MB / seconds,
                        arrowBytes < 0 ? Double.NaN : arrowBytes / MB / seconds, out);
            }
        }
        System.out.println();
        for (String codec : codecs) {
            double[] quiver = scores.getOrDefault("quiverArrow", Map.of()).get(codec);
            double[] avro = scores.getOrDefault("parquetAvro", Map.of()).get(codec);
            double[] convert = scores.getOrDefault("parquetAvroConvert", Map.of()).get(codec);
            if (quiver == null) {
                continue;
            }
            System.out.printf(Locale.ROOT, "%-7s Quiver/parquet-avro = %sx   Quiver/(parquet-avro + Struct->Avro) = %sx%n",
                    codec, ratio(quiver, avro), ratio(quiver, convert));
            double[] stream = scores.getOrDefault("quiverStream", Map.of()).get(codec);
            if (stream != null) {
                System.out.printf(Locale.ROOT, "%-7s Quiver streamed (the worker's path)/parquet-avro = %sx%n", codec,
                        ratio(stream, avro));
            }
        }
    }

    /** Rows per second from a JMH score, whether the mode gave ops per time or time per op (one op is one row). */
    static double rowsPerSecond(double score, String unit) {
        String[] parts = unit.split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("unexpected score unit " + unit);
        }
        boolean perTime = parts[0].equals("ops");
        String time = perTime ? parts[1] : parts[0];
        double seconds;
        switch (time) {
            case "s":
                seconds = 1;
                break;
            case "ms":
                seconds = 1e-3;
                break;
            case "us":
                seconds = 1e-6;
                break;
            case "ns":
                seconds = 1e-9;
                break;
            case "min":
                seconds = 60;
                break;
            default:
                throw new IllegalArgumentException("unexpected score unit " + unit);
        }
        return perTime ? score / seconds : 1 / (score * seconds);
    }

    private static double median(List<Double> sorted) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int mid = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(mid) : (sorted.get(mid - 1) + sorted.get(mid)) / 2;
    }

    private static String ratio(double[] a, double[] b) {
        return b == null ? "n/a" : String.format(Locale.ROOT, "%.2f", a[0] / b[0]);
    }

    private static Properties sizes(Path dir, String bench, String codec) throws IOException {
        Path file = dir.resolve(bench + "-" + codec + ".properties");
        if (!Files.exists(file)) {
            return null;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return p;
    }
}
