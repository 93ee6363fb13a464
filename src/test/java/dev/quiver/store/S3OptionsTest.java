package dev.quiver.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.config.QuiverSinkConfig;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/** How each "S3 security and objects" setting reaches S3A's configuration, from the connector's own properties. */
class S3OptionsTest {

    private static Configuration conf(String... kv) {
        Map<String, String> props = new HashMap<>();
        props.put("store.url", "s3a://bucket/p");
        for (int i = 0; i < kv.length; i += 2) {
            props.put(kv[i], kv[i + 1]);
        }
        QuiverSinkConfig config = new QuiverSinkConfig(props);
        S3Settings settings = new S3Settings("", "eu-west-1", false,
                props.containsKey("s3.access.key") ? props.get("s3.access.key") : null, props.get("s3.secret.key"));
        return S3AObjectStore.hadoopConfiguration(settings, ObjectStores.s3Options(config));
    }

    @Test
    void encryptionModesMapToS3AEncryptionKeys() {
        Configuration none = conf();
        assertThat(none.get("fs.s3a.encryption.algorithm")).isNull();
        assertThat(none.get("fs.s3a.encryption.key")).isNull();

        Configuration kms = conf("s3.sse.type", "sse-kms", "s3.sse.kms.key.id", "alias/quiver",
                "s3.sse.kms.context", "team=data,app=quiver");
        assertThat(kms.get("fs.s3a.encryption.algorithm")).isEqualTo("SSE-KMS");
        assertThat(kms.get("fs.s3a.encryption.key")).isEqualTo("alias/quiver");
        assertThat(kms.get("fs.s3a.encryption.context")).isEqualTo("team=data,app=quiver");

        assertThat(conf("s3.sse.type", "DSSE-KMS").get("fs.s3a.encryption.algorithm")).isEqualTo("DSSE-KMS");
        Configuration sseS3 = conf("s3.sse.type", "SSE-S3");
        assertThat(sseS3.get("fs.s3a.encryption.algorithm")).isEqualTo("AES256");
        assertThat(sseS3.get("fs.s3a.encryption.key")).isNull();

        String key = Base64.getEncoder().encodeToString(new byte[32]);
        Configuration sseC = conf("s3.sse.type", "SSE-C", "s3.sse.customer.key", key);
        assertThat(sseC.get("fs.s3a.encryption.algorithm")).isEqualTo("SSE-C");
        assertThat(sseC.get("fs.s3a.encryption.key")).isEqualTo(key);
    }

