package dev.quiver.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.SeekableInputStream;

/** Parquet files in a byte array: the benchmark measures encoding, not a disk. */
final class InMemoryFiles {
    private InMemoryFiles() {
    }

    /** An output file that keeps its bytes on the heap; reusable, each create starts it empty. */
    static final class Output implements OutputFile {
        private final Buffer buffer;

        Output(int initialCapacity) {
            this.buffer = new Buffer(initialCapacity);
        }

        @Override
        public PositionOutputStream create(long blockSizeHint) {
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
        public PositionOutputStream createOrOverwrite(long blockSizeHint) {
            return create(blockSizeHint);
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

        int length() {
            return buffer.size();
        }

        byte[] toByteArray() {
            return buffer.toByteArray();
        }
    }

    /** A read-only view of a finished file, for the sanity checks. */
    static InputFile input(byte[] bytes, int length) {
        byte[] data = Arrays.copyOf(bytes, length);
        return new InputFile() {
            @Override
            public long getLength() {
                return data.length;
            }

            @Override
            public SeekableInputStream newStream() {
                SeekableByteArray in = new SeekableByteArray(data);
                return new DelegatingSeekableInputStream(in) {
                    @Override
                    public long getPos() {
                        return in.position();
                    }

                    @Override
                    public void seek(long newPos) throws IOException {
                        in.seek(newPos);
                    }
                };
            }
        };
    }

    private static final class SeekableByteArray extends java.io.ByteArrayInputStream {
        SeekableByteArray(byte[] data) {
            super(data);
        }

        long position() {
            return pos;
        }

        void seek(long newPos) throws IOException {
            if (newPos < 0 || newPos > count) {
                throw new IOException("seek to " + newPos + " outside 0.." + count);
            }
            pos = (int) newPos;
        }
    }

    private static final class Buffer extends ByteArrayOutputStream {
        Buffer(int capacity) {
            super(capacity);
        }
    }
}
