package dev.quiver;

import dev.quiver.config.Version;
import dev.quiver.config.QuiverSinkConfig;
import dev.quiver.intake.ConsumerControl;
import dev.quiver.intake.DeadLetters;
import dev.quiver.intake.SinkWriter;
import dev.quiver.store.ObjectStores;
import java.util.Collection;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/** Quiver's sink task. Thin on purpose: every call is forwarded to a {@link SinkWriter}. */
public final class QuiverSinkTask extends SinkTask {
    private SinkWriter writer;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        QuiverSinkConfig config = new QuiverSinkConfig(props);
        // errors.tolerance belongs to Connect, not to Quiver's ConfigDef, but it decides what a bad record does here.
        boolean tolerateAll = "all".equalsIgnoreCase(props.getOrDefault("errors.tolerance", "none").trim());
        ErrantRecordReporter reporter = errantRecordReporter();
        DeadLetters deadLetters = reporter == null ? null : reporter::report;
        ConsumerControl consumer = new ConsumerControl() {
            @Override
            public void seek(TopicPartition tp, long offset) {
                context.offset(tp, offset);
            }

            @Override
            public void retryAfter(long millis) {
                context.timeout(millis);
            }

            @Override
            public void wakeWithin(long millis) {
                // The same knob: Connect's next poll waits at most this long, then calls put(), empty or not.
                context.timeout(millis);
            }

            @Override
            public void pause(TopicPartition tp) {
                context.pause(tp);
            }

            @Override
            public void resume(TopicPartition tp) {
                context.resume(tp);
            }
        };
        writer = new SinkWriter(config, ObjectStores.open(config), props.getOrDefault("name", "quiver"),
                props.getOrDefault(QuiverSinkConnector.TASK_ID, "0"), consumer, deadLetters, tolerateAll,
                System::nanoTime);
    }

    private ErrantRecordReporter errantRecordReporter() {
        try {
            return context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            // Workers older than Kafka 2.6 have no reporter; bad records then fail the task.
            return null;
        }
    }

    @Override
    public void open(Collection<TopicPartition> partitions) {
        writer.open(partitions);
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        try {
            writer.put(records);
        } catch (dev.quiver.decode.SchemaRegistryClient.UnavailableException e) {
            // Thrown before the record changed anything: Connect delivers the batch again after this pause, and
            // records already taken are recognised by offset. Without the timeout it would wait for its next poll.
            context.timeout(REGISTRY_RETRY_MS);
            throw e;
        }
    }

    /** How soon a put() that could not reach the Schema Registry is tried again. */
    private static final long REGISTRY_RETRY_MS = 2_000;

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        return writer.committableOffsets();
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        writer.close(partitions);
    }

    @Override
    public void stop() {
        if (writer != null) {
            writer.close();
            writer = null;
        }
    }
}
