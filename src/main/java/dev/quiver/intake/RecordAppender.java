package dev.quiver.intake;

import dev.quiver.arrow.MetadataColumns;
import dev.quiver.arrow.RowLayout;
import dev.quiver.arrow.SchemaInference;
import dev.quiver.decode.KeyDecoding;
import dev.quiver.decode.SchemalessJsonDecoder;
import dev.quiver.decode.ValueDecoder;
import dev.quiver.layout.PathPartitioner;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Routes one record to its batch and appends its row: works out the value's and the key's schemas (declared,
 * decoded straight from raw bytes, or inferred), the record type and the folder, and writes the row through the
 * path that makes no per-record objects where one exists. Task thread only.
 */
final class RecordAppender {
    private final TopicPartition tp;
    private final WriterSettings settings;
    private final OpenBatches batches;

    RecordAppender(TopicPartition tp, WriterSettings settings, OpenBatches batches) {
        this.tp = Objects.requireNonNull(tp, "tp");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.batches = Objects.requireNonNull(batches, "batches");
    }

    /**
     * Appends the record's row; returns the slot that took it, or null when the record lands no row (a tombstone
     * with behavior.on.null.values=ignore).
     *
     * @throws DataException when the record is bad: the batch is as it was before it
     */
    Slot append(SinkRecord record, long offset, long nowNanos) {
        Object value = record.value();
        boolean tombstone = value == null;
        Schema valueSchema = record.valueSchema();
        boolean inferredValue = false;
        if (tombstone) {
            switch (settings.nullValues()) {
                case IGNORE:
                    return null;
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
            return appendJson(record, key, keySchema, inferredKey, keyDecoder, streamKey, offset, nowNanos);
        }
        if (decoder != null && !tombstone) {
            // Raw bytes decoded straight into the value columns: no Struct or Map exists for this record.
            String path = partitioner.byKafkaPartition() ? null : partitioner.pathOf(record, null);
            if (streamKey) {
                keySchema = keyTypeForNewBatch("", path, key);
            }
            Slot slot = batches.slotFor("", path, valueSchema, keySchema, false, inferredKey, false, nowNanos);
            return appendRow(slot, "", path, valueSchema, false, false, key, keyDecoder, streamKey, nowNanos,
                    (into, keys) -> into.batch.appendDecoded(record, key,
                            decoder.boundTo(into.batch.layout().valueSchema()), record.value(), keys));
        }
        String recordType = tombstone || inferredValue || valueSchema.name() == null ? "" : valueSchema.name();
        String path = partitioner.byKafkaPartition() ? null : partitioner.pathOf(record, value);
        if (streamKey) {
            keySchema = keyTypeForNewBatch(recordType, path, key);
        }
        Slot slot = batches.slotFor(recordType, path, valueSchema, keySchema, inferredValue, inferredKey, tombstone,
                nowNanos);
        return appendRow(slot, recordType, path, valueSchema, inferredValue, tombstone, key, keyDecoder, streamKey,
                nowNanos, (into, keys) -> into.batch.append(record, key, value, tombstone, keys));
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
            row.append(slot, keyDecoderOf(slot, keyDecoder, false));
            return slot;
        }
        try {
            row.append(slot, keyDecoderOf(slot, null, true));
            return slot;
        } catch (SchemalessJsonDecoder.Misfit e) {
            // Retried below with the key's own type merged in; the batch's row count did not move.
        }
        Schema keySchema = KeyDecoding.inferJson(key);
        Slot widened = batches.slotFor(recordType, path, valueSchema, keySchema, inferredValue, true, tombstone,
                nowNanos);
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
        Slot open = batches.get(recordType, path);
        return open == null || open.batch.layout().keySchema() == null ? KeyDecoding.inferJson(key) : null;
    }

    /**
     * The decoder that writes the slot's keys: the declared one bound to the batch's key schema, or for schemaless
     * JSON keys the slot's own, bound to the batch's current key column.
     */
    private static ValueDecoder keyDecoderOf(Slot slot, ValueDecoder declared, boolean streamKey) {
        if (!streamKey) {
            // Keys from a Schema Registry name their writer schema per record, merged into the batch's key schema
            // like values: the decoder writes into that merged key column. Decoders of one schema are their own.
            Schema batchKeys = slot.batch.layout().keySchema();
            return declared == null || batchKeys == null ? declared : declared.boundTo(batchKeys);
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
    private Slot appendJson(SinkRecord record, Object key, Schema keySchema, boolean inferredKey,
            ValueDecoder keyDecoder, boolean streamKey, long offset, long nowNanos) {
        Object raw = record.value();
        PathPartitioner partitioner = settings.partitioner();
        String path = null;
        if (!partitioner.byKafkaPartition()) {
            List<String> fields = partitioner.valueFields();
            path = partitioner.pathOf(record, fields.isEmpty() ? null : SchemalessJsonDecoder.pick(raw, fields));
        }
        // Inferred values have no record type.
        Slot slot = batches.get("", path);
        if (slot != null && slot.batch.layout().valueSchema() != null && batches.keyFits(slot, keySchema, inferredKey)
                && appendJsonRow(slot, record, key, raw, keyDecoderOf(slot, keyDecoder, streamKey))) {
            slot.inferredKeys |= inferredKey;
            return slot;
        }
        Schema inferred = SchemalessJsonDecoder.infer(raw);
        if (streamKey) {
            // A schemaless JSON key shares the decode with the value, and either may have misfit: type both.
            keySchema = KeyDecoding.inferJson(key);
        }
        slot = batches.slotFor("", path, inferred, keySchema, true, inferredKey, false, nowNanos);
        if (!appendJsonRow(slot, record, key, raw, keyDecoderOf(slot, keyDecoder, streamKey))) {
            throw new IllegalStateException("a JSON value of " + tp + " at offset " + offset
                    + " does not fit the schema merged from its own: " + slot.batch.layout().valueSchema()
                    + (streamKey ? ", or its key the key schema: " + slot.batch.layout().keySchema() : ""));
        }
        return slot;
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
}
