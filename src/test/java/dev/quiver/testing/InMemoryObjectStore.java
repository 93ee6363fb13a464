package dev.quiver.testing;

import dev.quiver.store.ObjectStore;
import dev.quiver.store.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory fake of Quiver's own {@link ObjectStore}, for unit tests. It can be told to fail the next writes,
 * retriably or not, to exercise the outage paths without a server.
 */
public final class InMemoryObjectStore implements ObjectStore {
    private final Map<String, byte[]> objects = new TreeMap<>();
    private final AtomicInteger puts = new AtomicInteger();
    private int failingPuts;
    private boolean failRetriably = true;
    private boolean closed;
    private boolean failForever;
    private boolean loseResponse;
    private boolean loseCompletionResponse;
    private int succeedBeforeFailing;
    private boolean holding;
    private int held;
    private int failingDeletes;

    /** S3 refuses a key longer than 1024 bytes of UTF-8 with HTTP 400 (KeyTooLongError), for good; so does this. */
    private static void refuseOverlongKey(String key) {
        int bytes = key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > 1024) {
            throw new StoreException("KeyTooLongError (HTTP 400): a key of " + bytes + " bytes", null, false);
        }
    }

    /** Lets {@code count} more puts succeed, then fails every put retriably until told otherwise. */
    public synchronized void failAfterPuts(int count) {
        this.succeedBeforeFailing = count;
        this.failRetriably = true;
        this.failingPuts = 0;
        this.failForever = true;
    }

    /** Ends every injected failure. */
    public synchronized void heal() {
        this.failingPuts = 0;
        this.failForever = false;
    }

    /** Fails the next {@code count} puts; {@code retriably} decides what kind of failure they report. */
    public synchronized void failNextPuts(int count, boolean retriably) {
        this.failingPuts = count;
        this.failRetriably = retriably;
        this.failForever = false;
    }

    /** Every write (a put, a part, a completion) passes here, so injected failures hit uploads too. */
    private void injectFailures(String what) {
        awaitHeldPuts();
        if (failForever && succeedBeforeFailing-- <= 0) {
            throw new StoreException("injected outage writing " + what, null, true);
        }
        if (failingPuts > 0) {
            failingPuts--;
            throw new StoreException("injected failure writing " + what, null, failRetriably);
        }
    }

    @Override
    public synchronized void put(String key, byte[] data, int offset, int length) {
        refuseOverlongKey(key);
        injectFailures(key);
        byte[] copy = new byte[length];
        System.arraycopy(data, offset, copy, 0, length);
        objects.put(key, copy);
        puts.incrementAndGet();
    }

    @Override
    public synchronized Optional<byte[]> get(String key) {
        return Optional.ofNullable(objects.get(key)).map(byte[]::clone);
    }

    @Override
    public synchronized Optional<Versioned> getVersioned(String key) {
        return Optional.ofNullable(objects.get(key)).map(b -> new Versioned(b.clone(), version(b)));
    }

    @Override
    public synchronized String putIfVersion(String key, byte[] data, String expectedVersion) {
        byte[] current = objects.get(key);
        String currentVersion = current == null ? null : version(current);
        if (!java.util.Objects.equals(currentVersion, expectedVersion)) {
            throw new dev.quiver.store.StoreConflictException("version " + expectedVersion + " of " + key
                    + " is gone; found " + currentVersion, null);
        }
        put(key, data, 0, data.length);
        if (loseResponse) {
            loseResponse = false;
            throw new StoreException("injected timeout after writing " + key, null, true);
        }
        return version(data);
    }

    /** The next multipart completion lands the object, but its caller sees a timeout, as when a response is lost. */
    public synchronized void loseNextCompletionResponse() {
        this.loseCompletionResponse = true;
    }

    /** The next conditional write lands, but its caller sees a timeout, as when a response is lost. */
    public synchronized void loseNextResponse() {
        this.loseResponse = true;
    }

    /** Writes {@code data} at {@code key} behind everyone's back, as another task would. */
    public synchronized void overwrite(String key, byte[] data) {
        objects.put(key, data.clone());
    }

    private static String version(byte[] bytes) {
        return Integer.toHexString(java.util.Arrays.hashCode(bytes)) + "-" + bytes.length;
    }

    @Override
    public synchronized boolean exists(String key) {
        return objects.containsKey(key);
    }

    @Override
    public synchronized List<String> list(String prefix) {
        List<String> keys = new ArrayList<>();
        for (String key : objects.keySet()) {
            if (key.startsWith(prefix)) {
                keys.add(key);
            }
        }
        return keys;
    }

    @Override
    public synchronized void delete(String key) {
        if (failingDeletes > 0) {
            failingDeletes--;
            throw new StoreException("injected failure deleting " + key, null, true);
        }
        objects.remove(key);
    }

    /** Fails the next {@code count} deletes retriably, as a store that goes away mid-flush would. */
    public synchronized void failNextDeletes(int count) {
        this.failingDeletes = count;
    }

    /**
     * Holds every later put (markers included) until {@link #releasePuts()}, as a stalled S3 endpoint would: the
     * caller's thread waits inside put(). Reads go on meanwhile.
     */
    public synchronized void holdPuts() {
        this.holding = true;
    }

    /** Lets the held puts and every later one through. */
    public synchronized void releasePuts() {
        this.holding = false;
        notifyAll();
    }

    /** Puts waiting in {@link #holdPuts()} now. */
    public synchronized int heldPuts() {
        return held;
    }

    private void awaitHeldPuts() {
        // Called holding this object's lock; wait() releases it, so other threads read and release meanwhile.
        held++;
        try {
            while (holding) {
                wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while the store held writes", e, true);
        } finally {
            held--;
        }
    }

    /** Multipart uploads: parts held apart until completion, as on S3, and never visible before. */
    @Override
    public synchronized Upload startUpload(String key) {
        refuseOverlongKey(key);
        injectFailures(key);
        MemoryUpload upload = new MemoryUpload(key);
        openUploads.add(upload);
        return upload;
    }

    @Override
    public synchronized void abortUploads(String key) {
        openUploads.removeIf(upload -> upload.key.equals(key));
    }

    private final List<MemoryUpload> openUploads = new ArrayList<>();
    private final AtomicInteger partsUploaded = new AtomicInteger();
    private final AtomicInteger uploadsCompleted = new AtomicInteger();
    private long largestPart;

    private final class MemoryUpload implements Upload {
        final String key;
        final TreeMap<Integer, byte[]> parts = new TreeMap<>();

        MemoryUpload(String key) {
            this.key = key;
        }

        @Override
        public String key() {
            return key;
        }

        @Override
        public void uploadPart(int number, PartBytes data, boolean last) {
            synchronized (InMemoryObjectStore.this) {
                injectFailures(key + " part " + number);
                if (!openUploads.contains(this)) {
                    throw new dev.quiver.store.UploadVanishedException("no such upload of " + key, null);
                }
                byte[] bytes;
                try (java.io.InputStream in = data.open()) {
                    bytes = in.readAllBytes();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                if (bytes.length != data.length()) {
                    throw new IllegalStateException("part " + number + " said " + data.length() + " bytes, held "
                            + bytes.length);
                }
                parts.put(number, bytes);
                partsUploaded.incrementAndGet();
                largestPart = Math.max(largestPart, bytes.length);
            }
        }

        @Override
        public void complete() {
            synchronized (InMemoryObjectStore.this) {
                injectFailures(key + " completion");
                if (!openUploads.contains(this)) {
                    throw new dev.quiver.store.UploadVanishedException("no such upload of " + key, null);
                }
                int number = 1;
                java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
                for (Map.Entry<Integer, byte[]> part : parts.entrySet()) {
                    if (part.getKey() != number++) {
                        throw new IllegalStateException("parts of " + key + " are not numbered 1..n: " + parts.keySet());
                    }
                    if (part.getKey() < parts.size() && part.getValue().length < MIN_PART_BYTES) {
                        throw new StoreException("part " + part.getKey() + " of " + key + " is smaller than 5 MiB",
                                null, false);
                    }
                    whole.write(part.getValue(), 0, part.getValue().length);
                }
                objects.put(key, whole.toByteArray());
                openUploads.remove(this);
                uploadsCompleted.incrementAndGet();
                if (loseCompletionResponse) {
                    loseCompletionResponse = false;
                    throw new StoreException("injected timeout after completing the upload of " + key, null, true);
                }
            }
        }

        @Override
        public void abort() {
            synchronized (InMemoryObjectStore.this) {
                openUploads.remove(this);
            }
        }
    }

    /** Multipart uploads started and neither completed nor aborted: what a crash leaves behind on S3. */
    public synchronized List<String> openUploads() {
        List<String> keys = new ArrayList<>();
        for (MemoryUpload upload : openUploads) {
            keys.add(upload.key);
        }
        return keys;
    }

    /** Parts uploaded successfully so far. */
    public int partsUploaded() {
        return partsUploaded.get();
    }

    /** Multipart uploads completed so far. */
    public int uploadsCompleted() {
        return uploadsCompleted.get();
    }

    /** The largest part uploaded so far, in bytes. */
    public synchronized long largestPart() {
        return largestPart;
    }

    /** Successful puts so far. */
    public int puts() {
        return puts.get();
    }

    public synchronized boolean closed() {
        return closed;
    }

    @Override
    public String describe() {
        return "memory";
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
