package dev.quiver.decode;

import static dev.quiver.decode.DecodingSettings.DESCRIPTOR_SET;
import static dev.quiver.decode.DecodingSettings.errors;
import static dev.quiver.decode.DecodingSettings.props;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.config.QuiverSinkConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key.* settings as Connect sees them: the decoder they build, and errors on the key.* field at fault. */
class KeyDecodingConfigTest {
    private static final String KEY_SCHEMA = "{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"integer\"}}}";

    @Test
    void eachFormatBuildsItsKeyDecoding(@TempDir Path dir) throws Exception {
        assertThat(new QuiverSinkConfig(props()).keyDecoding()).isSameAs(KeyDecoding.CONNECT);

        KeyDecoding parsed = new QuiverSinkConfig(props("key.format", "json")).keyDecoding();
        assertThat(parsed.parsesJson()).isTrue();
        assertThat(parsed.decoder()).isNull();

        QuiverSinkConfig json = new QuiverSinkConfig(props("key.format", "JSON", "key.json.schema", KEY_SCHEMA));
        assertThat(json.keyDecoding().decoder()).isInstanceOf(JsonDecoder.class);
        assertThat(json.keyDecoding().decoder().valueSchema().field("id").schema().type())
                .isEqualTo(Schema.Type.INT64);
        assertThat(json.keyDecoding().decoder()).as("a new decoder per task").isNotSameAs(json.keyDecoding().decoder());
        assertThat(json.keyDecoding().parsesJson()).isFalse();
        Path schemaFile = dir.resolve("key.schema.json");
        Files.writeString(schemaFile, "{\"type\": \"string\"}");
        assertThat(new QuiverSinkConfig(props("key.format", "json", "key.json.schema.file", schemaFile.toString()))
                .keyDecoding().decoder().valueSchema().type()).isEqualTo(Schema.Type.STRING);

        QuiverSinkConfig pb = new QuiverSinkConfig(props("key.format", "protobuf",
                "key.protobuf.descriptor.set", DESCRIPTOR_SET, "key.protobuf.message", "test.v1.Address",
                "key.protobuf.wire.format", "plain"));
        assertThat(((ProtobufDecoder) pb.keyDecoding().decoder()).message().getFullName())
                .isEqualTo("test.v1.Address");
        assertThat(pb.valueDecoder()).as("the value is untouched").isNull();
    }

    @Test
    void protobufKeysFallBackToTheValuesDescriptorSet(@TempDir Path dir) throws Exception {
        QuiverSinkConfig inline = new QuiverSinkConfig(props("value.format", "protobuf",
                "value.protobuf.descriptor.set", DESCRIPTOR_SET, "value.protobuf.message", "test.v1.Everything",
                "key.format", "protobuf", "key.protobuf.message", "test.v1.Address"));
        assertThat(((ProtobufDecoder) inline.keyDecoding().decoder()).message().getFullName())
                .isEqualTo("test.v1.Address");
        Path setFile = dir.resolve("set.pb");
        Files.write(setFile, TestProtos.descriptorSet(true).toByteArray());
        Map<String, String> fromFile = props("value.format", "protobuf", "value.protobuf.descriptor.file",
                setFile.toString(), "value.protobuf.message", "test.v1.Everything",
                "key.format", "protobuf", "key.protobuf.message", "test.v1.Outer.Inner");
        assertThat(((ProtobufDecoder) new QuiverSinkConfig(fromFile).keyDecoding().decoder()).message().getFullName())
                .isEqualTo("test.v1.Outer.Inner");
        assertThat(errors(fromFile)).isEmpty();
        // A key descriptor setting of its own wins over the value's.
        assertThat(errors(props("value.format", "protobuf", "value.protobuf.descriptor.file", setFile.toString(),
                "value.protobuf.message", "test.v1.Everything", "key.format", "protobuf",
                "key.protobuf.descriptor.set", Base64.getEncoder().encodeToString(
                        com.google.protobuf.DescriptorProtos.FileDescriptorSet.newBuilder()
                                .addFile(com.google.protobuf.TimestampProto.getDescriptor().toProto()).build()
                                .toByteArray()),
                "key.protobuf.message", "test.v1.Address")))
                .containsOnlyKeys("key.protobuf.message");
    }

