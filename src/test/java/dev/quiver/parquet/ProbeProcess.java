package dev.quiver.parquet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a reader probe in a process of its own and returns the lines it wrote to its output file. */
final class ProbeProcess {
    private ProbeProcess() {
    }

    /**
     * Runs {@code command}, whose probe writes {@code out}; stdout and stderr go to {@code log}. Fails with the log's
     * tail if the process exits non-zero, writes nothing, or outlives {@code timeoutSeconds}.
     */
    static List<String> run(String what, List<String> command, Path out, Path log, long timeoutSeconds)
            throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                throw new IllegalStateException(what + " did not finish in " + timeoutSeconds + " s; see " + log);
            }
        } finally {
            process.destroyForcibly();
        }
        if (process.exitValue() != 0 || !Files.exists(out)) {
            List<String> tail = Files.readAllLines(log, StandardCharsets.UTF_8);
            throw new IllegalStateException(what + " failed (exit " + process.exitValue() + "): "
                    + String.join("\n", tail.subList(Math.max(0, tail.size() - 40), tail.size())));
        }
        return Files.readAllLines(out, StandardCharsets.UTF_8);
    }
}
