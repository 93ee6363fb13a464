package dev.quiver.store;

/**
 * A multipart upload that was started is no longer there: another writer aborted it, or a bucket lifecycle rule
 * cleared it as incomplete. Its parts are gone, so retrying the same call cannot help; but nothing is wrong with the
 * store, so the file can be written again from its records.
 */
public final class UploadVanishedException extends StoreException {
    private static final long serialVersionUID = 1L;

    public UploadVanishedException(String message, Throwable cause) {
        super(message, cause, false);
    }
}
