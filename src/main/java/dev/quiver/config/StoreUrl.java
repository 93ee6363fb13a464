package dev.quiver.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

/**
 * A parsed {@code store.url}: the scheme, the bucket (for S3) and the key prefix every object Quiver writes starts with.
 *
 * <p>The prefix never starts or ends with a slash, so keys join with a single "/".
 */
public final class StoreUrl {

    /** The storage back ends Quiver can write to. */
    public enum Scheme { S3A, FILE }

    private final Scheme scheme;
    private final String bucket;
    private final String prefix;
    private final String text;

    private StoreUrl(Scheme scheme, String bucket, String prefix, String text) {
        this.scheme = scheme;
        this.bucket = bucket;
        this.prefix = prefix;
        this.text = text;
    }

    /**
     * Parses {@code s3a://bucket[/prefix]} or {@code file:///absolute/dir}.
     *
     * @throws IllegalArgumentException with a message fit to show a user as the config error
     */
    public static StoreUrl parse(String value) {
        Objects.requireNonNull(value, "store url");
        String text = value.trim();
        if (UrlCredentials.hasUserInfo(text)) {
            throw new IllegalArgumentException(UrlCredentials.refusal());
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            // The reason and index only: the exception's message quotes the whole input.
            throw new IllegalArgumentException("is not a valid URL: " + e.getReason() + " at index " + e.getIndex());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "s3a": {
                String bucket = uri.getHost();
                if (bucket == null || bucket.isEmpty()) {
                    throw new IllegalArgumentException("has no bucket; expected s3a://bucket[/prefix]");
                }
                return new StoreUrl(Scheme.S3A, bucket, trimSlashes(uri.getPath()), text);
            }
            case "file": {
                if (uri.getAuthority() != null && !uri.getAuthority().isEmpty()) {
                    throw new IllegalArgumentException("must be file:///absolute/dir (three slashes), not a host '"
                            + uri.getAuthority() + "'");
                }
                String path = uri.getPath();
                if (path == null || !path.startsWith("/") || trimSlashes(path).isEmpty()) {
                    throw new IllegalArgumentException("must name an absolute directory other than /, e.g. file:///data/landing");
                }
                return new StoreUrl(Scheme.FILE, null, "", "file:///" + trimSlashes(path));
            }
            case "s3":
            case "s3n":
                throw new IllegalArgumentException("uses scheme '" + scheme + "'; write s3a://bucket[/prefix] instead");
            default:
                throw new IllegalArgumentException("must start with s3a:// (S3, MinIO) or file:/// (local directory)");
        }
    }

    private static String trimSlashes(String path) {
        if (path == null) {
            return "";
        }
        int start = 0;
        int end = path.length();
        while (start < end && path.charAt(start) == '/') {
            start++;
        }
        while (end > start && path.charAt(end - 1) == '/') {
            end--;
        }
        return path.substring(start, end);
    }

    public Scheme scheme() {
        return scheme;
    }

    /** The S3 bucket; null for {@link Scheme#FILE}. */
    public String bucket() {
        return bucket;
    }

    /** The key prefix inside the bucket, without leading or trailing slash; empty for none and for file URLs. */
    public String prefix() {
        return prefix;
    }

    /** The root directory of a {@link Scheme#FILE} store. */
    public String localRoot() {
        if (scheme != Scheme.FILE) {
            throw new IllegalStateException("not a file:// store: " + text);
        }
        return URI.create(text).getPath();
    }

    @Override
    public String toString() {
        return text;
    }
}
