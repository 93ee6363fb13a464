package dev.quiver.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalObjectStoreTest {
    @TempDir
    Path root;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void putGetListDelete() {
        LocalObjectStore store = new LocalObjectStore(root);
        store.put("a/b/one.parquet", bytes("xxone"), 2, 3);
        store.put("a/b/two.parquet", bytes("two"), 0, 3);
        store.put("a/c/three.parquet", bytes("three"), 0, 5);

        assertThat(store.get("a/b/one.parquet")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("one")));
        assertThat(store.get("a/b/missing")).isEmpty();
        assertThat(store.list("a/b/")).containsExactlyInAnyOrder("a/b/one.parquet", "a/b/two.parquet");
        assertThat(store.list("a/")).hasSize(3);
        assertThat(store.list("nothing/here/")).isEmpty();

        store.delete("a/b/one.parquet");
        store.delete("a/b/one.parquet");
        assertThat(store.list("a/b/")).containsExactly("a/b/two.parquet");
    }

    /**
     * A whole object given as parts (a file held in off-heap chunks) is streamed to its key, not first copied into one
     * heap array of its size. With ObjectStore's default put(key, PartBytes), which copies, this thread allocated
     * more than the object's 8 MiB.
     */
    @Test
    void aPutOfPartBytesStreamsThemWithoutAHeapCopyOfTheObject() throws Exception {
        LocalObjectStore store = new LocalObjectStore(root);
        int size = 8 << 20;
        ObjectStore.PartBytes data = new ObjectStore.PartBytes() {
            @Override
            public long length() {
                return size;
            }

            @Override
            public java.io.InputStream open() {
                // Bytes made as they are read, as an off-heap part would give them, with no array of the whole.
                return new java.io.InputStream() {
                    private int position;

                    @Override
                    public int read() {
                        return position < size ? (position++ * 31) & 0xff : -1;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) {
                        if (position == size) {
                            return -1;
                        }
                        int n = Math.min(len, size - position);
                        for (int i = 0; i < n; i++) {
                            b[off + i] = (byte) ((position++ * 31) & 0xff);
                        }
                        return n;
                    }
                };
            }
        };
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        store.put("warm-up", data);
        long before = threads.getThreadAllocatedBytes(thread);
        store.put("big", data);
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertThat(allocated).as("bytes allocated on the heap to write an 8 MiB object").isLessThan(size / 8);
        byte[] back = Files.readAllBytes(root.resolve("big"));
        assertThat(back).hasSize(size);
        for (int i = 0; i < size; i += 4093) {
            assertThat(back[i]).isEqualTo((byte) ((i * 31) & 0xff));
        }
    }

    @Test
    void overwriteReplacesWholeObjectAndLeavesNoTempFiles() throws Exception {
        LocalObjectStore store = new LocalObjectStore(root);
        store.put("k", bytes("a much longer first version"), 0, 27);
        store.put("k", bytes("short"), 0, 5);
        assertThat(store.get("k")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("short")));
        try (var files = Files.list(root)) {
            assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("k");
        }
    }

    @Test
    void keysCannotEscapeTheRoot() {
        LocalObjectStore store = new LocalObjectStore(root.resolve("inner"));
        assertThatThrownBy(() -> store.put("../outside", bytes("x"), 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("escapes");
    }

    private static byte[] filled(int size, int seed) {
        byte[] bytes = new byte[size];
        new java.util.Random(seed).nextBytes(bytes);
        return bytes;
    }

    private List<String> namesIn(Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(java.util.stream.Collectors.toList());
        }
    }

    @Test
    void multipartUploadIsInvisibleUntilCompletedThenWhole() throws Exception {
        LocalObjectStore store = new LocalObjectStore(root);
        byte[] one = filled(6 * 1024 * 1024, 1);
        byte[] two = filled(1000, 2);
        ObjectStore.Upload upload = store.startUpload("t/p/file.parquet");
        upload.uploadPart(1, ObjectStore.PartBytes.of(one), false);
        // A retried part replaces the first attempt's bytes.
        upload.uploadPart(2, ObjectStore.PartBytes.of(filled(1000, 99)), true);
        upload.uploadPart(2, ObjectStore.PartBytes.of(two), true);
        assertThat(store.exists("t/p/file.parquet")).isFalse();
        assertThat(store.list("t/")).isEmpty();
        upload.complete();

        byte[] expected = new byte[one.length + two.length];
        System.arraycopy(one, 0, expected, 0, one.length);
        System.arraycopy(two, 0, expected, one.length, two.length);
        assertThat(store.get("t/p/file.parquet")).hasValueSatisfying(v -> assertThat(v).isEqualTo(expected));
        // No part files or temp files remain.
        assertThat(namesIn(root.resolve("t/p"))).containsExactly("file.parquet");
    }

    @Test
    void abortDropsThePartsAndLeavesTheKeyAsItWas() throws Exception {
        LocalObjectStore store = new LocalObjectStore(root);
        store.put("k.parquet", bytes("old"), 0, 3);
        ObjectStore.Upload upload = store.startUpload("k.parquet");
        upload.uploadPart(1, ObjectStore.PartBytes.of(filled(100, 3)), true);
        upload.abort();
        assertThat(store.get("k.parquet")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("old")));
        assertThat(namesIn(root)).containsExactly("k.parquet");
    }

    @Test
    void abortUploadsClearsWhatACrashedWriterLeftUnderTheKeyOnly() throws Exception {
        LocalObjectStore store = new LocalObjectStore(root);
        ObjectStore.Upload crashed = store.startUpload("d/a.parquet");
        crashed.uploadPart(1, ObjectStore.PartBytes.of(filled(100, 4)), false);
        ObjectStore.Upload other = store.startUpload("d/b.parquet");
        other.uploadPart(1, ObjectStore.PartBytes.of(filled(100, 5)), true);
        assertThat(namesIn(root.resolve("d"))).hasSize(2);

        store.abortUploads("d/a.parquet");
        store.abortUploads("d/none.parquet");
        assertThat(namesIn(root.resolve("d"))).singleElement().satisfies(n -> assertThat(n).contains("b.parquet"));
        other.complete();
        assertThat(store.list("d/")).containsExactly("d/b.parquet");
    }
    /**
     * Issue 12 #7: a rename is durable only once its directory is forced. Records every fsync with what the disk held
     * at that moment: the file's bytes are forced before the rename (the key does not hold them yet), the key's
     * directory after it (the key holds them), and every directory a write created is forced in its parent.
     */
    @Test
    void writesForceTheFileBeforeTheRenameAndTheDirectoryAfterIt() throws Exception {
        List<String> events = new java.util.ArrayList<>();
        Path key = root.resolve("t/partition=0/f.parquet");
        LocalObjectStore.Fsync recording = new LocalObjectStore.Fsync() {
            @Override
            public void file(Path path, java.nio.channels.FileChannel channel) throws java.io.IOException {
                events.add("file " + root.relativize(path).getParent() + (Files.exists(key) ? " after" : " before")
                        + " the rename");
                channel.force(true);
            }

            @Override
            public void directory(Path dir) throws java.io.IOException {
                events.add("dir " + (dir.equals(root) ? "<root>" : root.relativize(dir)) + (Files.exists(key)
                        ? " after" : " before") + " the rename");
                LocalObjectStore.forceDirectory(dir);
            }
        };
        LocalObjectStore store = new LocalObjectStore(root, recording);
        store.put("t/partition=0/f.parquet", bytes("one"), 0, 3);
        assertThat(events).containsExactly(
                "dir <root> before the rename", "dir t before the rename",
                "file t/partition=0 before the rename", "dir t/partition=0 after the rename");

        events.clear();
        Files.delete(key);
        ObjectStore.Upload upload = store.startUpload("t/partition=0/f.parquet");
        upload.uploadPart(1, ObjectStore.PartBytes.of(bytes("two")), true);
        upload.complete();
        assertThat(events).containsExactly("file t/partition=0 before the rename", "file t/partition=0 before the rename",
                "dir t/partition=0 after the rename");

        events.clear();
        String version = store.putIfVersion("t/partition=0/f.parquet", bytes("three"),
                store.getVersioned("t/partition=0/f.parquet").orElseThrow().version());
        assertThat(version).isNotBlank();
        assertThat(events).containsExactly("file t/partition=0 after the rename", "dir t/partition=0 after the rename");

        events.clear();
        store.delete("t/partition=0/f.parquet");
        assertThat(events).containsExactly("dir t/partition=0 before the rename");
    }
}
