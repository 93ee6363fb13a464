package dev.quiver.land;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Work fixed on the task thread and done on the flush executor: a flush ({@link FlushJob}) or a spill
 * ({@link SpillJob}). Only the flush thread touches the job's batches and files until {@link #done()} completes. A
 * failed job keeps its state and can be started again as it is, so a retry writes the same keys and sends only what
 * failed.
 */
public abstract class LandingJob {
    private CompletableFuture<Void> done;

    /** Encodes and uploads; runs on the flush executor. */
    protected abstract void land();

    /** Drops the job's batches and files without landing them; task thread, once the job is not running. */
    public abstract void release();

    /** Hands the job to {@code executor} (again, for a retry); a same-thread executor has landed it on return. */
    final void start(Executor executor) {
        done = CompletableFuture.runAsync(this::land, executor);
    }

    /** Completes when the job ends, exceptionally when it failed; null before it started. */
    final CompletableFuture<Void> done() {
        return done;
    }
}
