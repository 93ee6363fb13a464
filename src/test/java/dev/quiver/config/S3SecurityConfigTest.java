package dev.quiver.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.QuiverSinkConnector;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

/** REST validation and the task's own parsing of the "S3 security and objects" settings: each error on its field. */
class S3SecurityConfigTest {
    private static final String KEY32 = Base64.getEncoder().encodeToString(new byte[32]);

    private static Map<String, String> valid() {
        Map<String, String> props = new HashMap<>();
        props.put("name", "q");
        props.put("connector.class", QuiverSinkConnector.class.getName());
        props.put("topics", "t");
        props.put(QuiverSinkConfig.STORE_URL, "s3a://bucket/prefix");
        return props;
    }

    private static Map<String, List<String>> errors(Map<String, String> props) {
        Config config = new QuiverSinkConnector().validate(props);
        return config.configValues().stream().filter(v -> !v.errorMessages().isEmpty())
                .collect(Collectors.toMap(ConfigValue::name, ConfigValue::errorMessages));
    }

    /** The field validate() blames, the same one the task's config refuses, and a word of the message. */
    private static void refusedOn(Map<String, String> props, String field, String words) {
        Map<String, List<String>> errors = errors(props);
        assertThat(errors).containsOnlyKeys(field);
        assertThat(errors.get(field).get(0)).contains(words);
        assertThatThrownBy(() -> new QuiverSinkConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(field);
    }

    private static Map<String, String> with(String... kv) {
        Map<String, String> props = valid();
        for (int i = 0; i < kv.length; i += 2) {
            props.put(kv[i], kv[i + 1]);
        }
        return props;
    }

    @Test
    void aFullProductionSetupIsValid() {
        Map<String, String> props = with(S3SecurityConfig.SSE_TYPE, "sse-kms",
                S3SecurityConfig.SSE_KMS_KEY_ID, "arn:aws:kms:eu-west-1:111122223333:key/abcd",
                S3SecurityConfig.SSE_KMS_CONTEXT, "team=data,app=quiver",
                S3SecurityConfig.STORAGE_CLASS, "intelligent_tiering",
                S3SecurityConfig.ACL, "bucket-owner-full-control",
                S3SecurityConfig.TAGS, "team=data,env=prod",
                S3SecurityConfig.TAGS_PER_FILE, "true",
                S3SecurityConfig.ASSUME_ROLE_ARN, "arn:aws:iam::111122223333:role/quiver",
                S3SecurityConfig.ASSUME_ROLE_EXTERNAL_ID, "ext-1",
                S3SecurityConfig.ASSUME_ROLE_STS_ENDPOINT, "sts.eu-west-1.amazonaws.com",
                S3SecurityConfig.ASSUME_ROLE_STS_REGION, "eu-west-1",
                S3SecurityConfig.CHECKSUM_ALGORITHM, "crc32c",
                "s3.extra.fs.s3a.threads.max", "32");
        assertThat(errors(props)).isEmpty();
        new QuiverSinkConfig(props);
        assertThat(errors(with(S3SecurityConfig.SSE_TYPE, "SSE-C", S3SecurityConfig.SSE_CUSTOMER_KEY, KEY32)))
                .isEmpty();
    }

    @Test
    void kmsSettingsNeedAKmsMode() {
        refusedOn(with(S3SecurityConfig.SSE_KMS_KEY_ID, "alias/quiver"), S3SecurityConfig.SSE_KMS_KEY_ID,
                "SSE-KMS or DSSE-KMS");
        refusedOn(with(S3SecurityConfig.SSE_TYPE, "SSE-S3", S3SecurityConfig.SSE_KMS_CONTEXT, "a=b"),
                S3SecurityConfig.SSE_KMS_CONTEXT, "SSE-KMS or DSSE-KMS");
        refusedOn(with(S3SecurityConfig.SSE_TYPE, "DSSE-KMS", S3SecurityConfig.SSE_KMS_CONTEXT, "no-pair"),
                S3SecurityConfig.SSE_KMS_CONTEXT, "not key=value");
        refusedOn(with(S3SecurityConfig.SSE_TYPE, "SSE-XYZ"), S3SecurityConfig.SSE_TYPE, "SSE-XYZ");
    }

    @Test
    void anSseCKeyMustBeThirtyTwoBytesAndGoWithSseC() {
        String short16 = Base64.getEncoder().encodeToString(new byte[16]);
        refusedOn(with(S3SecurityConfig.SSE_TYPE, "SSE-C", S3SecurityConfig.SSE_CUSTOMER_KEY, short16),
                S3SecurityConfig.SSE_CUSTOMER_KEY, "decodes to 16 bytes");
        refusedOn(with(S3SecurityConfig.SSE_TYPE, "SSE-C", S3SecurityConfig.SSE_CUSTOMER_KEY, "not*base64"),
                S3SecurityConfig.SSE_CUSTOMER_KEY, "does not decode");
        refusedOn(with(S3SecurityConfig.SSE_TYPE, "SSE-C"), S3SecurityConfig.SSE_CUSTOMER_KEY, "needs its key");
        refusedOn(with(S3SecurityConfig.SSE_CUSTOMER_KEY, KEY32), S3SecurityConfig.SSE_CUSTOMER_KEY,
                "needs s3.sse.type=SSE-C");
        // The key itself never appears in a message.
        assertThat(errors(with(S3SecurityConfig.SSE_TYPE, "SSE-C", S3SecurityConfig.SSE_CUSTOMER_KEY, short16))
                .toString()).doesNotContain(short16);
    }

    @Test
    void storageClassAclAndTagsAreChecked() {
        refusedOn(with(S3SecurityConfig.STORAGE_CLASS, "COLD"), S3SecurityConfig.STORAGE_CLASS, "unknown");
        refusedOn(with(S3SecurityConfig.ACL, "everyone"), S3SecurityConfig.ACL, "canned ACL");
        refusedOn(with(S3SecurityConfig.TAGS, "team"), S3SecurityConfig.TAGS, "not key=value");
        refusedOn(with(S3SecurityConfig.TAGS, "a=1,a=2"), S3SecurityConfig.TAGS, "twice");
        refusedOn(with(S3SecurityConfig.TAGS, "a=x|y"), S3SecurityConfig.TAGS, "S3 tags allow");
        refusedOn(with(S3SecurityConfig.TAGS, "aws:x=1"), S3SecurityConfig.TAGS, "reserved");
        // Six static tags fit alone, not beside the five per-file ones.
        String six = "a=1,b=2,c=3,d=4,e=5,f=6";
        assertThat(errors(with(S3SecurityConfig.TAGS, six))).isEmpty();
        refusedOn(with(S3SecurityConfig.TAGS, six, S3SecurityConfig.TAGS_PER_FILE, "true"), S3SecurityConfig.TAGS,
                "at most 5");
    }

    @Test
    void credentialSourcesDoNotConflict() {
        refusedOn(with(QuiverSinkConfig.S3_ACCESS_KEY, "AK", QuiverSinkConfig.S3_SECRET_KEY, "SK",
                S3SecurityConfig.CREDENTIALS_PROVIDER, "com.example.Provider"), S3SecurityConfig.CREDENTIALS_PROVIDER,
                "not both");
        refusedOn(with(S3SecurityConfig.ASSUME_ROLE_EXTERNAL_ID, "ext"), S3SecurityConfig.ASSUME_ROLE_EXTERNAL_ID,
                "needs s3.assume.role.arn");
        refusedOn(with(S3SecurityConfig.ASSUME_ROLE_ARN, "arn:aws:iam::1:role/r",
                S3SecurityConfig.ASSUME_ROLE_STS_ENDPOINT, "sts.eu-west-1.amazonaws.com"),
                S3SecurityConfig.ASSUME_ROLE_STS_REGION, "region");
        refusedOn(with(S3SecurityConfig.ASSUME_ROLE_ARN, "arn:aws:iam::1:role/r",
                S3SecurityConfig.ASSUME_ROLE_DURATION_SECONDS, "60"), S3SecurityConfig.ASSUME_ROLE_DURATION_SECONDS,
                "900");
    }

    @Test
    void passThroughKeysThatQuiverOwnsAreRefusedOnThatKey() {
        refusedOn(with("s3.extra.fs.s3a.endpoint", "http://elsewhere"), "s3.extra.fs.s3a.endpoint", "s3.endpoint");
        refusedOn(with("s3.extra.fs.s3a.create.conditional.enabled", "false"),
                "s3.extra.fs.s3a.create.conditional.enabled", "exactly-once");
        refusedOn(with("s3.extra.fs.s3a.bucket.b.access.key", "x"), "s3.extra.fs.s3a.bucket.b.access.key",
                "per-bucket");
        refusedOn(with("s3.extra.fs.s3a.fast.upload.buffer", "disk"), "s3.extra.fs.s3a.fast.upload.buffer",
                "upload path");
        refusedOn(with("s3.extra.fs.s3a.encryption.algorithm", "SSE-S3"), "s3.extra.fs.s3a.encryption.algorithm",
                "s3.sse.type");
        refusedOn(with("s3.extra.hadoop.tmp.dir", "/x"), "s3.extra.hadoop.tmp.dir", "only fs.s3a.*");
        assertThat(errors(with("s3.extra.fs.s3a.threads.max", "64", "s3.extra.fs.s3a.connection.maximum", "96")))
                .isEmpty();
    }
}
