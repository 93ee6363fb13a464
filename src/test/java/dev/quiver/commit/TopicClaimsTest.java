package dev.quiver.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.testing.ForwardingObjectStore;
import dev.quiver.testing.InMemoryObjectStore;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

class TopicClaimsTest {

    @Test
    void theFirstConnectorClaimsTheTopicAndKeepsItAcrossRestartsAndTasks() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        assertThat(new TopicClaims(store, "landing", "quiver-a").claim("orders")).isEqualTo("quiver-a");
        // its other task, or the same connector after a restart
        assertThat(new TopicClaims(store, "landing", "quiver-a").claim("orders")).isEqualTo("quiver-a");
        assertThat(store.list("landing/_quiver/claims/")).containsExactly("landing/_quiver/claims/orders.properties");
        assertThat(new String(store.get("landing/_quiver/claims/orders.properties").orElseThrow(),
                StandardCharsets.UTF_8)).contains("connector=quiver-a\n", "topic=orders\n", "claimed.at=");
    }

    @Test
    void anotherConnectorIsRefusedWithTheOwnerTheTopicThePrefixAndTheRemedy() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        new TopicClaims(store, "landing", "quiver-a").claim("orders");
        assertThatThrownBy(() -> new TopicClaims(store, "landing", "quiver-b").claim("orders"))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("Topic 'orders'")
                .hasMessageContaining("prefix 'landing'")
                .hasMessageContaining("connector 'quiver-a'")
                .hasMessageContaining("Connector 'quiver-b' will not write there")
                .hasMessageContaining("store.url")
                .hasMessageContaining("landing/_quiver/claims/orders.properties")
                .hasMessageContaining("landing/_quiver/offsets/");
        // Other topics and other prefixes are free.
        assertThat(new TopicClaims(store, "landing", "quiver-b").claim("payments")).isEqualTo("quiver-b");
        assertThat(new TopicClaims(store, "other", "quiver-b").claim("orders")).isEqualTo("quiver-b");
    }

    @Test
    void aClaimWonByAnotherConnectorBetweenTheReadAndTheWriteIsARefusal() {
        InMemoryObjectStore memory = new InMemoryObjectStore();
        String key = "p/_quiver/claims/orders.properties";
        ForwardingObjectStore racing = new ForwardingObjectStore(memory) {
            private boolean raced;

            @Override
            public String putIfVersion(String k, byte[] data, String expectedVersion) {
                if (!raced) {
                    raced = true;
                    new TopicClaims(memory, "p", "quiver-a").claim("orders");
                }
                return super.putIfVersion(k, data, expectedVersion);
            }
        };
        assertThatThrownBy(() -> new TopicClaims(racing, "p", "quiver-b").claim("orders"))
                .hasMessageContaining("connector 'quiver-a'");
        assertThat(new String(memory.get(key).orElseThrow(), StandardCharsets.UTF_8)).contains("connector=quiver-a");
    }

    @Test
    void onceTheClaimIsDeletedAsTheRemedySaysTheNextConnectorTakesIt() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        TopicClaims a = new TopicClaims(store, "", "quiver-a");
        a.claim("orders");
        store.delete(a.claimKey("orders"));
        assertThat(new TopicClaims(store, "", "quiver-b").claim("orders")).isEqualTo("quiver-b");
        assertThatThrownBy(() -> a.claim("orders")).hasMessageContaining("connector 'quiver-b'");
    }
}
