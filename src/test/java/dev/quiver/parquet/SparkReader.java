package dev.quiver.parquet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Spark as an independent reader, in a JVM of its own: Spark brings its own parquet-java (1.13.1 in 3.5, 1.16.0 in
 * 4.1), Jackson and Scala, which cannot share the test JVM's classpath with Connect and parquet-java 1.18. The
 * classpath comes from src/test/spark/pom.xml (resolved into target/spark-&lt;version&gt;.classpath in
 * pre-integration-test); the probe, src/test/spark/probe/SparkProbe.java, is compiled against it here and run with the
 * JVM flags Spark needs on JDK 17.
 */
final class SparkReader {
    private static final List<String> JVM_FLAGS = List.of("-Xmx1g",
            // A short job: the client compiler alone starts Spark sooner.
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djdk.reflect.useDirectMethodHandle=false",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
            "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED");

    /** Generous: on a loaded 2-core machine a Spark session has taken over 3 minutes to start and read. */
    private static final long TIMEOUT_SECONDS = 600;

    private final String version;
    private final String classpath;
    private final Path probeClasses;

    private SparkReader(String version, String classpath, Path probeClasses) {
        this.version = version;
        this.classpath = classpath;
        this.probeClasses = probeClasses;
    }

    /** Spark {@code version}, with the probe compiled against its classpath. */
    static SparkReader of(String version) throws IOException {
        Path target = Paths.get("target");
        Path classpathFile = target.resolve("spark-" + version + ".classpath");
        if (!Files.isRegularFile(classpathFile)) {
            throw new IllegalStateException(classpathFile + " is missing: the pre-integration-test phase writes it"
                    + " (mvn -f src/test/spark/pom.xml -Dspark.version=" + version
                    + " dependency:build-classpath -Dmdep.outputFile=" + classpathFile.toAbsolutePath() + ")");
        }
        String classpath = Files.readString(classpathFile, StandardCharsets.UTF_8).trim();
        Path classes = target.resolve("spark-probe-" + version);
        Path source = Paths.get("src/test/spark/probe/SparkProbe.java");
        Path compiled = classes.resolve("SparkProbe.class");
        if (!Files.exists(compiled) || Files.getLastModifiedTime(compiled).compareTo(
                Files.getLastModifiedTime(source)) < 0) {
            Files.createDirectories(classes);
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            int rc = javac.run(null, null, null, "-nowarn", "-d", classes.toString(), "-cp", classpath,
                    source.toString());
            if (rc != 0) {
                throw new IllegalStateException("SparkProbe does not compile against Spark " + version);
            }
        }
        return new SparkReader(version, classpath, classes);
    }

    String version() {
        return version;
    }

    /**
     * Runs one Spark session over {@code args} (file paths, and {@code set:key=value} session settings that apply to
     * the files after them) and returns the probe's lines.
     */
    List<String> read(Path scratch, List<String> args) throws IOException, InterruptedException {
        Path out = scratch.resolve("spark-" + version + ".out");
        Path log = scratch.resolve("spark-" + version + ".log");
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_FLAGS);
        command.add("-cp");
        command.add(probeClasses.toAbsolutePath() + java.io.File.pathSeparator + classpath);
        command.add("SparkProbe");
        command.add(out.toString());
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("Spark " + version + " did not finish in " + TIMEOUT_SECONDS + " s; see " + log);
            }
        } finally {
            process.destroyForcibly();
        }
        if (process.exitValue() != 0 || !Files.exists(out)) {
            List<String> tail = Files.readAllLines(log, StandardCharsets.UTF_8);
            throw new IllegalStateException("Spark " + version + " failed (exit " + process.exitValue() + "): "
                    + String.join("\n", tail.subList(Math.max(0, tail.size() - 40), tail.size())));
        }
        try {
            return Files.readAllLines(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
