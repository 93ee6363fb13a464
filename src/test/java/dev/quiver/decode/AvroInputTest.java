package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/** The varint fast paths (whole varint in the input) and the slow ones (near the end) agree, and refuse alike. */
class AvroInputTest {
    private static final long[] LONGS = {0, 1, -1, 63, -64, 64, 8191, -8192, 1L << 35, Integer.MAX_VALUE,
            Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, 1_714_557_600_123_456L};

    private static byte[] avroLong(long v) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
        e.writeLong(v);
        e.flush();
        return out.toByteArray();
    }

    @Test
    void longsAndIntsReadTheSameWithAndWithoutBytesAfterThem() throws Exception {
        AvroInput in = new AvroInput();
        for (long v : LONGS) {
            byte[] exact = avroLong(v);
            byte[] padded = Arrays.copyOf(exact, exact.length + 12);
            in.reset(exact, 0, exact.length);
            assertThat(in.readLong()).as("near the end: %d", v).isEqualTo(v);
            assertThat(in.remaining()).isZero();
            in.reset(padded, 0, padded.length);
            assertThat(in.readLong()).as("fast path: %d", v).isEqualTo(v);
            assertThat(in.pos).isEqualTo(exact.length);
            if (v == (int) v) {
                in.reset(exact, 0, exact.length);
                assertThat(in.readInt()).isEqualTo((int) v);
                in.reset(padded, 0, padded.length);
                assertThat(in.readInt()).isEqualTo((int) v);
                assertThat(in.pos).isEqualTo(exact.length);
            }
        }
    }

    @Test
    void overlongAndTruncatedVarintsAreRefusedOnBothPaths() {
        byte[] overlong = new byte[16];
        Arrays.fill(overlong, (byte) 0x80);
        AvroInput in = new AvroInput();
        in.reset(overlong, 0, 16);
        assertThatThrownBy(in::readLong).hasMessageContaining("longer than 10 bytes");
        in.reset(overlong, 0, 16);
        assertThatThrownBy(in::readInt).hasMessageContaining("longer than 5 bytes");
        in.reset(overlong, 0, 4);
        assertThatThrownBy(in::readLong).hasMessageContaining("truncated");
        in.reset(overlong, 0, 4);
        assertThatThrownBy(in::readInt).hasMessageContaining("truncated");
    }

    @Test
    void theWordAtATimeAsciiScanStillFindsBadUtf8AnywhereInTheString() {
        byte[] ascii = "abcdefghijklmnopqrstuvwxyz0123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(Utf8Buffer.isValidUtf8(ascii, 0, ascii.length)).isTrue();
        assertThat(Utf8Buffer.isValidUtf8(ascii, 3, 20)).isTrue();
        for (int bad = 0; bad < ascii.length; bad++) {
            byte[] b = ascii.clone();
            b[bad] = (byte) 0xC0; // never valid in UTF-8
            assertThat(Utf8Buffer.isValidUtf8(b, 0, b.length)).as("bad byte at %d", bad).isFalse();
            // Outside the range checked, it does not matter.
            assertThat(Utf8Buffer.isValidUtf8(b, bad + 1, b.length - bad - 1)).isTrue();
        }
        byte[] mixed = "01234567890123456789 h\u00e9llo \u20ac \uD83D\uDE00 end".getBytes(StandardCharsets.UTF_8);
        assertThat(Utf8Buffer.isValidUtf8(mixed, 0, mixed.length)).isTrue();
        // Cut inside the emoji: invalid.
        int emoji = new String(mixed, StandardCharsets.UTF_8).indexOf("\uD83D");
        int cut = new String(mixed, StandardCharsets.UTF_8).substring(0, emoji).getBytes(StandardCharsets.UTF_8).length + 2;
        assertThat(Utf8Buffer.isValidUtf8(mixed, 0, cut)).isFalse();
    }
}
