package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import dev.quiver.arrow.ArrowBatch;
import dev.quiver.arrow.MetadataColumns;
import dev.quiver.arrow.RowLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Keys decoded straight into the {@code _kafka_key} column, and bad keys rolled back whole. */
class KeyDecodingTest {
    private static final String KEY_SCHEMA = "{\"type\":\"object\",\"properties\":{"
            + "\"id\":{\"type\":\"integer\"},\"region\":{\"type\":\"string\"},\"vip\":{\"type\":\"boolean\"}},"
            + "\"required\":[\"id\"]}";
    private static final Schema VALUE = SchemaBuilder.struct().field("n", Schema.INT64_SCHEMA).build();

    private final RootAllocator allocator = new RootAllocator();

    @AfterEach
    void noLeaks() {
        assertThat(allocator.getAllocatedMemory()).isZero();
        allocator.close();
    }

    private ArrowBatch open(Schema value, ValueDecoder keyDecoder) {
        return ArrowBatch.open(new RowLayout(value, keyDecoder.valueSchema(), MetadataColumns.all()), allocator, "t");
    }

    private static SinkRecord record(long offset, Object key, Object value) {
        return new SinkRecord("orders", 0, null, key, VALUE, value, offset);
    }

    private static Struct value(long n) {
        return new Struct(VALUE).put("n", n);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The key struct's fields at {@code row}, or null for a null key: read from the child vectors, not getObject. */
    private static Map<String, Object> keyAt(VectorSchemaRoot root, int row) {
        StructVector key = (StructVector) root.getVector("_kafka_key");
        if (key.isNull(row)) {
            return null;
        }
        Map<String, Object> fields = new HashMap<>();
        for (FieldVector child : key.getChildrenFromFields()) {
            Object value = child.getObject(row);
            fields.put(child.getName(), value instanceof org.apache.arrow.vector.util.Text ? value.toString() : value);
        }
        return fields;
    }

    private static Map<String, Object> fields(Object... pairs) {
        Map<String, Object> map = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }

    @Test
    void jsonKeysWithASchemaLandInTheKeyStructWithCoercionsAndNullKeysStayNull() {
        ValueDecoder keys = JsonDecoder.fromJsonSchema(KEY_SCHEMA);
        try (ArrowBatch batch = open(VALUE, keys)) {
            byte[] first = utf8("{\"id\": \"42\", \"region\": \"eu\", \"vip\": \"true\"}");
            batch.append(record(0, first, value(0)), first, value(0), false, keys);
            batch.append(record(1, null, value(1)), null, value(1), false, keys);
            batch.append(record(2, "{\"id\": 7.0, \"region\": 12}", value(2)), "{\"id\": 7.0, \"region\": 12}",
                    value(2), false, keys);

            VectorSchemaRoot root = batch.seal();
            assertThat(root.getRowCount()).isEqualTo(3);
            StructVector key = (StructVector) root.getVector("_kafka_key");
            assertThat(key.getField().isNullable()).isTrue();
            assertThat(key.getChild("id")).isInstanceOf(BigIntVector.class);
            assertThat(key.getChild("vip")).isInstanceOf(BitVector.class);
            assertThat(keyAt(root, 0)).isEqualTo(fields("id", 42L, "region", "eu", "vip", true));
            assertThat(keyAt(root, 1)).isNull();
            assertThat(keyAt(root, 2)).isEqualTo(fields("id", 7L, "region", "12", "vip", null));
            assertThat(((BigIntVector) root.getVector("n")).get(2)).isEqualTo(2L);
        }
    }

    @Test
    void aBadKeyFailsTheWholeRowNamingTheKeyFieldAndTheNextRowOverwritesItsRemains() {
        ValueDecoder keys = JsonDecoder.fromJsonSchema(KEY_SCHEMA);
        try (ArrowBatch batch = open(VALUE, keys)) {
            batch.append(record(0, "{\"id\": 1, \"region\": \"a\"}", value(0)), "{\"id\": 1, \"region\": \"a\"}",
                    value(0), false, keys);
            // "region" and "vip" are written before "id" fails: the row must not survive in any column.
            String bad = "{\"region\": \"PARTIAL\", \"vip\": true, \"id\": \"seven\"}";
            assertThatThrownBy(() -> batch.append(record(1, bad, value(99)), bad, value(99), false, keys))
                    .isInstanceOf(DataException.class)
                    .hasMessageStartingWith("key field 'id' ")
                    .hasMessageContaining("seven");
            assertThat(batch.rows()).isEqualTo(1);
            String missingRequired = "{\"region\": \"x\"}";
            assertThatThrownBy(() -> batch.append(record(1, missingRequired, value(98)), missingRequired, value(98),
                    false, keys)).hasMessageStartingWith("key field 'id' ");
            assertThatThrownBy(() -> batch.append(record(1, "{\"id\": 1", value(97)), "{\"id\": 1", value(97), false,
                    keys)).hasMessageStartingWith("key ").hasMessageContaining("JSON");
            assertThat(batch.rows()).isEqualTo(1);
            // The next row: a key without region or vip, then a null key, over the bad rows' remains.
            batch.append(record(2, "{\"id\": 2}", value(2)), "{\"id\": 2}", value(2), false, keys);
            batch.append(record(3, null, value(3)), null, value(3), false, keys);

            VectorSchemaRoot root = batch.seal();
            assertThat(root.getRowCount()).isEqualTo(3);
            assertThat(keyAt(root, 0)).isEqualTo(fields("id", 1L, "region", "a", "vip", null));
            assertThat(keyAt(root, 1)).isEqualTo(fields("id", 2L, "region", null, "vip", null));
            assertThat(keyAt(root, 2)).isNull();
            assertThat(((BigIntVector) root.getVector("n")).get(1)).isEqualTo(2L);
            assertThat(((BigIntVector) root.getVector("_kafka_offset")).get(1)).isEqualTo(2L);
        }
    }

    @Test
    void aKeyFailingAfterADirectlyDecodedValueLeavesNoRow() {
        ValueDecoder keys = JsonDecoder.fromJsonSchema(KEY_SCHEMA);
        ValueDecoder values = JsonDecoder.fromJsonSchema("{\"type\":\"object\",\"properties\":{"
                + "\"amount\":{\"type\":\"number\"}}}");
        try (ArrowBatch batch = open(values.valueSchema(), keys)) {
            batch.appendDecoded(record(0, "{\"id\": 1}", null), "{\"id\": 1}", values, "{\"amount\": 1.5}", keys);
            assertThatThrownBy(() -> batch.appendDecoded(record(1, "{\"id\": 2.5}", null), "{\"id\": 2.5}", values,
                    "{\"amount\": 99}", keys)).hasMessageStartingWith("key field 'id' ");
            assertThat(batch.rows()).isEqualTo(1);
            batch.appendDecoded(record(2, null, null), null, values, "{}", keys);

            VectorSchemaRoot root = batch.seal();
            assertThat(root.getRowCount()).isEqualTo(2);
            assertThat(root.getVector("amount").getObject(0)).isEqualTo(1.5);
            assertThat(root.getVector("amount").isNull(1)).isTrue();
            assertThat(keyAt(root, 0)).isEqualTo(fields("id", 1L, "region", null, "vip", null));
            assertThat(keyAt(root, 1)).isNull();
        }
    }

    @Test
    void anAvroNullOfANullableRecordKeyIsANullKeyNotAStructOfNulls() {
        String keySchema = "[\"null\",{\"type\":\"record\",\"name\":\"K\",\"fields\":["
                + "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"region\",\"type\":[\"null\",\"string\"]}]}]";
        org.apache.avro.Schema avro = new org.apache.avro.Schema.Parser().parse(keySchema);
        org.apache.avro.generic.GenericRecord k = new org.apache.avro.generic.GenericData.Record(avro.getTypes().get(1));
        k.put("id", 7L);
        k.put("region", "eu");
        byte[] present = TestAvro.binary(avro, k);
        byte[] avroNull = TestAvro.binary(avro, null);
        ValueDecoder keys = AvroDecoder.withSchema(keySchema);
        try (ArrowBatch batch = open(VALUE, keys)) {
            batch.append(record(0, present, value(0)), present, value(0), false, keys);
            batch.append(record(1, avroNull, value(1)), avroNull, value(1), false, keys);
            batch.append(record(2, present, value(2)), present, value(2), false, keys);

            VectorSchemaRoot root = batch.seal();
            assertThat(keyAt(root, 0)).isEqualTo(fields("id", 7L, "region", "eu"));
            // Before the fix: {id=null, region=null}, a struct of nulls where the key was null.
            assertThat(keyAt(root, 1)).isNull();
            assertThat(keyAt(root, 2)).isEqualTo(fields("id", 7L, "region", "eu"));
        }
    }

    @Test
    void anAvroNullOfAWiderUnionKeyIsANullKey() {
        String keySchema = "[\"null\",\"long\",\"string\"]";
        org.apache.avro.Schema avro = new org.apache.avro.Schema.Parser().parse(keySchema);
        byte[] number = TestAvro.binary(avro, 5L);
        byte[] avroNull = TestAvro.binary(avro, null);
        ValueDecoder keys = AvroDecoder.withSchema(keySchema);
        try (ArrowBatch batch = open(VALUE, keys)) {
            batch.append(record(0, avroNull, value(0)), avroNull, value(0), false, keys);
            batch.append(record(1, number, value(1)), number, value(1), false, keys);

            VectorSchemaRoot root = batch.seal();
            assertThat(keyAt(root, 0)).isNull();
            assertThat(keyAt(root, 1)).isEqualTo(fields("long", 5L, "string", null));
        }
    }

    @Test
    void aScalarJsonSchemaMakesAScalarKeyColumn() {
        ValueDecoder keys = JsonDecoder.fromJsonSchema("{\"type\": \"string\"}");
        try (ArrowBatch batch = open(VALUE, keys)) {
            batch.append(record(0, "\"user-1\"", value(0)), "\"user-1\"", value(0), false, keys);
            batch.append(record(1, "42", value(1)), "42", value(1), false, keys);
            batch.append(record(2, null, value(2)), null, value(2), false, keys);
            assertThatThrownBy(() -> batch.append(record(3, "{\"a\": 1}", value(3)), "{\"a\": 1}", value(3), false,
                    keys)).hasMessageStartingWith("key ");

            VectorSchemaRoot root = batch.seal();
            VarCharVector key = (VarCharVector) root.getVector("_kafka_key");
            assertThat(root.getRowCount()).isEqualTo(3);
            assertThat(key.getObject(0).toString()).isEqualTo("user-1");
            assertThat(key.getObject(1).toString()).isEqualTo("42");
            assertThat(key.isNull(2)).isTrue();
        }
    }

    @Test
    void protobufKeysLandInTheKeyStructAndATruncatedKeyNamesTheKey() throws Exception {
        String set = Base64.getEncoder().encodeToString(TestProtos.descriptorSet(false).toByteArray());
        ValueDecoder keys = ValueDecoders.create("key", new ValueDecoders.Spec("protobuf", "", "", set, "",
                "test.v1.Address", "auto"));
        Descriptor address = ((ProtobufDecoder) keys).message();
        byte[] good = DynamicMessage.newBuilder(address).setField(address.findFieldByName("city"), "Lyon")
                .setField(address.findFieldByName("zip"), 69001).build().toByteArray();
        // Cut inside zip, after city was written: the row must still leave nothing behind.
        byte[] truncated = Arrays.copyOf(good, good.length - 2);
        try (ArrowBatch batch = open(VALUE, keys)) {
            batch.append(record(0, good, value(0)), good, value(0), false, keys);
            assertThatThrownBy(() -> batch.append(record(1, truncated, value(1)), truncated, value(1), false, keys))
                    .hasMessageStartingWith("key field 'zip' ").hasMessageContaining("truncated");
            assertThatThrownBy(() -> batch.append(record(1, "text", value(1)), "text", value(1), false, keys))
                    .hasMessageStartingWith("key is a String");
            batch.append(record(2, new byte[0], value(2)), new byte[0], value(2), false, keys);

            VectorSchemaRoot root = batch.seal();
            assertThat(root.getRowCount()).isEqualTo(2);
            StructVector key = (StructVector) root.getVector("_kafka_key");
            assertThat(key.getChild("zip")).isInstanceOf(IntVector.class);
            assertThat(keyAt(root, 0)).isEqualTo(fields("city", "Lyon", "zip", 69001));
            assertThat(keyAt(root, 1)).as("an empty message holds the proto3 defaults").isEqualTo(fields("city", "",
                    "zip", 0));
        }
    }

    @Test
    void keyErrorsSayTheKeyIsAtFault() {
        assertThat(KeyDecoding.keyError(new dev.quiver.arrow.ColumnAppender.FieldException("a.b", "is bad"))
                .getMessage()).isEqualTo("key field 'a.b' is bad");
        assertThat(KeyDecoding.keyError(new DataException("value is empty: no JSON document")).getMessage())
                .isEqualTo("key is empty: no JSON document");
        assertThatThrownBy(() -> KeyDecoding.inferJson("{\"a\": 1, \"a\": 2}"))
                .hasMessageStartingWith("key field 'a' is not valid JSON").hasMessageContaining("Duplicate field 'a'");
        assertThatThrownBy(() -> KeyDecoding.inferJson("")).hasMessageStartingWith("key is not valid JSON");
        assertThatThrownBy(() -> KeyDecoding.inferJson(42L)).hasMessageStartingWith("key.format=json needs a string");
    }

    @Test
    void schemalessJsonKeysAreTypedFromTheirTokensAsTheMapPathTypedThem() {
        for (String key : java.util.List.of("{\"a\": [1]}", "{\"b\": {\"c\": 1.5}, \"a\": \"x\"}", "7", "\"id\"",
                "[1, 2.5]", "[1, \"x\"]", "{}", "true")) {
            assertThat(KeyDecoding.inferJson(utf8(key))).as(key)
                    .isEqualTo(dev.quiver.arrow.SchemaInference.infer(JsonValues.parse(key)));
        }
        assertThat(KeyDecoding.inferJson("null")).as("a JSON null key is typed as a null key: not at all").isNull();
    }
}
