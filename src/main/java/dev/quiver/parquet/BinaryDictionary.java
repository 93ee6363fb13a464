package dev.quiver.parquet;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.parquet.bytes.ByteBufferAllocator;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.bytes.BytesUtils;
import org.apache.parquet.bytes.CapacityByteArrayOutputStream;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.column.values.plain.PlainValuesWriter;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.apache.parquet.io.ParquetEncodingException;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.util.AutoCloseables;

/**
 * The values of one BYTE_ARRAY column chunk, dictionary-encoded straight from the leaf's byte array, with the plain
 * fallback. It writes what parquet-java's v1 writer writes for such a column (its dictionary writer inside its
 * fallback writer), byte for byte: the same ids in the same order, the same RLE/bit-packed pages, the same dictionary
 * page, and the same two fallbacks (the dictionary outgrows its page size; the first page is not smaller
 * dictionary-encoded than plain). {@code BinaryDictionaryTest} holds it to that.
 *
 * <p>Why not parquet-java's own: its dictionary is a hash map of {@code Binary} objects, which hashes and compares each
 * value byte by byte through virtual calls. That was the hottest frame of a Connect worker landing JSON (about 12% of
 * its CPU on string columns such as user ids and page names). Here a value is a range of the chunk's byte array: it is
 * hashed eight bytes at a time, compared with the JDK's vectorised range comparison, and needs no object.
 *
 * <p>Values are given as positions in the byte array the instance was made with, so one instance serves one chunk of
 * one leaf writer; the dictionary keeps copies of its entries.
 */
final class BinaryDictionary extends ValuesWriter {
    /** parquet-java's limit: ids must fit in a non-negative int. */
    private static final int MAX_ENTRIES = Integer.MAX_VALUE - 1;
    private static final int MIN_INITIAL_SLAB_SIZE = 64;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[] data;
    private final int maxDictionaryByteSize;
    private final ByteBufferAllocator allocator;
    private final Encoding dataPageEncoding;
    private final Encoding dictionaryPageEncoding;
    private final ValuesWriter plain;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    // The dictionary, entries in the order they were added (an entry's index is its id). Each entry's bytes are
    // copied into one compact array: compared in place, a hit would read a first occurrence anywhere in the chunk's
    // bytes (tens of megabytes), a cache miss per value.
    private byte[] pool = new byte[4096];
    private int poolUsed;
    private int[] entryStart = new int[64];
    private int[] entryLength = new int[64];
    private int[] entryHash = new int[64];
    private int size;
    /** Open addressing: id + 1 of the entry in each slot, 0 for an empty slot. */
    private int[] slots = new int[128];
    private long dictionaryByteSize;

    /** The ids of the open page's values. */
    private int[] ids = new int[1024];
    private int idCount;

    /** Plain size of the open page's values (4-byte length plus bytes): the page-size measure, as parquet-java's. */
    private long rawBytes;
    private boolean firstPage = true;
    private boolean fellBack;
    private boolean usedDictionary;
    private int lastUsedDictionarySize;
    private long lastUsedDictionaryByteSize;

    BinaryDictionary(byte[] data, ParquetProperties props) {
        this.data = Objects.requireNonNull(data, "data");
        this.maxDictionaryByteSize = props.getDictionaryPageSizeThreshold();
        this.allocator = props.getAllocator();
        boolean v1 = props.getWriterVersion() == ParquetProperties.WriterVersion.PARQUET_1_0;
        this.dataPageEncoding = v1 ? Encoding.PLAIN_DICTIONARY : Encoding.RLE_DICTIONARY;
        this.dictionaryPageEncoding = v1 ? Encoding.PLAIN_DICTIONARY : Encoding.PLAIN;
        this.plain = new PlainValuesWriter(props.getInitialSlabSize(), props.getPageSizeThreshold(), allocator);
    }

