package dev.quiver.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Quiver's own version, as Maven filtered it into {@code quiver-version.properties} at build time. */
public final class Version {
    private static final String VERSION = load();

    private Version() {
    }

    /** The project version, for example {@code 0.1.0}. */
    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/quiver-version.properties")) {
            if (in == null) {
                // Only happens when run from an IDE that skipped resource filtering; never in the plugin zip.
                return "unknown";
            }
            Properties props = new Properties();
            props.load(in);
            return props.getProperty("version", "unknown").trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read quiver-version.properties", e);
        }
    }
}
