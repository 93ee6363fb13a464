package dev.quiver.store;

import java.util.Objects;
import org.apache.hadoop.conf.Configuration;

/**
 * The S3 connection settings Quiver exposes, and their translation into S3A's Hadoop configuration.
 *
 * @param endpoint        empty for AWS, else the endpoint URL of an S3-compatible server
 * @param region          signing region
 * @param pathStyleAccess address buckets by path rather than by host name
 * @param accessKey       static access key, or null for the AWS default credential chain
 * @param secretKey       static secret key, or null with {@code accessKey}
 */
public record S3Settings(String endpoint, String region, boolean pathStyleAccess, String accessKey, String secretKey) {
    /** S3A's buffer for one object written through it (its fs.s3a.multipart.size): S3's least part size rounded up. */
    static final long PUT_BUFFER_BYTES = 8L * 1024 * 1024;

    public S3Settings {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(region, "region");
    }

    @Override
    public String toString() {
        // A record's default toString would print the secret into any log line that mentions the settings.
        return "S3Settings[endpoint=" + endpoint + ", region=" + region + ", pathStyleAccess=" + pathStyleAccess
                + ", accessKey=" + (accessKey == null ? "<default chain>" : "[hidden]") + "]";
    }

    /** The S3A configuration for these settings. */
    Configuration toHadoopConfiguration() {
        // A copy of Hadoop's defaults, parsed once per worker: new Configuration() would parse core-default.xml (and
        // any core-site.xml) again for every task that opens a store.
        Configuration conf = new Configuration(Defaults.LOADED);
        conf.setClassLoader(S3Settings.class.getClassLoader());
        if (!endpoint.isEmpty()) {
            conf.set("fs.s3a.endpoint", endpoint);
            conf.setBoolean("fs.s3a.connection.ssl.enabled", endpoint.startsWith("https://"));
        }
        conf.set("fs.s3a.endpoint.region", region);
        conf.setBoolean("fs.s3a.path.style.access", pathStyleAccess);
        if (accessKey != null) {
            conf.set("fs.s3a.access.key", accessKey);
            conf.set("fs.s3a.secret.key", secretKey);
            conf.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        }
        // Quiver writes whole objects it already holds in memory: buffer in memory rather than on local disk, and
        // skip the directory probes S3A does on create, which cost extra requests per file and protect nothing here.
        conf.set("fs.s3a.fast.upload.buffer", "bytebuffer");
        // S3A takes a direct buffer of the multipart size (64 MiB by default) for every object it writes, however
        // small; Quiver's single PUTs are at most a part plus a chunk, and its commit markers bytes: 8 MiB buffers
        // bound what each concurrent PUT holds off the heap (README "Sizing the worker": S3A_BLOCK).
        conf.setLong("fs.s3a.multipart.size", PUT_BUFFER_BYTES);
        conf.setBoolean("fs.s3a.create.performance", true);
        conf.setBoolean("fs.s3a.audit.enabled", false);
        // Fail an operation within seconds during an outage rather than after S3A's default minutes of retries:
        // Quiver keeps the batch and Connect retries the whole put() with its own back-off, so the task thread is
        // never stuck long enough to be kicked out of the consumer group.
        conf.setInt("fs.s3a.retry.limit", 2);
        conf.set("fs.s3a.retry.interval", "250ms");
        conf.setInt("fs.s3a.attempts.maximum", 2);
        // 15 s is the least Hadoop 3.5 accepts; it raises lower values with a warning.
        conf.set("fs.s3a.connection.establish.timeout", "15s");
        conf.set("fs.s3a.connection.timeout", "30s");
        conf.set("fs.s3a.connection.request.timeout", "60s");
        return conf;
    }

    /** Hadoop's default resources, loaded on first use and only copied afterwards; never handed out or changed. */
    private static final class Defaults {
        static final Configuration LOADED = load();

        private static Configuration load() {
            // new Configuration(false) fails later on hadoop.tmp.dir; the defaults are harmless for S3A.
            Configuration defaults = new Configuration();
            defaults.setClassLoader(S3Settings.class.getClassLoader());
            // Parses the resources now, so that every copy takes the parsed properties instead of parsing them itself.
            defaults.size();
            return defaults;
        }
    }
}