    /** Appends the value {@code data[start, end)}. */
    void write(int start, int end) {
        int length = end - start;
        rawBytes += length + 4;
        if (fellBack) {
            plain.writeBytes(Binary.fromConstantByteArray(data, start, length));
            return;
        }
        int hash = hash(data, start, length);
        int mask = slots.length - 1;
        int slot = hash & mask;
        int id;
        while (true) {
            int held = slots[slot];
            if (held == 0) {
                id = add(start, length, hash, slot);
                break;
            }
            int e = held - 1;
            if (entryHash[e] == hash && entryLength[e] == length && sameBytes(data, start, pool, entryStart[e], length)) {
                id = e;
                break;
            }
            slot = (slot + 1) & mask;
        }
        if (idCount == ids.length) {
            ids = Arrays.copyOf(ids, idCount * 2);
        }
        ids[idCount++] = id;
        if (dictionaryByteSize > maxDictionaryByteSize || size > MAX_ENTRIES) {
            fallBack();
        }
    }

    private int add(int start, int length, int hash, int slot) {
        int id = size;
        if (id == entryStart.length) {
            entryStart = Arrays.copyOf(entryStart, id * 2);
            entryLength = Arrays.copyOf(entryLength, id * 2);
            entryHash = Arrays.copyOf(entryHash, id * 2);
        }
        if (poolUsed + length > pool.length) {
            pool = Arrays.copyOf(pool, Math.max(pool.length * 2, poolUsed + length));
        }
        System.arraycopy(data, start, pool, poolUsed, length);
        entryStart[id] = poolUsed;
        poolUsed += length;
        entryLength[id] = length;
        entryHash[id] = hash;
        slots[slot] = id + 1;
        size++;
        dictionaryByteSize += 4L + length;
        if (size * 2 > slots.length) {
            rehash(slots.length * 2);
        }
        return id;
    }

