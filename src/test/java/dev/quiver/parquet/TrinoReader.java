package dev.quiver.parquet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Trino's Parquet reader (trino-parquet, under Trino's Hive, Iceberg and Delta connectors) as an independent reader, in
 * a JVM of its own: Trino is built for Java 25 and brings its own parquet-java and Guava. The classpath comes from
 * src/test/trino/pom.xml (resolved into target/trino-&lt;version&gt;.classpath in pre-integration-test); the probe,
 * src/test/trino/probe/TrinoProbe.java, runs in the JDK 25's source-file mode, so nothing is compiled here.
 */
final class TrinoReader {
    static final String VERSION = "483";
    private static final long TIMEOUT_SECONDS = 300;

    private final Path java;
    private final String classpath;

    private TrinoReader(Path java, String classpath) {
        this.java = java;
        this.classpath = classpath;
    }

    /** The reader, or a clear failure naming what is missing (a JDK 25, or the resolved classpath). */
    static TrinoReader create() throws IOException {
        Path classpathFile = Paths.get("target", "trino-" + VERSION + ".classpath");
        if (!Files.isRegularFile(classpathFile)) {
            throw new IllegalStateException(classpathFile + " is missing: the pre-integration-test phase writes it"
                    + " (mvn -f src/test/trino/pom.xml dependency:build-classpath -Dmdep.outputFile="
                    + classpathFile.toAbsolutePath() + ")");
        }
        return new TrinoReader(jdk25().resolve("bin").resolve("java"),
                Files.readString(classpathFile, StandardCharsets.UTF_8).trim());
    }

    /**
     * A JDK 25: {@code -Dquiver.jdk25.home}, else Temurin's under /usr/lib/jvm, where this project's machines have it
     * beside the default JDK 17 (Debian 12 packages none).
     */
    static Path jdk25() throws IOException {
        String configured = System.getProperty("quiver.jdk25.home");
        List<Path> candidates = new ArrayList<>();
        if (configured != null && !configured.isBlank()) {
            candidates.add(Paths.get(configured));
        }
        candidates.add(Paths.get("/usr/lib/jvm/temurin-25-jdk-amd64"));
        Path jvms = Paths.get("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> dirs = Files.list(jvms)) {
                dirs.filter(d -> d.getFileName().toString().matches(".*-25(\\D.*)?")).sorted().forEach(candidates::add);
            }
        }
        for (Path home : candidates) {
            if (Files.isExecutable(home.resolve("bin").resolve("java"))) {
                return home;
            }
        }
        throw new IllegalStateException("Trino's reader needs a JDK 25; none found at " + candidates
                + " (set -Dquiver.jdk25.home)");
    }

    /**
     * Reads the files in one JVM. {@code args}: {@code file:label=path} followed by that file's declared columns,
     * {@code column:name=type}, as src/test/trino/probe/TrinoProbe.java describes.
     */
    List<String> read(Path scratch, List<String> args) throws IOException, InterruptedException {
        Path out = scratch.resolve("trino.out");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx512m", "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                // Trino's decoders use the Vector API, an incubator module in JDK 25 (Trino's launcher adds it too).
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Dtrino.version=" + VERSION, "-cp", classpath,
                Paths.get("src/test/trino/probe/TrinoProbe.java").toString(), out.toString()));
        command.addAll(args);
        return ProbeProcess.run("Trino " + VERSION + "'s reader", command, out, scratch.resolve("trino.log"),
                TIMEOUT_SECONDS);
    }

}
