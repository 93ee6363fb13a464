package dev.quiver.intake;

import dev.quiver.Version;
import dev.quiver.arrow.ArrowBatch;
import dev.quiver.arrow.MetadataColumns;
import dev.quiver.arrow.RowLayout;
import dev.quiver.arrow.SchemaInference;
import dev.quiver.arrow.SchemaMerger;
import dev.quiver.commit.CommitLog;
import dev.quiver.decode.KeyDecoding;
import dev.quiver.decode.SchemalessJsonDecoder;
import dev.quiver.decode.ValueDecoder;
import dev.quiver.layout.FileLayout;
import dev.quiver.layout.PathPartitioner;
import dev.quiver.metrics.FlushLog;
import dev.quiver.metrics.TaskMetrics;
import dev.quiver.parquet.ParquetEncoder;
import dev.quiver.store.ObjectStore;
import dev.quiver.store.UploadVanishedException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka partition's open batches and its offset book-keeping.
 *
 * <p>Records go to one batch per record type (the value schema's name), so a topic carrying several types writes one
 * file per type per flush. Within a type, a record whose schema merges with the batch's (a new optional field, a
 * widened type, an older version) joins the same batch, which grows its columns; only a change that cannot merge
 * flushes and starts a new file. All batches of a partition flush together, under one commit marker.
 *
 * <p>Three offsets describe a partition, each the last offset covered (inclusive), -1 for none:
 * <ul>
 *   <li>{@code landed}: what the commit marker says is durable or deliberately skipped;</li>
 *   <li>{@code accepted}: the last record appended or skipped; any record at or below it is a redelivery (after a
 *       rewind or a retried put) and is dropped, which is what keeps a replay from duplicating rows;</li>
 *   <li>the flush's start offset, {@code landed + 1} when a marker exists, so that a replay after a crash writes the
 *       same object keys as the first attempt and replaces them.</li>
 * </ul>
 */
