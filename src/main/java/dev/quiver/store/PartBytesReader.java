package dev.quiver.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reading a whole part into a heap array, where a store has no streaming path. */
final class PartBytesReader {
    private PartBytesReader() {
    }

    static byte[] readAll(ObjectStore.PartBytes data) {
        long length = data.length();
        if (length > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a part of " + length + " bytes does not fit an array");
        }
        try (InputStream in = data.open()) {
            byte[] bytes = in.readNBytes((int) length);
            if (bytes.length != length) {
                throw new IllegalStateException("a part said " + length + " bytes and held " + bytes.length);
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a part from memory", e);
        }
    }
}