    @Test
    void objectSettingsMapToStorageClassAclAndTags() {
        Configuration c = conf("s3.storage.class", "standard_ia", "s3.acl", "bucket-owner-full-control");
        assertThat(c.get("fs.s3a.create.storage.class")).isEqualTo("STANDARD_IA");
        // S3A names canned ACLs by its own enum, not as S3 spells them.
        assertThat(c.get("fs.s3a.acl.default")).isEqualTo("BucketOwnerFullControl");
        assertThat(conf().get("fs.s3a.create.storage.class")).isNull();
        assertThat(conf().get("fs.s3a.acl.default")).isNull();

        QuiverSinkConfig tagged = new QuiverSinkConfig(Map.of("store.url", "s3a://b/p", "s3.tags", "team=data",
                "s3.tags.per.file", "true"));
        S3Options options = ObjectStores.s3Options(tagged);
        assertThat(options.tagsFiles()).isTrue();
        assertThat(options.tagsOf(Map.of("kafka.topic", "t", "rows", "3")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("team", "data", "kafka.topic", "t", "rows", "3"));
        S3Options staticOnly = ObjectStores.s3Options(new QuiverSinkConfig(Map.of("store.url", "s3a://b/p",
                "s3.tags", "team=data")));
        assertThat(staticOnly.tagsOf(Map.of("kafka.topic", "t"))).containsExactlyEntriesOf(Map.of("team", "data"));
        assertThat(ObjectStores.s3Options(new QuiverSinkConfig(Map.of("store.url", "s3a://b/p"))).tagsFiles())
                .isFalse();
    }

    @Test
    void credentialsComeFromKeysTheWholeDefaultChainOrAnExplicitProvider() {
        Configuration keys = conf("s3.access.key", "AK", "s3.secret.key", "SK");
        assertThat(keys.get("fs.s3a.aws.credentials.provider")).isEqualTo(S3Options.STATIC_KEYS_PROVIDER);
        assertThat(keys.get("fs.s3a.access.key")).isEqualTo("AK");
        // No keys: the SDK's whole chain (with web identity and profiles), not S3A's shorter default list.
        assertThat(conf().get("fs.s3a.aws.credentials.provider")).isEqualTo(AwsDefaultChain.class.getName());
        assertThat(conf("s3.credentials.provider", "com.example.Creds").get("fs.s3a.aws.credentials.provider"))
                .isEqualTo("com.example.Creds");
    }

    @Test
    void assumeRoleWrapsTheBaseCredentials() {
        Configuration role = conf("s3.assume.role.arn", "arn:aws:iam::111122223333:role/quiver",
                "s3.assume.role.external.id", "ext-1", "s3.assume.role.session.name", "quiver-sink",
                "s3.assume.role.duration.seconds", "1800", "s3.assume.role.sts.endpoint",
                "sts.eu-west-1.amazonaws.com", "s3.assume.role.sts.region", "eu-west-1");
        assertThat(role.get("fs.s3a.aws.credentials.provider")).isEqualTo(S3Options.ASSUMED_ROLE_PROVIDER);
        assertThat(role.get("fs.s3a.assumed.role.credentials.provider")).isEqualTo(AwsDefaultChain.class.getName());
        assertThat(role.get("fs.s3a.assumed.role.arn")).isEqualTo("arn:aws:iam::111122223333:role/quiver");
        assertThat(role.get("fs.s3a.assumed.role.external.id")).isEqualTo("ext-1");
        assertThat(role.get("fs.s3a.assumed.role.session.name")).isEqualTo("quiver-sink");
        assertThat(role.getTimeDuration("fs.s3a.assumed.role.session.duration", 0L,
                java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1800L);
        assertThat(role.get("fs.s3a.assumed.role.sts.endpoint")).isEqualTo("sts.eu-west-1.amazonaws.com");
        assertThat(role.get("fs.s3a.assumed.role.sts.endpoint.region")).isEqualTo("eu-west-1");

        Configuration withKeys = conf("s3.access.key", "AK", "s3.secret.key", "SK",
                "s3.assume.role.arn", "arn:aws:iam::1:role/r");
        assertThat(withKeys.get("fs.s3a.assumed.role.credentials.provider")).isEqualTo(S3Options.STATIC_KEYS_PROVIDER);
        assertThat(withKeys.get("fs.s3a.assumed.role.external.id")).isNull();
    }

    @Test
    void checksumsAreSentOnlyWhereRequiredUnlessAnAlgorithmIsChosen() {
        Configuration none = conf();
        assertThat(none.getBoolean("fs.s3a.checksum.generation", true)).isFalse();
        assertThat(none.get("fs.s3a.create.checksum.algorithm")).isEqualTo("NONE");
        Configuration crc = conf("s3.checksum.algorithm", "crc32c");
        assertThat(crc.getBoolean("fs.s3a.checksum.generation", false)).isTrue();
        assertThat(crc.get("fs.s3a.create.checksum.algorithm")).isEqualTo("CRC32C");
    }

    @Test
    void passThroughKeysReachS3AButNeverReplaceWhatQuiverSets() {
        Configuration c = conf("s3.extra.fs.s3a.threads.max", "48", "s3.extra.fs.s3a.retry.limit", "7");
        assertThat(c.get("fs.s3a.threads.max")).isEqualTo("48");
        // Quiver's own tuning is set first and a pass-through may adjust it...
        assertThat(c.get("fs.s3a.retry.limit")).isEqualTo("7");
        // ...but the settings Quiver owns stay as Quiver sets them.
        assertThat(c.get("fs.s3a.fast.upload.buffer")).isEqualTo("bytebuffer");
    }
}
