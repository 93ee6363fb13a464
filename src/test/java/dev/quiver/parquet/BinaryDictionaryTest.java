package dev.quiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;

/**
 * {@link BinaryDictionary} against parquet-java's dictionary writer with its plain fallback (what
 * {@code ParquetProperties.newValuesWriter} makes for a BYTE_ARRAY column): fed the same values page by page, both must
 * give the same page bytes, the same encodings and the same dictionary page, in every fallback case.
 */
class BinaryDictionaryTest {
    private static final MessageType SCHEMA = Types.buildMessage()
            .optional(PrimitiveTypeName.BINARY).named("s").named("m");
    private static final ColumnDescriptor COLUMN = SCHEMA.getColumns().get(0);

    private static ParquetProperties props(int dictionaryBytes) {
        return ParquetProperties.builder().withPageSize(64 * 1024).withDictionaryPageSize(dictionaryBytes)
                .withDictionaryEncoding(true).withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0).build();
    }

    /** What each writer produced: per page its bytes and encoding, then the dictionary page. */
    private record Output(List<String> pages, String dictionary) {
    }

    /**
     * Writes {@code pages} pages of {@code perPage} values of {@code value(i)} (i counts over the whole chunk) in two
     * chunks, with the page protocol of {@link LeafWriter}: getBytes, getEncoding, reset; then the dictionary page and
     * resetDictionary.
     */
    private static Output run(boolean ours, ParquetProperties props, int pages, int perPage, IntFunction<String> value)
            throws IOException {
        byte[][] values = new byte[pages * perPage][];
        int total = 0;
        for (int i = 0; i < values.length; i++) {
            values[i] = value.apply(i).getBytes(StandardCharsets.UTF_8);
            total += values[i].length;
        }
        byte[] data = new byte[total];
        int[] starts = new int[values.length + 1];
        for (int i = 0, at = 0; i < values.length; i++) {
            System.arraycopy(values[i], 0, data, at, values[i].length);
            at += values[i].length;
            starts[i + 1] = at;
        }
        List<String> out = new ArrayList<>();
        StringBuilder dictionaries = new StringBuilder();
        for (int chunk = 0; chunk < 2; chunk++) {
            ValuesWriter writer = ours ? new BinaryDictionary(data, props) : props.newValuesWriter(COLUMN);
            for (int p = 0; p < pages; p++) {
                for (int k = p * perPage; k < (p + 1) * perPage; k++) {
                    if (ours) {
                        ((BinaryDictionary) writer).write(starts[k], starts[k + 1]);
                    } else {
                        writer.writeBytes(Binary.fromConstantByteArray(data, starts[k], starts[k + 1] - starts[k]));
                    }
                }
                long buffered = writer.getBufferedSize();
                byte[] bytes = writer.getBytes().toByteArray();
                Encoding encoding = writer.getEncoding();
                out.add(chunk + "/" + p + " " + encoding + " buffered=" + buffered + " " + hex(bytes));
                writer.reset();
            }
            DictionaryPage dictionary = writer.toDictPageAndClose();
            dictionaries.append(dictionary == null ? "none" : dictionary.getDictionarySize() + " "
                    + dictionary.getEncoding() + " " + hex(dictionary.getBytes().toByteArray())).append('\n');
            writer.resetDictionary();
            writer.close();
        }
        return new Output(out, dictionaries.toString());
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            s.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return s.toString();
    }

    private static Output assertSame(ParquetProperties props, int pages, int perPage, IntFunction<String> value)
            throws IOException {
        Output ours = run(true, props, pages, perPage, value);
        Output theirs = run(false, props, pages, perPage, value);
        assertThat(ours.pages()).containsExactlyElementsOf(theirs.pages());
        assertThat(ours.dictionary()).isEqualTo(theirs.dictionary());
        return ours;
    }

    @Test
    void aFewDistinctValuesStayDictionaryEncodedOnEveryPage() throws IOException {
        String[] events = {"view", "click", "purchase", "", "a-page-name-longer-than-eight-bytes", "ünïcödé"};
        Output out = assertSame(props(64 * 1024), 4, 1000, i -> events[(i * 7 + i / 3) % events.length]);
        assertThat(out.pages()).allMatch(p -> p.contains(" PLAIN_DICTIONARY "));
        assertThat(out.dictionary()).startsWith("6 PLAIN_DICTIONARY ");
    }

    @Test
    void allDistinctValuesFallBackToPlainOnTheFirstPage() throws IOException {
        Output out = assertSame(props(1024 * 1024), 3, 500, i -> "user-" + i * 7919L);
        assertThat(out.pages()).allMatch(p -> p.contains(" PLAIN "));
        assertThat(out.dictionary()).isEqualTo("none\nnone\n");
    }

    @Test
    void aDictionaryThatOutgrowsItsPageSizeFallsBackInTheMiddleOfAChunk() throws IOException {
        // 40 distinct values on the first pages, then new ones on every page until 4 KiB of dictionary is passed.
        Output out = assertSame(props(4096), 8, 400, i -> i < 800 ? "v" + (i % 40) : "value-number-" + (i % 40 + i / 4));
        assertThat(out.pages().get(0)).contains(" PLAIN_DICTIONARY ");
        assertThat(out.pages().get(7)).contains(" PLAIN ");
        assertThat(out.dictionary()).doesNotStartWith("none");
    }

    @Test
    void randomMixturesOfLengthsAndRepeatsMatchByteForByte() throws IOException {
        for (int round = 0; round < 20; round++) {
            int seed = round;
            Random random = new Random(seed);
            int cardinality = 1 + random.nextInt(seed % 2 == 0 ? 50 : 3000);
            String[] pool = new String[cardinality];
            for (int i = 0; i < cardinality; i++) {
                StringBuilder s = new StringBuilder();
                int length = random.nextInt(40);
                for (int c = 0; c < length; c++) {
                    s.append((char) ('a' + random.nextInt(random.nextBoolean() ? 2 : 26)));
                }
                pool[i] = s.toString();
            }
            int dictionary = 256 << random.nextInt(8);
            assertSame(props(dictionary), 1 + random.nextInt(5), 1 + random.nextInt(700),
                    i -> pool[(int) ((i * 2654435761L + seed) % cardinality)]);
        }
    }

    @Test
    void valuesAreComparedExactlyAtEveryLength() {
        Random random = new Random(11);
        for (int length = 0; length <= 48; length++) {
            byte[] d = new byte[2 * length + 16];
            for (int round = 0; round < 200; round++) {
                int a = random.nextInt(8);
                int b = a + length + random.nextInt(8);
                for (int i = 0; i < length; i++) {
                    d[a + i] = (byte) random.nextInt(3);
                    d[b + i] = random.nextInt(4) == 0 ? (byte) random.nextInt(3) : d[a + i];
                }
                assertThat(BinaryDictionary.sameBytes(d, a, d, b, length)).as("length %d", length)
                        .isEqualTo(java.util.Arrays.equals(d, a, a + length, d, b, b + length));
            }
        }
    }
}
