package dev.quiver.commit;

import dev.quiver.layout.FileLayout;
import dev.quiver.store.ObjectStore;
import dev.quiver.store.StoreConflictException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connector per topic and prefix: a claim object, {@code <prefix>/_quiver/claims/<topic>.properties}, names the
 * connector that lands the topic there.
 *
 * <p>Data keys depend only on the topic, partition and start offset, not on the connector; commit markers are kept per
 * connector. Two connectors landing one topic under one prefix (blue/green, a renamed connector, two clusters sharing
 * a bucket) would therefore overwrite each other's files wherever their flushes start at the same offset, and one's
 * recovery could delete the other's files or abort its uploads. So before a partition is opened, and so before any
 * write, delete or abort, its topic must be claimed by this connector: the first to open a partition of the topic
 * writes the claim (If-None-Match, so two first-comers cannot both win), and every other connector is refused with an
 * error that names the owner and the remedy. The claim is read on every partition open, so a claim removed by an
 * operator is taken by the next connector to open a partition of the topic.
 *
 * <p>A store that ignores If-None-Match can let two connectors that start at the same moment both believe they won;
 * the one whose claim was overwritten finds out at its next partition open.
 */
public final class TopicClaims {
    private static final Logger LOG = LoggerFactory.getLogger(TopicClaims.class);

    private final ObjectStore store;
    private final String prefix;
    private final String connector;

    /**
     * @param store     where data, markers and claims live
     * @param prefix    the store's key prefix, as data keys use it
     * @param connector this connector's name
     */
    public TopicClaims(ObjectStore store, String prefix, String connector) {
        this.store = Objects.requireNonNull(store, "store");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.connector = Objects.requireNonNull(connector, "connector");
    }

    /** The claim object of {@code topic}. Topic names are letters, digits, '.', '_' and '-': safe in a key. */
    public String claimKey(String topic) {
        return FileLayout.join(prefix, "_quiver/claims/" + topic + ".properties");
    }

    /**
     * Makes sure this connector owns {@code topic} under the prefix, claiming it if nobody does.
     *
     * @return the claiming connector: always this one
     * @throws ConnectException when another connector claimed the topic; it names that connector and the remedy
     * @throws dev.quiver.store.StoreException when the store cannot be read or written (retriable or not)
     */
    public String claim(String topic) {
        String key = claimKey(topic);
        Optional<Claim> existing = read(key);
        if (existing.isEmpty()) {
            byte[] bytes = render(topic);
            try {
                store.putIfVersion(key, bytes, null);
                LOG.info("Connector '{}' claimed topic '{}' under {} ({})", connector, topic, where(), key);
                return connector;
            } catch (StoreConflictException e) {
                // Someone claimed it between the read and the write: this connector's other task, or another one.
                existing = read(key);
                if (existing.isEmpty()) {
                    throw new ConnectException("the claim " + key + " of topic '" + topic + "' was written and"
                            + " removed while connector '" + connector + "' tried to claim it; retry", e);
                }
            }
        }
        Claim claim = existing.get();
        if (!connector.equals(claim.connector())) {
            throw refusal(topic, key, claim);
        }
        return connector;
    }

    private ConnectException refusal(String topic, String key, Claim claim) {
        String other = claim.connector();
        String offsets = FileLayout.join(prefix, "_quiver/offsets/");
        return new ConnectException("Topic '" + topic + "' under " + where() + " is already landed by connector '"
                + other + "' (claim object " + key + (claim.claimedAt().isEmpty() ? "" : ", written "
                + claim.claimedAt()) + "). Connector '" + connector + "' will not write there: two connectors landing"
                + " one topic under one prefix overwrite and delete each other's files. Remedy: give connector '"
                + connector + "' a store.url of its own (another bucket or prefix) to keep two copies; or, if '"
                + connector + "' replaces '" + other + "' (a renamed or re-created connector), delete '" + other
                + "', copy its commit markers from " + offsets + "<'" + other + "' URL-encoded>/ to " + offsets
                + "<'" + connector + "' URL-encoded>/ so that this connector resumes where '" + other + "' ended"
                + " instead of landing the topic again, delete the claim object " + key + ", and restart this"
                + " connector's tasks: the first to open a partition of the topic claims it.");
    }

    private String where() {
        return store.describe() + (prefix.isEmpty() ? "" : " prefix '" + prefix + "'");
    }

    private byte[] render(String topic) {
        String text = "# Quiver topic claim: only this connector lands this topic under this prefix.\n"
                + "# See README.md, 'Failure scenarios'. Delete only as the error of a refused connector says.\n"
                + "connector=" + CommitLog.escape(connector) + "\n"
                + "topic=" + topic + "\n"
                + "claimed.at=" + Instant.now() + "\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** What a claim object says. */
    private record Claim(String connector, String claimedAt) {
    }

    private Optional<Claim> read(String key) {
        return store.get(key).map(bytes -> {
            Properties props = new Properties();
            try {
                props.load(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new IllegalStateException("cannot parse the topic claim " + key, e);
            }
            String owner = props.getProperty("connector");
            if (owner == null) {
                throw new ConnectException("the topic claim " + key + " names no connector; it is damaged. Delete it"
                        + " once only one connector lands the topic under this prefix.");
            }
            return new Claim(owner, props.getProperty("claimed.at", ""));
        });
    }
}
