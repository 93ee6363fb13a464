package dev.quiver.commit;

import dev.quiver.layout.FileLayout;
import dev.quiver.store.ObjectStore;
import java.io.IOException;
import java.io.StringReader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;
import org.apache.kafka.common.TopicPartition;

/**
 * The durable record of how far each Kafka partition has landed, kept in the object store beside the data.
 *
 * <p>One small marker object per partition, {@code <prefix>/_quiver/offsets/<connector>/<topic>+<partition>.properties},
 * is overwritten after the files of each flush have landed. It names the last offset the flush covered and the files
 * it wrote. The marker, not Kafka's committed offset, is the source of truth: on {@code open()} the task seeks to the
 * offset after it, so a crash between a file landing and Connect committing the offset does not replay the file.
 */
public final class CommitLog {
    private static final String FORMAT_VERSION = "1";

    private final ObjectStore store;
    private final String directory;

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

    /** The last offset of {@code tp} known to be landed, or empty when nothing has landed yet. */
    public OptionalLong lastLanded(TopicPartition tp) {
        String key = markerKey(tp);
        return store.get(key).map(bytes -> parse(key, bytes)).orElse(OptionalLong.empty());
    }

    private static OptionalLong parse(String key, byte[] bytes) {
        Properties props = new Properties();
        try {
            props.load(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot parse commit marker " + key, e);
        }
        String last = props.getProperty("last.offset");
        if (last == null) {
            throw new IllegalStateException("commit marker " + key + " has no last.offset; it was not written by Quiver"
                    + " or is damaged. Delete it only if you know where this partition's data ends.");
        }
        return OptionalLong.of(Long.parseLong(last.trim()));
    }

    /**
     * Records that everything of {@code tp} up to and including {@code lastOffset} is landed or deliberately skipped.
     * Call only after every file of the flush is durable.
     */
    public void recordLanded(TopicPartition tp, long startOffset, long lastOffset, List<String> files) {
        StringBuilder text = new StringBuilder(256)
                .append("# Quiver commit marker: everything up to last.offset is landed. Do not edit.\n")
                .append("format=").append(FORMAT_VERSION).append('\n')
                .append("topic=").append(tp.topic()).append('\n')
                .append("partition=").append(tp.partition()).append('\n')
                .append("start.offset=").append(startOffset).append('\n')
                .append("last.offset=").append(lastOffset).append('\n')
                .append("files=").append(String.join(",", files)).append('\n');
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        store.put(markerKey(tp), bytes, 0, bytes.length);
    }
}
