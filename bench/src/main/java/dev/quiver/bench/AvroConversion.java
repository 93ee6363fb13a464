package dev.quiver.bench;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.LogicalTypes;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Connect data to Avro generic records, schema-driven, the way the S3 sinks that write through parquet-avro do it
 * (Confluent's AvroData, which those sinks call per record, is not on Maven Central; this is a lean equivalent of its
 * converting walk: optional fields become unions with null, Timestamp becomes timestamp-millis longs).
 */
final class AvroConversion {
    private final Schema connectSchema;
    private final org.apache.avro.Schema avroSchema;
    private final Map<Schema, org.apache.avro.Schema> recordSchemas = new HashMap<>();

    AvroConversion(Schema connectSchema) {
        this.connectSchema = Objects.requireNonNull(connectSchema, "connectSchema");
        this.avroSchema = toAvro(connectSchema, false);
    }

    org.apache.avro.Schema avroSchema() {
        return avroSchema;
    }

    GenericRecord convert(Struct value) {
        return (GenericRecord) convert(connectSchema, value);
    }

    private org.apache.avro.Schema toAvro(Schema schema, boolean nullableWrap) {
        org.apache.avro.Schema plain = plain(schema);
        if (nullableWrap && schema.isOptional()) {
            return org.apache.avro.Schema.createUnion(org.apache.avro.Schema.create(org.apache.avro.Schema.Type.NULL), plain);
        }
        return plain;
    }

    private org.apache.avro.Schema plain(Schema schema) {
        if (Timestamp.LOGICAL_NAME.equals(schema.name())) {
            return LogicalTypes.timestampMillis().addToSchema(org.apache.avro.Schema.create(org.apache.avro.Schema.Type.LONG));
        }
        switch (schema.type()) {
            case INT8:
            case INT16:
            case INT32:
                return org.apache.avro.Schema.create(org.apache.avro.Schema.Type.INT);
            case INT64:
                return org.apache.avro.Schema.create(org.apache.avro.Schema.Type.LONG);
            case FLOAT32:
                return org.apache.avro.Schema.create(org.apache.avro.Schema.Type.FLOAT);
            case FLOAT64:
                return org.apache.avro.Schema.create(org.apache.avro.Schema.Type.DOUBLE);
            case BOOLEAN:
                return org.apache.avro.Schema.create(org.apache.avro.Schema.Type.BOOLEAN);
            case STRING:
                return org.apache.avro.Schema.create(org.apache.avro.Schema.Type.STRING);
            case BYTES:
                return org.apache.avro.Schema.create(org.apache.avro.Schema.Type.BYTES);
            case ARRAY:
                return org.apache.avro.Schema.createArray(toAvro(schema.valueSchema(), true));
            case MAP:
                return org.apache.avro.Schema.createMap(toAvro(schema.valueSchema(), true));
            case STRUCT: {
                SchemaBuilder.FieldAssembler<org.apache.avro.Schema> fields =
                        SchemaBuilder.record(schema.name() == null ? "record" : schema.name()).namespace("dev.quiver.bench").fields();
                for (Field f : schema.fields()) {
                    fields = fields.name(f.name()).type(toAvro(f.schema(), true)).noDefault();
                }
                org.apache.avro.Schema record = fields.endRecord();
                recordSchemas.put(schema, record);
                return record;
            }
            default:
                throw new IllegalArgumentException("no Avro type for " + schema.type());
        }
    }

    private Object convert(Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        if (Timestamp.LOGICAL_NAME.equals(schema.name())) {
            return ((Date) value).getTime();
        }
        switch (schema.type()) {
            case INT8:
                return ((Byte) value).intValue();
            case INT16:
                return ((Short) value).intValue();
            case BYTES:
                return value instanceof byte[] ? ByteBuffer.wrap((byte[]) value) : value;
            case ARRAY: {
                List<?> list = (List<?>) value;
                List<Object> out = new ArrayList<>(list.size());
                for (Object element : list) {
                    out.add(convert(schema.valueSchema(), element));
                }
                return out;
            }
            case MAP: {
                Map<?, ?> map = (Map<?, ?>) value;
                Map<String, Object> out = new HashMap<>(map.size() * 2);
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    out.put(e.getKey().toString(), convert(schema.valueSchema(), e.getValue()));
                }
                return out;
            }
            case STRUCT: {
                Struct struct = (Struct) value;
                GenericData.Record record = new GenericData.Record(recordSchemas.get(schema));
                List<Field> fields = schema.fields();
                for (int i = 0; i < fields.size(); i++) {
                    Field f = fields.get(i);
                    record.put(i, convert(f.schema(), struct.get(f)));
                }
                return record;
            }
            default:
                return value;
        }
    }
}
