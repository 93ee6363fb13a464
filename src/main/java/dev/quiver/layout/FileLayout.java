package dev.quiver.layout;

import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a Kafka partition's files go: {@code <prefix>/<topic>/partition=<p>/<topic>+<p>+<start offset>.parquet}.
 *
 * <p>The start offset is zero-padded to 20 digits so that a plain lexical listing sorts files in offset order. The
 * key depends only on the partition and the offset where the file's range starts, so a replay of the same range
 * after a crash writes the same key and replaces, rather than duplicates, a file whose commit was not recorded.
 */
public final class FileLayout {
    private static final String EXTENSION = ".parquet";

    private final String prefix;

    /** @param prefix key prefix without leading or trailing slash; empty for the bucket root */
    public FileLayout(String prefix) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
    }

    /** The key of the file whose offset range starts at {@code startOffset}. */
    public String dataKey(TopicPartition tp, long startOffset) {
        return partitionDirectory(tp) + tp.topic() + '+' + tp.partition() + '+' + pad(startOffset) + EXTENSION;
    }

    /** The folder (ending in '/') that holds every file of {@code tp}. */
    public String partitionDirectory(TopicPartition tp) {
        return join(prefix, tp.topic() + "/partition=" + tp.partition() + "/");
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
