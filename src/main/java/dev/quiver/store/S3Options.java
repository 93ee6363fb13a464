package dev.quiver.store;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;

/**
 * What a company bucket asks of each object beyond the connection ({@link S3Settings}): encryption, storage class,
 * ACL, tags, credential sources other than static keys, request checksums, and pass-through S3A keys. Values arrive
 * validated (see {@code dev.quiver.config.S3SecurityConfig}); this class maps them onto S3A.
 *
 * <p>S3A applies encryption, storage class and ACL itself in its request factory, to every PUT (conditional ones
 * included) and every multipart upload, and SSE-C's key also to each part, HEAD and GET. Tags it cannot set on
 * create, so {@link S3AObjectStore#fileLanded} sends them with PutObjectTagging.
 *
 * @param sseType           null for none, else SSE-S3, SSE-KMS, DSSE-KMS or SSE-C
 * @param kmsKeyId          KMS key of the KMS modes, or empty for the AWS-managed key
 * @param kmsContext        key=value pairs of the KMS encryption context, or empty
 * @param customerKey       the base64 AES-256 key of SSE-C, or null
 * @param storageClass      storage class of new objects, or empty
 * @param s3aAcl            canned ACL of new objects as S3A names it (BucketOwnerFullControl), or empty
 * @param tags              static tags of every data file
 * @param tagsPerFile       also tag data files with their topic, partition, offsets and rows
 * @param credentialsProvider an explicit provider class, or empty
 * @param role              the role to assume, or null
 * @param checksumAlgorithm request checksum algorithm of uploads; NONE for only where S3 requires one
 * @param extra             fs.s3a.* keys passed through as given
 */
public record S3Options(String sseType, String kmsKeyId, String kmsContext, String customerKey, String storageClass,
                        String s3aAcl, Map<String, String> tags, boolean tagsPerFile, String credentialsProvider,
                        AssumeRole role, String checksumAlgorithm, Map<String, String> extra) {

    /** No options: S3A's and the bucket's defaults. */
    public static final S3Options NONE = new S3Options(null, "", "", null, "", "", Map.of(), false, "", null,
            "NONE", Map.of());

    /** S3A's assumed-role provider; it calls STS AssumeRole and renews the session before it expires. */
    static final String ASSUMED_ROLE_PROVIDER = "org.apache.hadoop.fs.s3a.auth.AssumedRoleCredentialProvider";
    static final String STATIC_KEYS_PROVIDER = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider";

    /**
     * An STS AssumeRole setup.
     *
     * @param arn             role ARN
     * @param externalId      external id, or null
     * @param sessionName     session name, or empty for S3A's own
     * @param durationSeconds session lifetime
     * @param stsEndpoint     STS endpoint, or empty for the global one
     * @param stsRegion       region of {@code stsEndpoint}, or empty
     */
    public record AssumeRole(String arn, String externalId, String sessionName, int durationSeconds,
                             String stsEndpoint, String stsRegion) {
        public AssumeRole {
            Objects.requireNonNull(arn, "arn");
        }

        @Override
        public String toString() {
            return "AssumeRole[" + arn + (externalId == null ? "" : ", externalId=[hidden]") + "]";
        }
    }

    public S3Options {
        tags = Map.copyOf(tags);
        extra = Map.copyOf(extra);
    }

    @Override
    public String toString() {
        return "S3Options[sse=" + sseType + (kmsKeyId.isEmpty() ? "" : ", kmsKey=" + kmsKeyId)
                + (customerKey == null ? "" : ", customerKey=[hidden]") + ", storageClass=" + storageClass
                + ", acl=" + s3aAcl + ", tags=" + tags.keySet() + ", tagsPerFile=" + tagsPerFile + ", provider="
                + credentialsProvider + ", role=" + role + ", checksum=" + checksumAlgorithm + ", extra="
                + extra.keySet() + "]";
    }

    /** True when data files get a PutObjectTagging once landed. */
    boolean tagsFiles() {
        return tagsPerFile || !tags.isEmpty();
    }

    /**
     * The tag set of a landed data file: the static tags, then, with per-file tags, those of {@code facts} (the
     * file's topic, partition, offsets and rows).
     */
    Map<String, String> tagsOf(Map<String, String> facts) {
        Map<String, String> all = new LinkedHashMap<>(tags);
        if (tagsPerFile) {
            all.putAll(facts);
        }
        return all;
    }

    /**
     * Sets these options on {@code conf}, which {@link S3Settings#toHadoopConfiguration()} made; pass-through keys go
     * first so that nothing they hold can replace what Quiver sets (validation refuses such keys anyway).
     *
     * @param staticKeys whether {@link S3Settings} carries an access and secret key
     */
    void applyTo(Configuration conf, boolean staticKeys) {
        extra.forEach(conf::set);
        if (sseType != null) {
            // S3A names SSE-S3 by its header value, AES256; the other modes by their own names.
            conf.set("fs.s3a.encryption.algorithm", "SSE-S3".equals(sseType) ? "AES256" : sseType);
            if ("SSE-C".equals(sseType)) {
                conf.set("fs.s3a.encryption.key", customerKey);
            } else if (!kmsKeyId.isEmpty()) {
                conf.set("fs.s3a.encryption.key", kmsKeyId);
            }
            if (!kmsContext.isEmpty()) {
                conf.set("fs.s3a.encryption.context", kmsContext);
            }
        }
        if (!storageClass.isEmpty()) {
            conf.set("fs.s3a.create.storage.class", storageClass);
        }
        if (!s3aAcl.isEmpty()) {
            conf.set("fs.s3a.acl.default", s3aAcl);
        }
        // NONE has the SDK send checksums only where S3 requires them (Hadoop 3.5's default, pinned here): the
        // S3-compatible stores that reject the SDK's newer default CRC headers (older MinIO, Ceph, R2) accept that.
        boolean checksums = !"NONE".equalsIgnoreCase(checksumAlgorithm);
        conf.setBoolean("fs.s3a.checksum.generation", checksums);
        conf.set("fs.s3a.create.checksum.algorithm", checksumAlgorithm.toUpperCase(java.util.Locale.ROOT));
        String base = staticKeys ? STATIC_KEYS_PROVIDER
                : !credentialsProvider.isEmpty() ? credentialsProvider : AwsDefaultChain.class.getName();
        if (role == null) {
            conf.set("fs.s3a.aws.credentials.provider", base);
        } else {
            conf.set("fs.s3a.aws.credentials.provider", ASSUMED_ROLE_PROVIDER);
            conf.set("fs.s3a.assumed.role.credentials.provider", base);
            conf.set("fs.s3a.assumed.role.arn", role.arn());
            if (role.externalId() != null && !role.externalId().isEmpty()) {
                conf.set("fs.s3a.assumed.role.external.id", role.externalId());
            }
            if (!role.sessionName().isEmpty()) {
                conf.set("fs.s3a.assumed.role.session.name", role.sessionName());
            }
            conf.set("fs.s3a.assumed.role.session.duration", role.durationSeconds() + "s");
            if (!role.stsEndpoint().isEmpty()) {
                conf.set("fs.s3a.assumed.role.sts.endpoint", role.stsEndpoint());
                conf.set("fs.s3a.assumed.role.sts.endpoint.region", role.stsRegion());
            }
        }
    }
}
