package dev.quiver.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.testing.InMemoryObjectStore;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class CommitLogTest {
    private final TopicPartition tp = new TopicPartition("events", 2);

    @Test
    void absentMarkerMeansNothingLanded() {
        assertThat(new CommitLog(new InMemoryObjectStore(), "p", "c").lastLanded(tp)).isEmpty();
    }

    @Test
    void lastLandedOffsetRoundTripsAndLaterFlushesReplaceIt() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        CommitLog log = new CommitLog(store, "p", "my connector/1");
        log.recordLanded(tp, 0, 99, List.of("p/events/partition=2/a.parquet"));
        log.recordLanded(tp, 100, 250, List.of("p/events/partition=2/b.parquet"));

        assertThat(log.lastLanded(tp)).hasValue(250);
        // The connector name is escaped so it can never add path segments.
        assertThat(store.list("p/_quiver/")).containsExactly("p/_quiver/offsets/my+connector%2F1/events+2.properties");
        assertThat(new String(store.get(log.markerKey(tp)).orElseThrow(), StandardCharsets.UTF_8))
                .contains("files=p/events/partition=2/b.parquet");
    }

    @Test
    void markersOfTwoConnectorsAreSeparate() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        new CommitLog(store, "", "a").recordLanded(tp, 0, 10, List.of("x"));
        assertThat(new CommitLog(store, "", "b").lastLanded(tp)).isEmpty();
    }

    @Test
    void damagedMarkerIsAnErrorNotAFreshStart() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        CommitLog log = new CommitLog(store, "", "c");
        byte[] junk = "hello=world\n".getBytes(StandardCharsets.UTF_8);
        store.put(log.markerKey(tp), junk, 0, junk.length);
        assertThatThrownBy(() -> log.lastLanded(tp)).hasMessageContaining("has no last.offset");
    }
}
