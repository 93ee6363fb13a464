package dev.quiver.intake;

import dev.quiver.arrow.ArrowBatch;
import dev.quiver.arrow.RowLayout;
import dev.quiver.decode.SchemalessJsonDecoder;
import dev.quiver.land.PendingFile;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.apache.kafka.connect.data.Schema;

/**
 * One record type's open batch in one folder of a partition, with what is known to fit it and, once its rows started
 * streaming out as row groups, the file they go to. Task thread only, except {@link #file}, which flush jobs write.
 */
final class Slot {
    final String recordType;
    /** The time or field folder, or null in the Kafka-partition layout. */
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
    /** The file this slot's rows go to; opened by the first job that encodes rows. */
    final PendingFile file = new PendingFile();
    /** Rows were handed to the file before the flush: the file's schema is fixed. */
    boolean streamed;
    long streamedRows;
    long streamedArrowBytes;
    /** Rows the batch held at its first spill: a reused batch keeps its capacity, so rows tell when it is full. */
    int spillRows;
    /** An emptied batch of the same layout, to take the rows after the next spill instead of a new one. */
    ArrowBatch spare;

    Slot(String recordType, String path) {
        this.recordType = recordType;
        this.path = path;
    }

    /** The key of a partition's slots and idle batches: record type, then the folder if there is one. */
    static String key(String recordType, String path) {
        return path == null ? recordType : recordType + '\u0000' + path;
    }

    String key() {
        return key(recordType, path);
    }

    /** Closes the spare batch: only spills use it, and a flush ends the slot. */
    void closeSpare() {
        if (spare != null) {
            spare.close();
            spare = null;
        }
    }

    /** Releases the batches and the file; an upload the file started and did not complete is aborted. */
    void release() {
        batch.close();
        closeSpare();
        file.close();
    }
}
