package dev.quiver.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.testing.FaultyS3Server;
import dev.quiver.testing.S3ProxyServer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The S3A store against a real S3 API server (s3proxy): plain and conditional writes, reads, listing, errors. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3AObjectStoreIT {
    private S3ProxyServer s3;
    private S3AObjectStore store;

    @BeforeAll
    void start() {
        s3 = new S3ProxyServer().start();
        s3.createBucket("store-it");
        store = new S3AObjectStore("store-it", settings(s3.accessKey(), s3.secretKey()));
    }

    private S3Settings settings(String access, String secret) {
        return new S3Settings(s3.endpoint(), "us-east-1", true, access, secret);
    }

    @AfterAll
    void stop() {
        if (store != null) {
            store.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void putGetListExistsDelete() {
        store.put("a/b/one.parquet", bytes("xxone"), 2, 3);
        store.put("a/b/two.parquet", bytes("two"), 0, 3);
        store.put("a/c/three.parquet", bytes("three"), 0, 5);
        assertThat(store.get("a/b/one.parquet")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("one")));
        assertThat(store.get("a/b/missing")).isEmpty();
        assertThat(store.exists("a/b/two.parquet")).isTrue();
        assertThat(store.exists("a/b/none.parquet")).isFalse();
        assertThat(store.list("a/b/")).containsExactlyInAnyOrder("a/b/one.parquet", "a/b/two.parquet");
        assertThat(store.list("a/")).hasSize(3);
        assertThat(store.list("nothing/")).isEmpty();
        store.delete("a/b/one.parquet");
        assertThat(store.list("a/b/")).containsExactly("a/b/two.parquet");
    }

    @Test
    void conditionalWritesFenceAStaleWriter() {
        String key = "markers/m.properties";
        String v1 = store.putIfVersion(key, bytes("first"), null);
        assertThat(v1).isNotBlank();
        assertThat(store.getVersioned(key)).hasValueSatisfying(v -> {
            assertThat(v.bytes()).isEqualTo(bytes("first"));
            assertThat(v.version()).isEqualTo(v1);
        });
        // Create-only fails once the object exists.
        assertThatThrownBy(() -> store.putIfVersion(key, bytes("again"), null)).isInstanceOf(StoreConflictException.class);
        String v2 = store.putIfVersion(key, bytes("second"), v1);
        assertThat(v2).isNotEqualTo(v1);
        // A writer still holding v1 is refused and changes nothing.
        assertThatThrownBy(() -> store.putIfVersion(key, bytes("zombie"), v1)).isInstanceOf(StoreConflictException.class);
        assertThat(store.get(key)).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("second")));
    }

    /**
     * Issue 12 #6: the version a conditional write returns must be that write's own. Another writer (the partition's
     * new owner) stores the marker right after this one's PUT, before any later request of this writer: had the
     * version come from a HEAD after the PUT, this writer (a zombie) would adopt the new owner's version, and its next
     * conditional write would overwrite the new owner's marker instead of being refused.
     */
    @Test
    void theVersionReturnedIsTheConditionalWritesOwnEvenWhenAnotherWriterFollowsAtOnce() {
        try (FaultyS3Server faulty = new FaultyS3Server().start()) {
            faulty.createBucket("fence-it");
            try (S3AObjectStore zombie = new S3AObjectStore("fence-it",
                    new S3Settings(faulty.endpoint(), "us-east-1", true, faulty.accessKey(), faulty.secretKey()))) {
                String key = "m/_quiver/offsets/c/t+0.properties";
                String v1 = zombie.putIfVersion(key, bytes("first"), null);
                faulty.writeRightAfterNextPutOf(key, bytes("the new owner's marker"));
                String mine = zombie.putIfVersion(key, bytes("the zombie's marker"), v1);
                assertThat(zombie.get(key)).hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8))
                        .isEqualTo("the new owner's marker"));
                assertThatThrownBy(() -> zombie.putIfVersion(key, bytes("the zombie's next marker"), mine))
                        .as("a write conditional on the version the zombie was given, after the new owner's write")
                        .isInstanceOf(StoreConflictException.class);
                assertThat(zombie.get(key)).hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8))
                        .isEqualTo("the new owner's marker"));
            }
        }
    }

    @Test
    void theVersionReturnedMatchesTheOneAReadSees() {
        String key = "markers/same-version.properties";
        String written = store.putIfVersion(key, bytes("v"), null);
        assertThat(store.getVersioned(key)).hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(written));
        String next = store.putIfVersion(key, bytes("w"), written);
        assertThat(store.getVersioned(key)).hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(next));
    }

    @Test
    void wrongCredentialsAndMissingBucketsFailWithoutRetrying() {
        try (S3AObjectStore denied = new S3AObjectStore("store-it", settings("nobody", "wrong-secret"))) {
            assertThatThrownBy(() -> denied.put("x", bytes("x"), 0, 1)).isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.retriable()).isFalse());
        }
        try (S3AObjectStore missing = new S3AObjectStore("no-such-bucket", settings(s3.accessKey(), s3.secretKey()))) {
            assertThatThrownBy(() -> missing.put("x", bytes("x"), 0, 1)).isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.retriable()).isFalse());
        }
    }

    @Test
    void multipartUploadIsInvisibleUntilCompletedAndRetriesAPart() {
        byte[] one = new byte[(int) ObjectStore.MIN_PART_BYTES + 17];
        new java.util.Random(1).nextBytes(one);
        byte[] two = bytes("the last part may be small");
        ObjectStore.Upload upload = store.startUpload("mp/file.parquet");
        upload.uploadPart(1, ObjectStore.PartBytes.of(one), false);
        // The same part sent again, as after a failure: the last upload of a number counts.
        upload.uploadPart(1, ObjectStore.PartBytes.of(one), false);
        upload.uploadPart(2, ObjectStore.PartBytes.of(two), true);
        assertThat(store.exists("mp/file.parquet")).isFalse();
        upload.complete();
        byte[] expected = java.util.Arrays.copyOf(one, one.length + two.length);
        System.arraycopy(two, 0, expected, one.length, two.length);
        assertThat(store.get("mp/file.parquet")).hasValueSatisfying(v -> assertThat(v).isEqualTo(expected));
    }

    @Test
    void abortedAndStaleUploadsNeverBecomeObjects() {
        ObjectStore.Upload aborted = store.startUpload("mp/aborted.parquet");
        aborted.uploadPart(1, ObjectStore.PartBytes.of(bytes("x")), true);
        aborted.abort();
        assertThatThrownBy(aborted::complete).isInstanceOf(StoreException.class);
        assertThat(store.exists("mp/aborted.parquet")).isFalse();

        // A crashed writer's upload, cleared by key by the next one.
        ObjectStore.Upload stale = store.startUpload("mp/stale.parquet");
        stale.uploadPart(1, ObjectStore.PartBytes.of(bytes("stale")), true);
        store.abortUploads("mp/stale.parquet");
        assertThatThrownBy(stale::complete).isInstanceOf(StoreException.class);
        assertThat(store.exists("mp/stale.parquet")).isFalse();
    }
}