    @Test
    void errorsAttachToTheKeyFieldAtFault() {
        assertThat(errors(props("key.format", "protobuf", "key.protobuf.descriptor.set", DESCRIPTOR_SET,
                "key.protobuf.message", "test.v1.Typo")))
                .containsOnlyKeys("key.protobuf.message")
                .extractingByKey("key.protobuf.message").asString()
                .contains("'test.v1.Typo' is not a message of the descriptor set");
        assertThat(errors(props("key.format", "protobuf", "key.protobuf.descriptor.set", DESCRIPTOR_SET)))
                .containsOnlyKeys("key.protobuf.message")
                .extractingByKey("key.protobuf.message").asString()
                .contains("is required with key.format=protobuf");
        assertThat(errors(props("key.format", "protobuf", "key.protobuf.message", "test.v1.Address")))
                .containsOnlyKeys("key.protobuf.descriptor.set")
                .extractingByKey("key.protobuf.descriptor.set").asString()
                .contains("is required with key.format=protobuf", "value.protobuf.descriptor");
        assertThat(errors(props("key.format", "protobuf", "key.protobuf.descriptor.set", "bm90IGEgc2V0",
                "key.protobuf.message", "a.B")))
                .containsOnlyKeys("key.protobuf.descriptor.set")
                .extractingByKey("key.protobuf.descriptor.set").asString()
                .contains("is not a serialized FileDescriptorSet");
        assertThat(errors(props("key.format", "json", "key.json.schema", "{\"type\": \"array\"}")))
                .containsOnlyKeys("key.json.schema")
                .extractingByKey("key.json.schema").asString().contains("is an array without an 'items' schema");
        assertThat(errors(props("key.format", "json", "key.json.schema", KEY_SCHEMA,
                "key.json.schema.file", "/nowhere.json")))
                .containsKey("key.json.schema.file");
        assertThat(errors(props("key.format", "protobuf", "key.protobuf.wire.format", "avro",
                "key.protobuf.descriptor.set", DESCRIPTOR_SET, "key.protobuf.message", "test.v1.Address")))
                .containsOnlyKeys("key.protobuf.wire.format");
        // A message without fields would make an empty struct column, which Parquet cannot store.
        assertThat(errors(props("key.format", "protobuf", "key.protobuf.descriptor.set", DESCRIPTOR_SET,
                "key.protobuf.message", "test.v1.Outer")))
                .containsOnlyKeys("key.protobuf.message")
                .extractingByKey("key.protobuf.message").asString().contains("'test.v1.Outer' has no fields");
        // key.format=avro needs a registry or a fixed key schema (AvroSettingsTest has the rest).
        assertThat(errors(props("key.format", "avro"))).containsOnlyKeys("schema.registry.url");
        assertThat(errors(props("key.format", "thrift"))).containsOnlyKeys("key.format");
        assertThat(errors(props("key.format", "json", "key.json.schema", KEY_SCHEMA))).isEmpty();

        assertThatThrownBy(() -> new QuiverSinkConfig(props("key.format", "protobuf",
                "key.protobuf.descriptor.set", DESCRIPTOR_SET, "key.protobuf.message", "test.v1.Typo")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("key.protobuf.message");
    }

    @Test
    void decodedKeysNeedTheKeyColumn() {
        Map<String, String> noKeyColumn = props("key.format", "json", "metadata.columns", "topic,partition,offset");
        assertThat(errors(noKeyColumn)).containsOnlyKeys("key.format")
                .extractingByKey("key.format").asString().contains("metadata.columns", "key");
        assertThatThrownBy(() -> new QuiverSinkConfig(noKeyColumn))
                .isInstanceOf(ConfigException.class).hasMessageContaining("key.format");
        assertThat(errors(props("key.format", "connect", "metadata.columns", "offset"))).isEmpty();
        assertThat(errors(props("key.format", "protobuf", "key.protobuf.descriptor.set", DESCRIPTOR_SET,
                "key.protobuf.message", "test.v1.Address", "metadata.columns", "key,offset"))).isEmpty();
    }
}
