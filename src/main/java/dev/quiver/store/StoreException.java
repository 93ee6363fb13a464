package dev.quiver.store;

/** A failed storage operation, marked as worth retrying or not. */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean retriable;

    public StoreException(String message, Throwable cause, boolean retriable) {
        super(message, cause);
        this.retriable = retriable;
    }

    /** The first wait before retrying storage after a retriable failure. */
    public static final long MIN_RETRY_BACKOFF_MS = 1_000;
    /** The longest wait between retries: a retry a minute apart would leave an outage's end unseen too long. */
    public static final long MAX_RETRY_BACKOFF_MS = 30_000;

    /** The wait before the next retry after {@code failures} retriable failures in a row: 1 s doubling to 30 s. */
    public static long retryBackoffMillis(int failures) {
        return Math.min(MIN_RETRY_BACKOFF_MS << Math.min(Math.max(failures, 1) - 1, 5), MAX_RETRY_BACKOFF_MS);
    }

    /** True for outages and timeouts; false for errors that retrying cannot fix, such as a denied permission. */
    public boolean retriable() {
        return retriable;
    }
}
