package dev.quiver.parquet;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * A Parquet output file in a growable byte array, so an encoded file can be handed to storage as one buffer without
 * the writer knowing where it goes.
 */
final class InMemoryOutputFile implements OutputFile {
    private final Buffer buffer;

    InMemoryOutputFile(int initialCapacity) {
        this.buffer = new Buffer(initialCapacity);
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
        buffer.reset();
        return new PositionOutputStream() {
            @Override
            public long getPos() {
                return buffer.size();
            }

            @Override
            public void write(int b) {
                buffer.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                buffer.write(b, off, len);
            }
        };
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
        return "memory";
    }

    /** The backing array, valid for {@link #length()} bytes; shared, not copied. */
    byte[] array() {
        return buffer.array();
    }

    int length() {
        return buffer.size();
    }

    /** A ByteArrayOutputStream that lends its array instead of copying it. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer(int capacity) {
            super(capacity);
        }

        byte[] array() {
            return buf;
        }

        @Override
        public String toString() {
            return "Buffer[" + count + " bytes, " + Arrays.hashCode(buf) + "]";
        }
    }
}
