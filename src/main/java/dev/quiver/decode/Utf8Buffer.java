package dev.quiver.decode;

import java.util.Arrays;

/**
 * A reusable byte buffer that encodes UTF-16 text to UTF-8 without making a String or a new array per value, and
 * refuses unpaired surrogates instead of writing '?' for them.
 */
final class Utf8Buffer {
    /** Reads eight bytes of an array as one long, for the ASCII scan of {@link #isValidUtf8}. */
    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    byte[] bytes = new byte[256];
    int length;

    /**
     * Encodes {@code chars[offset, offset + count)}.
     *
     * @return false when the text holds an unpaired surrogate (not valid Unicode)
     */
    boolean encode(char[] chars, int offset, int count) {
        if (bytes.length < count * 3) {
            bytes = Arrays.copyOf(bytes, Math.max(count * 3, bytes.length * 2));
        }
        byte[] out = bytes;
        int o = 0;
        int i = offset;
        int end = offset + count;
        // ASCII runs are the common case.
        while (i < end) {
            char c = chars[i];
            if (c >= 0x80) {
                break;
            }
            out[o++] = (byte) c;
            i++;
        }
        while (i < end) {
            char c = chars[i++];
            if (c < 0x80) {
                out[o++] = (byte) c;
            } else if (c < 0x800) {
                out[o++] = (byte) (0xC0 | (c >> 6));
                out[o++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i >= end || !Character.isLowSurrogate(chars[i])) {
                    return false;
                }
                int cp = Character.toCodePoint(c, chars[i++]);
                out[o++] = (byte) (0xF0 | (cp >> 18));
                out[o++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                out[o++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[o++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                out[o++] = (byte) (0xE0 | (c >> 12));
                out[o++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[o++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        length = o;
        return true;
    }

    boolean encode(String text) {
        char[] chars = text.toCharArray();
        return encode(chars, 0, chars.length);
    }

    /** True when {@code b[offset, offset + count)} is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
    static boolean isValidUtf8(byte[] b, int offset, int count) {
        int i = offset;
        int end = offset + count;
        // ASCII sixteen, then eight bytes at a time: no byte of the words has its high bit set.
        while (end - i >= 16 && (((long) LONGS.get(b, i) | (long) LONGS.get(b, i + 8)) & 0x8080808080808080L) == 0) {
            i += 16;
        }
        while (end - i >= 8 && ((long) LONGS.get(b, i) & 0x8080808080808080L) == 0) {
            i += 8;
        }
        while (i < end && b[i] >= 0) {
            i++;
        }
        while (i < end) {
            int c = b[i++];
            if (c >= 0) {
                continue;
            }
            c &= 0xFF;
            if (c < 0xC2) {
                return false; // continuation byte or overlong 2-byte lead
            } else if (c < 0xE0) {
                if (i >= end || (b[i++] & 0xC0) != 0x80) {
                    return false;
                }
            } else if (c < 0xF0) {
                if (i + 1 >= end) {
                    return false;
                }
                int c1 = b[i++] & 0xFF;
                int c2 = b[i++] & 0xFF;
                if ((c1 & 0xC0) != 0x80 || (c2 & 0xC0) != 0x80
                        || (c == 0xE0 && c1 < 0xA0) // overlong
                        || (c == 0xED && c1 >= 0xA0)) { // UTF-16 surrogate
                    return false;
                }
            } else if (c < 0xF5) {
                if (i + 2 >= end) {
                    return false;
                }
                int c1 = b[i++] & 0xFF;
                int c2 = b[i++] & 0xFF;
                int c3 = b[i++] & 0xFF;
                if ((c1 & 0xC0) != 0x80 || (c2 & 0xC0) != 0x80 || (c3 & 0xC0) != 0x80
                        || (c == 0xF0 && c1 < 0x90) // overlong
                        || (c == 0xF4 && c1 >= 0x90)) { // above U+10FFFF
                    return false;
                }
            } else {
                return false;
            }
        }
        return true;
    }
}
