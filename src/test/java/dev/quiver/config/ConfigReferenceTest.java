package dev.quiver.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigReferenceTest {
    private static final Path DOC = Path.of("docs/configuration.md");

    @Test
    void committedReferenceMatchesTheConfigDef() throws Exception {
        String generated = ConfigReference.markdown();
        if (Boolean.getBoolean("quiver.docs.write")) {
            ConfigReference.main(new String[] {DOC.toString()});
        }
        assertThat(Files.exists(DOC)).as("docs/configuration.md exists; regenerate it with"
                + " mvn test -Dtest=ConfigReferenceTest -Dquiver.docs.write=true").isTrue();
        assertThat(Files.readString(DOC, StandardCharsets.UTF_8))
                .as("docs/configuration.md is out of date; regenerate it with"
                        + " mvn test -Dtest=ConfigReferenceTest -Dquiver.docs.write=true")
                .isEqualTo(generated);
    }

    @Test
    void everyKeyIsInTheReference() {
        String md = ConfigReference.markdown();
        for (String name : QuiverSinkConfig.configDef().names()) {
            assertThat(md).contains("### `" + name + "`");
        }
        // store.url has no default, and the secret's documentation must say it is never logged.
        assertThat(md).contains("### `store.url`\n\nWhere Parquet files land.").contains("| Default | required |");
        assertThat(md).containsPattern("### `s3.secret.key`\\n\\n[^\\n]*Never logged\\.");
    }
}
