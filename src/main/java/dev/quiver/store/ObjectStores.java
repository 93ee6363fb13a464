package dev.quiver.store;

import dev.quiver.config.QuiverSinkConfig;
import dev.quiver.config.StoreUrl;
import java.nio.file.Path;

/** Opens the store a configuration names. */
public final class ObjectStores {
    private ObjectStores() {
    }

    /** The store for {@code config}'s {@code store.url}; the caller owns and closes it. */
    public static ObjectStore open(QuiverSinkConfig config) {
        StoreUrl url = config.storeUrl();
        switch (url.scheme()) {
            case FILE:
                return new LocalObjectStore(Path.of(url.localRoot()));
            case S3A:
                return new S3AObjectStore(url.bucket(), new S3Settings(
                        config.s3Endpoint(),
                        config.s3Region(),
                        config.s3PathStyleAccess(),
                        config.s3AccessKey() == null || config.s3AccessKey().value().isEmpty()
                                ? null : config.s3AccessKey().value(),
                        config.s3SecretKey() == null ? null : config.s3SecretKey().value()));
            default:
                throw new IllegalStateException("unhandled scheme " + url.scheme());
        }
    }
}
