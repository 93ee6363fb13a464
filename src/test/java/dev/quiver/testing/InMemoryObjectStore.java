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
    private int succeedBeforeFailing;
    private boolean holding;
    private int held;

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

    @Override
    public synchronized void put(String key, byte[] data, int offset, int length) {
        awaitHeldPuts();
        if (failForever && succeedBeforeFailing-- <= 0) {
            throw new StoreException("injected outage writing " + key, null, true);
        }
        if (failingPuts > 0) {
            failingPuts--;
            throw new StoreException("injected failure writing " + key, null, failRetriably);
        }
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
        objects.remove(key);
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
