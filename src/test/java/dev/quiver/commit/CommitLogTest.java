package dev.quiver.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.store.StoreException;
import dev.quiver.testing.InMemoryObjectStore;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class CommitLogTest {
    private final TopicPartition tp = new TopicPartition("events", 2);

    @Test
    void absentMarkerMeansNothingLanded() {
        assertThat(new CommitLog(new InMemoryObjectStore(), "p", "c").read(tp)).isEmpty();
    }

    @Test
    void markerRoundTripsAndLaterFlushesReplaceIt() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        CommitLog log = new CommitLog(store, "p", "my connector/1");
        assertThat(log.read(tp)).isEmpty();
        log.recordFlush(tp, -1, 0, 99, List.of("p/a.parquet"));
        log.recordFlush(tp, 99, 100, 250, List.of("p/b.parquet", "p/c.parquet"));

        CommitLog.Marker marker = log.read(tp).orElseThrow();
        assertThat(marker).isEqualTo(new CommitLog.Marker(99, 100, 250, List.of("p/b.parquet", "p/c.parquet"), 0));
        assertThat(marker.landedThrough(true)).isEqualTo(250);
        assertThat(marker.landedThrough(false)).isEqualTo(99);
        // The connector name is escaped so it can never add path segments.
        assertThat(store.list("p/_quiver/")).containsExactly("p/_quiver/offsets/my+connector%2F1/events+2.properties");
    }

    @Test
    void aFlushWithNoFilesRoundTrips() {
        CommitLog log = new CommitLog(new InMemoryObjectStore(), "", "c");
        log.read(tp);
        log.recordFlush(tp, 4, 5, 9, List.of());
        assertThat(log.read(tp)).hasValue(new CommitLog.Marker(4, 5, 9, List.of(), 0));
    }

    @Test
    void markersOfTwoConnectorsAreSeparate() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        CommitLog a = new CommitLog(store, "", "a");
        a.read(tp);
        a.recordFlush(tp, -1, 0, 10, List.of("x"));
        assertThat(new CommitLog(store, "", "b").read(tp)).isEmpty();
    }

    @Test
    void aWriteAfterSomeoneElsesIsRefused() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        CommitLog zombie = new CommitLog(store, "", "c");
        CommitLog owner = new CommitLog(store, "", "c");
        zombie.read(tp);
        owner.read(tp);
        owner.recordFlush(tp, -1, 0, 10, List.of("a"));
        assertThatThrownBy(() -> zombie.recordFlush(tp, -1, 0, 5, List.of("b")))
                .isInstanceOf(CommitLog.MarkerConflictException.class).hasMessageContaining("events-2");
        assertThat(owner.read(tp).orElseThrow().flushLast()).isEqualTo(10);
        // The owner keeps writing after re-reading.
        owner.recordFlush(tp, 10, 11, 20, List.of("c"));
        assertThat(owner.read(tp).orElseThrow().flushLast()).isEqualTo(20);
    }

    @Test
    void ourOwnWriteWhoseResponseWasLostIsNotAConflictWhenRetried() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        CommitLog log = new CommitLog(store, "", "c");
        log.read(tp);
        log.recordFlush(tp, -1, 0, 10, List.of("a"));
        store.loseNextResponse();
        assertThatThrownBy(() -> log.recordFlush(tp, 10, 11, 20, List.of("b"))).isInstanceOf(StoreException.class)
                .isNotInstanceOf(CommitLog.MarkerConflictException.class);
        // The retry's condition names the old version, which is gone; but the marker holds exactly the retry's bytes.
        log.recordFlush(tp, 10, 11, 20, List.of("b"));
        log.recordFlush(tp, 20, 21, 30, List.of("c"));
        assertThat(log.read(tp).orElseThrow().flushLast()).isEqualTo(30);
    }

    @Test
    void damagedMarkerIsAnErrorNotAFreshStart() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        CommitLog log = new CommitLog(store, "", "c");
        byte[] junk = "hello=world\n".getBytes(StandardCharsets.UTF_8);
        store.put(log.markerKey(tp), junk, 0, junk.length);
        assertThatThrownBy(() -> log.read(tp)).hasMessageContaining("lacks landed.offset");
    }
    @Test
    void keysWithCommasAndBackslashesRoundTrip() {
        // A store.url prefix or a time pattern may put a comma or a backslash in a key; the marker must keep each key
        // whole, or recovery checks (and deletes) keys that were never written.
        InMemoryObjectStore store = new InMemoryObjectStore();
        CommitLog log = new CommitLog(store, "a,b", "c");
        log.read(tp);
        List<String> keys = List.of("a,b/events/dt=2026,12/x.parquet", "a,b/events/back\\slash\\u0041/y.parquet",
                " lead/\t=:#!/z.parquet", "a,b/\u00e9t\u00e9/w.parquet");
        log.recordFlush(tp, 4, 5, 9, keys);
        assertThat(new CommitLog(store, "a,b", "c").read(tp)).hasValue(new CommitLog.Marker(4, 5, 9, keys, 0));
    }

    @Test
    void aMarkerOfTheFormerCommaJoinedFormatIsStillRead() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        CommitLog log = new CommitLog(store, "p", "c");
        byte[] old = ("# Quiver commit marker; do not edit. See README.md, 'Delivery'.\nformat=2\ntopic=events\n"
                + "partition=2\nlanded.offset=99\nflush.start=100\nflush.last=250\n"
                + "flush.files=p/b.parquet,p/c.parquet\n").getBytes(StandardCharsets.UTF_8);
        store.put(log.markerKey(tp), old, 0, old.length);
        assertThat(log.read(tp)).hasValue(new CommitLog.Marker(99, 100, 250, List.of("p/b.parquet", "p/c.parquet"), 0));
        // and the next write, in the current format, is conditional on what was read
        log.recordFlush(tp, 250, 251, 300, List.of("p/d.parquet"));
        assertThat(log.read(tp)).hasValue(new CommitLog.Marker(250, 251, 300, List.of("p/d.parquet"), 0));
    }

    @Test
    void aStoreThatReturnsNoVersionTagDoesNotLivelockThePartition() {
        // Some S3-compatible stores send no ETag. The first marker write (If-None-Match) succeeds; every later one
        // must not be sent If-None-Match again (refused: the marker exists), or the partition reopens for ever.
        CommitLog log = new CommitLog(new NoVersionStore(), "", "c");
        log.read(tp);
        log.recordFlush(tp, -1, 0, 10, List.of("a"));
        log.recordFlush(tp, 10, 11, 20, List.of("b"));
        assertThat(log.read(tp)).hasValue(new CommitLog.Marker(10, 11, 20, List.of("b"), 0));
        log.recordFlush(tp, 20, 21, 30, List.of("c"));
        assertThat(log.read(tp).orElseThrow().flushLast()).isEqualTo(30);
    }

    /** A store that enforces If-None-Match but returns no version tag, like S3-compatible stores without ETags. */
    private static final class NoVersionStore extends dev.quiver.testing.ForwardingObjectStore {
        NoVersionStore() {
            super(new InMemoryObjectStore());
        }

        @Override
        public java.util.Optional<Versioned> getVersioned(String key) {
            return delegate().get(key).map(b -> new Versioned(b, null));
        }

        @Override
        public String putIfVersion(String key, byte[] data, String expectedVersion) {
            if (expectedVersion == null && delegate().exists(key)) {
                throw new dev.quiver.store.StoreConflictException("If-None-Match: " + key + " exists", null);
            }
            delegate().put(key, data, 0, data.length);
            return null;
        }
    }
}
