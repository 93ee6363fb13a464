package dev.quiver.parquet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * pyarrow (Arrow C++'s Parquet reader) as an independent reader, in a python3 process running
 * src/test/pyarrow/probe.py. The interpreter is {@code -Dquiver.python}, else {@code python3} on the PATH if it
 * imports pyarrow (bash .ci/run installs it there), else a virtual environment under target/ made with pyarrow from
 * the machine's local wheels ({@code -Dquiver.wheels}, default /opt/pypi/files; Debian 12 packages no pyarrow), so
 * {@code mvn -B verify} needs no manual step. No pyarrow at all fails the IT with that said, never skips it.
 */
final class PyarrowReader {
    private static final long TIMEOUT_SECONDS = 120;

    private final String python;

    private PyarrowReader(String python) {
        this.python = python;
    }

    /** The reader, or a clear failure if no interpreter can import pyarrow. */
    static PyarrowReader create() throws IOException, InterruptedException {
        String configured = System.getProperty("quiver.python");
        if (configured != null && !configured.isBlank()) {
            String said = run(List.of(configured, "-c", "import pyarrow.parquet"));
            if (said != null) {
                throw new IllegalStateException(configured + " (-Dquiver.python) cannot import pyarrow: " + said);
            }
            return new PyarrowReader(configured);
        }
        if (run(List.of("python3", "-c", "import pyarrow.parquet")) == null) {
            return new PyarrowReader("python3");
        }
        Path venv = Paths.get("target", "pyarrow-venv").toAbsolutePath();
        String python = venv.resolve("bin").resolve("python").toString();
        if (!Files.isExecutable(venv.resolve("bin").resolve("python"))) {
            String said = run(List.of("python3", "-m", "venv", venv.toString()));
            if (said != null) {
                throw new IllegalStateException("python3 has no pyarrow and cannot make a venv: " + said);
            }
        }
        if (run(List.of(python, "-c", "import pyarrow.parquet")) != null) {
            String wheels = System.getProperty("quiver.wheels", "/opt/pypi/files");
            String said = run(List.of(python, "-m", "pip", "install", "-q", "--no-index", "--find-links", wheels,
                    "pyarrow==25.0.1"));
            if (said != null) {
                throw new IllegalStateException("python3 cannot import pyarrow, which ReaderCompatibilityIT reads with,"
                        + " and no pyarrow 25.0.1 wheel installs from " + wheels + " (-Dquiver.wheels): " + said);
            }
        }
        return new PyarrowReader(python);
    }

    /** Runs a short command; null if it succeeded, else what it said. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.toString();
        }
        String said = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return String.join(" ", command) + " did not finish in 300 s";
        }
        return process.exitValue() == 0 ? null : "exit " + process.exitValue() + ": " + said;
    }

    /** Reads {@code label=path} files in one process and returns the probe's lines. */
    List<String> read(Path scratch, List<String> files) throws IOException, InterruptedException {
        Path out = scratch.resolve("pyarrow.out");
        List<String> command = new ArrayList<>(List.of(python, Paths.get("src/test/pyarrow/probe.py").toString(),
                out.toString()));
        command.addAll(files);
        return ProbeProcess.run("pyarrow", command, out, scratch.resolve("pyarrow.log"), TIMEOUT_SECONDS);
    }
}
