package dev.quiver.layout;

import java.util.Objects;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.DataException;

/**
 * Where a Kafka partition's files go: {@code <prefix>/<topic>/partition=<p>/<topic>+<p>+<start offset>.parquet}, with a
 * {@code record_type=<schema name>/} folder after the topic when the value schema is named, so that topics carrying
 * several record types (TopicRecordNameStrategy) land one folder, and one table, per type.
 *
 * <p>The start offset is zero-padded to 20 digits so that a plain lexical listing sorts files in offset order. The
 * key depends only on the partition and the offset where the file's range starts, so a replay of the same range
 * after a crash writes the same key and replaces, rather than duplicates, a file whose commit was not recorded.
 */
public final class FileLayout {
    private static final String EXTENSION = ".parquet";
    /** S3's longest key, in bytes of UTF-8; MinIO and most S3-compatible stores share it. */
    public static final int MAX_KEY_BYTES = 1024;
    /** How much of an offending folder or record type name an error message shows. */
    private static final int SHOWN_CHARS = 60;

    private final String prefix;

    /** @param prefix key prefix without leading or trailing slash; empty for the bucket root */
    public FileLayout(String prefix) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
    }

    /** The key of the file whose offset range starts at {@code startOffset}, for unnamed value schemas. */
    public String dataKey(TopicPartition tp, long startOffset) {
        return dataKey(tp, startOffset, "", null);
    }

    /**
     * The key of a file whose offset range starts at {@code startOffset}.
     *
     * @param recordType the value schema's name, or empty for unnamed schemas and schemaless data
     * @param path       the time or field folder of {@link PathPartitioner}, or null for the Kafka-partition folder
     */
    public String dataKey(TopicPartition tp, long startOffset, String recordType, String path) {
        return dataKey(tp, startOffset, recordType, path, 0);
    }

    /**
     * The key of a file of the partition's {@code incarnation}-th log: 0 for the log the partition first landed, and
     * one more each time the partition's offsets start again below what landed (the topic was deleted and created
     * again, truncated, or mirrored without offset translation). A later log's files end in {@code +log<n>}, so they
     * can never replace an earlier log's files that happen to start at the same offset.
     */
    public String dataKey(TopicPartition tp, long startOffset, String recordType, String path, int incarnation) {
        if (incarnation < 0) {
            throw new IllegalArgumentException("negative log incarnation " + incarnation);
        }
        StringBuilder key = new StringBuilder(96).append(tp.topic()).append('/');
        if (!recordType.isEmpty()) {
            key.append("record_type=").append(escape(recordType)).append('/');
        }
        if (path == null) {
            key.append("partition=").append(tp.partition()).append('/');
        } else if (!path.isEmpty()) {
            key.append(path).append('/');
        }
        key.append(tp.topic()).append('+').append(tp.partition()).append('+').append(pad(startOffset));
        if (incarnation > 0) {
            key.append("+log").append(incarnation);
        }
        key.append(EXTENSION);
        return join(prefix, key.toString());
    }

    /**
     * Refuses a record whose file key would be longer than {@value #MAX_KEY_BYTES} bytes, before anything is written:
     * the store would refuse the upload for good, and a commit marker naming the key would make every later open of
     * the partition fail too. A key's length does not depend on the offset (always 20 digits), so one check when a
     * record type and folder are first seen covers every file they get.
     *
     * @throws DataException naming the key's length and the parts that make it long, for the bad-record path
     */
    public void checkKeyLength(TopicPartition tp, String recordType, String path) {
        // The widest incarnation suffix, so that no later log of the partition can make the key too long.
        String key = dataKey(tp, 0, recordType, path, Integer.MAX_VALUE);
        int bytes = utf8Length(key);
        if (bytes <= MAX_KEY_BYTES) {
            return;
        }
        StringBuilder why = new StringBuilder("its object key would be ").append(bytes)
                .append(" bytes of UTF-8, and S3 allows at most ").append(MAX_KEY_BYTES).append(':');
        if (!recordType.isEmpty()) {
            why.append(" the record type (value schema name) '").append(shorten(recordType)).append("' takes ")
                    .append(utf8Length(escape(recordType))).append(" bytes escaped;");
        }
        if (path != null && !path.isEmpty()) {
            why.append(" the folder from partition.by '").append(shorten(path)).append("' takes ")
                    .append(utf8Length(path)).append(" bytes;");
        }
        why.append(" the prefix, topic and file name take the rest");
        throw new DataException(why.toString());
    }

    private static int utf8Length(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    private static String shorten(String text) {
        return text.length() <= SHOWN_CHARS ? text : text.substring(0, SHOWN_CHARS) + "...";
    }

    /** The folder (ending in '/') that holds the files of {@code tp} with unnamed value schemas, in Kafka layout. */
    public String partitionDirectory(TopicPartition tp) {
        return join(prefix, tp.topic() + "/partition=" + tp.partition() + "/");
    }

    /**
     * {@code value} made safe as one path segment: letters, digits and {@code . _ -} stay, everything else becomes
     * {@code %XX} of its UTF-8 bytes, as Hive escapes partition values. No value can add a segment or climb out.
     */
    public static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (byte b : value.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '-' || (c == '.' && !value.equals(".") && !value.equals(".."));
            if (safe) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
            }
        }
        return out.toString();
    }

    /** {@code offset} as 20 digits, the width of Long.MAX_VALUE. */
    static String pad(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        String digits = Long.toString(offset);
        return "0".repeat(20 - digits.length()) + digits;
    }

    /** Joins a prefix and a relative key with exactly one slash; an empty prefix adds nothing. */
    public static String join(String prefix, String rest) {
        return prefix.isEmpty() ? rest : prefix + '/' + rest;
    }
}
