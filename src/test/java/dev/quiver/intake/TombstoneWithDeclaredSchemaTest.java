package dev.quiver.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import dev.quiver.testing.ParquetReadback;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 #8: with a declared value schema (value.format=protobuf, or json with a JSON Schema) and
 * behavior.on.null.values=write, a tombstone makes the batch's value columns nullable; the records decoded after it
 * must still land in that batch, not fail the task on an identity check of the schema.
 */
class TombstoneWithDeclaredSchemaTest {
    private static final String TOPIC = "users";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final String JSON_SCHEMA = "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
            + "\"name\":{\"type\":\"string\"}},\"required\":[\"id\",\"name\"]}";

    @TempDir
    Path tmp;

    private final WriterFixture fixture = new WriterFixture("tombstones", Map.of());

    @AfterEach
    void closeWriters() {
        fixture.close();
    }

    private static SinkRecord record(long offset, String key, byte[] value) {
        return new SinkRecord(TOPIC, 0, Schema.OPTIONAL_STRING_SCHEMA, key, Schema.OPTIONAL_BYTES_SCHEMA, value,
                offset);
    }

    @Test
    void declaredJsonRecordsAfterATombstoneLandInTheSameFile() throws Exception {
        land(Map.of("value.format", "json", "value.json.schema", JSON_SCHEMA),
                id -> ("{\"id\": " + id + ", \"name\": \"n" + id + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void protobufRecordsAfterATombstoneLandInTheSameFile() throws Exception {
        FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("users.proto").setPackage("t")
                .setSyntax("proto3")
                .addMessageType(DescriptorProto.newBuilder().setName("User")
                        .addField(field("id", 1, FieldDescriptorProto.Type.TYPE_INT64))
                        .addField(field("name", 2, FieldDescriptorProto.Type.TYPE_STRING)))
                .build();
        Descriptors.Descriptor user = Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0])
                .findMessageTypeByName("User");
        String set = Base64.getEncoder().encodeToString(FileDescriptorSet.newBuilder().addFile(file).build()
                .toByteArray());
        land(Map.of("value.format", "protobuf", "value.protobuf.descriptor.set", set,
                        "value.protobuf.message", "t.User"),
                id -> DynamicMessage.newBuilder(user).setField(user.findFieldByName("id"), id)
                        .setField(user.findFieldByName("name"), "n" + id).build().toByteArray());
    }

    private static FieldDescriptorProto.Builder field(String name, int number, FieldDescriptorProto.Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL);
    }

    /** Tombstone first, then records and tombstones alternating: every row lands, in one file, nothing rejected. */
    private void land(Map<String, String> format, java.util.function.LongFunction<byte[]> value) throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(format);
        settings.put("behavior.on.null.values", "write");
        SinkWriter writer = fixture.writer(WriterFixture.withoutThresholds(settings), false);
        writer.open(List.of(P0));
        writer.put(List.of(record(0, "k0", null), record(1, "k1", value.apply(1)), record(2, "k2", null),
                record(3, "k3", value.apply(3)), record(4, "k4", value.apply(4))));
        writer.close(List.of(P0));

        assertThat(fixture.deadLetterOffsets()).isEmpty();
        try (ParquetReadback duck = new ParquetReadback()) {
            Path dir = fixture.landedDir(tmp);
            assertThat(duck.columnTypes(dir)).containsEntry("id", "BIGINT").containsEntry("name", "VARCHAR")
                    .containsEntry("_kafka_tombstone", "BOOLEAN");
            assertThat(duck.queryLists("SELECT _kafka_offset, _kafka_key, id, name, _kafka_tombstone FROM "
                    + ParquetReadback.table(dir) + " ORDER BY _kafka_offset")).containsExactly(
                    Arrays.asList(0L, "k0", null, null, true),
                    Arrays.asList(1L, "k1", 1L, "n1", false),
                    Arrays.asList(2L, "k2", null, null, true),
                    Arrays.asList(3L, "k3", 3L, "n3", false),
                    Arrays.asList(4L, "k4", 4L, "n4", false));
            assertThat(duck.scalarLong("SELECT count(DISTINCT filename) FROM " + ParquetReadback.table(dir)))
                    .isEqualTo(1);
        }
    }
}
