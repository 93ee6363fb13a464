package dev.quiver.commit;

import dev.quiver.layout.FileLayout;
import dev.quiver.store.ObjectStore;
import dev.quiver.store.StoreConflictException;
import java.io.IOException;
import java.io.StringReader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;

/**
 * The durable record of how far each Kafka partition has landed, kept in the object store beside the data.
 *
 * <p>One small marker object per partition, {@code <prefix>/_quiver/offsets/<connector>/<topic>+<partition>.properties},
 * is overwritten once per flush, <em>before</em> the flush's files are uploaded. It holds:
 * <ul>
 *   <li>{@code landed.offset}: the last offset of the previous flush, whose files were all durable when this marker
 *       was written;</li>
 *   <li>{@code flush.start}, {@code flush.last}, {@code flush.files.count} and {@code flush.file.<i>}: the flush in
 *       progress: its offset range and every object key it writes, one property per key, so no character of a key
 *       (a comma, a backslash) can split or change it. Markers of format 2, whose keys were comma-joined in
 *       {@code flush.files}, are still read.</li>
 * </ul>
 * Recovery ({@link Marker#landedThrough}) checks that every file of the recorded flush exists. If so, everything
 * through {@code flush.last} is landed; if not, the flush is replayed from {@code flush.start} and cut at exactly
 * {@code flush.last}, which rewrites the same keys, and any recorded file the replay did not rewrite is deleted. One
 * small write per flush is all the protocol costs; the existence checks happen only when a partition is opened.
 *
 * <p>Every marker write is conditional (If-Match on the version last read or written, If-None-Match for the first):
 * a task that lost its partition without noticing fails its next marker write instead of overwriting the new owner's,
 * and so never uploads the files of that flush.
 */
