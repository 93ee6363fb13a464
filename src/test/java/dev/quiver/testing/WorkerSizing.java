package dev.quiver.testing;

/**
 * README's sizing rule ("Memory: sizing the worker"), as code, so that a test's worker heap is the rule's figure and
 * not a guess: a worker given what the rule says must land everything without OutOfMemoryError. All sizes in bytes.
 */
public final class WorkerSizing {
    public static final long MIB = 1024 * 1024;
    /** The Connect worker itself with Quiver loaded: runtime, classes, Hadoop configuration, REST server. */
    public static final long WORKER_BASE_HEAP = 128 * MIB;
    /** Per task: the consumer's fetched records, bounded by Connect's default consumer fetch.max.bytes (50 MiB). */
    public static final long CONSUMER_FETCH = 50 * MIB;
    /** Parquet's page size (WriterOptions.DEFAULT_PAGE_SIZE). */
    public static final long PAGE = 1 * MIB;
    /** Page-sized buffers one pooled compressor keeps (CompressorPool.PAGE_BUFFERS_PER_COMPRESSOR). */
    public static final int PAGE_BUFFERS_PER_COMPRESSOR = 3;
    /** S3A's buffer for one PUT of a file smaller than a part (S3Settings sets fs.s3a.multipart.size to this). */
    public static final long S3A_BLOCK = 8 * MIB;
    /**
     * Heap per byte of the budget: the Java objects (vectors, fields, appenders) of the batches the budget holds, which
     * the budget counts (ArrowBatch.JAVA_BYTES_PER_VECTOR), and encoded bytes held on the heap while it was full,
     * which it is charged with until they are stored.
     */
    public static final double HEAP_PER_BUDGET_BYTE = 1.0;
    /** JDK and netty direct memory beyond Arrow's: NIO buffers of sockets and of the S3 client. */
    public static final long DIRECT_BASE = 32 * MIB;

    private WorkerSizing() {
    }

    /** Threads that encode at once in one task: the flush threads, or the task thread when there are none. */
    static int encodingThreads(int flushThreads) {
        return Math.max(1, flushThreads);
    }

    /** The row-group size in effect: parquet.row.group.bytes, at most a quarter of the budget. */
    static long rowGroup(long budget, long rowGroupBytes) {
        return Math.min(rowGroupBytes, budget / 4);
    }

    /**
     * The least -Xmx the rule asks for. The part size takes no heap: a file sent with one PUT is streamed from its
     * encoded chunks into S3A's off-heap block buffer (in {@link #direct}), and parts are read from their chunks.
     */
    public static long heap(int tasks, long budget, int flushThreads, long partBytes, long rowGroupBytes) {
        long perThread = 2 * rowGroup(budget, rowGroupBytes) + PAGE_BUFFERS_PER_COMPRESSOR * PAGE;
        return WORKER_BASE_HEAP + tasks * (CONSUMER_FETCH + (long) (HEAP_PER_BUDGET_BYTE * budget)
                + encodingThreads(flushThreads) * perThread);
    }

    /** The least -XX:MaxDirectMemorySize the rule asks for (it defaults to -Xmx, which is more). */
    public static long direct(int tasks, long budget, int flushThreads) {
        return DIRECT_BASE + tasks * (budget + encodingThreads(flushThreads) * (2 * PAGE + S3A_BLOCK));
    }
}
