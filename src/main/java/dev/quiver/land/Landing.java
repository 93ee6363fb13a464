package dev.quiver.land;

import dev.quiver.commit.CommitLog;
import dev.quiver.commit.LandedFlushListener;
import dev.quiver.metrics.TaskMetrics;
import dev.quiver.parquet.ParquetEncoder;
import dev.quiver.store.ObjectStore;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;

/**
 * What every flush and spill job of a task shares: how files are encoded, where they go, where a flush's intent is
 * recorded and who hears that a flush landed.
 *
 * @param partBytes the part size of multipart uploads
 * @param landed    called on the flush thread after each flush's files have landed
 */
public record Landing(ParquetEncoder encoder, BufferAllocator allocator, long partBytes, ObjectStore store,
        CommitLog commitLog, TaskMetrics metrics, LandedFlushListener landed) {
    public Landing {
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(allocator, "allocator");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(commitLog, "commitLog");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(landed, "landed");
    }
}