final class PartitionWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionWriter.class);

    private final TopicPartition tp;
    private final Settings settings;
    private final TaskMetrics.Partition metrics;
    private final List<Future<Void>> pendingReports = new ArrayList<>();
    /**
     * Open batches by record type and path folder: record type is empty for unnamed schemas, schemaless data and
     * tombstones; the path is the time or field folder, or null in the Kafka-partition layout.
     */
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    /**
     * Emptied batches of landed flushes, by slot key, at most one per key: a slot opened with the same key and layout
     * takes one instead of allocating its vectors again. Task thread only. Those the flush after the one that made
     * them idle did not take are closed when that flush lands, so folders that went quiet do not hold memory.
     */
    private final Map<String, ArrowBatch> idle = new LinkedHashMap<>();

    private long landed;
    private long accepted;
    private long flushStartOffset;
    private long openedNanos;
    /** While replaying a flush found incomplete on open: where that flush ended, else -1. */
    private long recoveryEnd = -1;
    private long recoveryStart = -1;
    /** The keys the incomplete flush recorded; those the replay does not rewrite are deleted. */
    private List<String> recoveryFiles = List.of();
    /** The end of the last flush handed off, landed or not: the next flush starts after it. */
    private long plannedThrough;
    /** The flush being landed in the background, at most one per partition so their markers stay in order. */
    private FlushJob inFlight;
    /** A flush that failed with a retriable error; it is retried, as it is, before any other flush. */
    private FlushJob failed;
    /** False in a replay that must not stream batches out (see {@link ReplayRestartException}). */
    private boolean spillAllowed = true;
    /** Which log of the partition the offsets belong to (see {@link FileLayout#dataKey}); from the marker. */
    private int incarnation;
    /** Where the consumer was sought to on open, or -1: a first record below it starts a new log incarnation. */
    private long resumeAt = -1;
    /** True once a record was handed to {@link #accept} since the partition was opened. */
    private boolean delivered;
    /** The offset of that first record, or -1: where a restart without a marker reads again from. */
    private long firstDelivered = -1;
    /** True while records are dropped as redeliveries: only the first of a run is logged. */
    private boolean droppingRun;

    /** What to do with a record whose value is null. */
    enum NullValues { IGNORE, FAIL, WRITE }

    /** Everything a partition writer shares with the others of its task. */
    record Settings(long maxRecords, long maxBytes, long intervalNanos, BufferAllocator allocator,
            ParquetEncoder encoder, FileLayout layout, CommitLog commitLog, ObjectStore store,
            DeadLetters deadLetters, boolean tolerateAll, MetadataColumns metadata, NullValues nullValues,
            boolean valuesAreJson, TaskMetrics metrics, PathPartitioner partitioner, ValueDecoder decoder,
            java.util.concurrent.Executor flushExecutor, KeyDecoding keys, long rowGroupBytes, long partBytes) {
    }

    /**
     * One record type's batch, with what is known to fit it and, once its rows started streaming out as row groups,
     * the file they go to.
     */
    private static final class Slot {
        final String recordType;
        final String path;
        ArrowBatch batch;
        /** Schemas already known to merge into the batch's as they are; identity, as converters cache schemas. */
        final Set<Schema> fittingValues = Collections.newSetFromMap(new IdentityHashMap<>());
        final Set<Schema> fittingKeys = Collections.newSetFromMap(new IdentityHashMap<>());
        boolean inferredValues;
        boolean inferredKeys;
        /** value.format=json without a schema: the decoder bound to this batch's inferred schema, made on first use. */
        SchemalessJsonDecoder json;
        /** key.format=json without a schema: the decoder bound to this batch's key column, made on first use. */
        SchemalessJsonDecoder jsonKeys;
        /** The layout whose key column {@link #jsonKeys} is bound to. */
        RowLayout jsonKeysLayout;
        boolean hasTombstones;
        long firstRowOffset = -1;
        long lastRowOffset = -1;
        /** The file being written; created by the first job that encodes rows. Only flush jobs touch it. */
        FileUpload file;
        /** Rows were handed to the file before the flush: the file's schema is fixed. Task thread only. */
        boolean streamed;
        long streamedRows;
        long streamedArrowBytes;
        /** Rows the batch held at its first spill: a reused batch keeps its capacity, so rows tell when it is full. */
        int spillRows;
        /** An emptied batch of the same layout, to take the rows after the next spill instead of a new one. */
        ArrowBatch spare;

        /** Releases the batches and the file; an upload the file started and did not complete is aborted. */
        void release() {
            batch.close();
            if (spare != null) {
                spare.close();
                spare = null;
            }
            if (file != null) {
                file.close();
            }
        }

        Slot(String recordType, String path) {
            this.recordType = recordType;
            this.path = path;
        }

        /** The key of {@link #slots} and {@link #idle}: record type, then the folder if there is one. */
        String key() {
            return slotKey(recordType, path);
        }
    }

    private static String slotKey(String recordType, String path) {
        return path == null ? recordType : recordType + '\u0000' + path;
    }

    PartitionWriter(TopicPartition tp, long landed, Settings settings, TaskMetrics.Partition metrics) {
        this.tp = Objects.requireNonNull(tp, "tp");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.landed = landed;
        this.accepted = landed;
        this.plannedThrough = landed;
    }

    TopicPartition topicPartition() {
        return tp;
    }

    /**
     * Says where the consumer was sought on open and which log incarnation the marker described: a first record
     * below {@code offset} means the partition's log is no longer the one that landed.
     */
    void resumeAt(long offset, int incarnation) {
        this.resumeAt = offset;
        this.incarnation = incarnation;
    }

    /** True when opening sought the consumer to where the marker says landing resumes. */
    boolean soughtOnOpen() {
        return resumeAt >= 0;
    }

    /** The first offset delivered since the partition was opened, or -1 when none was. */
    long firstDelivered() {
        return firstDelivered;
    }

    /**
     * Replays the flush of {@code [start, end]} that was found incomplete: no threshold cuts it, it is flushed as soon
     * as offset {@code end} is accepted, so it writes the same keys as the first attempt.
     */
    void recover(long start, long end, List<String> files) {
        this.recoveryStart = start;
        this.recoveryEnd = end;
        this.recoveryFiles = List.copyOf(files);
    }

    private boolean recovering() {
        return recoveryEnd >= 0;
    }

    /** True when this partition's batches may land now to free memory: not in a replay, which must keep its cut. */
    boolean canFlushForMemory() {
        return !slots.isEmpty() && !recovering() && failed == null;
    }

    /** True while a flush of this partition is running or failed and waits for its retry. */
    boolean flushPending() {
        return inFlight != null || failed != null;
    }

    /** True while a flush handed to the flush executor has not finished: flushing again now would wait for it. */
    boolean flushRunning() {
        return inFlight != null && !inFlight.done.isDone();
    }

    /** The running flush's completion, or null when none runs; lets the task wait for any of several, bounded. */
    java.util.concurrent.CompletableFuture<Void> runningFlush() {
        return flushRunning() ? inFlight.done : null;
    }

    /** True when the next record starts with a row or byte threshold flush, which waits for a running flush. */
    boolean dueBeforeNextRecord() {
        return !slots.isEmpty() && !recovering() && dueBySize() != null;
    }

    /**
     * True while a batch that should have streamed out as a row group has grown to twice that size waiting for the
     * partition's running job: its uploads are behind, and the partition should wait rather than grow further.
     */
    boolean spillBacklogged() {
        long threshold = settings.rowGroupBytes();
        if (threshold <= 0 || !spillAllowed || !flushRunning()) {
            return false;
        }
        for (Slot slot : slots.values()) {
            if (slot.batch.bufferBytes() >= 2 * threshold) {
                return true;
            }
        }
        return false;
    }

    /** True when a batch has streamed rows into a file that the next flush completes: landing it early cuts the file. */
    boolean streaming() {
        for (Slot slot : slots.values()) {
            if (slot.streamed) {
                return true;
            }
        }
        return false;
    }

    /**
     * Frees Arrow memory without closing a file: the largest batch whose file is already streaming goes out as a row
     * group. One at a time, as a partition runs one job at a time; returns the bytes handed off, 0 when none could go
     * now (a job is running, or nothing streams).
     */
    long spillForMemory() {
        if (settings.rowGroupBytes() <= 0 || !spillAllowed || flushRunning() || failed != null) {
            return 0;
        }
        Slot largest = null;
        for (Slot slot : slots.values()) {
            if (slot.streamed && slot.batch.rows() > 0
                    && (largest == null || slot.batch.bufferBytes() > largest.batch.bufferBytes())) {
                largest = slot;
            }
        }
        if (largest == null) {
            return 0;
        }
        long bytes = largest.batch.bufferBytes();
        spill(largest);
        return bytes;
    }

    /** Buffers one record, flushing first if the open batches are due or cannot hold the record's schema. */
    void accept(SinkRecord record, long nowNanos) {
        long offset = record.originalKafkaOffset();
        if (!delivered) {
            delivered = true;
            firstDelivered = offset;
            if (resumeAt >= 0 && offset < resumeAt) {
                startNewIncarnation(offset);
            }
        }
        if (offset <= accepted) {
            droppedAsHandled(offset);
            return;
        }
        droppingRun = false;
        if (recovering() && offset > recoveryEnd) {
            // The replayed range ended in records that no longer exist (compaction, retention): cut it here.
            requireFlushIdle();
            flush(FlushTrigger.RECOVERY);
        }
        if (!slots.isEmpty() && !recovering()) {
            FlushTrigger due = dueBySize();
            if (due != null) {
                requireFlushIdle();
                flush(due);
            }
        }
        // Counted once handled, not on arrival: a record that found no memory or met a storage error before its
        // append is delivered again, and must not count twice.
        try {
            append(record, offset, nowNanos);
            settings.metrics().recordIn();
        } catch (DataException e) {
            settings.metrics().recordIn();
            reject(record, offset, e);
        }
        if (recovering() && accepted >= recoveryEnd && !flushPending()) {
            // Else flushIfDue cuts it once the running flush is done: the task thread does not wait here.
            flush(FlushTrigger.RECOVERY);
        }
    }

    /**
     * The consumer delivered an offset below where the marker says landing resumes, as the first record since the
     * partition was opened: the log was deleted and created again, truncated by an unclean leader election, or
     * mirrored without offset translation. Dropping its records as landed would lose them all; landing them under
     * the old log's keys would replace its files. They land as the partition's next log incarnation, whose keys
     * differ, and the old log's files stay as they are.
     */
    private void startNewIncarnation(long offset) {
        int next = incarnation + 1;
        LOG.warn("{} delivered offset {}, below offset {} where its commit marker says landing resumes: this is not the"
                + " log that landed (the topic was deleted and created again, truncated by an unclean leader election,"
                + " or mirrored without offset translation). Landing it as log incarnation {}: its files end in +log{}"
                + " and never replace the earlier log's, which stay as they are. If the records below {} are the"
                + " same ones that landed before, delete the duplicates from incarnation {} by offset.", tp, offset,
                resumeAt, next, next, resumeAt, next);
        settings.metrics().logRestarted();
        incarnation = next;
        recoveryEnd = -1;
        recoveryStart = -1;
        recoveryFiles = List.of();
        spillAllowed = true;
        landed = offset - 1;
        accepted = offset - 1;
        plannedThrough = offset - 1;
        metrics.landed(landed);
    }

    /** A redelivered record, at or below what this partition accepted: counted, and the first of a run logged. */
    private void droppedAsHandled(long offset) {
        settings.metrics().recordSkippedAsHandled();
        if (!droppingRun) {
            droppingRun = true;
            LOG.info("{}: dropping redelivered records from offset {}: offsets through {} are already buffered,"
                    + " landed or dead-lettered", tp, offset, accepted);
        }
    }

    /**
     * True when a flush of this partition cannot start without waiting: one runs, or one failed and waits for its
     * retry. A finished one is accounted for first, which surfaces its failure.
     */
    private boolean flushBlocked() {
        pollInFlight();
        return inFlight != null || failed != null;
    }

    /**
     * Checked before a record that must flush first changes anything: when that flush would wait for a running or
     * failed one, the record is refused with {@link FlushBusyException}, and the task waits within its bound or
     * seeks the partition back to the record.
     */
    private void requireFlushIdle() {
        if (flushBlocked()) {
            throw new FlushBusyException(tp);
        }
    }

    /** A record needs a flush first, and the partition's previous flush has not finished; nothing was changed. */
    static final class FlushBusyException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FlushBusyException(TopicPartition tp) {
            super("the previous flush of " + tp + " has not finished", null, false, false);
        }
    }

    private void append(SinkRecord record, long offset, long nowNanos) {
        Object value = record.value();
        boolean tombstone = value == null;
        Schema valueSchema = record.valueSchema();
        boolean inferredValue = false;
        if (tombstone) {
            switch (settings.nullValues()) {
                case IGNORE:
                    // No row to land; skipping still moves the partition's progress past the record.
                    accepted = offset;
                    return;
                case FAIL:
                    throw new DataException("the value is null (a tombstone) and behavior.on.null.values=fail");
                default:
                    valueSchema = null;
            }
        } else if (settings.decoder() != null) {
            // Per record: Avro from a registry names its writer schema in each value (the lattice merges them).
            valueSchema = settings.decoder().schemaOf(value);
        } else if (settings.valuesAreJson()) {
            // Typed and written by appendJson below, once the key is known: no Map exists for this record.
            valueSchema = null;
        } else if (valueSchema == null) {
            valueSchema = SchemaInference.infer(value);
            inferredValue = true;
        }
        Object key = record.key();
        Schema keySchema = record.keySchema();
        boolean inferredKey = false;
        ValueDecoder keyDecoder = null;
        boolean streamKey = false;
        if (settings.metadata().has(MetadataColumns.Kind.KEY)) {
            if (settings.keys().decoder() != null) {
                // The raw key is decoded straight into the key column by the batch; null keys too have this schema.
                keyDecoder = settings.keys().decoder();
                keySchema = keyDecoder.schemaOf(key);
            } else if (settings.keys().parsesJson()) {
                // Streamed into the key column by the slot's own decoder (appendRow), typed from its tokens only
                // when the batch has no key type yet or the key does not fit it: no Map exists for this key. The
                // converter's schema (bytes or string, null keys included) says nothing about the JSON's type.
                streamKey = key != null;
                inferredKey = streamKey;
                keySchema = null;
            } else if (keySchema == null && key != null) {
                keySchema = SchemaInference.infer(key);
                inferredKey = true;
            }
        }
        PathPartitioner partitioner = settings.partitioner();
        ValueDecoder decoder = settings.decoder();
        if (decoder == null && !tombstone && settings.valuesAreJson()) {
            appendJson(record, key, keySchema, inferredKey, keyDecoder, streamKey, offset, nowNanos);
            return;
        }
        if (decoder != null && !tombstone) {
            // Raw bytes decoded straight into the value columns: no Struct or Map exists for this record.
            String path = partitioner.byKafkaPartition() ? null : partitioner.pathOf(record, null);
            if (streamKey) {
                keySchema = keyTypeForNewBatch("", path, key);
            }
            Slot slot = slotFor("", path, valueSchema, keySchema, false, inferredKey, false, nowNanos);
            slot = appendRow(slot, "", path, valueSchema, false, false, key, keyDecoder, streamKey, nowNanos,
                    (into, keys) -> into.batch.appendDecoded(record, key,
                            decoder.boundTo(into.batch.layout().valueSchema()), record.value(), keys));
            appended(slot, offset, false);
            return;
        }

        String recordType = tombstone || inferredValue || valueSchema.name() == null ? "" : valueSchema.name();
        String path = partitioner.byKafkaPartition() ? null : partitioner.pathOf(record, value);
        if (streamKey) {
            keySchema = keyTypeForNewBatch(recordType, path, key);
        }
        Slot slot = slotFor(recordType, path, valueSchema, keySchema, inferredValue, inferredKey, tombstone, nowNanos);
        slot = appendRow(slot, recordType, path, valueSchema, inferredValue, tombstone, key, keyDecoder, streamKey,
                nowNanos, (into, keys) -> into.batch.append(record, key, value, tombstone, keys));
        appended(slot, offset, tombstone);
    }

    /** Writes one row into a slot's batch, with the key column written by {@code keys} when it is non-null. */
    @FunctionalInterface
    private interface RowAppend {
        void append(Slot slot, ValueDecoder keys);
    }

    /**
     * Appends a row whose value is not schemaless JSON. A schemaless JSON key ({@code streamKey}) goes through the
     * slot's key decoder; when it does not fit the batch's key column (a new field, a wider type: only the key can
     * misfit here), it is typed alone from its tokens, merged into the batch's key schema as an inferred key was
     * always merged, and the row is appended again. Returns the slot that took the row, which a schema change that
     * had to flush may have replaced.
     */
    private Slot appendRow(Slot slot, String recordType, String path, Schema valueSchema, boolean inferredValue,
            boolean tombstone, Object key, ValueDecoder keyDecoder, boolean streamKey, long nowNanos, RowAppend row) {
        if (!streamKey) {
            row.append(slot, keyDecoder);
            return slot;
        }
        try {
            row.append(slot, keyDecoderOf(slot, null, true));
            return slot;
        } catch (SchemalessJsonDecoder.Misfit e) {
            // Retried below with the key's own type merged in; the batch's row count did not move.
        }
        Schema keySchema = KeyDecoding.inferJson(key);
        Slot widened = slotFor(recordType, path, valueSchema, keySchema, inferredValue, true, tombstone, nowNanos);
        try {
            row.append(widened, keyDecoderOf(widened, null, true));
        } catch (SchemalessJsonDecoder.Misfit e) {
            throw new IllegalStateException("a JSON key of " + tp + " does not fit the key schema merged from its"
                    + " own: " + widened.batch.layout().keySchema(), e);
        }
        return widened;
    }

    /**
     * The type of a schemaless JSON key when its batch has no key type yet (no batch, or only null keys so far), so
     * that a new batch opens with the key column it needs instead of misfitting and growing at once; else null, and
     * the batch's decoder tries the key as it is.
     */
    private Schema keyTypeForNewBatch(String recordType, String path, Object key) {
        Slot open = slots.get(path == null ? recordType : recordType + '\u0000' + path);
        return open == null || open.batch.layout().keySchema() == null ? KeyDecoding.inferJson(key) : null;
    }

    /**
     * The decoder that writes the slot's keys: the declared one, or for schemaless JSON keys the slot's own, bound to
     * the batch's current key column.
     */
    private static ValueDecoder keyDecoderOf(Slot slot, ValueDecoder declared, boolean streamKey) {
        if (!streamKey) {
            return declared;
        }
        if (slot.jsonKeys == null) {
            slot.jsonKeys = new SchemalessJsonDecoder();
        }
        RowLayout layout = slot.batch.layout();
        if (slot.jsonKeysLayout != layout) {
            // Once per evolution, not per record: the column lookup walks the layout.
            slot.jsonKeys.bind(keyColumnSchema(layout));
            slot.jsonKeysLayout = layout;
        }
        return slot.jsonKeys;
    }

    /** The key column's schema: optional, and the unknown type while every key was null. */
    private static Schema keyColumnSchema(RowLayout layout) {
        for (RowLayout.Column column : layout.columns()) {
            if (column.source() == RowLayout.Source.KEY) {
                return column.schema();
            }
        }
        throw new IllegalStateException("a schemaless JSON key for a batch without a key column");
    }

    /**
     * value.format=json without a declared schema: the JSON is streamed straight into the batch's vectors, no Map in
     * between. A record that fits the batch's inferred schema is parsed once; one that needs more (a new field, a
     * wider type) is typed alone, its schema merged into the batch's as the Map path merged it, and decoded again.
     */
    private void appendJson(SinkRecord record, Object key, Schema keySchema, boolean inferredKey, ValueDecoder keyDecoder,
            boolean streamKey, long offset, long nowNanos) {
        Object raw = record.value();
        PathPartitioner partitioner = settings.partitioner();
        String path = null;
        if (!partitioner.byKafkaPartition()) {
            List<String> fields = partitioner.valueFields();
            path = partitioner.pathOf(record, fields.isEmpty() ? null : SchemalessJsonDecoder.pick(raw, fields));
        }
        // The key slotFor gives inferred values: no record type, then the folder.
        Slot slot = slots.get(path == null ? "" : "" + '\u0000' + path);
        if (slot != null && slot.batch.layout().valueSchema() != null && keyFits(slot, keySchema, inferredKey)
                && appendJsonRow(slot, record, key, raw, keyDecoderOf(slot, keyDecoder, streamKey))) {
            slot.inferredKeys |= inferredKey;
            appended(slot, offset, false);
            return;
        }
        Schema inferred = SchemalessJsonDecoder.infer(raw);
        if (streamKey) {
            // A schemaless JSON key shares the decode with the value, and either may have misfit: type both.
            keySchema = KeyDecoding.inferJson(key);
        }
        slot = slotFor("", path, inferred, keySchema, true, inferredKey, false, nowNanos);
        if (!appendJsonRow(slot, record, key, raw, keyDecoderOf(slot, keyDecoder, streamKey))) {
            throw new IllegalStateException("a JSON value of " + tp + " at offset " + offset
                    + " does not fit the schema merged from its own: " + slot.batch.layout().valueSchema()
                    + (streamKey ? ", or its key the key schema: " + slot.batch.layout().keySchema() : ""));
        }
        appended(slot, offset, false);
    }

    /** Decodes one JSON row into the slot's batch; false, with the row count unchanged, when it needs a wider schema. */
    private static boolean appendJsonRow(Slot slot, SinkRecord record, Object key, Object raw,
            ValueDecoder keyDecoder) {
        if (slot.json == null) {
            slot.json = new SchemalessJsonDecoder();
        }
        slot.json.bind(slot.batch.layout().valueSchema());
        try {
            slot.batch.appendDecoded(record, key, slot.json, raw, keyDecoder);
            return true;
        } catch (SchemalessJsonDecoder.Misfit e) {
            return false;
        }
    }

    /** True when the batch's key column holds {@code keySchema} as it is, as {@link #evolveIfNeeded} would find. */
    private boolean keyFits(Slot slot, Schema keySchema, boolean inferredKey) {
        if (keySchema == null || !settings.metadata().has(MetadataColumns.Kind.KEY)
                || slot.fittingKeys.contains(keySchema)) {
            return true;
        }
        Schema current = slot.batch.layout().keySchema();
        if (current == null) {
            return false;
        }
        SchemaMerger.Mode mode = slot.inferredKeys || inferredKey ? SchemaMerger.Mode.LENIENT : SchemaMerger.Mode.STRICT;
        try {
            if (SchemaMerger.merge(current, keySchema, mode) != current) {
                return false;
            }
        } catch (SchemaMerger.IncompatibleSchemaException e) {
            return false;
        }
        if (!inferredKey) {
            slot.fittingKeys.add(keySchema);
        }
        return true;
    }

    private void appended(Slot slot, long offset, boolean tombstone) {
        if (slot.firstRowOffset < 0) {
            slot.firstRowOffset = offset;
        }
        slot.lastRowOffset = offset;
        slot.hasTombstones |= tombstone;
        accepted = offset;
        metrics.seen(offset);
        if (spillDue(slot)) {
            spill(slot);
        }
    }

    /**
     * True when the slot's batch should go out as a row group: it reached parquet.row.group.bytes, or, once reused,
     * the row count at which it first did (its capacity no longer drops), or it grew well past the threshold.
     */
    private boolean spillDue(Slot slot) {
        long threshold = settings.rowGroupBytes();
        if (threshold <= 0 || !spillAllowed) {
            return false;
        }
        if (flushRunning() || failed != null) {
            // The partition's jobs run one at a time: spilling now would wait on the task thread for the running
            // one (or for the retry of a failed one). The batch grows meanwhile; if memory runs short, the budget pauses the partition instead.
            return false;
        }
        // Until the file's first row group, a batch reused from an earlier file counts its rows' bytes, not the
        // capacity it kept; after it, the batches are sized by that row group and the row count rule below applies.
        long bytes = slot.spillRows == 0 ? slot.batch.filledBytes() : slot.batch.bufferBytes();
        if (bytes < threshold) {
            return false;
        }
        return slot.spillRows == 0 || slot.batch.rows() >= slot.spillRows || bytes >= 2 * threshold;
    }

    /**
     * Hands the slot's rows to a job that encodes them as row groups of the slot's file and uploads its full parts,
     * on the flush executor; the slot goes on appending into its spare batch. The file keeps its key, the one the
     * partition's next flush gives it, so the commit protocol is unchanged: the parts stay invisible until that
     * flush, after its intent marker, completes the upload.
     */
    private void spill(Slot slot) {
        retryFailed();
        finishInFlight();
        String key = settings.layout().dataKey(tp, currentFlushStart(), slot.recordType, slot.path, incarnation);
        ArrowBatch full = slot.batch;
        ArrowBatch next = slot.spare != null ? slot.spare
                : ArrowBatch.open(full.layout(), settings.allocator(), tp + "/" + slot.recordType);
        slot.spare = null;
        slot.batch = next;
        if (slot.spillRows == 0) {
            slot.spillRows = full.rows();
        }
        slot.streamed = true;
        slot.streamedRows += full.rows();
        slot.streamedArrowBytes += full.filledBytes();
        submit(new FlushJob(slot, full, key, landed));
    }

    /** Where the partition's next flush starts, which fixes its files' keys. */
    private long currentFlushStart() {
        return recovering() ? recoveryStart : flushStartOffset >= 0 ? flushStartOffset : firstRowOffset();
    }

    /** The slot for this record, opened, evolved, or flushed and reopened as its schemas require. */
    private Slot slotFor(String recordType, String path, Schema valueSchema, Schema keySchema, boolean inferredValue,
            boolean inferredKey, boolean tombstone, long nowNanos) {
        String slotKey = slotKey(recordType, path);
        Slot slot = slots.get(slotKey);
        if (slot != null) {
            try {
                evolveIfNeeded(slot, valueSchema, keySchema, inferredValue, inferredKey, tombstone);
                return slot;
            } catch (StreamedSchemaChange e) {
                if (recovering()) {
                    // The first attempt had not streamed this batch here (or it would have cut the flush): replay
                    // the flush again without streaming, from its start.
                    throw new ReplayRestartException(tp, e.getMessage());
                }
                requireFlushIdle();
                LOG.info("Schema change in {} after rows of the current file were already streamed out, so its"
                        + " schema is fixed: {}; closing the file and starting a new one", tp, e.getMessage());
                flush(FlushTrigger.SCHEMA_CHANGE);
            } catch (SchemaMerger.IncompatibleSchemaException e) {
                if (recovering()) {
                    // The first attempt met the same change at the same offset; it is replayed the same way below.
                    throw new IllegalStateException("schema change inside a replayed flush of " + tp
                            + "; the first attempt could not have cut there: " + e.getMessage(), e);
                }
                requireFlushIdle();
                LOG.info("Schema change in {} that cannot share a file: {}; closing the current file and starting a"
                        + " new one", tp, e.getMessage());
                flush(FlushTrigger.SCHEMA_CHANGE);
            }
        }
        settings.layout().checkKeyLength(tp, recordType, path); // issue 12 #9: a bad record, before anything is written
        if (slots.isEmpty()) {
            flushStartOffset = plannedThrough >= 0 ? plannedThrough + 1 : -1;
            openedNanos = nowNanos;
        }
        slot = new Slot(recordType, path);
        slot.inferredValues = inferredValue;
        slot.inferredKeys = inferredKey;
        Schema initialValue = valueSchema != null && tombstone ? SchemaMerger.allFieldsOptional(valueSchema) : valueSchema;
        RowLayout layout = new RowLayout(initialValue, keySchema, settings.metadata());
        slot.batch = takeIdle(slotKey, layout);
        slots.put(slotKey, slot);
        return slot;
    }

    /** The idle batch of this slot key if its layout is {@code layout}, else a new batch. */
    private ArrowBatch takeIdle(String slotKey, RowLayout layout) {
        ArrowBatch batch = idle.remove(slotKey);
        if (batch != null) {
            if (sameLayout(batch.layout(), layout)) {
                settings.metrics().batchReused();
                return batch;
            }
            // The schema changed since: the columns differ, and this key's next idle batch will have the new ones.
            batch.close();
        }
        return ArrowBatch.open(layout, settings.allocator(), tp + "/" + slotKey);
    }

    /**
     * True when a batch of {@code idle}'s layout may take rows of {@code wanted}'s. Schemas compare by value, as
     * inferred ones are new objects per record; a decoder writes only into a batch built from its own schema object.
     */
    private boolean sameLayout(RowLayout idle, RowLayout wanted) {
        if (idle.metadata() != wanted.metadata() || !Objects.equals(idle.keySchema(), wanted.keySchema())) {
            return false;
        }
        if (idle.valueSchema() == wanted.valueSchema()) {
            return true;
        }
        return settings.decoder() == null && Objects.equals(idle.valueSchema(), wanted.valueSchema());
    }

    /**
     * Closes the idle batches, to free their memory for the budget; returns the bytes they held. The next slots of
     * these keys allocate new batches.
     */
    long releaseIdle() {
        long bytes = 0;
        for (ArrowBatch batch : idle.values()) {
            bytes += batch.bufferBytes();
            batch.close();
        }
        idle.clear();
        return bytes;
    }

    private void evolveIfNeeded(Slot slot, Schema valueSchema, Schema keySchema, boolean inferredValue,
            boolean inferredKey, boolean tombstone) {
        RowLayout layout = slot.batch.layout();
        Schema mergedValue = layout.valueSchema();
        if (tombstone) {
            // Earlier rows may have required value fields; a tombstone row needs them nullable.
            if (mergedValue != null) {
                mergedValue = SchemaMerger.allFieldsOptional(mergedValue);
            }
        } else if (!slot.fittingValues.contains(valueSchema)) {
            if (mergedValue == null) {
                mergedValue = SchemaMerger.allFieldsOptional(valueSchema);
            } else {
                SchemaMerger.Mode mode = slot.inferredValues || inferredValue
                        ? SchemaMerger.Mode.LENIENT : SchemaMerger.Mode.STRICT;
                mergedValue = SchemaMerger.merge(mergedValue, valueSchema, mode);
                if (slot.hasTombstones) {
                    mergedValue = SchemaMerger.allFieldsOptional(mergedValue);
                }
            }
        }
        Schema mergedKey = layout.keySchema();
        if (keySchema != null && settings.metadata().has(MetadataColumns.Kind.KEY)
                && !slot.fittingKeys.contains(keySchema)) {
            if (mergedKey == null) {
                mergedKey = keySchema;
            } else {
                SchemaMerger.Mode mode = slot.inferredKeys || inferredKey
                        ? SchemaMerger.Mode.LENIENT : SchemaMerger.Mode.STRICT;
                mergedKey = SchemaMerger.merge(mergedKey, keySchema, mode);
            }
        }
        slot.inferredValues |= inferredValue;
        slot.inferredKeys |= inferredKey;
        if (mergedValue != layout.valueSchema() || mergedKey != layout.keySchema()) {
            if (slot.streamed) {
                throw new StreamedSchemaChange("the batch's schema would have to grow to take a record of value"
                        + " schema " + valueSchema + ", and the file already holds row groups of the current one");
            }
            RowLayout target = new RowLayout(mergedValue, mergedKey, settings.metadata());
            ArrowBatch evolved = slot.batch.evolve(target, settings.allocator(), tp + "/" + slot.recordType);
            slot.batch.close();
            slot.batch = evolved;
            // An idle batch of this key has the old columns: the next slot of the key would not take it.
            ArrowBatch stale = idle.remove(slot.key());
            if (stale != null) {
                stale.close();
            }
            slot.fittingValues.clear();
            slot.fittingKeys.clear();
            LOG.debug("Batch of {} grew its schema in place", tp);
        }
        // Only declared schemas are remembered: converters reuse their instances, so the identity check hits. An
        // inferred schema is a new object per record and would never hit, only pile up until the flush.
        if (valueSchema != null && !tombstone && !inferredValue) {
            slot.fittingValues.add(valueSchema);
        }
        if (keySchema != null && !inferredKey) {
            slot.fittingKeys.add(keySchema);
        }
    }

    /** Thresholds count the whole partition: its rows may spread over many record types and time folders. */
    private FlushTrigger dueBySize() {
        long bytes = 0;
        long rows = 0;
        for (Slot slot : slots.values()) {
            // Rows already streamed out count: the thresholds size the file, not the memory.
            rows += slot.batch.rows() + slot.streamedRows;
            bytes += slot.batch.filledBytes() + slot.streamedArrowBytes;
        }
        if (rows >= settings.maxRecords()) {
            return FlushTrigger.RECORDS;
        }
        return bytes >= settings.maxBytes() ? FlushTrigger.BYTES : null;
    }

    /** Flushes the batches if any threshold is reached; called after every put(), empty ones included. */
    void flushIfDue(long nowNanos) {
        retryFailed();
        if (flushRunning()) {
            // The retry runs: a flush now would wait for it on the task thread. The caller checks again shortly.
            return;
        }
        if (recovering() && accepted >= recoveryEnd) {
            // The replayed range is complete; its cut waited for the flush that was running then.
            flush(FlushTrigger.RECOVERY);
            return;
        }
        if (slots.isEmpty() || recovering()) {
            return;
        }
        FlushTrigger due = dueBySize();
        if (due == null && nowNanos - openedNanos >= settings.intervalNanos()) {
            due = FlushTrigger.INTERVAL;
        }
        if (due != null) {
            flush(due);
        }
    }

    /** Rejects a record too large for the memory budget as a bad record. */
    void rejectOversized(SinkRecord record, String problem) {
        reject(record, record.originalKafkaOffset(), new DataException(problem));
    }

    private void reject(SinkRecord record, long offset, DataException cause) {
        BadRecordException bad = new BadRecordException(record.originalTopic(), record.originalKafkaPartition(), offset,
                cause.getMessage(), cause);
        settings.metrics().badRecord();
        if (!settings.tolerateAll() || settings.deadLetters() == null) {
            // The task fails here; nothing past this record was reported to Connect, so it is read again on restart.
            throw bad;
        }
        pendingReports.add(settings.deadLetters().report(record, bad));
        accepted = offset;
    }

    /**
     * Hands every open batch to be landed: the flush's range and keys are fixed here, on the task thread, and a
     * {@link FlushJob} records them in the commit marker, then encodes and uploads the files, on the flush executor.
     * New records meanwhile go to new batches. Only one flush per partition is in flight: a second one first waits
     * for the first. A storage error surfaces here or on a later call; the failed flush keeps its batches and is
     * retried as it is, so it writes the same keys.
     */
    void flush(FlushTrigger trigger) {
        retryFailed();
        // A batch whose every record was dead-lettered has no rows: it lands no file, and its key would have no
        // first row to start at.
        slots.values().removeIf(slot -> {
            if (slot.batch.rows() > 0 || slot.streamed) {
                return false;
            }
            slot.release();
            return true;
        });
        if (slots.isEmpty() && !recovering()) {
            return;
        }
        finishInFlight();
        long start = currentFlushStart();
        List<Slot> batches = new ArrayList<>(slots.values());
        List<String> keys = new ArrayList<>(batches.size());
        for (Slot slot : batches) {
            keys.add(settings.layout().dataKey(tp, start, slot.recordType, slot.path, incarnation));
        }
        List<String> orphans = new ArrayList<>();
        if (recovering()) {
            for (String file : recoveryFiles) {
                if (!keys.contains(file)) {
                    orphans.add(file);
                }
            }
            recoveryEnd = -1;
            recoveryStart = -1;
            recoveryFiles = List.of();
            // A replay restarted without streaming is over: later flushes stream again.
            spillAllowed = true;
        }
        FlushJob job = new FlushJob(trigger, batches, keys, orphans, plannedThrough, start, accepted,
                List.copyOf(pendingReports));
        pendingReports.clear();
        slots.clear();
        plannedThrough = accepted;
        submit(job);
    }

    private void submit(FlushJob job) {
        inFlight = job;
        job.done = java.util.concurrent.CompletableFuture.runAsync(job::land, settings.flushExecutor());
        if (job.done.isDone()) {
            // A same-thread executor (flush.threads=0) has landed it already: account for it now.
            finishInFlight();
        }
    }

    /**
     * Hands a flush that failed earlier back to the flush executor, as it was, so that it writes the same keys; it
     * runs before anything else of this partition is flushed. The task thread does not wait for it here: a retry
     * against a stalled store can take as long as the store's timeouts, and retries of many partitions in a row
     * would keep the consumer from polling past max.poll.interval.ms. While it runs the partition counts as flushing,
     * so records that would start another flush wait, bounded, or pause the partition. A retry that fails again
     * surfaces like the first failure, on a later put() or preCommit.
     */
    void retryFailed() {
        if (failed == null) {
            return;
        }
        finishInFlight();
        FlushJob retry = failed;
        failed = null;
        submit(retry);
    }

    /** Waits for the flush in flight, if any, and accounts for it; rethrows its failure. */
    void finishInFlight() {
        FlushJob job = inFlight;
        if (job == null) {
            return;
        }
        try {
            job.done.join();
        } catch (java.util.concurrent.CompletionException e) {
            inFlight = null;
            Throwable cause = e.getCause();
            if (cause instanceof CommitLog.MarkerConflictException) {
                // Fenced: the batches will never land from here; the caller re-reads the marker.
                job.release();
                throw new RestartException(tp, "another task wrote its commit marker since this task read it",
                        cause);
            }
            if (cause instanceof UploadVanishedException) {
                // The parts streamed so far are gone with the upload, and so are the rows they held: the file is
                // written again from Kafka, from the marker, as after a crash.
                job.release();
                throw new RestartException(tp, "the multipart upload of one of its files vanished (aborted by"
                        + " another writer or a bucket lifecycle rule): " + cause.getMessage(), cause);
            }
            failed = job;
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new ConnectException("flush of " + tp + " failed", cause);
        }
        inFlight = null;
        if (job.spillSlot != null) {
            job.recycle();
            return;
        }
        landed = job.end;
        metrics.landed(landed);
        job.keepIdle();
    }

    /** Accounts for a finished flush without waiting for one that is still running. */
    void pollInFlight() {
        if (inFlight != null && inFlight.done.isDone()) {
            finishInFlight();
        }
    }

    /**
     * One flush, fixed on the task thread and landed on the flush executor: only that thread touches its batches
     * until it is done. On success it closes the files and, back on the task thread, leaves the emptied batches idle
     * for the next slots of their keys; on failure it keeps them, with their encoded files, for the retry.
     */
    private final class FlushJob {
        /** For a spill: the slot whose rows go out as row groups, the batch holding them and the file's key. */
        final Slot spillSlot;
        final ArrowBatch spillBatch;
        final String spillKey;
        final FlushTrigger trigger;
        final List<Slot> batches;
        final List<String> keys;
        final List<String> orphans;
        final long landedBefore;
        final long start;
        final long end;
        /** Dead-letter writes of records in this flush's range: acknowledged before the marker may cover them. */
        final List<Future<Void>> deadLetters;
        java.util.concurrent.CompletableFuture<Void> done;

        FlushJob(FlushTrigger trigger, List<Slot> batches, List<String> keys, List<String> orphans, long landedBefore,
                long start, long end, List<Future<Void>> deadLetters) {
            this.deadLetters = deadLetters;
            this.trigger = trigger;
            this.batches = batches;
            this.keys = keys;
            this.orphans = orphans;
            this.landedBefore = landedBefore;
            this.start = start;
            this.end = end;
            this.spillSlot = null;
            this.spillBatch = null;
            this.spillKey = null;
        }

        /** A spill: no marker and no offsets move; the rows only leave memory for the slot's unfinished file. */
        FlushJob(Slot slot, ArrowBatch batch, String key, long landedNow) {
            this.trigger = null;
            this.batches = List.of();
            this.keys = List.of();
            this.orphans = List.of();
            this.landedBefore = landedNow;
            this.start = -1;
            this.end = landedNow;
            this.deadLetters = List.of();
            this.spillSlot = slot;
            this.spillBatch = batch;
            this.spillKey = key;
        }

        private FileUpload fileOf(Slot slot, String key, ArrowBatch rows) {
            if (slot.file == null) {
                slot.file = new FileUpload(key, settings.encoder().openStream(rows.seal().getSchema(),
                        settings.allocator(), settings.partBytes()), settings.store());
            } else if (!slot.file.key().equals(key)) {
                throw new IllegalStateException("the file streamed for " + tp + " was keyed " + slot.file.key()
                        + " but its flush writes " + key);
            }
            return slot.file;
        }

        private void spill() {
            FileUpload file = fileOf(spillSlot, spillKey, spillBatch);
            // Encoding empties the batch, so a retry after an upload failure only sends the parts left.
            file.write(spillBatch);
            file.sendFullParts();
        }

        /** On the task thread, after a spill landed: the emptied batch becomes the slot's spare, or is closed. */
        void recycle() {
            // A batch that outgrew twice the row-group size (it waited for a running job) is not kept: its capacity
            // would read as full after a few rows, and every record would then stream out as a row group of its own.
            if (spillSlot.spare == null && spillSlot.batch.layout() == spillBatch.layout()
                    && spillBatch.bufferBytes() < 2 * settings.rowGroupBytes()) {
                spillSlot.spare = spillBatch;
            } else {
                spillBatch.close();
            }
        }

        void land() {
            if (spillSlot != null) {
                spill();
                return;
            }
            // On the flush thread, not the task's: the marker must never cover a record that is neither landed nor
            // in the dead-letter topic, but the task need not wait for the acknowledgements.
            awaitAll(deadLetters);
            // Files of the interrupted flush that this replay does not rewrite go first, while the marker still
            // lists them: a crash now leaves them listed, so the next replay deletes them too.
            for (String orphan : orphans) {
                LOG.info("Deleting {}: written by an interrupted flush of {} that the replay did not rewrite", orphan,
                        tp);
                settings.store().delete(orphan);
                settings.store().abortUploads(orphan);
            }
            // Intent first: if the task dies during the uploads, the next owner knows exactly which keys to check.
            settings.commitLog().recordFlush(tp, landedBefore, start, end, keys, incarnation);
            for (int i = 0; i < batches.size(); i++) {
                Slot slot = batches.get(i);
                String key = keys.get(i);
                FileUpload file = fileOf(slot, key, slot.batch);
                if (file.landedAlready()) {
                    // A retry after a later file of this flush failed: this one is at its key already.
                    continue;
                }
                // The last rows, then the footer; on a retry the rows are in the file already and only what failed
                // is sent again.
                file.write(slot.batch);
                file.finishAndLand(dev.quiver.parquet.FooterMetadata.of(
                        "quiver.version", Version.get(),
                        "kafka.topic", tp.topic(),
                        "kafka.partition", Integer.toString(tp.partition()),
                        "kafka.offset.first", Long.toString(slot.firstRowOffset),
                        "kafka.offset.last", Long.toString(slot.lastRowOffset)));
                settings.metrics().fileLanded(file.rows(), file.arrowBytes(), file.parquetBytes(), file.encodeNanos(),
                        file.uploadNanos());
                FlushLog.landed(tp, file.rows(), slot.firstRowOffset, slot.lastRowOffset, file.arrowBytes(),
                        file.parquetBytes(), key, trigger.name(), file.encodeNanos(), file.uploadNanos());
                if (file.heapBytes() > 0) {
                    // Debug only: when the budget is full, every file landed to relieve it would say so.
                    LOG.debug("{}: {} encoded bytes of {} were held on the heap, as the memory budget was full", tp,
                            file.heapBytes(), key);
                }
            }
            if (trigger == FlushTrigger.RECOVERY) {
                // The interrupted attempt may have left multipart uploads of these keys that a single PUT replaced.
                for (String key : keys) {
                    settings.store().abortUploads(key);
                }
            }
            // The encoded bytes go now; the batches wait for the task thread, which keeps them for reuse.
            for (Slot slot : batches) {
                if (slot.file != null) {
                    slot.file.close();
                    slot.file = null;
                }
            }
        }

        /**
         * On the task thread, after the flush landed: its emptied batches become the partition's idle batches, one
         * per slot key. The idle batches the flush just cut did not take are closed first.
         */
        void keepIdle() {
            releaseIdle();
            for (Slot slot : batches) {
                if (slot.spare != null) {
                    slot.spare.close();
                    slot.spare = null;
                }
                // Encoding emptied it unless it had no rows; either way it starts again from row 0.
                slot.batch.reset();
                idle.put(slot.key(), slot.batch);
            }
        }

        void release() {
            if (spillSlot != null) {
                // Abandoned: the slot itself is released with the partition's other batches.
                spillBatch.close();
                return;
            }
            for (Slot slot : batches) {
                slot.release();
            }
        }
    }

    /**
     * Lands the batches when the partition closes, unless a replayed flush is not complete yet: a cut there would
     * differ from the first attempt's, so the batches are dropped and the next owner replays again.
     */
    void flushOnClose() {
        if (recovering() && accepted < recoveryEnd) {
            LOG.info("Closing {} in the middle of a replayed flush; the next owner replays it", tp);
            abandon();
            return;
        }
        flush(FlushTrigger.CLOSE);
        finishInFlight();
    }

    /** Nanoseconds until the interval threshold is due, or Long.MAX_VALUE when nothing is buffered. */
    long nanosUntilDue(long nowNanos) {
        if (slots.isEmpty() || recovering()) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, settings.intervalNanos() - (nowNanos - openedNanos));
    }

    private long firstRowOffset() {
        long first = Long.MAX_VALUE;
        for (Slot slot : slots.values()) {
            if (slot.firstRowOffset >= 0) {
                // A batch whose records were all dead-lettered has none.
                first = Math.min(first, slot.firstRowOffset);
            }
        }
        return first;
    }

    private void awaitAll(List<Future<Void>> reports) {
        // A skipped record counts as handled once its dead-letter write is acknowledged, not before: the commit marker
        // must never cover a record that is neither landed nor in the dead-letter topic.
        for (Future<Void> report : reports) {
            try {
                report.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConnectException("interrupted while waiting for dead-letter writes of " + tp, e);
            } catch (ExecutionException e) {
                throw new ConnectException("a dead-letter write for " + tp + " failed", e.getCause());
            }
        }
    }

    /** True when every dead-letter write not yet covered by a flush is acknowledged; never waits for one. */
    private boolean deadLettersAcknowledged() {
        for (Future<Void> report : pendingReports) {
            if (!report.isDone()) {
                return false;
            }
        }
        awaitAll(pendingReports);
        pendingReports.clear();
        return true;
    }

    /** The offset Connect may commit: the first offset not yet landed or handled, or -1 for nothing. */
    long committableOffset() {
        if (slots.isEmpty() && inFlight == null && failed == null && deadLettersAcknowledged()) {
            return accepted < 0 ? -1 : accepted + 1;
        }
        return landed < 0 ? -1 : landed + 1;
    }

    /**
     * Drops the batches without landing them and forgets what they had accepted; returns where reading resumes. A
     * flush already running cannot be recalled: it is waited for, and counts if it lands.
     */
    long abandon() {
        try {
            finishInFlight();
        } catch (RuntimeException e) {
            LOG.debug("The flush in flight of {} failed while abandoning it: {}", tp, e.getMessage());
        }
        if (failed != null) {
            failed.release();
            failed = null;
        }
        discardBatches();
        pendingReports.clear();
        accepted = landed;
        plannedThrough = landed;
        return landed + 1;
    }

    private void discardBatches() {
        for (Slot slot : slots.values()) {
            slot.release();
        }
        slots.clear();
        releaseIdle();
    }

    long bufferedBytes() {
        long bytes = 0;
        for (Slot slot : slots.values()) {
            bytes += slot.batch.bufferBytes() + (slot.spare == null ? 0 : slot.spare.bufferBytes());
        }
        for (ArrowBatch batch : idle.values()) {
            bytes += batch.bufferBytes();
        }
        return bytes;
    }

    /** Turns off streaming row groups out for this writer: for a replay that must keep its batches whole. */
    void disableSpill() {
        spillAllowed = false;
    }

    /**
     * The partition must start again from its commit marker, as a new owner would: another task wrote the marker
     * (this one is fenced), or a file's upload vanished with rows no longer in memory. The batches are dropped; the
     * records are read again from the marker's offset.
     */
    static final class RestartException extends ConnectException {
        private static final long serialVersionUID = 1L;
        private final transient TopicPartition tp;

        RestartException(TopicPartition tp, String why, Throwable cause) {
            super(tp + " restarts from its commit marker: " + why, cause);
            this.tp = tp;
        }

        TopicPartition topicPartition() {
            return tp;
        }
    }

    /** A batch that already streamed row groups met a schema its file cannot take. */
    private static final class StreamedSchemaChange extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StreamedSchemaChange(String message) {
            super(message);
        }
    }

    /**
     * A replayed flush met a schema change in a batch it had streamed out, where the first attempt had not: the
     * replay cannot cut there and its file cannot take the change, so the partition is replayed again, from the
     * flush's start, without streaming.
     */
    static final class ReplayRestartException extends ConnectException {
        private static final long serialVersionUID = 1L;
        private final transient TopicPartition tp;

        ReplayRestartException(TopicPartition tp, String why) {
            super("replayed flush of " + tp + " must restart without streaming row groups: " + why);
            this.tp = tp;
        }

        TopicPartition topicPartition() {
            return tp;
        }
    }

    @Override
    public void close() {
        try {
            finishInFlight();
        } catch (RuntimeException e) {
            LOG.debug("The flush in flight of {} failed while closing: {}", tp, e.getMessage());
        }
        if (failed != null) {
            failed.release();
            failed = null;
        }
        discardBatches();
    }
}
