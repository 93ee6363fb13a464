package dev.quiver.store;

/**
 * A conditional write refused because the object changed since its version was read: someone else wrote it. Not
 * retriable as it is; the caller must read the object again and decide.
 */
public final class StoreConflictException extends StoreException {
    private static final long serialVersionUID = 1L;

    public StoreConflictException(String message, Throwable cause) {
        super(message, cause, false);
    }
}
