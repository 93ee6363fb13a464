package dev.quiver.land;

import dev.quiver.commit.CommitLog;
import dev.quiver.commit.RestartException;
import dev.quiver.store.UploadVanishedException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * One partition's landing jobs, run one at a time so that its markers are written in order: the job in flight, and a
 * job that failed with a retriable error, which is retried as it is before anything else of the partition lands.
 * Task thread only; the jobs themselves run on the flush executor.
 */
public final class PartitionJobs {
    private final TopicPartition tp;
    private final Executor executor;
    private LandingJob inFlight;
    private LandingJob failed;

    public PartitionJobs(TopicPartition tp, Executor executor) {
        this.tp = Objects.requireNonNull(tp, "tp");
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /** Starts {@code job}; the caller has finished the one before. */
    public void start(LandingJob job) {
        if (inFlight != null) {
            throw new IllegalStateException("a job of " + tp + " is still in flight");
        }
        inFlight = job;
        job.start(executor);
    }

    /** The failed job, taken to be started again as it is; null when none failed. */
    public LandingJob takeFailed() {
        LandingJob job = failed;
        failed = null;
        return job;
    }

    /** True when a job was started and has ended, landed or not: {@link #finish} does not wait. */
    public boolean ended() {
        return inFlight != null && inFlight.done().isDone();
    }

    /** True while a job handed to the executor has not ended: starting another now would wait for it. */
    public boolean running() {
        return inFlight != null && !inFlight.done().isDone();
    }

    /** True while a job runs, or failed and waits for its retry. */
    public boolean pending() {
        return inFlight != null || failed != null;
    }

    public boolean hasFailed() {
        return failed != null;
    }

    /** The running job's completion, or null when none runs; lets the task wait for any of several, bounded. */
    public CompletableFuture<Void> runningJob() {
        return running() ? inFlight.done() : null;
    }

    /**
     * Waits for the job in flight and returns it once landed, or null when none was in flight. A failed job is kept
     * for its retry and its error rethrown; a fencing conflict or a vanished upload, after which the job can never
     * land from here, releases it and asks for a restart from the marker.
     */
    public LandingJob finish() {
        LandingJob job = inFlight;
        if (job == null) {
            return null;
        }
        try {
            job.done().join();
        } catch (CompletionException e) {
            inFlight = null;
            Throwable cause = e.getCause();
            if (cause instanceof CommitLog.MarkerConflictException) {
                job.release();
                throw new RestartException(tp, "another task wrote its commit marker since this task read it", cause);
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
        return job;
    }

    /** Drops a failed job's batches and files: the partition is abandoned or closed. */
    public void discardFailed() {
        if (failed != null) {
            failed.release();
            failed = null;
        }
    }
}
