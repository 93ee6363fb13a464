package dev.quiver.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.S3Exceptions;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * An in-process S3 server (s3proxy over a filesystem blob store) that can, besides being stopped and restarted on the
 * same port like {@link S3ProxyServer}, <em>cut a writer off after a given number of object writes</em>.
 *
 * <p>{@link #cutWritesAfter(int)} arms a fault: from then on, per Kafka partition (parsed from the object key: data
 * files are named {@code <topic>+<p>+<offset>.parquet}, commit markers {@code <topic>+<p>.<ext>}), the first
 * {@code n} PUTs are stored normally and every later PUT of that partition is refused with HTTP 500 before anything
 * is stored, until {@link #heal()}. The objects in the store then look exactly as if the writer had died after its
 * {@code n}-th write: whatever a flush wrote before the cut is there, nothing after it. Reads (GET/HEAD/LIST) and
 * deletes are never affected, so a recovering task can inspect the store. This is what a test uses to leave the store
 * in a "crashed in the middle of a flush" state without killing the JVM.
 *
 * <p>An {@link S3ProxyServer} serves the faulty store, so starting, stopping, listing and downloading work as they
 * do there: through the AWS SDK over HTTP, never through Quiver's code.
 */
public final class FaultyS3Server implements AutoCloseable {

    private static final String ACCESS_KEY = "quiver-faulty-access";
    private static final String SECRET_KEY = "quiver-faulty-secret-0123456789";
    /** {@code <topic>+<p>+<20 digits>.parquet} or {@code <topic>+<p>.<ext>} at the end of a key. */
    private static final Pattern PARTITION_OF_KEY =
            Pattern.compile("([^/+]+\\+\\d+)(?:\\+\\d+\\.parquet|\\.[A-Za-z]+)$");

    private final CuttingBlobStore blobStore;
    /** Serves the cutting store; owns it and its directory. */
    private final S3ProxyServer server;

    public FaultyS3Server() {
        Path baseDir = S3ProxyServer.createTempDirectory("quiver-faulty-s3-");
        this.blobStore = new CuttingBlobStore(new FilesystemNio2BlobStore(baseDir.toString()));
        this.server = new S3ProxyServer(blobStore, baseDir, ACCESS_KEY, SECRET_KEY);
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    /** Starts serving; the first start picks a free port, later starts reuse it. */
    public FaultyS3Server start() {
        server.start();
        return this;
    }

    /** Stops serving at once (in-flight requests cut off, connections refused); objects and port are kept. */
    public void stop() {
        server.stop();
    }

    public boolean isRunning() {
        return server.isRunning();
    }

    public String endpoint() {
        return server.endpoint();
    }

    public String accessKey() {
        return server.accessKey();
    }

    public String secretKey() {
        return server.secretKey();
    }

    // ------------------------------------------------------------------------------------------------ faults

    /**
     * From now on, per Kafka partition, let {@code allowed} more PUTs through and refuse every later one (HTTP 500)
     * until {@link #heal()}. Counters start at zero on every call.
     */
    public void cutWritesAfter(int allowed) {
        blobStore.arm(allowed);
    }

    /** Lifts the cut; later PUTs are stored normally. */
    public void heal() {
        blobStore.disarm();
    }

    /** PUTs refused since the server was created. */
    public long refusedWrites() {
        return blobStore.refused.get();
    }

    /** Keys stored while the last cut was armed (the writes a "crashed" writer got out), in order. */
    public List<String> writesAllowedDuringCut() {
        synchronized (blobStore) {
            return new ArrayList<>(blobStore.allowedKeys);
        }
    }

    /** Keys refused while the last cut was armed, in order. */
    public List<String> writesRefusedDuringCut() {
        synchronized (blobStore) {
            return new ArrayList<>(blobStore.refusedKeys);
        }
    }

    /**
     * Holds the next {@code count} data-file PUTs ({@code .parquet}) of partition {@code topicPlusPartition} (e.g.
     * {@code orders+0}) before anything is stored, until {@link #releaseStalled()}; later PUTs of that partition, and
     * every other request, are served normally. A writer whose request is held is frozen in the middle of its flush,
     * as a writer in a long GC pause is.
     */
    public void stallNextDataWrites(String topicPlusPartition, int count) {
        synchronized (blobStore) {
            blobStore.stallPartition = topicPlusPartition;
            blobStore.stallBudget = count;
            blobStore.stalledKeys.clear();
            blobStore.release = new java.util.concurrent.CountDownLatch(1);
        }
    }

    /** Keys of the PUTs held so far by the last {@link #stallNextDataWrites} (held now or released). */
    public List<String> stalledWrites() {
        synchronized (blobStore) {
            return new ArrayList<>(blobStore.stalledKeys);
        }
    }

    /** Lets the held PUTs go on (they are then stored) and stops holding new ones. */
    public void releaseStalled() {
        java.util.concurrent.CountDownLatch latch;
        synchronized (blobStore) {
            blobStore.stallBudget = 0;
            latch = blobStore.release;
        }
        if (latch != null) {
            latch.countDown();
        }
    }

    /**
     * Once the next PUT of {@code key} is stored, and before its response leaves the server, stores {@code rival} at
     * the same key, as another writer does that wins the race right after it: the first writer's response still
     * describes its own write, and every later request of it sees the rival's object.
     */
    public void writeRightAfterNextPutOf(String key, byte[] rival) {
        synchronized (blobStore) {
            blobStore.rivalKey = key;
            blobStore.rivalBytes = rival.clone();
        }
    }

    /** The partition ({@code <topic>+<p>}) an object key belongs to, or the key itself when it names none. */
    static String partitionOf(String key) {
        Matcher m = PARTITION_OF_KEY.matcher(key);
        return m.find() ? m.group(1) : key;
    }

    private static final class CuttingBlobStore extends ForwardingBlobStore {
        private boolean armed;
        private int allowed;
        private final Map<String, Integer> writes = new HashMap<>();
        private final List<String> allowedKeys = new ArrayList<>();
        private final List<String> refusedKeys = new ArrayList<>();
        final AtomicLong refused = new AtomicLong();
        private String stallPartition;
        private int stallBudget;
        private final List<String> stalledKeys = new ArrayList<>();
        private java.util.concurrent.CountDownLatch release;
        private String rivalKey;
        private byte[] rivalBytes;

        CuttingBlobStore(BlobStore delegate) {
            super(delegate);
        }

        synchronized void arm(int n) {
            armed = true;
            allowed = n;
            writes.clear();
            allowedKeys.clear();
            refusedKeys.clear();
        }

        synchronized void disarm() {
            armed = false;
        }

        /** True if the write may go through; counts it either way. */
        private synchronized boolean admit(String key) {
            if (!armed) {
                return true;
            }
            int n = writes.merge(partitionOf(key), 1, Integer::sum);
            if (n <= allowed) {
                allowedKeys.add(key);
                return true;
            }
            refusedKeys.add(key);
            refused.incrementAndGet();
            return false;
        }

        /** Blocks (outside the lock) while a stall holds this key. */
        private void maybeStall(String key) {
            java.util.concurrent.CountDownLatch latch = null;
            synchronized (this) {
                if (stallBudget > 0 && key.endsWith(".parquet") && partitionOf(key).equals(stallPartition)) {
                    stallBudget--;
                    stalledKeys.add(key);
                    latch = release;
                }
            }
            if (latch != null) {
                try {
                    latch.await(5, java.util.concurrent.TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public PutObjectResponse putBlob(PutObjectRequest request, InputStream input) {
            maybeStall(request.key());
            if (!admit(request.key())) {
                drain(input);
                throw S3Exceptions.fromStatusCode(500);
            }
            PutObjectResponse response = super.putBlob(request, input);
            byte[] rival = null;
            synchronized (this) {
                if (request.key().equals(rivalKey)) {
                    rival = rivalBytes;
                    rivalKey = null;
                    rivalBytes = null;
                }
            }
            if (rival != null) {
                super.putBlob(PutObjectRequest.builder().bucket(request.bucket()).key(request.key())
                        .contentLength((long) rival.length).build(), new java.io.ByteArrayInputStream(rival));
            }
            return response;
        }

        @Override
        public CompleteMultipartUploadResponse completeMultipartUpload(MultipartUpload upload,
                CompleteMultipartUploadRequest request) {
            if (!admit(upload.blobName())) {
                throw S3Exceptions.fromStatusCode(500);
            }
            return super.completeMultipartUpload(upload, request);
        }

        private static void drain(InputStream in) {
            try {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // the client may already be gone
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ reading

    public void createBucket(String bucket) {
        server.createBucket(bucket);
    }

    /** All keys under {@code prefix}, sorted. */
    public List<String> listKeys(String bucket, String prefix) {
        return server.listKeys(bucket, prefix);
    }

    /** Multipart uploads started and neither completed nor aborted under {@code prefix}. */
    public List<String> pendingMultipartUploads(String bucket, String prefix) {
        List<String> keys = new ArrayList<>();
        client().listMultipartUploads(ListMultipartUploadsRequest.builder().bucket(bucket).prefix(prefix).build())
                .uploads().forEach(u -> keys.add(u.key()));
        return Collections.unmodifiableList(keys);
    }

    /**
     * Downloads every object under {@code prefix} into {@code dir}, keeping the key as the relative path (directory
     * placeholders, keys ending in '/', are listed but not downloaded). Returns the keys found, sorted; a key that is
     * listed but gone by the time it is fetched (deleted, or caught in the middle of an overwrite, which the
     * filesystem store does not do atomically) is left out, so the caller sees it on its next poll or not at all.
     */
    public List<String> downloadTo(String bucket, String prefix, Path dir) {
        List<String> keys = new ArrayList<>();
        for (String key : listKeys(bucket, prefix)) {
            if (key.endsWith("/")) {
                keys.add(key);
                continue;
            }
            try {
                server.download(bucket, key, dir);
                keys.add(key);
            } catch (NoSuchKeyException e) {
                try {
                    Files.deleteIfExists(dir.resolve(key).normalize());
                } catch (IOException ignored) {
                    // best effort: a partial download of a vanished object
                }
            }
        }
        return keys;
    }

    /** An SDK client aimed at this server (path-style, us-east-1, its credentials). Owned by this object. */
    public S3Client client() {
        return server.client();
    }

    @Override
    public void close() {
        server.close();
    }
}
