package dev.quiver.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
