package dev.quiver.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/** Each store's Hadoop configuration is a copy of defaults parsed once: it must hold them and share nothing else. */
class S3SettingsTest {
    @Test
    void everyConfigurationHasHadoopsDefaultsItsOwnSettingsAndNoOtherStoresChanges() {
        Configuration one = new S3Settings("http://127.0.0.1:9000", "eu-west-1", true, "ak1", "sk1")
                .toHadoopConfiguration();
        Configuration two = new S3Settings("", "us-east-1", false, null, null).toHadoopConfiguration();

        // Defaults from core-default.xml, which only a parsed default resource gives.
        Configuration parsedHere = new Configuration();
        for (String key : new String[] {"hadoop.tmp.dir", "fs.s3a.impl", "fs.s3a.connection.maximum",
                "io.file.buffer.size"}) {
            assertThat(parsedHere.get(key)).as(key).isNotNull();
            assertThat(one.get(key)).as(key).isEqualTo(parsedHere.get(key));
            assertThat(two.get(key)).as(key).isEqualTo(parsedHere.get(key));
        }
        assertThat(one.get("fs.s3a.endpoint")).isEqualTo("http://127.0.0.1:9000");
        assertThat(one.get("fs.s3a.access.key")).isEqualTo("ak1");
        assertThat(one.get("fs.s3a.endpoint.region")).isEqualTo("eu-west-1");
        assertThat(two.get("fs.s3a.endpoint.region")).isEqualTo("us-east-1");
        assertThat(two.get("fs.s3a.access.key")).isNull();
        assertThat(two.getBoolean("fs.s3a.path.style.access", true)).isFalse();
        assertThat(one.getClassLoader()).isSameAs(S3Settings.class.getClassLoader());

        // A change to one store's configuration (as S3Options makes) reaches neither the other nor the next one.
        one.set("fs.s3a.connection.maximum", "7");
        one.set("quiver.test.only", "x");
        Configuration three = new S3Settings("", "us-east-1", false, null, null).toHadoopConfiguration();
        assertThat(two.get("fs.s3a.connection.maximum")).isEqualTo(parsedHere.get("fs.s3a.connection.maximum"));
        assertThat(three.get("fs.s3a.connection.maximum")).isEqualTo(parsedHere.get("fs.s3a.connection.maximum"));
        assertThat(three.get("quiver.test.only")).isNull();
    }
}
