package dev.quiver.intake;

import dev.quiver.Version;
import dev.quiver.arrow.ArrowBatch;
import dev.quiver.commit.CommitLog;
import dev.quiver.layout.FileLayout;
import dev.quiver.metrics.FlushLog;
import dev.quiver.parquet.EncodedFile;
import dev.quiver.parquet.ParquetEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * One Kafka partition's open batch and its offset book-keeping.
 *
 * <p>Three offsets describe a partition, each the last offset covered (inclusive), -1 for none:
 * <ul>
 *   <li>{@code landed}: what the commit marker says is durable or deliberately skipped;</li>
 *   <li>{@code accepted}: the last record appended to the batch or skipped; any record at or below it is a
 *       redelivery (after a rewind or a retried put) and is dropped, which is what keeps a replay from duplicating
 *       rows in the batch;</li>
 *   <li>the batch's start offset, {@code landed + 1} when a marker exists, so that a replay after a crash writes the
 *       same object key as the first attempt and replaces it.</li>
 * </ul>
 */
final class PartitionWriter implements AutoCloseable {
    private final TopicPartition tp;
    private final Settings settings;
    private final List<Future<Void>> pendingReports = new ArrayList<>();

    private long landed;
    private long accepted;
    private ArrowBatch batch;
    private long batchStartOffset;
    private long batchFirstRowOffset;
    private long batchLastRowOffset;
    private long batchOpenedNanos;
    /** The encoded batch, kept when an upload fails so a retry does not encode it again. */
    private EncodedFile encoded;

    /** Everything a partition writer shares with the others of its task. */
    record Settings(long maxRecords, long maxBytes, long intervalNanos, BufferAllocator allocator,
            ParquetEncoder encoder, FileLayout layout, CommitLog commitLog, dev.quiver.store.ObjectStore store,
            DeadLetters deadLetters, boolean tolerateAll) {
    }

    PartitionWriter(TopicPartition tp, long landed, Settings settings) {
        this.tp = Objects.requireNonNull(tp, "tp");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.landed = landed;
        this.accepted = landed;
    }

    TopicPartition topicPartition() {
        return tp;
    }

    /** Buffers one record, flushing first if the open batch is due or cannot hold the record's schema. */
    void accept(SinkRecord record, long nowNanos) {
        long offset = record.originalKafkaOffset();
        if (offset <= accepted) {
            return;
        }
        if (batch != null) {
            FlushTrigger due = dueBySize();
            if (due != null) {
                flush(due);
            }
        }
        Object value = record.value();
        if (value == null) {
            // Tombstones carry no row to land; skipping still moves the partition's progress past them.
            accepted = offset;
            return;
        }
        Schema schema = record.valueSchema();
        if (schema == null) {
            reject(record, offset, new DataException("the value has no Connect schema; Quiver needs schema'd values,"
                    + " for example JsonConverter with schemas.enable=true"));
            return;
        }
        if (batch != null && !batch.accepts(schema)) {
            flush(FlushTrigger.SCHEMA_CHANGE);
        }
        try {
            if (batch == null) {
                batch = ArrowBatch.open(schema, settings.allocator(), tp.toString());
                batchStartOffset = landed >= 0 ? landed + 1 : offset;
                batchFirstRowOffset = offset;
                batchOpenedNanos = nowNanos;
            }
            batch.append(value);
        } catch (DataException e) {
            if (batch != null && batch.rows() == 0) {
                discardBatch();
            }
            reject(record, offset, e);
            return;
        }
        batchLastRowOffset = offset;
        accepted = offset;
    }

    private FlushTrigger dueBySize() {
        if (batch.rows() >= settings.maxRecords()) {
            return FlushTrigger.RECORDS;
        }
        if (batch.bufferBytes() >= settings.maxBytes()) {
            return FlushTrigger.BYTES;
        }
        return null;
    }

    /** Flushes the batch if any threshold is reached; called after every put(), empty ones included. */
    void flushIfDue(long nowNanos) {
        if (batch == null) {
            return;
        }
        FlushTrigger due = dueBySize();
        if (due == null && nowNanos - batchOpenedNanos >= settings.intervalNanos()) {
            due = FlushTrigger.INTERVAL;
        }
        if (due != null) {
            flush(due);
        }
    }

    private void reject(SinkRecord record, long offset, DataException cause) {
        BadRecordException bad = new BadRecordException(record.originalTopic(), record.originalKafkaPartition(), offset,
                cause.getMessage(), cause);
        if (!settings.tolerateAll() || settings.deadLetters() == null) {
            // The task fails here; nothing past this record was reported to Connect, so it is read again on restart.
            throw bad;
        }
        pendingReports.add(settings.deadLetters().report(record, bad));
        accepted = offset;
    }

    /**
     * Encodes and uploads the batch, then records it in the commit log. On a storage error the batch is kept, so the
     * same file can be retried; the exception tells the caller whether retrying makes sense.
     */
    void flush(FlushTrigger trigger) {
        if (batch == null) {
            return;
        }
        awaitDeadLetters();
        long started = System.nanoTime();
        if (encoded == null) {
            encoded = settings.encoder().encode(batch.seal(), Map.of(
                    "quiver.version", Version.get(),
                    "kafka.topic", tp.topic(),
                    "kafka.partition", Integer.toString(tp.partition()),
                    "kafka.offset.first", Long.toString(batchFirstRowOffset),
                    "kafka.offset.last", Long.toString(batchLastRowOffset)));
        }
        long encodedAt = System.nanoTime();
        String key = settings.layout().dataKey(tp, batchStartOffset);
        settings.store().put(key, encoded.bytes(), 0, encoded.length());
        // The marker covers everything accepted so far: the rows just landed and any records skipped after them.
        settings.commitLog().recordLanded(tp, batchStartOffset, accepted, List.of(key));
        long uploadedAt = System.nanoTime();
        FlushLog.landed(tp, encoded.rows(), batchFirstRowOffset, batchLastRowOffset, batch.bufferBytes(),
                encoded.length(), key, trigger.name(), encodedAt - started, uploadedAt - encodedAt);
        landed = accepted;
        discardBatch();
    }

    private void awaitDeadLetters() {
        // A skipped record counts as handled once its dead-letter write is acknowledged, not before: the commit marker
        // must never cover a record that is neither landed nor in the dead-letter topic.
        for (Future<Void> report : pendingReports) {
            try {
                report.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConnectException("interrupted while waiting for dead-letter writes of " + tp, e);
            } catch (ExecutionException e) {
                throw new ConnectException("a dead-letter write for " + tp + " failed", e.getCause());
            }
        }
        pendingReports.clear();
    }

    /** The offset Connect may commit: the first offset not yet landed or handled, or -1 for nothing. */
    long committableOffset() {
        if (batch == null) {
            if (accepted < 0) {
                return -1;
            }
            awaitDeadLetters();
            return accepted + 1;
        }
        return landed < 0 ? -1 : landed + 1;
    }

    /** Drops the batch without landing it and forgets what it had accepted; returns where reading must resume. */
    long abandon() {
        discardBatch();
        pendingReports.clear();
        accepted = landed;
        return landed + 1;
    }

    private void discardBatch() {
        encoded = null;
        if (batch != null) {
            batch.close();
            batch = null;
        }
    }

    boolean hasBatch() {
        return batch != null;
    }

    long bufferedBytes() {
        return batch == null ? 0 : batch.bufferBytes();
    }

    @Override
    public void close() {
        discardBatch();
    }
}
