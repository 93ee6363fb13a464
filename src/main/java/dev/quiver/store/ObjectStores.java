package dev.quiver.store;

import dev.quiver.config.QuiverSinkConfig;
import dev.quiver.config.S3Rules;
import dev.quiver.config.S3SecurityConfig;
import dev.quiver.config.StoreUrl;
import java.util.Locale;
import org.apache.kafka.common.config.types.Password;
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
                        config.s3SecretKey() == null ? null : config.s3SecretKey().value()), s3Options(config));
            default:
                throw new IllegalStateException("unhandled scheme " + url.scheme());
        }
    }

    /** The "S3 security and objects" settings of {@code config}, validated by it already. */
    static S3Options s3Options(QuiverSinkConfig config) {
        String role = config.getString(S3SecurityConfig.ASSUME_ROLE_ARN).trim();
        Password externalId = config.getPassword(S3SecurityConfig.ASSUME_ROLE_EXTERNAL_ID);
        Password customerKey = config.getPassword(S3SecurityConfig.SSE_CUSTOMER_KEY);
        String acl = config.getString(S3SecurityConfig.ACL).trim();
        return new S3Options(
                S3Rules.canonicalSseType(config.getString(S3SecurityConfig.SSE_TYPE)),
                config.getString(S3SecurityConfig.SSE_KMS_KEY_ID).trim(),
                config.getString(S3SecurityConfig.SSE_KMS_CONTEXT).trim(),
                customerKey == null || customerKey.value().isBlank() ? null : customerKey.value().trim(),
                config.getString(S3SecurityConfig.STORAGE_CLASS).trim().toUpperCase(Locale.ROOT),
                acl.isEmpty() ? "" : S3Rules.s3aAclName(acl),
                S3Rules.parseTags(config.getList(S3SecurityConfig.TAGS)),
                config.getBoolean(S3SecurityConfig.TAGS_PER_FILE),
                config.getString(S3SecurityConfig.CREDENTIALS_PROVIDER).trim(),
                role.isEmpty() ? null : new S3Options.AssumeRole(role,
                        externalId == null || externalId.value().isBlank() ? null : externalId.value().trim(),
                        config.getString(S3SecurityConfig.ASSUME_ROLE_SESSION_NAME).trim(),
                        config.getInt(S3SecurityConfig.ASSUME_ROLE_DURATION_SECONDS),
                        config.getString(S3SecurityConfig.ASSUME_ROLE_STS_ENDPOINT).trim(),
                        config.getString(S3SecurityConfig.ASSUME_ROLE_STS_REGION).trim()),
                config.getString(S3SecurityConfig.CHECKSUM_ALGORITHM).trim(),
                S3SecurityConfig.passThrough(config.originals()));
    }
}
