package dev.quiver.parquet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageWriter;
import org.apache.parquet.column.statistics.SizeStatistics;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.statistics.geospatial.GeospatialStatistics;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.column.values.plain.PlainValuesWriter;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * Writes one Parquet leaf column a range of rows at a time: levels from a {@link Shredder}, values through
 * parquet-column's encoders (dictionary with fallback to plain, RLE levels) and pages to a {@link PageWriter}, which
 * compresses them and builds the column and offset indexes. Pages start on row boundaries and close by size, value
 * count or row count, with the same thresholds parquet-java uses.
 *
 * <p>Subclasses hold the typed loop over one run of entries, so the per-value work is a buffer read, an encoder call
 * and a min/max update, with no virtual dispatch and no object per value (strings aside: the dictionary needs one).
 */
abstract class LeafWriter {
    /** Present values a chunk's encoding is chosen from: the first ones of the chunk. */
    static final int SAMPLE_VALUES = 4096;
    /** Below this many sampled values a chunk keeps the dictionary: too few to judge. */
    private static final int MIN_SAMPLE = 512;
    /** A sample with at least this share of distinct values counts as all distinct. */
    private static final double DISTINCT_SHARE = 0.98;
    /** Rows between two page-size checks: small enough to keep pages near their target size. */
    private static final int ROWS_PER_CHECK = 128;
    /** A page closes once it is within this share of the page size, as in parquet-java. */
    private static final double PAGE_TOLERANCE = 0.1;

    final ColumnDescriptor descriptor;
    final PrimitiveType type;
    private final ParquetProperties props;
    private final Shredder shredder;
    private final int maxRepetition;
    private final int maxDefinition;
    private final long pageSizeTarget;

    private PageWriter pageWriter;
    private long chunkRows;
    private boolean plainChosen;
    private ValuesWriter repetitionLevels;
    private ValuesWriter definitionLevels;
    ValuesWriter values;

    private int pageValues;
    private int pageRows;
    private int pageNulls;
    private final long[] repetitionHistogram;
    private final long[] definitionHistogram;

    LeafWriter(ColumnDescriptor descriptor, Shredder shredder, ParquetProperties props) {
        this.descriptor = Objects.requireNonNull(descriptor, "descriptor");
        this.type = descriptor.getPrimitiveType();
        this.shredder = Objects.requireNonNull(shredder, "shredder");
        this.props = Objects.requireNonNull(props, "props");
        this.maxRepetition = descriptor.getMaxRepetitionLevel();
        this.maxDefinition = descriptor.getMaxDefinitionLevel();
        this.pageSizeTarget = (long) (props.getPageSizeThreshold() * (1 - PAGE_TOLERANCE));
        // Histograms as parquet-java keeps them: repetition only for repeated columns, definition beyond 0/1.
        this.repetitionHistogram = new long[maxRepetition > 0 ? maxRepetition + 1 : 0];
        this.definitionHistogram = new long[maxDefinition > 1 ? maxDefinition + 1 : 0];
    }

    /**
     * Starts a column chunk of up to {@code rows} rows; new encoders, as parquet-java makes per row group. The values
     * encoder is chosen on the chunk's first write, from a sample of its values.
     */
    final void startRowGroup(PageWriter writer, long rows) {
        this.pageWriter = Objects.requireNonNull(writer, "writer");
        this.chunkRows = rows;
        this.repetitionLevels = props.newRepetitionLevelWriter(descriptor);
        this.definitionLevels = props.newDefinitionLevelWriter(descriptor);
        this.values = null;
        resetPage();
    }

    /** True when the chunk in progress was given plain encoding from the start rather than a dictionary. */
    final boolean plainChosen() {
        return plainChosen;
    }

