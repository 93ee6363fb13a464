package dev.quiver.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class QuiverSinkConfigTest {

    private static Map<String, String> props(String storeUrl) {
        Map<String, String> props = new HashMap<>();
        props.put(QuiverSinkConfig.STORE_URL, storeUrl);
        return props;
    }

    @Test
    void s3aUrlGivesBucketAndPrefix() {
        QuiverSinkConfig config = new QuiverSinkConfig(props("s3a://lake/raw/events/"));
        assertThat(config.storeUrl().scheme()).isEqualTo(StoreUrl.Scheme.S3A);
        assertThat(config.storeUrl().bucket()).isEqualTo("lake");
        assertThat(config.storeUrl().prefix()).isEqualTo("raw/events");
        assertThat(config.parquetCompression()).isEqualTo("snappy");
        assertThat(config.flushMaxRecords()).isEqualTo(500_000L);
    }

    @Test
    void fileUrlGivesLocalRoot() {
        StoreUrl url = new QuiverSinkConfig(props("file:///tmp/landing/")).storeUrl();
        assertThat(url.scheme()).isEqualTo(StoreUrl.Scheme.FILE);
        assertThat(url.localRoot()).isEqualTo("/tmp/landing");
        assertThat(url.prefix()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3://lake/raw", "http://lake/raw", "lake/raw", "s3a:///raw", "file://host/dir", "file:///", ""})
    void badStoreUrlsAreRefusedNamingTheField(String url) {
        assertThatThrownBy(() -> new QuiverSinkConfig(props(url)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(QuiverSinkConfig.STORE_URL);
    }

    @Test
    void s3SchemeGetsAHintTowardsS3a() {
        assertThatThrownBy(() -> StoreUrl.parse("s3://lake")).hasMessageContaining("s3a://");
    }

    @Test
    void compressionIsCaseInsensitiveAndChecked() {
        Map<String, String> props = props("s3a://b");
        props.put(QuiverSinkConfig.PARQUET_COMPRESSION, "ZSTD");
        assertThat(new QuiverSinkConfig(props).parquetCompression()).isEqualTo("zstd");
        props.put(QuiverSinkConfig.PARQUET_COMPRESSION, "lz4");
        assertThatThrownBy(() -> new QuiverSinkConfig(props)).hasMessageContaining(QuiverSinkConfig.PARQUET_COMPRESSION);
    }

    @Test
    void thresholdsMustBePositive() {
        Map<String, String> props = props("s3a://b");
        props.put(QuiverSinkConfig.FLUSH_MAX_RECORDS, "0");
        assertThatThrownBy(() -> new QuiverSinkConfig(props)).hasMessageContaining(QuiverSinkConfig.FLUSH_MAX_RECORDS);
    }

    @Test
    void endpointMustBeHttpUrl() {
        Map<String, String> props = props("s3a://b");
        props.put(QuiverSinkConfig.S3_ENDPOINT, "minio:9000");
        assertThatThrownBy(() -> new QuiverSinkConfig(props)).hasMessageContaining(QuiverSinkConfig.S3_ENDPOINT);
        props.put(QuiverSinkConfig.S3_ENDPOINT, "http://minio:9000");
        assertThat(new QuiverSinkConfig(props).s3Endpoint()).isEqualTo("http://minio:9000");
    }

    @Test
    void accessKeyWithoutSecretIsRefused() {
        Map<String, String> props = props("s3a://b");
        props.put(QuiverSinkConfig.S3_ACCESS_KEY, "AKIA");
        assertThatThrownBy(() -> new QuiverSinkConfig(props))
                .hasMessageContaining(QuiverSinkConfig.S3_SECRET_KEY)
                .hasMessageNotContaining("AKIA");
    }

    @Test
    void credentialsArePasswordsAndEveryKeyIsDocumentedAndGrouped() {
        ConfigDef def = QuiverSinkConfig.configDef();
        assertThat(def.configKeys().get(QuiverSinkConfig.S3_SECRET_KEY).type).isEqualTo(ConfigDef.Type.PASSWORD);
        assertThat(def.configKeys().get(QuiverSinkConfig.S3_ACCESS_KEY).type).isEqualTo(ConfigDef.Type.PASSWORD);
        assertThat(def.configKeys().values()).allSatisfy(key -> {
            assertThat(key.documentation).as(key.name).isNotBlank();
            assertThat(key.group).as(key.name).isNotBlank();
        });
    }

    @Test
    void secretsNeverAppearInToString() {
        Map<String, String> props = props("s3a://b");
        props.put(QuiverSinkConfig.S3_ACCESS_KEY, "AKIAEXAMPLE");
        props.put(QuiverSinkConfig.S3_SECRET_KEY, "very-secret-value");
        QuiverSinkConfig config = new QuiverSinkConfig(props);
        assertThat(config.toString()).doesNotContain("very-secret-value");
        assertThat(config.s3SecretKey().toString()).doesNotContain("very-secret-value");
    }

    @Test
    void thePollDeadlineComesFromTheConnectorsConsumerOverrideElseKafkasDefault() {
        Map<String, String> props = props("s3a://b");
        assertThat(new QuiverSinkConfig(props).maxPollIntervalMs()).isEqualTo(300_000L);
        props.put("consumer.override.max.poll.interval.ms", "7000");
        assertThat(new QuiverSinkConfig(props).maxPollIntervalMs()).isEqualTo(7_000L);
        assertThat(new QuiverSinkConfig(props).flushMinBytes()).isEqualTo(1024L * 1024);
    }
}
