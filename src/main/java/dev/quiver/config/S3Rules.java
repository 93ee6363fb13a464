package dev.quiver.config;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the S3 security and object settings accept: encryption modes, storage classes, canned ACLs, object tags, and
 * which {@code fs.s3a.*} keys may be passed through. The store package maps the accepted values onto S3A; this class
 * only decides what is valid, so that the connector's REST validation and the task agree.
 */
public final class S3Rules {
    private S3Rules() {
    }

    /** Server-side encryption modes, as S3A names them ({@code fs.s3a.encryption.algorithm}). */
    public static final List<String> SSE_TYPES = List.of("none", "SSE-S3", "SSE-KMS", "DSSE-KMS", "SSE-C");

    /** S3 storage classes (x-amz-storage-class) that S3A 3.5 can set on new objects. */
    public static final List<String> STORAGE_CLASSES = List.of("STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA",
            "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "GLACIER_IR", "DEEP_ARCHIVE", "OUTPOSTS");

    /** S3's object canned ACLs (x-amz-acl), and the names S3A's fs.s3a.acl.default takes for them. */
    private static final Map<String, String> CANNED_ACLS = Map.of(
            "private", "Private",
            "public-read", "PublicRead",
            "public-read-write", "PublicReadWrite",
            "authenticated-read", "AuthenticatedRead",
            "aws-exec-read", "AwsExecRead",
            "bucket-owner-read", "BucketOwnerRead",
            "bucket-owner-full-control", "BucketOwnerFullControl");

    /** Request checksum algorithms S3A 3.5 accepts in fs.s3a.create.checksum.algorithm. */
    public static final List<String> CHECKSUM_ALGORITHMS = List.of("NONE", "CRC32", "CRC32C", "SHA1", "SHA256",
            "CRC64NVME");

    /** S3's most tags on one object. */
    public static final int MAX_TAGS = 10;

    /** How many tags per-file tagging adds (topic, partition, first and last offset, rows). */
    public static final int FILE_TAGS = 5;

    /** The prefix of pass-through settings: {@code s3.extra.fs.s3a.threads.max=64} sets fs.s3a.threads.max. */
    public static final String EXTRA_PREFIX = "s3.extra.";

    /**
     * S3A keys (or key prefixes, ending in a dot) that Quiver owns, with the reason a pass-through may not set them.
     * Endpoint and credentials have their own settings, which validation checks; the rest the commit protocol or the
     * upload path relies on: conditional writes and ETag change detection fence stale writers, create performance
     * and the in-memory buffer are how Quiver writes, and a per-bucket override would silently replace any of them.
     */
    private static final Map<String, String> DENIED = denied();

    private static Map<String, String> denied() {
        Map<String, String> d = new LinkedHashMap<>();
        String endpoint = "use s3.endpoint, s3.region and s3.path.style.access";
        d.put("fs.s3a.endpoint", endpoint);
        d.put("fs.s3a.endpoint.", endpoint);
        d.put("fs.s3a.path.style.access", endpoint);
        d.put("fs.s3a.connection.ssl.enabled", "follows the scheme of s3.endpoint");
        String creds = "credentials are set by s3.access.key, s3.secret.key, s3.credentials.provider and s3.assume.role.*";
        d.put("fs.s3a.access.key", creds);
        d.put("fs.s3a.secret.key", creds);
        d.put("fs.s3a.session.token", creds);
        d.put("fs.s3a.aws.credentials.provider", creds);
        d.put("fs.s3a.aws.credentials.provider.", creds);
        d.put("fs.s3a.assumed.role.", creds);
        d.put("fs.s3a.security.credential.provider.path", creds);
        d.put("fs.s3a.delegation.token.binding", creds);
        String sse = "use s3.sse.type, s3.sse.kms.key.id, s3.sse.kms.context and s3.sse.customer.key";
        d.put("fs.s3a.encryption.", sse);
        d.put("fs.s3a.server-side-encryption-algorithm", sse);
        d.put("fs.s3a.server-side-encryption.", sse);
        d.put("fs.s3a.create.storage.class", "use s3.storage.class");
        d.put("fs.s3a.acl.default", "use s3.acl");
        d.put("fs.s3a.create.checksum.algorithm", "use s3.checksum.algorithm");
        d.put("fs.s3a.checksum.generation", "use s3.checksum.algorithm");
        String protocol = "Quiver's exactly-once commit relies on it";
        d.put("fs.s3a.create.conditional.enabled", protocol);
        d.put("fs.s3a.change.detection.", protocol);
        d.put("fs.s3a.etag.checksum.enabled", protocol);
        String upload = "Quiver's upload path relies on it";
        d.put("fs.s3a.impl", upload);
        d.put("fs.s3a.impl.", upload);
        d.put("fs.s3a.fast.upload", upload);
        d.put("fs.s3a.fast.upload.", upload);
        d.put("fs.s3a.create.performance", upload);
        d.put("fs.s3a.create.performance.", upload);
        d.put("fs.s3a.performance.flags", upload);
        d.put("fs.s3a.multipart.uploads.enabled", upload);
        d.put("fs.s3a.bucket.", "a per-bucket override would replace the settings above; use the s3.* settings");
        return d;
    }

    /** The S3A name of a canned ACL given as S3 spells it, or null when S3 has no such object ACL. */
    public static String s3aAclName(String acl) {
        return CANNED_ACLS.get(acl.trim().toLowerCase(Locale.ROOT));
    }

    /** Why {@code s3aKey} may not be passed through, or null when it may. */
    public static String passThroughProblem(String s3aKey) {
        if (!s3aKey.startsWith("fs.s3a.")) {
            return "only fs.s3a.* keys can be passed through (" + EXTRA_PREFIX + "fs.s3a.<key>)";
        }
        for (Map.Entry<String, String> entry : DENIED.entrySet()) {
            String denied = entry.getKey();
            if (denied.endsWith(".") ? s3aKey.startsWith(denied) : s3aKey.equals(denied)) {
                return s3aKey + " is set by Quiver and cannot be passed through: " + entry.getValue();
            }
        }
        return null;
    }

    /** Why {@code base64} is not an SSE-C key (the base64 of 32 bytes, AES-256), or null when it is one. */
    public static String customerKeyProblem(String base64) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            return "an SSE-C key must be base64 (of 32 random bytes), but it does not decode";
        }
        return key.length == 32 ? null
                : "an SSE-C key must be the base64 of 32 bytes (AES-256), but it decodes to " + key.length + " bytes";
    }

    /**
     * Parses {@code key=value} tag entries. Throws IllegalArgumentException naming the entry at fault: a missing
     * '=', an empty or over-long key or value, characters S3 refuses in tags, or a repeated key.
     */
    public static Map<String, String> parseTags(List<String> entries) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (String entry : entries) {
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("'" + entry + "' is not key=value");
            }
            String key = entry.substring(0, eq).trim();
            String value = entry.substring(eq + 1).trim();
            if (key.isEmpty() || key.length() > 128 || value.length() > 256) {
                throw new IllegalArgumentException("'" + entry + "': a tag key has 1 to 128 characters and a value"
                        + " at most 256");
            }
            if (!key.matches("[\\p{L}\\p{N}\\s+\\-=._:/@]+") || !value.matches("[\\p{L}\\p{N}\\s+\\-=._:/@]*")) {
                throw new IllegalArgumentException("'" + entry + "': S3 tags allow only letters, digits, spaces and"
                        + " + - = . _ : / @");
            }
            if (key.startsWith("aws:")) {
                throw new IllegalArgumentException("'" + entry + "': the aws: prefix is reserved");
            }
            if (tags.put(key, value) != null) {
                throw new IllegalArgumentException("the tag key '" + key + "' is given twice");
            }
        }
        return tags;
    }

    /** True for the modes that take a KMS key id and an encryption context. */
    public static boolean isKms(String sseType) {
        return "SSE-KMS".equalsIgnoreCase(sseType) || "DSSE-KMS".equalsIgnoreCase(sseType);
    }

    /** The mode as S3A spells it, or null for none. */
    public static String canonicalSseType(String sseType) {
        for (String t : SSE_TYPES) {
            if (t.equalsIgnoreCase(sseType.trim())) {
                return t.equals("none") ? null : t;
            }
        }
        throw new IllegalArgumentException("unknown encryption type " + sseType);
    }
}