    /**
     * The values encoder for this chunk. parquet-java dictionary-encodes every column and gives the dictionary up in
     * two places: once it outgrows the dictionary page size, and when the first page closes if ids plus dictionary are
     * not smaller than the plain values (isCompressionSatisfying). Either way every value up to that point was hashed
     * into the dictionary and is then re-encoded plain: for an all-distinct column (an id, a UUID, a timestamp) that
     * is wasted work, and in a short chunk the first page is the whole chunk. So the chunk's first values are sampled:
     * when nearly all are distinct and either test would fail (the dictionary predicted for the chunk outgrows the
     * page size, or the sample fails the first-page test), the chunk is plain-encoded from its first value, as
     * parquet-java would have ended up writing it. Any other column keeps the dictionary and parquet-java's fallback.
     */
    private ValuesWriter chooseValuesWriter(int[] index, int n) {
        plainChosen = false;
        if (!props.isDictionaryEnabled(descriptor) || !sampleable()) {
            return props.newValuesWriter(descriptor);
        }
        int capacity = Integer.highestOneBit(SAMPLE_VALUES * 2 - 1) * 2;
        long[] table = new long[capacity];
        boolean[] used = new boolean[capacity];
        int mask = capacity - 1;
        int sampled = 0;
        int distinct = 0;
        long bytes = 0;
        for (int k = 0; k < n && sampled < SAMPLE_VALUES; k++) {
            int ix = index[k];
            if (ix < 0) {
                continue;
            }
            sampled++;
            long key = sampleKey(ix);
            int slot = (int) mix(key) & mask;
            while (used[slot] && table[slot] != key) {
                slot = (slot + 1) & mask;
            }
            if (!used[slot]) {
                used[slot] = true;
                table[slot] = key;
                distinct++;
                bytes += plainBytes(ix);
            }
        }
        if (sampled >= MIN_SAMPLE && distinct >= DISTINCT_SHARE * sampled) {
            // Values expected in the chunk, each of the sample's average plain size, nearly all distinct.
            double perValue = (double) bytes / distinct;
            double predicted = perValue * chunkRows * ((double) sampled / Math.max(1, countRows(n)));
            // parquet-java's first-page test (isCompressionSatisfying), on the sample: dictionary ids plus the
            // dictionary must be smaller than the plain values, else it falls back when the first page closes,
            // which for a short chunk is after every value was hashed.
            double raw = perValue * sampled;
            double ids = sampled * (32 - Integer.numberOfLeadingZeros(Math.max(1, distinct - 1))) / 8.0;
            if (predicted > props.getDictionaryPageSizeThreshold() || ids + bytes >= raw) {
                plainChosen = true;
                // What parquet-java's v1 writer falls back to for these types. (Not through ParquetProperties.copy:
                // its builder shares the column settings with the original, so disabling the dictionary there
                // would disable it for every column and every later file.)
                return new PlainValuesWriter(props.getInitialSlabSize(), props.getPageSizeThreshold(),
                        props.getAllocator());
            }
        }
        return dictionaryWriter(props);
    }

    /** The dictionary encoder with its plain fallback for this chunk: parquet-java's, unless a type has a faster one. */
    ValuesWriter dictionaryWriter(ParquetProperties props) {
        return props.newValuesWriter(descriptor);
    }

    /** Rows among the first {@code n} shredded entries. */
    private int countRows(int n) {
        if (maxRepetition == 0) {
            return n;
        }
        int[] rep = shredder.repetition();
        int rows = 0;
        for (int k = 0; k < n; k++) {
            if (rep[k] == 0) {
                rows++;
            }
        }
        return rows;
    }

    private static long mix(long key) {
        key ^= key >>> 33;
        key *= 0xff51afd7ed558ccdL;
        key ^= key >>> 33;
        return key;
    }

    /** Whether {@link #sampleKey} and {@link #plainBytes} are implemented: the encoding is then chosen by sample. */
    boolean sampleable() {
        return false;
    }

    /** A 64-bit key of the value at vector position {@code ix}: the value itself where it fits, else a hash. */
    long sampleKey(int ix) {
        throw new UnsupportedOperationException();
    }

    /** Bytes the value at {@code ix} takes plain-encoded. */
    int plainBytes(int ix) {
        throw new UnsupportedOperationException();
    }

    /** Appends rows {@code [from, to)} of the batch to the current chunk. */
    final void write(int from, int to) {
        shredder.shred(from, to);
        int n = shredder.count();
        int[] rep = shredder.repetition();
        int[] def = shredder.definition();
        int[] idx = shredder.index();
        if (values == null) {
            values = chooseValuesWriter(idx, n);
        }
        int rowLimit = props.getPageRowCountLimit();
        int i = 0;
        while (i < n) {
            int rows = Math.min(ROWS_PER_CHECK, Math.max(1, rowLimit - pageRows));
            int end;
            if (maxRepetition == 0) {
                end = Math.min(n, i + rows);
            } else {
                // Whole rows only: a run ends before the first entry of row number `rows`.
                int seen = 0;
                end = i;
                while (end < n && (rep[end] != 0 || seen < rows)) {
                    if (rep[end] == 0) {
                        seen++;
                    }
                    end++;
                }
                rows = seen;
            }
            if (!shredder.dense()) {
                writeLevels(rep, def, i, end);
            }
            writeValues(idx, i, end);
            pageValues += end - i;
            pageRows += rows;
            i = end;
            if (pageRows >= rowLimit || pageValues >= props.getPageValueCountThreshold()
                    || pageBufferedSize() >= pageSizeTarget) {
                flushPage();
            }
        }
    }

