package dev.quiver.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.store.ObjectStore;
import dev.quiver.store.StoreException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The fake's multipart uploads behave as S3's do, and its injected failures reach parts and completions too. */
class InMemoryObjectStoreTest {
    private static final int PART = (int) ObjectStore.MIN_PART_BYTES;

    private static byte[] filled(int size, int value) {
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    @Test
    void aFailedPartIsRetriedAndTheObjectAppearsOnlyOnCompletion() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        ObjectStore.Upload upload = store.startUpload("k");
        store.failNextPuts(1, true);
        assertThatThrownBy(() -> upload.uploadPart(1, ObjectStore.PartBytes.of(filled(PART, 1)), false))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.retriable()).isTrue());
        upload.uploadPart(1, ObjectStore.PartBytes.of(filled(PART, 1)), false);
        upload.uploadPart(2, ObjectStore.PartBytes.of(filled(3, 2)), true);
        assertThat(store.exists("k")).isFalse();
        store.failNextPuts(1, true);
        assertThatThrownBy(upload::complete).isInstanceOf(StoreException.class);
        assertThat(store.exists("k")).isFalse();
        upload.complete();

        byte[] object = store.get("k").orElseThrow();
        assertThat(object).hasSize(PART + 3);
        assertThat(object[PART - 1]).isEqualTo((byte) 1);
        assertThat(object[PART]).isEqualTo((byte) 2);
        assertThat(store.partsUploaded()).isEqualTo(2);
        assertThat(store.openUploads()).isEmpty();
    }

    @Test
    void aSmallPartBeforeTheLastIsRefusedAsOnS3() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        ObjectStore.Upload upload = store.startUpload("k");
        upload.uploadPart(1, ObjectStore.PartBytes.of(filled(10, 1)), false);
        upload.uploadPart(2, ObjectStore.PartBytes.of(filled(10, 2)), true);
        assertThatThrownBy(upload::complete).isInstanceOf(StoreException.class).hasMessageContaining("5 MiB");
        assertThat(store.exists("k")).isFalse();
    }

    @Test
    void abortedAndStaleUploadsLeaveNothing() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        ObjectStore.Upload aborted = store.startUpload("a");
        aborted.uploadPart(1, ObjectStore.PartBytes.of(filled(10, 1)), true);
        aborted.abort();
        assertThatThrownBy(aborted::complete).isInstanceOf(StoreException.class);

        ObjectStore.Upload stale = store.startUpload("b");
        ObjectStore.Upload other = store.startUpload("c");
        assertThat(store.openUploads()).containsExactly("b", "c");
        store.abortUploads("b");
        assertThat(store.openUploads()).containsExactly("c");
        assertThatThrownBy(() -> stale.uploadPart(1, ObjectStore.PartBytes.of(filled(1, 1)), true))
                .isInstanceOf(StoreException.class);
        other.abort();
        assertThat(store.list("")).isEmpty();
    }
}
