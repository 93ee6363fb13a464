package dev.quiver.intake;

import dev.quiver.arrow.ArrowBatch;
import dev.quiver.arrow.MetadataColumns;
import dev.quiver.arrow.RowLayout;
import dev.quiver.arrow.SchemaMerger;
import dev.quiver.commit.PartitionProgress;
import dev.quiver.commit.ReplayRestartException;
import dev.quiver.land.FlushTrigger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition's open batches, by record type and folder, and the emptied batches of landed flushes kept for reuse.
 * Decides which batch a record's schemas go to: the open one as it is, the open one grown in place (a new optional
 * field, a widened type, an older version), or, for a change that cannot share a file, a new batch after the
 * partition's batches were cut. Task thread only.
 */
final class OpenBatches {
    private static final Logger LOG = LoggerFactory.getLogger(OpenBatches.class);

    /** Cuts the partition's batches (a flush) so that a record whose schema cannot share their files starts anew. */
    @FunctionalInterface
    interface SchemaCut {
        void cut(String why);
    }

    private final TopicPartition tp;
    private final WriterSettings settings;
    private final PartitionProgress progress;
    private final SchemaCut cutter;
    /** Open batches by {@link Slot#key}; record type is empty for unnamed schemas, schemaless data and tombstones. */
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    /**
     * Emptied batches of landed flushes, by slot key, at most one per key: a slot opened with the same key and layout
     * takes one instead of allocating its vectors again. Those the flush after the one that made them idle did not
     * take are closed when that flush lands, so folders that went quiet do not hold memory.
     */
    private final Map<String, ArrowBatch> idle = new LinkedHashMap<>();
    private long openedNanos;

    OpenBatches(TopicPartition tp, WriterSettings settings, PartitionProgress progress, SchemaCut cutter) {
        this.tp = Objects.requireNonNull(tp, "tp");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.cutter = Objects.requireNonNull(cutter, "cutter");
    }

    boolean isEmpty() {
        return slots.isEmpty();
    }

    /** The open slot of this key, or null. */
    Slot get(String recordType, String path) {
        return slots.get(Slot.key(recordType, path));
    }

    /** When the partition's first batch since the last flush opened (nanoTime). */
    long openedNanos() {
        return openedNanos;
    }

    /** The slot for this record, opened, evolved, or cut and reopened as its schemas require. */
    Slot slotFor(String recordType, String path, Schema valueSchema, Schema keySchema, boolean inferredValue,
            boolean inferredKey, boolean tombstone, long nowNanos) {
        String slotKey = Slot.key(recordType, path);
        Slot slot = slots.get(slotKey);
        if (slot != null) {
            try {
                evolveIfNeeded(slot, valueSchema, keySchema, inferredValue, inferredKey, tombstone);
                return slot;
            } catch (StreamedSchemaChange e) {
                if (progress.replaying()) {
                    // The first attempt had not streamed this batch here (or it would have cut the flush): replay
                    // the flush again without streaming, from its start.
                    throw new ReplayRestartException(tp, e.getMessage());
                }
                cutter.cut("after rows of the current file were already streamed out, so its schema is fixed: "
                        + e.getMessage());
            } catch (SchemaMerger.IncompatibleSchemaException e) {
                if (progress.replaying()) {
                    // The first attempt met the same change at the same offset and could not have cut there either.
                    throw new IllegalStateException("schema change inside a replayed flush of " + tp
                            + "; the first attempt could not have cut there: " + e.getMessage(), e);
                }
                cutter.cut("that cannot share a file: " + e.getMessage());
            }
        }
        settings.layout().checkKeyLength(tp, recordType, path); // a bad record, before anything is written
        if (slots.isEmpty()) {
            progress.batchesOpened();
            openedNanos = nowNanos;
        }
        slot = new Slot(recordType, path);
        slot.inferredValues = inferredValue;
        slot.inferredKeys = inferredKey;
        Schema initialValue = valueSchema != null && tombstone ? SchemaMerger.allFieldsOptional(valueSchema) : valueSchema;
        slot.batch = takeIdle(slotKey, new RowLayout(initialValue, keySchema, settings.metadata()));
        slots.put(slotKey, slot);
        return slot;
    }

    /** True when the batch's key column holds {@code keySchema} as it is, as {@link #evolveIfNeeded} would find. */
    boolean keyFits(Slot slot, Schema keySchema, boolean inferredKey) {
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

    /** Thresholds count the whole partition: its rows may spread over many record types and time folders. */
    FlushTrigger dueBySize() {
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

    /** The lowest offset of a buffered row, or Long.MAX_VALUE when every record buffered was dead-lettered. */
    long firstRowOffset() {
        long first = Long.MAX_VALUE;
        for (Slot slot : slots.values()) {
            if (slot.firstRowOffset >= 0) {
                first = Math.min(first, slot.firstRowOffset);
            }
        }
        return first;
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

    /** The streaming slot holding the most Arrow bytes in rows not yet spilled, or null. */
    Slot largestStreaming() {
        Slot largest = null;
        for (Slot slot : slots.values()) {
            if (slot.streamed && slot.batch.rows() > 0
                    && (largest == null || slot.batch.bufferBytes() > largest.batch.bufferBytes())) {
                largest = slot;
            }
        }
        return largest;
    }

    /** True when a batch has grown to at least {@code bytes} of Arrow buffers. */
    boolean anyAtLeast(long bytes) {
        for (Slot slot : slots.values()) {
            if (slot.batch.bufferBytes() >= bytes) {
                return true;
            }
        }
        return false;
    }

    /** The open slot whose file is {@code file}, or null. */
    Slot slotOf(dev.quiver.land.PendingFile file) {
        for (Slot slot : slots.values()) {
            if (slot.file == file) {
                return slot;
            }
        }
        return null;
    }

    /**
     * Drops the batches whose every record was dead-lettered: they have no rows, land no file, and their keys would
     * have no first row to start at.
     */
    void removeEmpty() {
        slots.values().removeIf(slot -> {
            if (slot.batch.rows() > 0 || slot.streamed) {
                return false;
            }
            slot.release();
            return true;
        });
    }

    /** Every open slot, handed to a flush; the partition has none open afterwards. */
    List<Slot> takeAll() {
        List<Slot> taken = new ArrayList<>(slots.values());
        slots.clear();
        return taken;
    }

    /**
     * After a flush landed: its emptied batches become the partition's idle batches, one per slot key. The idle
     * batches the flush just cut did not take are closed first.
     */
    void keepIdle(List<Slot> landed) {
        releaseIdle();
        for (Slot slot : landed) {
            // Encoding emptied it unless it had no rows; either way it starts again from row 0.
            slot.batch.reset();
            idle.put(slot.key(), slot.batch);
        }
    }

    /** Closes the idle batches, to free their memory for the budget; returns the bytes they held. */
    long releaseIdle() {
        long bytes = 0;
        for (ArrowBatch batch : idle.values()) {
            bytes += batch.bufferBytes();
            batch.close();
        }
        idle.clear();
        return bytes;
    }

    /** Arrow bytes held by the open batches, their spares and the idle batches. */
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

    /** Releases every batch and file without landing them. */
    void discard() {
        for (Slot slot : slots.values()) {
            slot.release();
        }
        slots.clear();
        releaseIdle();
    }

    /** A batch that already streamed row groups met a schema its file cannot take. */
    private static final class StreamedSchemaChange extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StreamedSchemaChange(String message) {
            super(message);
        }
    }
}
