package dev.quiver.parquet;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The key-value metadata of a file's footer, in a fixed order, so the same rows give the same bytes on every run
 * ({@code Map.of} iterates in an order salted per JVM, and parquet-java writes the pairs in iteration order).
 *
 * <p>Every footer starts with {@value #SPARK_VERSION_KEY} = {@value #SPARK_CALENDAR_VERSION}. Spark 3.x decides how
 * to read dates and timestamps by that key: without it, it applies {@code
 * spark.sql.parquet.datetimeRebaseModeInRead}, whose default in 3.5 (EXCEPTION) refuses dates before 1582-10-15 and
 * timestamps before 1900; with a version of 3.0.0 or later and no {@code org.apache.spark.legacyDateTime} key, it
 * reads them as proleptic Gregorian (CORRECTED), which is what Quiver writes (Java's epoch days and milliseconds).
 * 3.0.0 is the first Spark whose writer uses that calendar, so the pair states the calendar, not a writer.
 */
public final class FooterMetadata {
    /** The footer key Spark reads to choose its calendar. */
    public static final String SPARK_VERSION_KEY = "org.apache.spark.version";
    /** The first Spark version that writes the proleptic Gregorian calendar. */
    public static final String SPARK_CALENDAR_VERSION = "3.0.0";

    private FooterMetadata() {
    }

    /**
     * The calendar marker, then {@code keysAndValues} as pairs in the order given.
     *
     * @throws IllegalArgumentException on an odd count, a null, or a key given twice
     */
    public static Map<String, String> of(String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("footer metadata needs key-value pairs, got " + keysAndValues.length
                    + " strings");
        }
        Map<String, String> pairs = new LinkedHashMap<>();
        pairs.put(SPARK_VERSION_KEY, SPARK_CALENDAR_VERSION);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            String key = keysAndValues[i];
            String value = keysAndValues[i + 1];
            if (key == null || value == null) {
                throw new IllegalArgumentException("footer metadata cannot hold a null key or value");
            }
            if (pairs.put(key, value) != null) {
                throw new IllegalArgumentException("footer metadata key '" + key + "' given twice");
            }
        }
        return Collections.unmodifiableMap(pairs);
    }
}
