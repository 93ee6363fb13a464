package dev.quiver.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.testing.ConnectStack;
import dev.quiver.testing.ParquetReadback;
import dev.quiver.testing.RecordingS3Proxy;
import dev.quiver.testing.RecordingS3Proxy.Request;
import dev.quiver.testing.S3ProxyServer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * Encryption and object settings on a real S3 API server (s3proxy) behind a recording HTTP hop: what s3proxy keeps
 * is checked on the stored object, the rest on the requests S3A sent, for every kind of write Quiver makes (a PUT, a
 * conditional PUT of a marker, a multipart upload).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3ObjectOptionsIT {
    private static final String BUCKET = "options-it";
    private static final byte[] PART = new byte[(int) ObjectStore.MIN_PART_BYTES];

    private S3ProxyServer s3;
    private RecordingS3Proxy hop;
    private ConnectStack stack;
    private RecordingS3Proxy stackHop;

    @BeforeAll
    void start() {
        s3 = new S3ProxyServer(S3ProxyServer.Storage.TRANSIENT).start();
        s3.createBucket(BUCKET);
        hop = new RecordingS3Proxy(s3.port());
        stack = ConnectStack.start(1);
        // The connector writes to the transient s3proxy above: the stack's own (on the local file system) keeps no
        // encryption settings, for want of extended attributes there.
        stackHop = new RecordingS3Proxy(s3.port());
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {stackHop, stack, hop, s3}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    // Best effort: the rest still closes.
                }
            }
        }
    }

    @BeforeEach
    void clearLog() {
        hop.clear();
    }

    private S3AObjectStore store(S3Options options) {
        return new S3AObjectStore(BUCKET, new S3Settings(hop.endpoint(), "us-east-1", true, s3.accessKey(),
                s3.secretKey()), options);
    }

    private static S3Options options(String sse, String kmsKey, String context, String customerKey,
                                     String storageClass, String acl) {
        return new S3Options(sse, kmsKey, context, customerKey, storageClass, acl, Map.of(), false, "", null, "NONE",
                Map.of());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A PUT, a create-only and an If-Match conditional PUT, and a two-part multipart upload, all under {@code dir}. */
    private static void writeEveryWay(ObjectStore store, String dir) {
        store.put(dir + "/single.parquet", utf8("single"), 0, 6);
        String v1 = store.putIfVersion(dir + "/marker.properties", utf8("m1"), null);
        store.putIfVersion(dir + "/marker.properties", utf8("m2"), v1);
        ObjectStore.Upload upload = store.startUpload(dir + "/multi.parquet");
        upload.uploadPart(1, ObjectStore.PartBytes.of(PART), false);
        upload.uploadPart(2, ObjectStore.PartBytes.of(utf8("tail")), true);
        upload.complete();
    }

    /** The object-creating requests: PUTs of whole objects and CreateMultipartUpload (POST ?uploads). */
    private List<Request> creations(String dir) {
        return hop.requests(r -> r.path().startsWith("/" + BUCKET + "/" + dir + "/")
                && ((r.method().equals("PUT") && !r.hasQueryParameter("partNumber"))
                || (r.method().equals("POST") && r.hasQueryParameter("uploads"))));
    }

    private HeadObjectResponse head(String key) {
        return s3.client().headObject(b -> b.bucket(BUCKET).key(key));
    }

    @Test
    void sseKmsWithKeyAndContextIsOnEveryWriteAndKeptByTheServer() {
        try (S3AObjectStore store = store(options("SSE-KMS", "alias/quiver-it", "team=data,app=quiver", null,
                "STANDARD_IA", "Private"))) {
            writeEveryWay(store, "kms");
            assertThat(store.get("kms/multi.parquet")).hasValueSatisfying(b -> assertThat(b).hasSize(PART.length + 4));
        }
        List<Request> creations = creations("kms");
        // single PUT, two conditional PUTs (one If-None-Match, one If-Match), CreateMultipartUpload
        assertThat(creations).hasSize(4);
        assertThat(creations.stream().filter(r -> r.header("if-none-match") != null)).hasSize(1);
        assertThat(creations.stream().filter(r -> r.header("if-match") != null)).hasSize(1);
        String context = Base64.getEncoder().encodeToString(utf8("{\"team\":\"data\",\"app\":\"quiver\"}"));
        assertThat(creations).allSatisfy(r -> {
            assertThat(r.header("x-amz-server-side-encryption")).as("%s", r).isEqualTo("aws:kms");
            assertThat(r.header("x-amz-server-side-encryption-aws-kms-key-id")).as("%s", r)
                    .isEqualTo("alias/quiver-it");
            assertThat(new String(Base64.getDecoder().decode(r.header("x-amz-server-side-encryption-context")),
                    StandardCharsets.UTF_8)).as("%s", r).contains("\"team\":\"data\"").contains("\"app\":\"quiver\"");
            assertThat(r.header("x-amz-storage-class")).as("%s", r).isEqualTo("STANDARD_IA");
            assertThat(r.header("x-amz-acl")).as("%s", r).isEqualTo("private");
        });
        for (String key : List.of("kms/single.parquet", "kms/marker.properties", "kms/multi.parquet")) {
            HeadObjectResponse stored = head(key);
            if (!key.endsWith("multi.parquet")) {
                // s3proxy keeps no storage class for multipart objects; the CreateMultipartUpload above carried it.
                assertThat(stored.storageClassAsString()).as(key).isEqualTo("STANDARD_IA");
            }
            assertThat(stored.serverSideEncryptionAsString()).as(key).isEqualTo("aws:kms");
            assertThat(stored.ssekmsKeyId()).as(key).isEqualTo("alias/quiver-it");
        }
    }

    @Test
    void sseS3IsOnEveryWriteAndDsseKmsIsRequested() {
        try (S3AObjectStore store = store(options("SSE-S3", "", "", null, "", ""))) {
            writeEveryWay(store, "sse-s3");
        }
        assertThat(creations("sse-s3")).hasSize(4).allSatisfy(r -> {
            assertThat(r.header("x-amz-server-side-encryption")).as("%s", r).isEqualTo("AES256");
            assertThat(r.header("x-amz-server-side-encryption-aws-kms-key-id")).as("%s", r).isNull();
            assertThat(r.header("x-amz-acl")).as("%s", r).isNull();
            assertThat(r.header("x-amz-storage-class")).as("%s", r).isNull();
        });
        assertThat(head("sse-s3/multi.parquet").serverSideEncryptionAsString()).isEqualTo("AES256");
        assertThat(head("sse-s3/marker.properties").serverSideEncryptionAsString()).isEqualTo("AES256");

        // s3proxy has no dual-layer KMS and refuses the write, so DSSE-KMS is checked on the request alone.
        try (S3AObjectStore store = store(options("DSSE-KMS", "alias/dsse", "", null, "", ""))) {
            assertThatThrownBy(() -> store.put("dsse/single.parquet", utf8("x"), 0, 1))
                    .isInstanceOf(StoreException.class).hasMessageContaining("encryption algorithm");
        }
        assertThat(creations("dsse")).isNotEmpty().allSatisfy(r -> {
            assertThat(r.header("x-amz-server-side-encryption")).as("%s", r).isEqualTo("aws:kms:dsse");
            assertThat(r.header("x-amz-server-side-encryption-aws-kms-key-id")).as("%s", r).isEqualTo("alias/dsse");
        });
    }

    @Test
    void sseCSendsTheKeyWithEveryRequestOnTheObjectAndTheServerDemandsIt() throws Exception {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        String base64 = Base64.getEncoder().encodeToString(key);
        String md5 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(key));
        try (S3AObjectStore store = store(options("SSE-C", "", "", base64, "", ""))) {
            store.put("ssec/single.parquet", utf8("single"), 0, 6);
            String v1 = store.putIfVersion("ssec/marker.properties", utf8("m1"), null);
            store.putIfVersion("ssec/marker.properties", utf8("m2"), v1);
            assertThat(store.get("ssec/single.parquet")).hasValueSatisfying(b -> assertThat(b).isEqualTo(utf8("single")));
            assertThat(store.getVersioned("ssec/marker.properties")).hasValueSatisfying(v ->
                    assertThat(v.bytes()).isEqualTo(utf8("m2")));
            assertThat(store.exists("ssec/single.parquet")).isTrue();
            // A known gap: S3A 3.5 sends no SSE-C key with CompleteMultipartUpload. AWS needs none there (unless a
            // bucket policy or a checksum algorithm asks for it); s3proxy always does, so here the completion fails.
            ObjectStore.Upload upload = store.startUpload("ssec/multi.parquet");
            upload.uploadPart(1, ObjectStore.PartBytes.of(PART), false);
            upload.uploadPart(2, ObjectStore.PartBytes.of(utf8("tail")), true);
            assertThatThrownBy(upload::complete).isInstanceOf(StoreException.class)
                    .hasMessageContaining("Server Side Encryption");
            upload.abort();
        }
        List<Request> keyed = hop.requests(r -> r.path().startsWith("/" + BUCKET + "/ssec/")
                && !(r.method().equals("POST") && r.hasQueryParameter("uploadId"))
                && !(r.method().equals("DELETE") && r.hasQueryParameter("uploadId")));
        assertThat(keyed).extracting(Request::method).contains("PUT", "POST", "GET", "HEAD");
        assertThat(keyed.stream().filter(r -> r.hasQueryParameter("partNumber"))).hasSize(2);
        assertThat(keyed.stream().filter(r -> r.header("if-none-match") != null)).hasSize(1);
        assertThat(keyed.stream().filter(r -> r.method().equals("PUT") && r.header("if-match") != null)).hasSize(1);
        assertThat(keyed).allSatisfy(r -> {
            assertThat(r.header("x-amz-server-side-encryption-customer-algorithm")).as("%s", r).isEqualTo("AES256");
            assertThat(r.header("x-amz-server-side-encryption-customer-key")).as("%s", r).isEqualTo(base64);
            assertThat(r.header("x-amz-server-side-encryption-customer-key-md5")).as("%s", r).isEqualTo(md5);
        });
        // The server keeps the objects under that key: a read without it is refused, one with it served.
        assertThatThrownBy(() -> head("ssec/marker.properties"))
                .isInstanceOf(software.amazon.awssdk.services.s3.model.S3Exception.class);
        assertThat(s3.client().headObject(b -> b.bucket(BUCKET).key("ssec/single.parquet")
                .sseCustomerAlgorithm("AES256").sseCustomerKey(base64).sseCustomerKeyMD5(md5)).contentLength())
                .isEqualTo(6L);
    }

    @Test
    void landedFilesAreTaggedStaticallyAndPerFile() {
        S3Options tagged = new S3Options(null, "", "", null, "", "", Map.of("team", "data"), true, "", null, "NONE",
                Map.of());
        try (S3AObjectStore store = store(tagged)) {
            store.put("tags/f.parquet", utf8("f"), 0, 1);
            store.fileLanded("tags/f.parquet", Map.of("kafka.topic", "orders", "kafka.partition", "3",
                    "kafka.offset.first", "10", "kafka.offset.last", "19", "rows", "10"));
        }
        List<Request> tagging = hop.requests(r -> r.hasQueryParameter("tagging"));
        assertThat(tagging).hasSize(1);
        assertThat(tagging.get(0).path()).isEqualTo("/" + BUCKET + "/tags/f.parquet");
        assertThat(tagging.get(0).body()).contains("<Key>team</Key><Value>data</Value>")
                .contains("<Key>kafka.topic</Key><Value>orders</Value>")
                .contains("<Key>kafka.partition</Key><Value>3</Value>")
                .contains("<Key>kafka.offset.first</Key><Value>10</Value>")
                .contains("<Key>kafka.offset.last</Key><Value>19</Value>")
                .contains("<Key>rows</Key><Value>10</Value>");
        // No tags configured: no tagging request.
        hop.clear();
        try (S3AObjectStore store = store(S3Options.NONE)) {
            store.put("tags/g.parquet", utf8("g"), 0, 1);
            store.fileLanded("tags/g.parquet", Map.of("kafka.topic", "orders"));
        }
        assertThat(hop.requests(r -> r.hasQueryParameter("tagging"))).isEmpty();
    }

    /**
     * Through the real Connect stack: the connector's settings reach every object it writes. Two files of one
     * partition land under SSE-KMS with a storage class; each is tagged with its own offsets and rows, as DuckDB
     * reads them back; the commit marker is encrypted too; a pass-through key shows in the requests.
     */
    @Test
    void theConnectorsSettingsReachEveryObjectItLands() {
        String name = "options-connect";
        stack.createTopic(name, 1);
        for (int i = 0; i < 20; i++) {
            stack.produce(name, 0, "k" + i, "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"id\","
                    + "\"type\":\"int64\"},{\"field\":\"name\",\"type\":\"string\"}]},\"payload\":{\"id\":" + i
                    + ",\"name\":\"n" + i + "\"}}");
        }
        stack.flush();
        Map<String, String> overrides = new java.util.HashMap<>();
        overrides.put("store.url", "s3a://" + BUCKET + "/" + name);
        overrides.put("s3.endpoint", stackHop.endpoint());
        overrides.put("s3.access.key", s3.accessKey());
        overrides.put("s3.secret.key", s3.secretKey());
        overrides.put("flush.max.records", "10");
        overrides.put("s3.sse.type", "SSE-KMS");
        overrides.put("s3.sse.kms.key.id", "alias/connect-it");
        overrides.put("s3.storage.class", "standard_ia");
        overrides.put("s3.tags", "team=data");
        overrides.put("s3.tags.per.file", "true");
        overrides.put("s3.extra.fs.s3a.user.agent.prefix", "quiver-options-it");
        stack.startConnector(name, stack.connectorConfig(name, name, overrides), 1);
        ConnectStack.Landed landed = awaitLanded(name, 20);

        assertThat(landed.dataKeys()).hasSize(2);
        try (ParquetReadback duck = new ParquetReadback()) {
            assertThat(duck.columnTypes(landed.dataFiles())).containsEntry("id", "BIGINT")
                    .containsEntry("name", "VARCHAR");
            assertThat(duck.queryLists("SELECT _kafka_offset, id, name FROM " + ParquetReadback.table(
                    landed.dataFiles()) + " ORDER BY _kafka_offset")).hasSize(20).allSatisfy(row -> {
                        assertThat(row.get(1)).isEqualTo(row.get(0));
                        assertThat(row.get(2)).isEqualTo("n" + row.get(0));
                    });
            for (int f = 0; f < 2; f++) {
                String key = landed.dataKeys().get(f);
                java.nio.file.Path file = landed.dir().resolve(key);
                List<Object> facts = duck.queryLists("SELECT min(_kafka_offset), max(_kafka_offset), count(*) FROM "
                        + ParquetReadback.table(List.of(file))).get(0);
                List<Request> tagging = stackHop.requests(r -> r.hasQueryParameter("tagging")
                        && r.path().equals("/" + BUCKET + "/" + name + "/" + key));
                assertThat(tagging).as(key).hasSize(1);
                assertThat(tagging.get(0).body()).as(key)
                        .contains("<Key>team</Key><Value>data</Value>")
                        .contains("<Key>kafka.topic</Key><Value>" + name + "</Value>")
                        .contains("<Key>kafka.partition</Key><Value>0</Value>")
                        .contains("<Key>kafka.offset.first</Key><Value>" + facts.get(0) + "</Value>")
                        .contains("<Key>kafka.offset.last</Key><Value>" + facts.get(1) + "</Value>")
                        .contains("<Key>rows</Key><Value>" + facts.get(2) + "</Value>");
            }
        }
        List<String> markers = landed.keys().stream().filter(k -> k.contains("_quiver/")).collect(
                java.util.stream.Collectors.toList());
        assertThat(markers).isNotEmpty();
        for (String key : landed.keys()) {
            HeadObjectResponse stored = head(name + "/" + key);
            assertThat(stored.serverSideEncryptionAsString()).as(key).isEqualTo("aws:kms");
            assertThat(stored.ssekmsKeyId()).as(key).isEqualTo("alias/connect-it");
            assertThat(stored.storageClassAsString()).as(key).isEqualTo("STANDARD_IA");
        }
        assertThat(stackHop.requests()).allSatisfy(r ->
                assertThat(r.header("user-agent")).as("%s", r).startsWith("quiver-options-it"));
        stack.deleteConnector(name);
    }

    /** Polls the transient server until the files under {@code name} hold {@code rows} rows, read with DuckDB. */
    private ConnectStack.Landed awaitLanded(String name, long rows) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(120).toNanos();
        while (true) {
            java.nio.file.Path dir = stack.newTempDir("landed");
            try {
                s3.downloadTo(BUCKET, name + "/", dir);
            } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
                // Listed, then gone before its download (an object the sink replaced meanwhile): poll again.
                assertThat(System.nanoTime() - deadline).as("a stable listing of %s in time", name).isNegative();
                ConnectStack.sleep(200);
                continue;
            }
            ConnectStack.Landed landed = ConnectStack.scanLocal(dir.resolve(name));
            if (landed.rows() == rows && landed.keys().stream().anyMatch(k -> k.contains("_quiver/"))) {
                return landed;
            }
            assertThat(System.nanoTime() - deadline).as("%s rows and a marker in time; now %s rows", rows,
                    landed.rows()).isNegative();
            ConnectStack.sleep(1000);
        }
    }
}
