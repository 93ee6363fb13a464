package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValueDecodersTest {
    private static final String SCHEMA = "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\"}}}";
    private static final String SET = Base64.getEncoder().encodeToString(
            TestProtos.descriptorSet(false).toByteArray());

    private static ValueDecoders.Spec spec(String format, String jsonSchema, String jsonSchemaFile, String set,
            String setFile, String message, String wire) {
        return new ValueDecoders.Spec(format, jsonSchema, jsonSchemaFile, set, setFile, message, wire);
    }

    @Test
    void buildsTheDecoderTheSettingsDescribe(@TempDir Path dir) throws Exception {
        assertThat(ValueDecoders.create(spec("connect", "", "", "", "", "", "auto"))).isNull();
        assertThat(ValueDecoders.create(spec("json", "", "", "", "", "", "auto"))).as("schemaless json").isNull();
        assertThat(ValueDecoders.create(spec("JSON", SCHEMA, "", "", "", "", "auto"))).isInstanceOf(JsonDecoder.class);
        Path schemaFile = dir.resolve("order.schema.json");
        Files.writeString(schemaFile, SCHEMA);
        assertThat(ValueDecoders.create(spec("json", "", schemaFile.toString(), "", "", "", "auto")))
                .isInstanceOf(JsonDecoder.class);
        ValueDecoder pb = ValueDecoders.create(spec("protobuf", "", "", SET, "", "test.v1.Everything", "confluent"));
        assertThat(pb).isInstanceOf(ProtobufDecoder.class);
        assertThat(pb.valueSchema().field("at")).isNotNull();
        Path setFile = dir.resolve("set.pb");
        Files.write(setFile, TestProtos.descriptorSet(true).toByteArray());
        assertThat(ValueDecoders.create(spec("protobuf", "", "", "", setFile.toString(), "test.v1.Address", "plain")))
                .isInstanceOf(ProtobufDecoder.class);
    }

    private static void refused(ValueDecoders.Spec spec, ValueDecoders.Setting setting, String message) {
        assertThatThrownBy(() -> ValueDecoders.create(spec)).isInstanceOfSatisfying(
                ValueDecoders.SettingException.class, e -> assertThat(e.setting()).isEqualTo(setting))
                .hasMessageContaining(message);
    }

    @Test
    void eachProblemNamesTheSettingAtFault(@TempDir Path dir) throws Exception {
        refused(spec("json", "{\"type\": \"object\"}", "", "", "", "", ""), ValueDecoders.Setting.JSON_SCHEMA,
                "is an object with no 'properties'");
        refused(spec("json", SCHEMA, "/x.json", "", "", "", ""), ValueDecoders.Setting.JSON_SCHEMA_FILE, "set one");
        refused(spec("json", "", dir.resolve("missing.json").toString(), "", "", "", ""),
                ValueDecoders.Setting.JSON_SCHEMA_FILE, "cannot be read on this worker");
        refused(spec("protobuf", "", "", SET, "", "", "auto"), ValueDecoders.Setting.MESSAGE, "is required");
        refused(spec("protobuf", "", "", SET, "", "test.v1.Missing", "auto"), ValueDecoders.Setting.MESSAGE,
                "'test.v1.Missing' is not a message of the descriptor set; it has [test.v1.Address,");
        refused(spec("protobuf", "", "", "", "", "a.B", "auto"), ValueDecoders.Setting.DESCRIPTOR_SET, "is required");
        refused(spec("protobuf", "", "", "not base64!", "", "a.B", "auto"), ValueDecoders.Setting.DESCRIPTOR_SET,
                "is not base64");
        refused(spec("protobuf", "", "", Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8)),
                "", "a.B", "auto"), ValueDecoders.Setting.DESCRIPTOR_SET, "is not a serialized FileDescriptorSet");
        Path junk = dir.resolve("junk.pb");
        Files.write(junk, new byte[] {(byte) 0xFF, 0x01});
        refused(spec("protobuf", "", "", "", junk.toString(), "a.B", "auto"), ValueDecoders.Setting.DESCRIPTOR_FILE,
                "is not a serialized FileDescriptorSet");
        refused(spec("protobuf", "", "", SET, "", "test.v1.Everything", "avro"), ValueDecoders.Setting.WIRE_FORMAT,
                "'avro' is not auto, plain or confluent");
        refused(spec("xml", "", "", "", "", "", ""), ValueDecoders.Setting.FORMAT, "'xml' is not");
    }
}
