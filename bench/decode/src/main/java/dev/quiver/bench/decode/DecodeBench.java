package dev.quiver.bench.decode;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.TimestampProto;
import dev.quiver.arrow.ArrowBatch;
import dev.quiver.arrow.MetadataColumns;
import dev.quiver.arrow.RowLayout;
import dev.quiver.arrow.SchemaInference;
import dev.quiver.arrow.SchemaMerger;
import dev.quiver.decode.JsonDecoder;
import dev.quiver.decode.JsonValues;
import dev.quiver.decode.ProtobufDecoder;
import dev.quiver.decode.SchemalessJsonDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.json.JsonConverter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Decoding plus appending 1,000,000 records of 10 fields (about 300 bytes of JSON each) into Arrow batches of
 * {@link #BATCH_ROWS} rows, the way a task fills and flushes them (Parquet encoding is not part of it):
 * <ul>
 *   <li>{@code jsonDirect}: value.format=json with a declared JSON Schema, {@link JsonDecoder} streaming into the
 *       vectors;</li>
 *   <li>{@code jsonConverterStruct}: the usual path, JsonConverter (schemas.enable=true, schema envelope in every
 *       record) to a Struct, then {@link ArrowBatch#append};</li>
 *   <li>{@code jsonSchemaless}: today's value.format=json without a schema, approximated: {@link JsonValues#parse} to
 *       a Map, {@link SchemaInference#infer} per record, then append (the real task also merges schemas);</li>
 *   <li>{@code jsonSchemalessMap}: the Map path as the task ran it before the streaming decoder: parse to a Map,
 *       infer, merge into the batch's schema (LENIENT) per record, append;</li>
 *   <li>{@code jsonSchemalessStreaming}: value.format=json without a schema as the task runs it now,
 *       {@link SchemalessJsonDecoder} streaming into the batch's inferred schema, a record typed alone only when it
 *       does not fit (here only the first of each batch);</li>
 *   <li>{@code protobufDirect}: value.format=protobuf, {@link ProtobufDecoder} over the same records as protobuf.</li>
 * </ul>
 * Scores are records per second (one operation is one record).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DecodeBench {
    static final int RECORDS = 1_000_000;
    static final int BATCH_ROWS = 250_000;
    /** Distinct records, cycled: a million 1 KB envelopes would not fit a small heap. */
    static final int POOL = 8192;

    static final String JSON_SCHEMA = """
            {"type": "object",
             "required": ["order_id", "customer_id", "customer_name", "email", "amount", "quantity", "paid",
                          "created_at", "country", "note"],
             "properties": {
               "order_id": {"type": "integer"},
               "customer_id": {"type": "integer", "format": "int32"},
               "customer_name": {"type": "string"},
               "email": {"type": "string"},
               "amount": {"type": "number"},
               "quantity": {"type": "integer", "format": "int32"},
               "paid": {"type": "boolean"},
               "created_at": {"type": "string", "format": "date-time"},
               "country": {"type": "string"},
               "note": {"type": "string"}}}
            """;

    /** JsonConverter's envelope schema of the same ten fields, as a producer with schemas.enable=true sends it. */
    static final String ENVELOPE_SCHEMA = "{\"type\":\"struct\",\"optional\":false,\"fields\":["
            + "{\"field\":\"order_id\",\"type\":\"int64\",\"optional\":false},"
            + "{\"field\":\"customer_id\",\"type\":\"int32\",\"optional\":false},"
            + "{\"field\":\"customer_name\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"email\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"amount\",\"type\":\"double\",\"optional\":false},"
            + "{\"field\":\"quantity\",\"type\":\"int32\",\"optional\":false},"
            + "{\"field\":\"paid\",\"type\":\"boolean\",\"optional\":false},"
            + "{\"field\":\"created_at\",\"type\":\"int64\",\"optional\":false,"
            + "\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1},"
            + "{\"field\":\"country\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"note\",\"type\":\"string\",\"optional\":false}]}";

    byte[][] json;
    byte[][] envelopes;
    byte[][] protobuf;
    BufferAllocator allocator;
    JsonDecoder jsonDecoder;
    ProtobufDecoder protobufDecoder;
    JsonConverter converter;
    Schema converterSchema;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        allocator = new RootAllocator();
        jsonDecoder = JsonDecoder.fromJsonSchema(JSON_SCHEMA);
        Descriptor order = orderDescriptor();
        protobufDecoder = new ProtobufDecoder(order, ProtobufDecoder.Framing.AUTO);
        converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), false);

        Random random = new Random(6);
        String[] countries = {"DE", "FR", "US", "GB", "NL", "ES", "IT", "PL", "SE", "JP"};
        json = new byte[POOL][];
        envelopes = new byte[POOL][];
        protobuf = new byte[POOL][];
        long jsonBytes = 0;
        long protoBytes = 0;
        for (int i = 0; i < POOL; i++) {
            long orderId = 1_000_000_000_000L + random.nextInt(1_000_000_000);
            int customerId = random.nextInt(10_000_000);
            String name = "Customer " + customerId + " Lastname" + (char) ('A' + random.nextInt(26));
            String email = "customer" + customerId + "@example-shop.com";
            double amount = random.nextInt(10_000_000) / 100.0 + 0.01;
            int quantity = 1 + random.nextInt(50);
            boolean paid = random.nextBoolean();
            long createdAt = 1_700_000_000_000L + random.nextInt(1_000_000_000);
            String country = countries[random.nextInt(countries.length)];
            String note = "Deliver to the side entrance, ring twice; order reference " + orderId
                    + " placed through the mobile app, gift wrap requested " + random.nextInt(1000);
            String payload = "{\"order_id\":" + orderId + ",\"customer_id\":" + customerId
                    + ",\"customer_name\":\"" + name + "\",\"email\":\"" + email + "\",\"amount\":" + amount
                    + ",\"quantity\":" + quantity + ",\"paid\":" + paid + ",\"created_at\":" + createdAt
                    + ",\"country\":\"" + country + "\",\"note\":\"" + note + "\"}";
            json[i] = payload.getBytes(StandardCharsets.UTF_8);
            envelopes[i] = ("{\"schema\":" + ENVELOPE_SCHEMA + ",\"payload\":" + payload + "}")
                    .getBytes(StandardCharsets.UTF_8);
            DynamicMessage.Builder m = DynamicMessage.newBuilder(order);
            m.setField(order.findFieldByName("order_id"), orderId);
            m.setField(order.findFieldByName("customer_id"), customerId);
            m.setField(order.findFieldByName("customer_name"), name);
            m.setField(order.findFieldByName("email"), email);
            m.setField(order.findFieldByName("amount"), amount);
            m.setField(order.findFieldByName("quantity"), quantity);
            m.setField(order.findFieldByName("paid"), paid);
            m.setField(order.findFieldByName("created_at"), com.google.protobuf.Timestamp.newBuilder()
                    .setSeconds(createdAt / 1000).setNanos((int) (createdAt % 1000) * 1_000_000).build());
            m.setField(order.findFieldByName("country"), country);
            m.setField(order.findFieldByName("note"), note);
            protobuf[i] = m.build().toByteArray();
            jsonBytes += json[i].length;
            protoBytes += protobuf[i].length;
        }
        converterSchema = converter.toConnectData("t", envelopes[0]).schema();
        System.out.printf("%n# records: JSON %d bytes, JSON envelope %d bytes, protobuf %d bytes on average%n",
                jsonBytes / POOL, envelopes[0].length, protoBytes / POOL);
    }

    static Descriptor orderDescriptor() throws Exception {
        FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("bench/order.proto").setPackage("bench")
                .setSyntax("proto3").addDependency("google/protobuf/timestamp.proto")
                .addMessageType(DescriptorProto.newBuilder().setName("Order")
                        .addField(field("order_id", 1, Type.TYPE_INT64))
                        .addField(field("customer_id", 2, Type.TYPE_INT32))
                        .addField(field("customer_name", 3, Type.TYPE_STRING))
                        .addField(field("email", 4, Type.TYPE_STRING))
                        .addField(field("amount", 5, Type.TYPE_DOUBLE))
                        .addField(field("quantity", 6, Type.TYPE_INT32))
                        .addField(field("paid", 7, Type.TYPE_BOOL))
                        .addField(field("created_at", 8, Type.TYPE_MESSAGE).setTypeName(".google.protobuf.Timestamp"))
                        .addField(field("country", 9, Type.TYPE_STRING))
                        .addField(field("note", 10, Type.TYPE_STRING)))
                .build();
        byte[] set = FileDescriptorSet.newBuilder().addFile(TimestampProto.getDescriptor().toProto()).addFile(file)
                .build().toByteArray();
        return ProtobufDecoder.fromDescriptorSet(set, "bench.Order", ProtobufDecoder.Framing.AUTO).message();
    }

    private static FieldDescriptorProto.Builder field(String name, int number, Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(Label.LABEL_OPTIONAL);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        allocator.close();
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long jsonDirect() {
        long rows = 0;
        for (int done = 0; done < RECORDS; done += BATCH_ROWS) {
            try (ArrowBatch batch = ArrowBatch.open(jsonDecoder.valueSchema(), allocator, "json")) {
                for (int i = done; i < done + BATCH_ROWS; i++) {
                    batch.appendDecoded(null, null, jsonDecoder, json[i & (POOL - 1)]);
                }
                rows += batch.seal().getRowCount();
            }
        }
        return rows;
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long jsonConverterStruct() {
        long rows = 0;
        for (int done = 0; done < RECORDS; done += BATCH_ROWS) {
            try (ArrowBatch batch = ArrowBatch.open(converterSchema, allocator, "struct")) {
                for (int i = done; i < done + BATCH_ROWS; i++) {
                    SchemaAndValue value = converter.toConnectData("t", envelopes[i & (POOL - 1)]);
                    batch.append(value.value());
                }
                rows += batch.seal().getRowCount();
            }
        }
        return rows;
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long jsonSchemaless() {
        return parsedMaps("schemaless", false);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long jsonSchemalessMap() {
        return parsedMaps("map", true);
    }

    /**
     * Parses each record to a Map, infers its schema and appends it; with {@code mergeEach}, every record's schema is
     * merged into the batch's first (the path the task ran before streaming), else the first record's schema is kept.
     */
    private long parsedMaps(String name, boolean mergeEach) {
        long rows = 0;
        for (int done = 0; done < RECORDS; done += BATCH_ROWS) {
            ArrowBatch batch = null;
            try {
                for (int i = done; i < done + BATCH_ROWS; i++) {
                    Object value = JsonValues.parse(json[i & (POOL - 1)]);
                    Schema schema = SchemaInference.infer(value);
                    if (batch == null) {
                        batch = ArrowBatch.open(schema, allocator, name);
                    } else if (mergeEach) {
                        batch = grown(batch, schema);
                    }
                    batch.append(value);
                }
                rows += batch.seal().getRowCount();
            } finally {
                if (batch != null) {
                    batch.close();
                }
            }
        }
        return rows;
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long jsonSchemalessStreaming() {
        long rows = 0;
        for (int done = 0; done < RECORDS; done += BATCH_ROWS) {
            ArrowBatch batch = null;
            SchemalessJsonDecoder decoder = new SchemalessJsonDecoder();
            try {
                for (int i = done; i < done + BATCH_ROWS; i++) {
                    byte[] doc = json[i & (POOL - 1)];
                    if (batch != null) {
                        decoder.bind(batch.layout().valueSchema());
                        try {
                            batch.appendDecoded(null, null, decoder, doc);
                            continue;
                        } catch (SchemalessJsonDecoder.Misfit e) {
                            // typed alone below
                        }
                    }
                    Schema schema = SchemalessJsonDecoder.infer(doc);
                    batch = batch == null ? ArrowBatch.open(schema, allocator, "streaming") : grown(batch, schema);
                    decoder.bind(batch.layout().valueSchema());
                    batch.appendDecoded(null, null, decoder, doc);
                }
                rows += batch.seal().getRowCount();
            } finally {
                if (batch != null) {
                    batch.close();
                }
            }
        }
        return rows;
    }

    /** The batch, grown in place to hold values of {@code schema} as well, as the partition writer grows it. */
    private ArrowBatch grown(ArrowBatch batch, Schema schema) {
        Schema current = batch.layout().valueSchema();
        Schema merged = SchemaMerger.merge(current, schema, SchemaMerger.Mode.LENIENT);
        if (merged == current) {
            return batch;
        }
        ArrowBatch evolved = batch.evolve(new RowLayout(merged, null, MetadataColumns.NONE), allocator, "evolved");
        batch.close();
        return evolved;
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long protobufDirect() {
        long rows = 0;
        for (int done = 0; done < RECORDS; done += BATCH_ROWS) {
            try (ArrowBatch batch = ArrowBatch.open(protobufDecoder.valueSchema(), allocator, "protobuf")) {
                for (int i = done; i < done + BATCH_ROWS; i++) {
                    batch.appendDecoded(null, null, protobufDecoder, protobuf[i & (POOL - 1)]);
                }
                rows += batch.seal().getRowCount();
            }
        }
        return rows;
    }
}