    private void writeLevels(int[] rep, int[] def, int from, int to) {
        if (maxRepetition > 0) {
            ValuesWriter r = repetitionLevels;
            long[] histogram = repetitionHistogram;
            for (int k = from; k < to; k++) {
                r.writeInteger(rep[k]);
                histogram[rep[k]]++;
            }
        }
        if (maxDefinition > 0) {
            ValuesWriter d = definitionLevels;
            int nulls = 0;
            int max = maxDefinition;
            for (int k = from; k < to; k++) {
                int level = def[k];
                d.writeInteger(level);
                if (level != max) {
                    nulls++;
                }
            }
            if (definitionHistogram.length > 0) {
                long[] histogram = definitionHistogram;
                for (int k = from; k < to; k++) {
                    histogram[def[k]]++;
                }
            }
            pageNulls += nulls;
        }
    }

    /**
     * Encodes the values of entries {@code [from, to)}: {@code index[k]} is the value's position in the leaf vector, or
     * negative for an entry with no value. Keeps the page's min and max.
     */
    abstract void writeValues(int[] index, int from, int to);

    /** The page's statistics (min, max; nulls are added by the caller), and starts the next page's. */
    abstract Statistics<?> takePageStatistics();

    /** Bytes of BYTE_ARRAY values in the page before encoding; 0 for other types. */
    long takeUnencodedBytes() {
        return 0;
    }

    private long pageBufferedSize() {
        return repetitionLevels.getBufferedSize() + definitionLevels.getBufferedSize()
                + (values == null ? 0 : values.getBufferedSize());
    }

    /** Bytes this chunk holds so far: the open page and the finished, compressed ones. */
    final long bufferedSize() {
        return pageBufferedSize() + pageWriter.getMemSize();
    }

    final void flushPage() {
        if (pageValues == 0) {
            return;
        }
        Statistics<?> statistics = takePageStatistics();
        statistics.incrementNumNulls(pageNulls);
        long unencoded = takeUnencodedBytes();
        SizeStatistics sizes = new SizeStatistics(type,
                type.getPrimitiveTypeName() == PrimitiveTypeName.BINARY ? unencoded : 0,
                toList(repetitionHistogram), toList(definitionHistogram));
        try {
            pageWriter.writePage(
                    BytesInput.concat(repetitionLevels.getBytes(), definitionLevels.getBytes(), values.getBytes()),
                    pageValues, pageRows, statistics, sizes,
                    // Not a geometry column: an empty set, as parquet-java's own writer passes.
                    GeospatialStatistics.newBuilder(type).build(),
                    repetitionLevels.getEncoding(), definitionLevels.getEncoding(), values.getEncoding());
        } catch (IOException e) {
            throw new UncheckedIOException("could not write a page of column " + descriptor, e);
        }
        repetitionLevels.reset();
        definitionLevels.reset();
        values.reset();
        resetPage();
    }

    /** Closes the chunk: its last page, then its dictionary, which the page store puts first in the file. */
    final void endRowGroup() {
        flushPage();
        DictionaryPage dictionary = values == null ? null : values.toDictPageAndClose();
        if (dictionary != null) {
            try {
                pageWriter.writeDictionaryPage(dictionary);
            } catch (IOException e) {
                throw new UncheckedIOException("could not write the dictionary of column " + descriptor, e);
            }
            values.resetDictionary();
        }
        close();
    }

    /** Releases the encoders' buffers; safe to call twice and before any row group. */
    final void close() {
        if (repetitionLevels != null) {
            repetitionLevels.close();
            definitionLevels.close();
            if (values != null) {
                values.close();
            }
            repetitionLevels = null;
            definitionLevels = null;
            values = null;
        }
    }

    private void resetPage() {
        pageValues = 0;
        pageRows = 0;
        pageNulls = 0;
        java.util.Arrays.fill(repetitionHistogram, 0);
        java.util.Arrays.fill(definitionHistogram, 0);
    }

    private static List<Long> toList(long[] histogram) {
        List<Long> list = new ArrayList<>(histogram.length);
        for (long count : histogram) {
            list.add(count);
        }
        return list;
    }
}
