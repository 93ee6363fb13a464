package dev.quiver.store;

import java.io.ByteArrayOutputStream;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The fallback {@link ObjectStore.Upload} for stores without multipart uploads: parts wait on the heap and the object
 * is written with one plain put on completion, so it has the same all-or-nothing visibility, without the memory
 * saving.
 */
final class HeapUpload implements ObjectStore.Upload {
    private final ObjectStore store;
    private final String key;
    private final TreeMap<Integer, byte[]> parts = new TreeMap<>();

    HeapUpload(ObjectStore store, String key) {
        this.store = Objects.requireNonNull(store, "store");
        this.key = Objects.requireNonNull(key, "key");
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public void uploadPart(int number, ObjectStore.PartBytes data, boolean last) {
        parts.put(number, PartBytesReader.readAll(data));
    }

    @Override
    public void complete() {
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        for (byte[] part : parts.values()) {
            whole.write(part, 0, part.length);
        }
        store.put(key, whole.toByteArray(), 0, whole.size());
        parts.clear();
    }

    @Override
    public void abort() {
        parts.clear();
    }
}
