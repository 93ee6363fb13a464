package dev.quiver.store;

/** A failed storage operation, marked as worth retrying or not. */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean retriable;

    public StoreException(String message, Throwable cause, boolean retriable) {
        super(message, cause);
        this.retriable = retriable;
    }

    /** True for outages and timeouts; false for errors that retrying cannot fix, such as a denied permission. */
    public boolean retriable() {
        return retriable;
    }
}
