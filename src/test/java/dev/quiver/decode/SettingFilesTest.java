package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, security: the schema and descriptor file settings name a file on the worker, read at validate() time.
 * The error for a file that is not what the setting wants must never show the file's content (validate() answers
 * anyone who can reach the REST API), and a file is read only up to a cap.
 */
class SettingFilesTest {
    private static final String SECRET = "AKIAIOSFODNN7EXAMPLEsecretAccessKeyWJALRXUTNFEMI";

    @TempDir
    Path dir;

    private Path file(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void aJsonSchemaFileThatIsNotJsonIsRefusedWithoutEchoingItsContent() throws Exception {
        Path secrets = file("credentials", SECRET + "\naws_secret_access_key = " + SECRET + "\n");
        Map<String, List<String>> errors = DecodingSettings.errors(DecodingSettings.props("value.format", "json",
                "value.json.schema.file", secrets.toString()));
        assertThat(errors).containsKey("value.json.schema.file");
        assertThat(errors.toString()).doesNotContain("AKIA").doesNotContain("secret").contains("not valid JSON");
    }

    @Test
    void anInlineSchemaThatIsNotJsonIsRefusedWithItsPositionOnly() {
        Map<String, List<String>> errors = DecodingSettings.errors(DecodingSettings.props("value.format", "json",
                "value.json.schema", "{\"type\": " + SECRET + "}"));
        assertThat(errors.get("value.json.schema")).singleElement().asString().contains("line 1, column")
                .doesNotContain("AKIA");
    }

    @Test
    void aDescriptorFileThatIsNotADescriptorSetIsRefusedWithoutEchoingItsContent() throws Exception {
        Path secrets = file("id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\n" + SECRET + "\n");
        Map<String, List<String>> errors = DecodingSettings.errors(DecodingSettings.props("value.format", "protobuf",
                "value.protobuf.descriptor.file", secrets.toString(), "value.protobuf.message", "a.B"));
        assertThat(errors).containsKey("value.protobuf.descriptor.file");
        assertThat(errors.toString()).doesNotContain("AKIA").doesNotContain("OPENSSH");
    }

    @Test
    void aFileLargerThanTheCapIsNotReadWhole() throws Exception {
        Path big = dir.resolve("big.json");
        byte[] bytes = new byte[(int) SettingFiles.MAX_SCHEMA_FILE_BYTES + 1];
        java.util.Arrays.fill(bytes, (byte) ' ');
        Files.write(big, bytes);
        Map<String, List<String>> errors = DecodingSettings.errors(DecodingSettings.props("value.format", "json",
                "value.json.schema.file", big.toString()));
        assertThat(errors.get("value.json.schema.file")).singleElement().asString()
                .contains("larger than " + SettingFiles.MAX_SCHEMA_FILE_BYTES + " bytes");
        assertThat(DecodingSettings.errors(DecodingSettings.props("value.format", "json",
                "value.json.schema.file", dir.toString())).get("value.json.schema.file")).singleElement().asString()
                .contains("not a regular file");
    }
}
