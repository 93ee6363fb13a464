package dev.quiver.commit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.testing.ConnectStack;
import dev.quiver.testing.ConnectStack.Landed;
import dev.quiver.testing.LandedAssertions;
import dev.quiver.testing.LandedAssertions.Layout;
import dev.quiver.testing.SchemaJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 12 #2, on the real stack (embedded Kafka + Connect, s3proxy, DuckDB): two connectors, one topic, one
 * {@code store.url}. Data keys are the same for both (topic, partition, start offset), so had the second run, it
 * would rewrite the first one's files with its own cuts, and its recovery could delete them. The topic's claim
 * object makes the first connector to open a partition the topic's owner under that prefix; the second one's task
 * fails at open with an error naming the owner, the topic, the prefix and the remedy, before writing anything, and
 * the first connector's copy stays exactly once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedStoreIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private ConnectStack stack;

    @BeforeAll
    void startStack() {
        stack = ConnectStack.start(1);
    }

    @AfterAll
    void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aSecondConnectorOnTheSameTopicAndStoreUrlIsRefusedAndTheFirstOnesCopyStaysExactlyOnce() throws Exception {
        String topic = "shared-orders";
        String prefix = "shared";
        int partitions = 2;
        stack.createTopic(topic, partitions);
        stack.startConnector("quiver-a", stack.connectorConfig("quiver-a", topic, Map.of(
                "store.url", stack.storeUrl(prefix), "flush.max.records", "150", "flush.interval.ms", "1500")), 1);
        List<Long> produced = new ArrayList<>(stack.produceDemo(topic, partitions, 0, 0, 400));
        Landed first = stack.awaitLanded(prefix, produced.size(), TIMEOUT);
        LandedAssertions.assertExactlyOnce(first, topic, partitions, produced, 150,
                new Layout(SchemaJson.RECORD_TYPE, true));

        // The second connector: same topic, same store.url, other flush cuts (so overlapping files would show).
        stack.connect().configureConnector("quiver-b", stack.connectorConfig("quiver-b", topic, Map.of(
                "store.url", stack.storeUrl(prefix), "flush.max.records", "100", "flush.interval.ms", "1000")));
        ConnectorStateInfo b = awaitTaskFailed("quiver-b", Duration.ofSeconds(45));
        // More records while the second connector exists: only the first may land them.
        produced.addAll(stack.produceDemo(topic, partitions, 0, 400, 700));
        for (int p = 0; p < partitions; p++) {
            assertThat(stack.kafka().endOffset(new TopicPartition(topic, p))).as("end offset of %s-%d", topic, p)
                    .isEqualTo(700);
        }
        boolean bFailed = b.tasks().size() == 1 && "FAILED".equals(b.tasks().get(0).state());
        if (!bFailed) {
            ConnectStack.sleep(8000); // let the second connector land what it would, so the check below sees it
        }
        stack.deleteConnector("quiver-b");

        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(b.tasks()).as("tasks of quiver-b: %s", ConnectStack.describeStatus(b)).hasSize(1);
        soft.assertThat(bFailed).as("quiver-b's task FAILED at open: %s", ConnectStack.describeStatus(b)).isTrue();
        if (bFailed) {
            soft.assertThat(b.tasks().get(0).trace()).contains("Topic 'shared-orders'", "connector 'quiver-a'",
                    "prefix 'shared'", "Connector 'quiver-b' will not write there", "store.url",
                    "shared/_quiver/claims/shared-orders.properties", "copy its commit markers");
        }
        soft.assertThat(stack.s3().listKeys(stack.bucket(), prefix + "/_quiver/offsets/quiver-b/"))
                .as("commit markers of quiver-b: it must write nothing").isEmpty();
        soft.assertThat(stack.s3().listKeys(stack.bucket(), prefix + "/_quiver/claims/"))
                .containsExactly(prefix + "/_quiver/claims/shared-orders.properties");
        Landed landed = stack.awaitLanded(prefix, produced.size(), TIMEOUT);
        soft.check(() -> LandedAssertions.assertExactlyOnce(landed, topic, partitions, produced, 150,
                new Layout(SchemaJson.RECORD_TYPE, true)));
        soft.assertAll();
        stack.awaitRunning("quiver-a", 1);
        stack.deleteConnector("quiver-a");
    }

    /** Waits until the connector's task is FAILED, or the timeout passes; returns the last status either way. */
    private ConnectorStateInfo awaitTaskFailed(String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ConnectorStateInfo s = null;
        while (System.nanoTime() < deadline) {
            s = stack.statusOrNull(name);
            if (s != null && s.tasks().stream().anyMatch(t -> "FAILED".equals(t.state()))) {
                return s;
            }
            ConnectStack.sleep(250);
        }
        return s;
    }
}
