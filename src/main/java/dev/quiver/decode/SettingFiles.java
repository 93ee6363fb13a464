package dev.quiver.decode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Reads the files that the {@code *.json.schema.file} and {@code *.protobuf.descriptor.file} settings name, at
 * validate() time as well as at start. Anyone who can reach the REST API can make the worker read a path of their
 * choosing, so: only regular files (not a device or a pipe that never ends), only up to a cap, and no error message
 * ever carries a byte of the file.
 */
final class SettingFiles {
    /** A JSON Schema larger than this is not a schema a person wrote. */
    static final long MAX_SCHEMA_FILE_BYTES = 1024 * 1024;
    /** protoc descriptor sets with --include_imports of large APIs reach a few MiB. */
    static final long MAX_DESCRIPTOR_FILE_BYTES = 16 * 1024 * 1024;

    private SettingFiles() {
    }

    /**
     * The whole file, if it is a regular file of at most {@code maxBytes}.
     *
     * @throws IllegalArgumentException with a message fit for the setting's validate error: it names the problem,
     *                                  never the content
     */
    static byte[] read(String file, long maxBytes) {
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("cannot be read on this worker: it is not a valid path");
        }
        try {
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("cannot be read on this worker: " + (Files.exists(path)
                        ? "it is not a regular file" : "it does not exist"));
            }
            try (InputStream in = Files.newInputStream(path)) {
                // One byte past the cap tells a file at the cap from a larger one, whatever its size claimed.
                byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
                if (bytes.length > maxBytes) {
                    throw new IllegalArgumentException("is larger than " + maxBytes + " bytes, the most this setting"
                            + " reads");
                }
                return bytes;
            }
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException("cannot be read on this worker (" + e.getClass().getSimpleName() + ")");
        }
    }
}
