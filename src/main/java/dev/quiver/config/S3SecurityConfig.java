package dev.quiver.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The "S3 security and objects" settings of {@link QuiverSinkConfig}: server-side encryption, storage class, ACL,
 * tags, credential sources beyond static keys, request checksums, and {@code s3.extra.fs.s3a.*} pass-through. Kept in
 * one class so the main ConfigDef only calls {@link #define}.
 */
public final class S3SecurityConfig {
    private S3SecurityConfig() {
    }

    static final String GROUP = "S3 security and objects";

    /** Server-side encryption mode of every object Quiver writes. */
    public static final String SSE_TYPE = "s3.sse.type";
    /** KMS key of SSE-KMS and DSSE-KMS. */
    public static final String SSE_KMS_KEY_ID = "s3.sse.kms.key.id";
    /** KMS encryption context of SSE-KMS and DSSE-KMS. */
    public static final String SSE_KMS_CONTEXT = "s3.sse.kms.context";
    /** The customer-provided key of SSE-C. */
    public static final String SSE_CUSTOMER_KEY = "s3.sse.customer.key";
    /** Storage class of new objects. */
    public static final String STORAGE_CLASS = "s3.storage.class";
    /** Canned ACL of new objects. */
    public static final String ACL = "s3.acl";
    /** Static tags of every data file. */
    public static final String TAGS = "s3.tags";
    /** Whether data files are also tagged with their topic, partition, offsets and rows. */
    public static final String TAGS_PER_FILE = "s3.tags.per.file";
    /** Explicit credential provider class. */
    public static final String CREDENTIALS_PROVIDER = "s3.credentials.provider";
    /** Role to assume. */
    public static final String ASSUME_ROLE_ARN = "s3.assume.role.arn";
    /** External id of the role to assume. */
    public static final String ASSUME_ROLE_EXTERNAL_ID = "s3.assume.role.external.id";
    /** Session name of the assumed role. */
    public static final String ASSUME_ROLE_SESSION_NAME = "s3.assume.role.session.name";
    /** Session duration of the assumed role. */
    public static final String ASSUME_ROLE_DURATION_SECONDS = "s3.assume.role.duration.seconds";
    /** STS endpoint for assume-role. */
    public static final String ASSUME_ROLE_STS_ENDPOINT = "s3.assume.role.sts.endpoint";
    /** STS region for assume-role. */
    public static final String ASSUME_ROLE_STS_REGION = "s3.assume.role.sts.region";
    /** Request checksum algorithm of uploads. */
    public static final String CHECKSUM_ALGORITHM = "s3.checksum.algorithm";

    static void define(ConfigDef def) {
        int order = 0;
        def.define(SSE_TYPE, Type.STRING, "none", ConfigDef.CaseInsensitiveValidString.in(
                S3Rules.SSE_TYPES.toArray(new String[0])), Importance.MEDIUM, "Server-side encryption of every object"
                + " Quiver writes (data files, multipart uploads, commit markers): none (the bucket's default), SSE-S3,"
                + " SSE-KMS, DSSE-KMS or SSE-C.", GROUP, ++order, Width.SHORT, "Encryption");
        def.define(SSE_KMS_KEY_ID, Type.STRING, "", Importance.MEDIUM, "For SSE-KMS and DSSE-KMS: the KMS key id,"
                + " alias or ARN. Empty uses the account's AWS-managed key (aws/s3).", GROUP, ++order, Width.LONG,
                "KMS key");
        def.define(SSE_KMS_CONTEXT, Type.STRING, "", new KeyValuesValidator(), Importance.LOW, "For SSE-KMS and"
                + " DSSE-KMS: an encryption context as comma-separated key=value pairs, e.g. team=data,app=quiver.",
                GROUP, ++order, Width.LONG, "KMS encryption context");
        def.define(SSE_CUSTOMER_KEY, Type.PASSWORD, null, new CustomerKeyValidator(), Importance.MEDIUM, "For SSE-C:"
                + " the base64 of a 32-byte AES-256 key. Every reader needs the same key. Never logged.", GROUP,
                ++order, Width.LONG, "SSE-C key");
        def.define(STORAGE_CLASS, Type.STRING, "", new ValidOrEmpty(S3Rules.STORAGE_CLASSES), Importance.LOW,
                "Storage class of new objects: one of " + String.join(", ", S3Rules.STORAGE_CLASSES) + ". Empty"
                + " leaves it to the bucket (STANDARD on AWS).", GROUP, ++order, Width.MEDIUM, "Storage class");
        def.define(ACL, Type.STRING, "", new AclValidator(), Importance.LOW, "Canned ACL of new objects, e.g."
                + " bucket-owner-full-control for a bucket of another account. Empty sends none.", GROUP, ++order,
                Width.MEDIUM, "Canned ACL");
        def.define(TAGS, Type.LIST, "", new TagsValidator(), Importance.LOW, "Static tags of every data file, as"
                + " key=value entries, e.g. team=data,env=prod. Set with a PutObjectTagging request once the file is at"
                + " its key and before the commit marker counts it.", GROUP, ++order, Width.LONG, "Object tags");
        def.define(TAGS_PER_FILE, Type.BOOLEAN, false, Importance.LOW, "Also tag each data file with"
                + " kafka.topic, kafka.partition, kafka.offset.first, kafka.offset.last and rows (5 of S3's 10"
                + " tags per object). Costs one PutObjectTagging request per file.", GROUP, ++order, Width.SHORT,
                "Per-file tags");
        def.define(CREDENTIALS_PROVIDER, Type.STRING, "", Importance.LOW, "A credentials provider class for S3A"
                + " (an AWS SDK v2 AwsCredentialsProvider or an S3A provider), instead of s3.access.key. Empty, with no"
                + " access key, uses the whole AWS default chain: environment, system properties, web identity"
                + " (IRSA), profile, container credentials, instance profile.", GROUP, ++order, Width.LONG,
                "Credentials provider");
        def.define(ASSUME_ROLE_ARN, Type.STRING, "", Importance.MEDIUM, "ARN of an IAM role to assume with STS. The"
                + " role is assumed with the credentials the other settings give (static keys, the provider class,"
                + " or the default chain).", GROUP, ++order, Width.LONG, "Role ARN");
        def.define(ASSUME_ROLE_EXTERNAL_ID, Type.PASSWORD, null, Importance.LOW, "External id the role's trust"
                + " policy requires, if any.", GROUP, ++order, Width.MEDIUM, "External id");
        def.define(ASSUME_ROLE_SESSION_NAME, Type.STRING, "", Importance.LOW, "Session name of the assumed role, as"
                + " CloudTrail shows it. Empty lets S3A pick one.", GROUP, ++order, Width.MEDIUM, "Session name");
        def.define(ASSUME_ROLE_DURATION_SECONDS, Type.INT, 3600, ConfigDef.Range.between(900, 43200),
                Importance.LOW, "Lifetime of each assumed-role session; S3A renews it before it ends.", GROUP,
                ++order, Width.SHORT, "Session seconds");
        def.define(ASSUME_ROLE_STS_ENDPOINT, Type.STRING, "", Importance.LOW, "STS endpoint for assume-role, e.g."
                + " sts.eu-west-1.amazonaws.com. Empty uses the global one.", GROUP, ++order, Width.LONG,
                "STS endpoint");
        def.define(ASSUME_ROLE_STS_REGION, Type.STRING, "", Importance.LOW, "Region of s3.assume.role.sts.endpoint;"
                + " required with it.", GROUP, ++order, Width.SHORT, "STS region");
        def.define(CHECKSUM_ALGORITHM, Type.STRING, "NONE", ConfigDef.CaseInsensitiveValidString.in(
                S3Rules.CHECKSUM_ALGORITHMS.toArray(new String[0])), Importance.LOW, "Request checksum of uploads."
                + " NONE (the default) sends checksums only where S3 requires them, which MinIO, Ceph, R2 and other"
                + " S3-compatible stores accept; CRC32, CRC32C, SHA1, SHA256 or CRC64NVME have the SDK compute and"
                + " send that checksum with every upload, for stores that support it.", GROUP, ++order,
                Width.SHORT, "Checksum algorithm");
    }

    /**
     * Checks that span fields, each message keyed by the field it belongs to. {@code value} gives a field's parsed
     * value, or null when the field is absent or failed its own check (its checks are then skipped).
     */
    public static Map<String, String> crossFieldProblems(Function<String, Object> value) {
        Map<String, String> problems = new LinkedHashMap<>();
        Object type = value.apply(SSE_TYPE);
        if (type != null) {
            boolean kms = S3Rules.isKms((String) type);
            boolean sseC = "SSE-C".equalsIgnoreCase(((String) type).trim());
            if (!kms && !isBlank(value.apply(SSE_KMS_KEY_ID))) {
                problems.put(SSE_KMS_KEY_ID, "a KMS key needs s3.sse.type=SSE-KMS or DSSE-KMS (it is " + type + ")");
            }
            if (!kms && !isBlank(value.apply(SSE_KMS_CONTEXT))) {
                problems.put(SSE_KMS_CONTEXT, "an encryption context needs s3.sse.type=SSE-KMS or DSSE-KMS (it is "
                        + type + ")");
            }
            boolean hasCustomerKey = !isBlank(value.apply(SSE_CUSTOMER_KEY));
            if (sseC && !hasCustomerKey) {
                problems.put(SSE_CUSTOMER_KEY, "s3.sse.type=SSE-C needs its key here");
            } else if (!sseC && hasCustomerKey) {
                problems.put(SSE_CUSTOMER_KEY, "an SSE-C key needs s3.sse.type=SSE-C (it is " + type + ")");
            }
        }
        Object tags = value.apply(TAGS);
        Object perFile = value.apply(TAGS_PER_FILE);
        if (tags instanceof List && Boolean.TRUE.equals(perFile)
                && ((List<?>) tags).size() > S3Rules.MAX_TAGS - S3Rules.FILE_TAGS) {
            problems.put(TAGS, "with s3.tags.per.file=true at most " + (S3Rules.MAX_TAGS - S3Rules.FILE_TAGS)
                    + " static tags fit in S3's " + S3Rules.MAX_TAGS + " per object");
        }
        if (!isBlank(value.apply(CREDENTIALS_PROVIDER)) && !isBlank(value.apply(QuiverSinkConfig.S3_ACCESS_KEY))) {
            problems.put(CREDENTIALS_PROVIDER, "set either s3.access.key or s3.credentials.provider, not both");
        }
        boolean role = !isBlank(value.apply(ASSUME_ROLE_ARN));
        for (String roleField : List.of(ASSUME_ROLE_EXTERNAL_ID, ASSUME_ROLE_SESSION_NAME, ASSUME_ROLE_STS_ENDPOINT)) {
            if (!role && !isBlank(value.apply(roleField))) {
                problems.put(roleField, roleField + " needs s3.assume.role.arn");
            }
        }
        if (!isBlank(value.apply(ASSUME_ROLE_STS_ENDPOINT)) && isBlank(value.apply(ASSUME_ROLE_STS_REGION))) {
            problems.put(ASSUME_ROLE_STS_REGION, "s3.assume.role.sts.endpoint needs its region here");
        }
        return problems;
    }

    /** The problem of each {@code s3.extra.*} key in {@code props}, keyed by that key. */
    public static Map<String, String> passThroughProblems(Map<String, ?> props) {
        Map<String, String> problems = new LinkedHashMap<>();
        for (String key : props.keySet()) {
            if (key.startsWith(S3Rules.EXTRA_PREFIX)) {
                String problem = S3Rules.passThroughProblem(key.substring(S3Rules.EXTRA_PREFIX.length()));
                if (problem != null) {
                    problems.put(key, problem);
                }
            }
        }
        return problems;
    }

    /** Throws the first problem of {@link #crossFieldProblems} or {@link #passThroughProblems}, on its field. */
    static void check(QuiverSinkConfig config, Map<String, ?> props) {
        Map<String, String> problems = new LinkedHashMap<>(crossFieldProblems(key -> config.values().get(key)));
        problems.putAll(passThroughProblems(props));
        for (Map.Entry<String, String> p : problems.entrySet()) {
            Object v = config.values().get(p.getKey());
            throw new ConfigException(p.getKey(), v instanceof Password || v == null ? "[hidden]" : v, p.getValue());
        }
    }

    /** The {@code fs.s3a.*} pass-through settings: each s3.extra.fs.s3a.X key as fs.s3a.X. */
    public static Map<String, String> passThrough(Map<String, ?> props) {
        Map<String, String> extra = new LinkedHashMap<>();
        props.forEach((k, v) -> {
            if (k.startsWith(S3Rules.EXTRA_PREFIX) && v != null) {
                extra.put(k.substring(S3Rules.EXTRA_PREFIX.length()), v.toString().trim());
            }
        });
        return extra;
    }

    private static boolean isBlank(Object v) {
        if (v instanceof Password) {
            return ((Password) v).value() == null || ((Password) v).value().isBlank();
        }
        return v == null || v.toString().isBlank();
    }

    private static final class CustomerKeyValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null || ((Password) value).value().isBlank()) {
                return;
            }
            String problem = S3Rules.customerKeyProblem(((Password) value).value());
            if (problem != null) {
                throw new ConfigException(name, "[hidden]", problem);
            }
        }

        @Override
        public String toString() {
            return "empty, or the base64 of 32 bytes";
        }
    }

    private static final class ValidOrEmpty implements ConfigDef.Validator {
        private final List<String> valid;

        ValidOrEmpty(List<String> valid) {
            this.valid = valid;
        }

        @Override
        public void ensureValid(String name, Object value) {
            String s = value == null ? "" : value.toString().trim();
            if (!s.isEmpty() && !valid.contains(s.toUpperCase(Locale.ROOT))) {
                throw new ConfigException(name, value, "unknown; use one of " + String.join(", ", valid));
            }
        }

        @Override
        public String toString() {
            return "empty or one of " + valid;
        }
    }

    private static final class AclValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String s = value == null ? "" : value.toString().trim();
            if (!s.isEmpty() && S3Rules.s3aAclName(s) == null) {
                throw new ConfigException(name, value, "not an S3 canned ACL for objects; use e.g. private or"
                        + " bucket-owner-full-control");
            }
        }

        @Override
        public String toString() {
            return "empty or an S3 canned ACL";
        }
    }

    private static final class TagsValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            @SuppressWarnings("unchecked")
            List<String> entries = (List<String>) value;
            try {
                if (S3Rules.parseTags(entries).size() > S3Rules.MAX_TAGS) {
                    throw new ConfigException(name, value, "S3 allows at most " + S3Rules.MAX_TAGS + " tags");
                }
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, value, e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "key=value entries";
        }
    }

    private static final class KeyValuesValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String s = value == null ? "" : value.toString().trim();
            if (s.isEmpty()) {
                return;
            }
            for (String pair : s.split(",")) {
                if (pair.indexOf('=') <= 0) {
                    throw new ConfigException(name, value, "'" + pair.trim() + "' is not key=value");
                }
            }
        }

        @Override
        public String toString() {
            return "comma-separated key=value pairs";
        }
    }
}