    private void rehash(int capacity) {
        int[] table = new int[capacity];
        int mask = capacity - 1;
        for (int e = 0; e < size; e++) {
            int slot = entryHash[e] & mask;
            while (table[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            table[slot] = e + 1;
        }
        slots = table;
    }

    /**
     * Whether {@code x[a, a + length)} equals {@code y[b, b + length)}. Most dictionary values are short (ids, names,
     * codes), where the JDK's vectorised comparison costs more to set up than it saves: eight bytes at a time here,
     * the last eight overlapping the ones before, and the JDK's for long values.
     */
    static boolean sameBytes(byte[] x, int a, byte[] y, int b, int length) {
        if (length < Long.BYTES) {
            for (int i = 0; i < length; i++) {
                if (x[a + i] != y[b + i]) {
                    return false;
                }
            }
            return true;
        }
        if (length > 4 * Long.BYTES) {
            return Arrays.equals(x, a, a + length, y, b, b + length);
        }
        int last = length - Long.BYTES;
        for (int i = 0; i < last; i += Long.BYTES) {
            if ((long) LONGS.get(x, a + i) != (long) LONGS.get(y, b + i)) {
                return false;
            }
        }
        return (long) LONGS.get(x, a + last) == (long) LONGS.get(y, b + last);
    }

    /** A hash of the bytes, eight at a time; the low bits pick the slot, so they are mixed from all of them. */
    private static int hash(byte[] d, int start, int length) {
        long h = 0x9E3779B97F4A7C15L * (length + 1);
        int i = start;
        int end = start + length;
        for (; i + Long.BYTES <= end; i += Long.BYTES) {
            h = Long.rotateLeft(h ^ (long) LONGS.get(d, i), 27) * 0xC2B2AE3D27D4EB4FL;
        }
        if (i < end) {
            long tail = 0;
            for (int shift = 0; i < end; i++, shift += 8) {
                tail |= (long) (d[i] & 0xff) << shift;
            }
            h = Long.rotateLeft(h ^ tail, 27) * 0xC2B2AE3D27D4EB4FL;
        }
        h ^= h >>> 31;
        h *= 0x94D049BB133111EBL;
        return (int) (h ^ (h >>> 32));
    }

    /** Gives the dictionary up for this chunk: the open page's values go plain, as parquet-java's fallback does. */
    private void fallBack() {
        fellBack = true;
        for (int k = 0; k < idCount; k++) {
            int e = ids[k];
            plain.writeBytes(Binary.fromConstantByteArray(pool, entryStart[e], entryLength[e]));
        }
        if (lastUsedDictionarySize == 0) {
            // No page used the dictionary: it is dropped.
            clearDictionary();
            dictionaryByteSize = 0;
            idCount = 0;
        }
    }

    private void clearDictionary() {
        size = 0;
        poolUsed = 0;
        Arrays.fill(slots, 0);
    }

    @Override
    public long getBufferedSize() {
        return rawBytes;
    }

    @Override
    public BytesInput getBytes() {
        if (fellBack) {
            return plain.getBytes();
        }
        BytesInput encoded = encodeIds();
        if (firstPage && encoded.size() + dictionaryByteSize >= rawBytes) {
            // The first page decides: ids plus dictionary must be smaller than the plain values.
            fallBack();
            return plain.getBytes();
        }
        return encoded;
    }

    private BytesInput encodeIds() {
        int bitWidth = BytesUtils.getWidthFromMaxInt(size - 1);
        int slab = CapacityByteArrayOutputStream.initialSlabSizeHeuristic(MIN_INITIAL_SLAB_SIZE,
                maxDictionaryByteSize, 10);
        RunLengthBitPackingHybridEncoder encoder = new RunLengthBitPackingHybridEncoder(bitWidth, slab,
                maxDictionaryByteSize, allocator);
        toClose.add(encoder);
        try {
            for (int k = 0; k < idCount; k++) {
                encoder.writeInt(ids[k]);
            }
            BytesInput bytes = BytesInput.concat(BytesInput.from(new byte[] {(byte) bitWidth}), encoder.toBytes());
            lastUsedDictionarySize = size;
            lastUsedDictionaryByteSize = dictionaryByteSize;
            return bytes;
        } catch (IOException e) {
            throw new ParquetEncodingException("could not encode the dictionary ids", e);
        }
    }

    @Override
    public Encoding getEncoding() {
        if (fellBack) {
            return plain.getEncoding();
        }
        usedDictionary = true;
        return dataPageEncoding;
    }

    @Override
    public void reset() {
        rawBytes = 0;
        firstPage = false;
        idCount = 0;
        closeEncoders();
        plain.reset();
    }

    @Override
    public DictionaryPage toDictPageAndClose() {
        if (!usedDictionary || lastUsedDictionarySize == 0) {
            return null;
        }
        // Only the entries the written pages use: a page that fell back may have added more.
        PlainValuesWriter out = new PlainValuesWriter(Math.toIntExact(lastUsedDictionaryByteSize),
                maxDictionaryByteSize, allocator);
        toClose.add(out);
        for (int e = 0; e < lastUsedDictionarySize; e++) {
            out.writeBytes(Binary.fromConstantByteArray(pool, entryStart[e], entryLength[e]));
        }
        return new DictionaryPage(out.getBytes(), lastUsedDictionarySize, dictionaryPageEncoding);
    }

    @Override
    public void resetDictionary() {
        lastUsedDictionarySize = 0;
        lastUsedDictionaryByteSize = 0;
        clearDictionary();
        dictionaryByteSize = 0;
        fellBack = false;
        usedDictionary = false;
        firstPage = true;
        plain.resetDictionary();
    }

    @Override
    public long getAllocatedSize() {
        return fellBack ? plain.getAllocatedSize() : idCount * 4L + dictionaryByteSize;
    }

    @Override
    public void close() {
        closeEncoders();
        plain.close();
    }

    private void closeEncoders() {
        AutoCloseables.uncheckedClose(toClose);
        toClose.clear();
    }

    @Override
    public String memUsageString(String prefix) {
        return prefix + " BinaryDictionary{entries: " + size + ", dictionary bytes: " + dictionaryByteSize
                + ", buffered: " + rawBytes + "}";
    }
}
