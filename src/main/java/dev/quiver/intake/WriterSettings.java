package dev.quiver.intake;

import dev.quiver.arrow.MetadataColumns;
import dev.quiver.decode.KeyDecoding;
import dev.quiver.decode.ValueDecoder;
import dev.quiver.land.Landing;
import dev.quiver.layout.FileLayout;
import dev.quiver.layout.PathPartitioner;
import dev.quiver.metrics.TaskMetrics;
import java.util.concurrent.Executor;
import org.apache.arrow.memory.BufferAllocator;

/**
 * Everything a partition writer shares with the others of its task.
 *
 * @param decoder       the declared value schema's decoder, straight into columns; null otherwise
 * @param valuesAreJson value.format=json without a declared schema: values are streamed into inferred columns
 * @param rowGroupBytes the Arrow bytes at which a batch streams out as a row group, 0 to keep batches whole
 * @param outage        told of every landing job that succeeds, so that the end of an outage is seen at once
 */
record WriterSettings(long maxRecords, long maxBytes, long intervalNanos, BufferAllocator allocator,
        FileLayout layout, Landing landing, DeadLetters deadLetters, boolean tolerateAll, MetadataColumns metadata,
        NullValues nullValues, boolean valuesAreJson, TaskMetrics metrics, PathPartitioner partitioner,
        ValueDecoder decoder, Executor flushExecutor, KeyDecoding keys, long rowGroupBytes, StorageOutage outage) {

    /** What to do with a record whose value is null. */
    enum NullValues { IGNORE, FAIL, WRITE }
}
