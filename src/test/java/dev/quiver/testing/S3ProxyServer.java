package dev.quiver.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An in-process S3 server (s3proxy) for integration tests.
 *
 * <p>The blob store is created once and outlives {@link #stop()}: with {@link Storage#FILESYSTEM} it lives in a temp
 * directory, with {@link Storage#TRANSIENT} in memory. Either way, {@link #restart()} (or {@link #stop()} then
 * {@link #start()}) serves the same objects again on the <em>same port</em>, so a test can take S3 away mid-upload and
 * give it back at the address the connector already knows.
 *
 * <p>Everything that reads objects ({@link #listKeys}, {@link #downloadTo}) goes through the AWS SDK v2 S3 client
 * over HTTP, never through Quiver's own store code, so it is an independent reader of what the connector wrote.
 */
public final class S3ProxyServer implements AutoCloseable {

    public enum Storage { FILESYSTEM, TRANSIENT }

    private static final String ACCESS_KEY = "quiver-test-access";
    private static final String SECRET_KEY = "quiver-test-secret-0123456789";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Storage storage;
    private final Path baseDir;       // FILESYSTEM only (null otherwise)
    private final BlobStore blobStore;
    private final String accessKey;
    private final String secretKey;
    private S3Proxy proxy;
    private int port;                  // 0 until first start; then fixed for the life of this object
    private S3Client client;

    public S3ProxyServer() {
        this(Storage.FILESYSTEM);
    }

    public S3ProxyServer(Storage storage) {
        this.storage = storage;
        this.accessKey = ACCESS_KEY;
        this.secretKey = SECRET_KEY;
        if (storage == Storage.FILESYSTEM) {
            this.baseDir = createTempDirectory("quiver-s3proxy-");
            this.blobStore = new FilesystemNio2BlobStore(baseDir.toString());
        } else {
            this.baseDir = null;
            this.blobStore = new TransientNio2BlobStore();
        }
    }

    /**
     * Serves {@code blobStore}, which keeps its objects under {@code baseDir}, with credentials of its own; closing
     * the server closes the store and deletes the directory. For {@link FaultyS3Server}, whose blob store injects
     * faults over a filesystem one.
     */
    S3ProxyServer(BlobStore blobStore, Path baseDir, String accessKey, String secretKey) {
        this.storage = Storage.FILESYSTEM;
        this.blobStore = Objects.requireNonNull(blobStore, "blobStore");
        this.baseDir = Objects.requireNonNull(baseDir, "baseDir");
        this.accessKey = Objects.requireNonNull(accessKey, "accessKey");
        this.secretKey = Objects.requireNonNull(secretKey, "secretKey");
    }

    static Path createTempDirectory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts serving; the first start picks a free port, later starts reuse it. */
    public synchronized S3ProxyServer start() {
        if (proxy != null) {
            return this;
        }
        S3Proxy p = launch(blobStore, port, accessKey, secretKey);
        if (port == 0) {
            port = p.getPort();
        }
        proxy = p;
        return this;
    }

    /**
     * Starts an s3proxy in this JVM over {@code blobStore} on {@code port} (0 for a free one) and waits until it
     * serves. A restart must get its old port back, so a port other than the one asked for is an error.
     */
    private static S3Proxy launch(BlobStore blobStore, int port, String accessKey, String secretKey) {
        S3Proxy p = S3Proxy.builder()
                .blobStore(blobStore)
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                // stop() is an outage, not a drain: no graceful wait for in-flight requests (the default waits ~2 s)
                .stopTimeout(0)
                .build();
        try {
            p.start();
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!"STARTED".equals(p.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("s3proxy did not start within " + START_TIMEOUT + ", state "
                            + p.getState());
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("s3proxy failed to start on port " + port, e);
        }
        if (port != 0 && p.getPort() != port) {
            throw new IllegalStateException("s3proxy restarted on port " + p.getPort() + " instead of " + port);
        }
        return p;
    }

    /**
     * Stops serving at once (in-flight requests are cut off, new connections refused); objects are kept and the port
     * is remembered for the next {@link #start()}.
     */
    public synchronized void stop() {
        if (proxy == null) {
            return;
        }
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("s3proxy failed to stop", e);
        } finally {
            proxy = null;
        }
    }

    /** Stops and starts again on the same port with the same objects. */
    public synchronized void restart() {
        stop();
        start();
    }

    public synchronized boolean isRunning() {
        return proxy != null;
    }

    /** e.g. {@code http://127.0.0.1:41234}; stable across restarts. */
    public String endpoint() {
        if (port == 0) {
            throw new IllegalStateException("s3proxy has never been started");
        }
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    public Storage storage() {
        return storage;
    }

    /**
     * Where a {@link Storage#FILESYSTEM} store keeps its objects, each a plain file at {@code <dir>/<bucket>/<key>}: a
     * test can poll thousands of landed files there without downloading them.
     */
    public Path baseDir() {
        if (baseDir == null) {
            throw new IllegalStateException("a transient store keeps no files");
        }
        return baseDir;
    }

    /** Creates the bucket through the S3 API (idempotent only in the sense that it fails loudly on a clash). */
    public void createBucket(String bucket) {
        client().createBucket(CreateBucketRequest.builder().bucket(bucket).build());
    }

    /** All keys under {@code prefix} (may be empty), sorted. */
    public List<String> listKeys(String bucket, String prefix) {
        List<String> keys = new ArrayList<>();
        ListObjectsV2Request.Builder req = ListObjectsV2Request.builder().bucket(bucket);
        if (prefix != null && !prefix.isEmpty()) {
            req.prefix(prefix);
        }
        client().listObjectsV2Paginator(req.build()).contents().stream()
                .map(S3Object::key)
                .forEach(keys::add);
        keys.sort(Comparator.naturalOrder());
        return keys;
    }

    /**
     * Downloads every object under {@code prefix} into {@code dir}, keeping the key's path (relative to the bucket)
     * as the file path. Returns the local files, in key order.
     */
    public List<Path> downloadTo(String bucket, String prefix, Path dir) {
        List<Path> files = new ArrayList<>();
        for (String key : listKeys(bucket, prefix)) {
            if (key.endsWith("/")) {
                continue; // directory placeholder, not an object with content
            }
            files.add(download(bucket, key, dir));
        }
        return files;
    }

    /**
     * Downloads one object to its key's path under {@code dir}, replacing a file there; a key that would land outside
     * {@code dir} is refused. A key gone since it was listed fails with the SDK's {@code NoSuchKeyException}.
     */
    Path download(String bucket, String key, Path dir) {
        Path target = dir.resolve(key).normalize();
        if (!target.startsWith(dir.normalize())) {
            throw new IllegalStateException("refusing to write key outside " + dir + ": " + key);
        }
        try {
            Files.createDirectories(target.getParent());
            Files.deleteIfExists(target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        client().getObject(GetObjectRequest.builder().bucket(bucket).key(key).build(),
                ResponseTransformer.toFile(target));
        return target;
    }

    /** Uploads bytes as an object (for harness self-tests and fault set-ups). */
    public void putObject(String bucket, String key, Path file) {
        client().putObject(PutObjectRequest.builder().bucket(bucket).key(key).build(), file);
    }

    /** An SDK client aimed at this server (path-style, us-east-1, static credentials). Owned by this object. */
    @SuppressWarnings("deprecation") // ApacheHttpClient (4.x) is deprecated in favour of apache5; same client as S3A
    public synchronized S3Client client() {
        if (client == null) {
            client = S3Client.builder()
                    .endpointOverride(URI.create(endpoint()))
                    .region(Region.US_EAST_1)
                    .forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create(accessKey, secretKey)))
                    .httpClientBuilder(ApacheHttpClient.builder())
                    .build();
        }
        return client;
    }

    @Override
    public synchronized void close() {
        try {
            if (client != null) {
                client.close();
                client = null;
            }
            stop();
        } finally {
            try {
                blobStore.close();
            } catch (Exception ignored) {
                // best effort
            }
            if (baseDir != null) {
                deleteRecursively(baseDir);
            }
        }
    }

    public static void deleteRecursively(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: temp dirs
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
