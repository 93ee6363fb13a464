package dev.quiver.parquet;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.compression.CompressionCodecFactory.BytesInputCompressor;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Page compressors shared by every file a task writes, lent for the span of one encoding call and then taken back.
 *
 * <p>A compressor is not small: parquet-java's heap compressor keeps an output buffer of a page's size (1 MiB by
 * default) for its whole life, and codecs such as Snappy keep direct input and output buffers that grow to the
 * largest page they compressed. One per open file made the memory grow with the number of files open at once (a
 * flush over 168 hourly folders held 168 of them) and killed a 512 MiB worker with OutOfMemoryError. Lent per call,
 * there are never more compressors than threads encoding at the same moment, which is the task's flush threads plus
 * its own thread: {@link #PAGE_BUFFERS_PER_COMPRESSOR} page-sized buffers each, whatever the number of files.
 *
 * <p>Thread-safe.
 */
final class CompressorPool {
    /**
     * Page-sized buffers one compressor holds at most: parquet-java's output buffer, and a codec's direct input and
     * output buffers (Snappy's; zstd and gzip hold less).
     */
    static final int PAGE_BUFFERS_PER_COMPRESSOR = 3;

    private final Configuration conf;
    private final int pageSizeBytes;
    private final CompressionCodecName codec;
    private final Deque<Lease> idle = new ArrayDeque<>();
    private int created;

    CompressorPool(Configuration conf, int pageSizeBytes, CompressionCodecName codec) {
        this.conf = Objects.requireNonNull(conf, "conf");
        this.pageSizeBytes = pageSizeBytes;
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    /** One compressor, for this thread alone until {@link Lease#close()}. */
    Lease acquire() {
        synchronized (idle) {
            Lease lease = idle.pollFirst();
            if (lease != null) {
                lease.lent = true;
                return lease;
            }
            created++;
        }
        // Outside the lock: making a codec loads classes and native code the first time.
        // Never released: the compressor lives as long as the pool, and its codec's buffers with it.
        Lease lease = new Lease(new CodecFactory(conf, pageSizeBytes).getCompressor(codec));
        lease.lent = true;
        return lease;
    }

    /** How many compressors this pool ever made: the most threads that encoded at once. */
    int created() {
        synchronized (idle) {
            return created;
        }
    }

    /** A compressor on loan; closing it gives it back, and it must not be used afterwards. */
    final class Lease implements AutoCloseable {
        private final BytesInputCompressor compressor;
        private boolean lent;

        private Lease(BytesInputCompressor compressor) {
            this.compressor = compressor;
        }

        BytesInputCompressor compressor() {
            if (!lent) {
                throw new IllegalStateException("the compressor was given back");
            }
            return compressor;
        }

        @Override
        public void close() {
            synchronized (idle) {
                if (!lent) {
                    return;
                }
                lent = false;
                idle.addFirst(this);
            }
        }
    }
}