public final class CommitLog {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CommitLog.class);
    /** 3: one {@code flush.file.<i>} property per key; 2 joined them with commas, which a key may contain. */
    private static final String FORMAT_VERSION = "3";
    /**
     * Stands for "the marker exists, but the store gave no version tag": such a store cannot fence, and the next write
     * is unconditional rather than If-None-Match, which would be refused for ever and reopen the partition in a loop.
     */
    private static final String UNVERSIONED = "\u0000unversioned";

    private final ObjectStore store;
    private final String directory;
    /**
     * The marker version each partition's owner last read or wrote: the next write is conditional on it, so a task
     * that lost its partition without noticing (a "zombie") cannot overwrite the new owner's marker.
     */
    private final Map<TopicPartition, Optional<String>> versions = new ConcurrentHashMap<>();
    private volatile boolean warnedUnversioned;

    /**
     * @param store     where markers live (the same store as the data, so both share one durability domain)
     * @param prefix    the store's key prefix
     * @param connector the connector's name: two connectors reading the same topic keep separate markers
     */
    public CommitLog(ObjectStore store, String prefix, String connector) {
        this.store = Objects.requireNonNull(store, "store");
        Objects.requireNonNull(connector, "connector");
        this.directory = FileLayout.join(prefix, "_quiver/offsets/" + URLEncoder.encode(connector, StandardCharsets.UTF_8)
                + "/");
    }

    String markerKey(TopicPartition tp) {
        return directory + tp.topic() + '+' + tp.partition() + ".properties";
    }

    /**
     * What a marker says.
     *
     * @param landed     last offset landed before the recorded flush, -1 for none
     * @param flushStart first offset of the recorded flush's range
     * @param flushLast  last offset of the recorded flush's range
     * @param files      every key the recorded flush writes
     * @param incarnation which log of the partition these offsets belong to: 0 for the first, one more each time
     *                    the partition's offsets were found to start again below what had landed
     */
    public record Marker(long landed, long flushStart, long flushLast, List<String> files, int incarnation) {
        public Marker {
            files = List.copyOf(files);
        }

        /**
         * The last landed offset, given whether every file of the recorded flush exists: the flush's last offset if
         * so, else the offset before it.
         */
        public long landedThrough(boolean flushComplete) {
            return flushComplete ? flushLast : landed;
        }
    }

    /** The partition's marker, or empty when nothing was ever flushed; later writes are conditional on what was read. */
    public Optional<Marker> read(TopicPartition tp) {
        String key = markerKey(tp);
        Optional<ObjectStore.Versioned> stored = store.getVersioned(key);
        versions.put(tp, stored.map(v -> versionOrUnversioned(v.version())));
        return stored.map(v -> parse(key, v.bytes()));
    }

    /** Forgets a partition's marker version when the partition is closed. */
    public void forget(TopicPartition tp) {
        versions.remove(tp);
    }

    private static Marker parse(String key, byte[] bytes) {
        Properties props = new Properties();
        try {
            props.load(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot parse commit marker " + key, e);
        }
        String landed = props.getProperty("landed.offset");
        String start = props.getProperty("flush.start");
        String last = props.getProperty("flush.last");
        if (landed == null || start == null || last == null) {
            throw new IllegalStateException("commit marker " + key + " lacks landed.offset, flush.start or flush.last;"
                    + " it was not written by this version of Quiver or is damaged. Delete it only if you know where"
                    + " this partition's data ends.");
        }
        // Markers written before incarnations were recorded describe the partition's first log.
        int incarnation = Integer.parseInt(props.getProperty("log.incarnation", "0").trim());
        return new Marker(Long.parseLong(landed.trim()), Long.parseLong(start.trim()), Long.parseLong(last.trim()),
                files(key, props), incarnation);
    }

    /** The recorded keys: one indexed property each (format 3), or comma-joined in the format-2 markers before it. */
    private static List<String> files(String key, Properties props) {
        String count = props.getProperty("flush.files.count");
        if (count == null) {
            String joined = props.getProperty("flush.files", "").trim();
            return joined.isEmpty() ? List.of()
                    : Arrays.stream(joined.split(",")).map(String::trim).collect(Collectors.toList());
        }
        int n = Integer.parseInt(count.trim());
        List<String> files = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String file = props.getProperty("flush.file." + i);
            if (file == null) {
                throw new IllegalStateException("commit marker " + key + " says " + n + " files but lacks flush.file."
                        + i + "; it is damaged. Delete it only if you know where this partition's data ends.");
            }
            files.add(file);
        }
        return files;
    }

    /**
     * {@code value} as a Properties value that {@link Properties#load} reads back exactly: backslashes, line breaks
     * and leading blanks escaped; any other character, commas and non-ASCII included, as it is (the file is UTF-8).
     */
    static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\f' -> out.append("\\f");
                case ' ' -> out.append(i == 0 ? "\\ " : " ");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /**
     * Records a flush before its files are uploaded: everything through {@code landed} is durable, and the flush of
     * {@code [start, last]} writes exactly {@code files}.
     */
    public void recordFlush(TopicPartition tp, long landed, long start, long last, List<String> files) {
        recordFlush(tp, landed, start, last, files, 0);
    }

    /** {@link #recordFlush(TopicPartition, long, long, long, List)} for the partition's {@code incarnation}-th log. */
    public void recordFlush(TopicPartition tp, long landed, long start, long last, List<String> files,
            int incarnation) {
        StringBuilder text = new StringBuilder(256)
                .append("# Quiver commit marker; do not edit. See README.md, 'Delivery'.\n")
                .append("format=").append(FORMAT_VERSION).append('\n')
                .append("topic=").append(tp.topic()).append('\n')
                .append("partition=").append(tp.partition()).append('\n')
                .append("landed.offset=").append(landed).append('\n')
                .append("flush.start=").append(start).append('\n')
                .append("flush.last=").append(last).append('\n')
                .append("log.incarnation=").append(incarnation).append('\n')
                .append("flush.files.count=").append(files.size()).append('\n');
        for (int i = 0; i < files.size(); i++) {
            text.append("flush.file.").append(i).append('=').append(escape(files.get(i))).append('\n');
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        String key = markerKey(tp);
        Optional<String> expected = versions.get(tp);
        if (expected == null) {
            throw new IllegalStateException("the marker of " + tp + " was never read; open the partition first");
        }
        try {
            if (expected.isPresent() && expected.get().equals(UNVERSIONED)) {
                // The store gave no version tag for the marker: nothing to make the write conditional on.
                store.put(key, bytes, 0, bytes.length);
                return;
            }
            versions.put(tp, Optional.of(versionOrUnversioned(store.putIfVersion(key, bytes, expected.orElse(null)))));
        } catch (StoreConflictException e) {
            // Our own earlier write, whose response was lost and the request retried, also looks like a conflict:
            // the marker then holds exactly our bytes, and we carry on from its version.
            Optional<ObjectStore.Versioned> now = store.getVersioned(key);
            if (now.isPresent() && Arrays.equals(now.get().bytes(), bytes)) {
                versions.put(tp, Optional.of(versionOrUnversioned(now.get().version())));
                return;
            }
            versions.remove(tp);
            throw new MarkerConflictException(tp, e);
        }
    }

    /** A stored marker's version, or {@link #UNVERSIONED} (said once) when the store gave none. */
    private String versionOrUnversioned(String version) {
        if (version != null) {
            return version;
        }
        if (!warnedUnversioned) {
            warnedUnversioned = true;
            LOG.warn("{} returns no version tag (ETag) for commit markers, so marker writes cannot be conditional:"
                    + " crash and rebalance recovery stay exact, but a task that lost its partitions without noticing"
                    + " is not fenced off (see README, 'Stores without conditional writes')", store.describe());
        }
        return UNVERSIONED;
    }

    /** Another task wrote the partition's marker since this task read it: this task no longer owns the partition's log. */
    public static final class MarkerConflictException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient TopicPartition tp;

        MarkerConflictException(TopicPartition tp, Throwable cause) {
            super("another task wrote the commit marker of " + tp + " since this task read it", cause);
            this.tp = tp;
        }

        public TopicPartition topicPartition() {
            return tp;
        }
    }
}
