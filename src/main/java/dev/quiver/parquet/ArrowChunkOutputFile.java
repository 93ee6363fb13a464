package dev.quiver.parquet;

import dev.quiver.arrow.MemoryBudget;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * A Parquet output file held in a queue of memory chunks taken from an Arrow allocator, so the encoded bytes waiting
 * for upload count against the same budget as the Arrow batches, by the allocator's own accounting. The uploader takes
 * chunks off the head as parts and releases them once stored, so only the bytes not yet uploaded are held.
 *
 * <p>Chunks start small and double up to {@link #MAX_CHUNK}, so a small file costs kilobytes. When the allocator
 * refuses a chunk (the budget is full, typically because this very file is being landed to free it), the chunk is
 * taken from the heap instead and counted in {@link #heapBytes()}: failing the write would corrupt the file being
 * written, and landing it is what frees the budget. A heap chunk is still charged to the allocator's
 * {@link MemoryBudget} until it is released, even past the budget: otherwise every file that streamed row groups while
 * the budget was full could keep up to a part of heap bytes that nothing counts, and their number grows with the
 * partitions and folders. Charged, they keep the budget full, so the task lands and pauses until they are uploaded.
 *
 * <p>Bytes are copied in and out with ArrowBuf's own accessors, never through a direct ByteBuffer view, which on
 * JDK 17 would need JVM flags a connector cannot set.
 *
 * <p>Not thread-safe: one writer thread, which is also the one that takes the parts.
 */
final class ArrowChunkOutputFile implements OutputFile, AutoCloseable {
    /** The largest chunk; parts are made of whole chunks, so a part exceeds its target by less than this. */
    static final int MAX_CHUNK = 1024 * 1024;
    private static final int FIRST_CHUNK = 64 * 1024;

    private final BufferAllocator allocator;
    /** Where heap chunks are charged, or null when the allocator has no budget. */
    private final MemoryBudget budget;
    /** Chunks not yet released, oldest first; the last one is being written. */
    private final Deque<Chunk> chunks = new ArrayDeque<>();
    private long position;
    private int nextChunkSize = FIRST_CHUNK;
    private long heapBytes;
    private boolean streamCreated;

    /** Either Arrow memory or, when the allocator was full, a heap array. */
    private static final class Chunk {
        final ArrowBuf arrow;
        final byte[] heap;
        final int capacity;
        /** The budget a heap chunk is charged to until released, or null. */
        final MemoryBudget charged;
        int written;

        Chunk(ArrowBuf arrow, byte[] heap, int capacity, MemoryBudget charged) {
            this.arrow = arrow;
            this.heap = heap;
            this.capacity = capacity;
            this.charged = charged;
        }

        boolean full() {
            return written == capacity;
        }

        int put(byte[] b, int off, int len) {
            int n = Math.min(len, capacity - written);
            if (arrow != null) {
                arrow.setBytes(written, b, off, n);
            } else {
                System.arraycopy(b, off, heap, written, n);
            }
            written += n;
            return n;
        }

        void get(int index, byte[] dst, int off, int len) {
            if (arrow != null) {
                arrow.getBytes(index, dst, off, len);
            } else {
                System.arraycopy(heap, index, dst, off, len);
            }
        }

        void release() {
            if (arrow != null) {
                arrow.close();
            } else if (charged != null) {
                charged.discharge(capacity);
            }
        }
    }

    ArrowChunkOutputFile(BufferAllocator allocator) {
        this.allocator = Objects.requireNonNull(allocator, "allocator");
        this.budget = MemoryBudget.of(allocator);
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) {
        return stream();
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) {
        return stream();
    }

    private PositionOutputStream stream() {
        if (streamCreated) {
            throw new IllegalStateException("an Arrow chunk file is written once");
        }
        streamCreated = true;
        return new PositionOutputStream() {
            private final byte[] one = new byte[1];

            @Override
            public long getPos() {
                return position;
            }

            @Override
            public void write(int b) {
                one[0] = (byte) b;
                write(one, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                Objects.checkFromIndexSize(off, len, b.length);
                while (len > 0) {
                    int n = room().put(b, off, len);
                    off += n;
                    len -= n;
                    position += n;
                }
            }
        };
    }

    /** The chunk being written, with at least one free byte. */
    private Chunk room() {
        Chunk last = chunks.peekLast();
        if (last != null && !last.full()) {
            return last;
        }
        int size = nextChunkSize;
        nextChunkSize = Math.min(MAX_CHUNK, nextChunkSize * 2);
        Chunk chunk = null;
        // Asking first spares the refusal, which Arrow makes costly (it describes every allocator in its message).
        // The budget counts more than the allocator does (Java costs, charged heap chunks): ask it too.
        long room = allocator.getHeadroom();
        if (budget != null) {
            room = Math.min(room, budget.budget() - budget.held());
        }
        if (room >= size) {
            try {
                chunk = new Chunk(allocator.buffer(size), null, size, null);
            } catch (OutOfMemoryException e) {
                // Another thread took the room in between.
            }
        }
        if (chunk == null) {
            heapBytes += size;
            chunk = new Chunk(null, new byte[size], size, budget);
            if (budget != null) {
                budget.charge(size);
            }
        }
        chunks.addLast(chunk);
        return chunk;
    }

    /** Bytes written since the file started: its length so far. */
    long length() {
        return position;
    }

    /** Bytes written and not yet released. */
    long pendingBytes() {
        long total = 0;
        for (Chunk chunk : chunks) {
            total += chunk.written;
        }
        return total;
    }

    /** Bytes of chunks that had to come from the heap because the allocator was full. */
    long heapBytes() {
        return heapBytes;
    }

    /**
     * The oldest written bytes as one part: the fewest whole full chunks that reach {@code minBytes}, or, with
     * {@code all}, everything written. Null when there is not enough yet. The chunks stay held until
     * {@link #release}, so a failed upload can read them again.
     */
    Part peekPart(long minBytes, boolean all) {
        List<Chunk> taken = new ArrayList<>();
        long bytes = 0;
        for (Chunk chunk : chunks) {
            if (!all && (!chunk.full() || bytes >= minBytes)) {
                break;
            }
            if (chunk.written > 0) {
                taken.add(chunk);
                bytes += chunk.written;
            }
        }
        if (taken.isEmpty() || (!all && bytes < minBytes)) {
            return null;
        }
        return new Part(taken, bytes);
    }

    /** Frees the chunks of {@code part}, which is now stored. */
    void release(Part part) {
        for (Chunk chunk : part.chunks) {
            if (chunks.peekFirst() != chunk) {
                throw new IllegalStateException("parts are released oldest first");
            }
            chunks.removeFirst().release();
        }
    }

    /** Some of the oldest chunks, read as one part; valid until released. */
    static final class Part implements EncodedPart {
        private final List<Chunk> chunks;
        private final long bytes;

        private Part(List<Chunk> chunks, long bytes) {
            this.chunks = List.copyOf(chunks);
            this.bytes = bytes;
        }

        @Override
        public long length() {
            return bytes;
        }

        @Override
        public InputStream open() {
            return new InputStream() {
                private int chunk;
                private int index;
                private int markChunk;
                private int markIndex;

                @Override
                public int read() {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    Objects.checkFromIndexSize(off, len, b.length);
                    if (len == 0) {
                        return 0;
                    }
                    while (chunk < chunks.size() && index == chunks.get(chunk).written) {
                        chunk++;
                        index = 0;
                    }
                    if (chunk == chunks.size()) {
                        return -1;
                    }
                    Chunk current = chunks.get(chunk);
                    int n = Math.min(len, current.written - index);
                    current.get(index, b, off, n);
                    index += n;
                    return n;
                }

                @Override
                public int available() {
                    long left = -index;
                    for (int i = chunk; i < chunks.size(); i++) {
                        left += chunks.get(i).written;
                    }
                    return (int) Math.min(Integer.MAX_VALUE, Math.max(0, left));
                }

                @Override
                public boolean markSupported() {
                    return true;
                }

                @Override
                public void mark(int readLimit) {
                    markChunk = chunk;
                    markIndex = index;
                }

                @Override
                public void reset() {
                    chunk = markChunk;
                    index = markIndex;
                }
            };
        }
    }

    @Override
    public boolean supportsBlockSize() {
        return false;
    }

    @Override
    public long defaultBlockSize() {
        return 0;
    }

    @Override
    public String getPath() {
        return "arrow-chunks";
    }

    /** Releases every chunk still held. */
    @Override
    public void close() {
        while (!chunks.isEmpty()) {
            chunks.removeFirst().release();
        }
    }
}
