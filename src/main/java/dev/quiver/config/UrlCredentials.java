package dev.quiver.config;

/**
 * Finds and hides credentials written into a URL's authority ({@code scheme://user:secret@host/...}). Quiver takes
 * S3 credentials only from {@code s3.access.key} and {@code s3.secret.key} (a password type Connect masks) or the
 * worker's AWS credential chain, so a URL that carries any is refused; and since Connect's config errors quote the
 * value ("Invalid value X for configuration Y"), the value they quote is redacted first.
 *
 * <p>The scan is textual, not {@link java.net.URI}: a URL that does not even parse may still hold a secret.
 */
public final class UrlCredentials {
    private UrlCredentials() {
    }

    /** The authority part of {@code url} (between "//" and the next '/', '?' or '#'), or null when it has none. */
    private static int[] authority(String url) {
        int start = url.indexOf("://");
        if (start < 0) {
            return null;
        }
        start += 3;
        int end = start;
        while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
            end++;
        }
        return new int[] {start, end};
    }

    /** True when the URL's authority holds user-info: anything before an '@'. */
    public static boolean hasUserInfo(String url) {
        int[] authority = url == null ? null : authority(url);
        return authority != null && url.substring(authority[0], authority[1]).indexOf('@') >= 0;
    }

    /** {@code url} with its user-info replaced by {@code ***}; unchanged when it has none. Null stays null. */
    public static String redact(String url) {
        if (!hasUserInfo(url)) {
            return url;
        }
        int[] authority = authority(url);
        int at = url.lastIndexOf('@', authority[1] - 1);
        return url.substring(0, authority[0]) + "***" + url.substring(at);
    }

    /** The validate error for a URL with user-info: it says where credentials go, and never shows them. */
    static String refusal() {
        return "must not carry credentials (user-info before '@'); set s3.access.key and s3.secret.key, or give the"
                + " worker AWS credentials, instead";
    }
}
