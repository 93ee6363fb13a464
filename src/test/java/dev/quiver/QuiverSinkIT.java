package dev.quiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertAll;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.quiver.testing.ConnectStack;
import dev.quiver.testing.ConnectStack.Landed;
import dev.quiver.testing.LandedAssertions;
import dev.quiver.testing.LandedAssertions.Layout;
import dev.quiver.testing.SchemaJson;

/**
 * Quiver on the real stack: an embedded Kafka + Connect cluster, an in-process S3 server (s3proxy) and DuckDB reading
 * back what landed. Records are schema'd JSON ({@link SchemaJson}); every row's expected content is recomputed from
 * its id, and each id encodes the (partition, offset) it was produced at, so the test can check that files tile each
 * partition's offsets exactly once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuiverSinkIT {

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
    void landsEveryRecordOnS3ExactlyOnceAcrossAConnectorRestart() throws Exception {
        String topic = "orders";
        String connector = "s3-sink";
        int partitions = 3;
        long base = 0; // ids: partition * 1_000_000 + offset
        int maxRecords = 400;

        stack.createTopic(topic, partitions);
        stack.startConnector(connector, stack.connectorConfig(connector, topic, Map.of(
                "flush.max.records", String.valueOf(maxRecords),
                "flush.interval.ms", "3000")), 1);

        // Named value schema, default metadata columns: files under record_type=<schema name>/, each row carrying
        // _kafka_topic, _kafka_partition, _kafka_offset, ... after the value's columns.
        Layout layout = new Layout(SchemaJson.RECORD_TYPE, true);
        List<Long> produced = new ArrayList<>();
        // Both waves run even if the first one's checks fail, so one run reports on the restart too.
        assertAll("S3 store, before and after a connector restart",
                () -> {
                    // Wave 1: 3 x 1000 records, several files per partition plus a tail only the interval flushes.
                    produced.addAll(stack.produceDemo(topic, partitions, base, 0, 1000));
                    assertEndOffsets(topic, partitions, 1000);
                    Landed landed = stack.awaitLanded(connector, produced.size(), TIMEOUT);
                    LandedAssertions.assertExactlyOnce(landed, topic, partitions, produced, maxRecords, layout);
                    stack.awaitRunning(connector, 1);
                },
                () -> {
                    // Wave 2: half, restart connector and task through the REST API while records are in flight,
                    // the other half.
                    produced.addAll(stack.produceDemo(topic, partitions, base, 1000, 1500));
                    stack.restartConnectorAndTasks(connector, 1);
                    produced.addAll(stack.produceDemo(topic, partitions, base, 1500, 2000));
                    assertEndOffsets(topic, partitions, 2000);
                    Landed landed = stack.awaitLanded(connector, produced.size(), TIMEOUT);
                    LandedAssertions.assertExactlyOnce(landed, topic, partitions, produced, maxRecords, layout);
                    stack.awaitRunning(connector, 1);
                });
    }

    @Test
    void landsEveryRecordInALocalDirectoryWithoutMetadataColumns() throws Exception {
        String topic = "orders-local";
        String connector = "local-sink";
        int partitions = 2;
        long base = 0;
        int maxRecords = 250;
        Path lake = stack.newTempDir("lake");

        // Unnamed value schema and no metadata columns: the plain <topic>/partition=<p>/ layout, and the columns are
        // exactly the value's fields.
        Map<String, String> config = stack.connectorConfig(connector, topic, Map.of(
                "store.url", "file://" + lake.toAbsolutePath(),
                "flush.max.records", String.valueOf(maxRecords),
                "flush.interval.ms", "3000",
                "metadata.columns", ""));
        config.keySet().removeIf(k -> k.startsWith("s3."));

        stack.createTopic(topic, partitions);
        stack.startConnector(connector, config, 1);
        List<Long> produced = stack.produceDemo(topic, partitions, base, 0, 600, false);
        assertEndOffsets(topic, partitions, 600);

        Landed landed = stack.awaitLandedLocal(lake, produced.size(), TIMEOUT);
        LandedAssertions.assertExactlyOnce(landed, topic, partitions, produced, maxRecords, new Layout(null, false));
        stack.awaitRunning(connector, 1);
    }

    // ------------------------------------------------------------------------------------------------ assertions

    /** Ids encode offsets (seq == offset) only if every partition got exactly the records produced, in order. */
    private void assertEndOffsets(String topic, int partitions, long expected) throws Exception {
        for (int p = 0; p < partitions; p++) {
            assertThat(stack.kafka().endOffset(new TopicPartition(topic, p)))
                    .as("end offset of %s-%d (the test relies on seq == offset)", topic, p)
                    .isEqualTo(expected);
        }
    }
}
