package dev.quiver.land;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that encode and upload a task's files ({@code flush.threads}), or, with none, the task thread itself.
 */
public final class FlushExecutor implements Executor, AutoCloseable {
    /** Null when flush.threads=0: jobs run on the calling thread. */
    private final ExecutorService pool;

    public FlushExecutor(int threads, String connector, String task) {
        this.pool = threads == 0 ? null : Executors.newFixedThreadPool(threads, threadFactory(connector, task));
    }

    private static ThreadFactory threadFactory(String connector, String task) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "quiver-flush-" + connector + "-" + task + "-" + count.incrementAndGet());
            // Never keep a worker JVM alive: an unfinished flush is recovered from the commit marker.
            thread.setDaemon(true);
            // Plugin classes (Hadoop, codecs) are found through the context class loader, as on the task thread.
            thread.setContextClassLoader(FlushExecutor.class.getClassLoader());
            return thread;
        };
    }

    @Override
    public void execute(Runnable command) {
        if (pool == null) {
            command.run();
        } else {
            pool.execute(command);
        }
    }

    /** Stops the threads without waiting: an unfinished flush is recovered from its commit marker. */
    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
