package dev.quiver.bench.decode;

import dev.quiver.arrow.ArrowBatch;
import dev.quiver.decode.AvroDecoder;
import dev.quiver.decode.AvroSchemas;
import java.io.ByteArrayOutputStream;
import java.util.Date;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
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
 * Avro values (the ten-field order of {@link DecodeBench}, about 200 bytes of Avro binary each) decoded and appended
 * into Arrow batches of {@link DecodeBench#BATCH_ROWS} rows:
 * <ul>
 *   <li>{@code avroDirect}: value.format=avro, {@link AvroDecoder} reading the binary straight into the vectors;</li>
 *   <li>{@code avroGenericStruct}: the converter path, Avro's own GenericDatumReader to a new GenericRecord per record
 *       (as a deserializer does), converted to a Connect Struct of the {@link AvroSchemas} schema (Utf8 to String,
 *       timestamp-millis to Date, as AvroConverter does), then {@link ArrowBatch#append}.</li>
 * </ul>
 * Each opens a new batch per {@link DecodeBench#BATCH_ROWS} rows, whose vectors grow from empty; the {@code ...Reused}
 * variants refill one batch after {@link ArrowBatch#reset()}, as the connector does with a partition's batch after a
 * flush landed (OpenBatches.keepIdle), so the vectors are already sized and only the decoding and appending remain.
 * Scores are records per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AvroDecodeBench {
    static final String SCHEMA = "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"bench\",\"fields\":["
            + "{\"name\":\"order_id\",\"type\":\"long\"},{\"name\":\"customer_id\",\"type\":\"int\"},"
            + "{\"name\":\"customer_name\",\"type\":\"string\"},{\"name\":\"email\",\"type\":\"string\"},"
            + "{\"name\":\"amount\",\"type\":\"double\"},{\"name\":\"quantity\",\"type\":\"int\"},"
            + "{\"name\":\"paid\",\"type\":\"boolean\"},"
            + "{\"name\":\"created_at\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
            + "{\"name\":\"country\",\"type\":\"string\"},{\"name\":\"note\",\"type\":\"string\"}]}";

    byte[][] avro;
    BufferAllocator allocator;
    AvroDecoder direct;
    org.apache.avro.Schema avroSchema;
    Schema connectSchema;
    GenericDatumReader<GenericRecord> reader;
    BinaryDecoder binary;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        allocator = new RootAllocator();
        direct = AvroDecoder.withSchema(SCHEMA);
        avroSchema = new org.apache.avro.Schema.Parser().parse(SCHEMA);
        connectSchema = AvroSchemas.toConnect(avroSchema);
        reader = new GenericDatumReader<>(avroSchema);
        Random random = new Random(6);
        String[] countries = {"DE", "FR", "US", "GB", "NL", "ES", "IT", "PL", "SE", "JP"};
        avro = new byte[DecodeBench.POOL][];
        GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(avroSchema);
        long bytes = 0;
        for (int i = 0; i < DecodeBench.POOL; i++) {
            long orderId = 1_000_000_000_000L + random.nextInt(1_000_000_000);
            int customerId = random.nextInt(10_000_000);
            GenericRecord r = new GenericData.Record(avroSchema);
            r.put("order_id", orderId);
            r.put("customer_id", customerId);
            r.put("customer_name", "Customer " + customerId + " Lastname" + (char) ('A' + random.nextInt(26)));
            r.put("email", "customer" + customerId + "@example-shop.com");
            r.put("amount", random.nextInt(10_000_000) / 100.0 + 0.01);
            r.put("quantity", 1 + random.nextInt(50));
            r.put("paid", random.nextBoolean());
            r.put("created_at", 1_700_000_000_000L + random.nextInt(1_000_000_000));
            r.put("country", countries[random.nextInt(countries.length)]);
            r.put("note", "Deliver to the side entrance, ring twice; order reference " + orderId
                    + " placed through the mobile app, gift wrap requested " + random.nextInt(1000));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
            writer.write(r, enc);
            enc.flush();
            avro[i] = out.toByteArray();
            bytes += avro[i].length;
        }
        // Both paths must land the same rows: compare the first few, value by value.
        try (ArrowBatch a = ArrowBatch.open(direct.valueSchema(), allocator, "check-direct");
                ArrowBatch b = ArrowBatch.open(connectSchema, allocator, "check-struct")) {
            for (int i = 0; i < 16; i++) {
                a.appendDecoded(null, null, direct, avro[i]);
                b.append(toStruct(avro[i]));
            }
            if (!a.seal().contentToTSVString().equals(b.seal().contentToTSVString())) {
                throw new IllegalStateException("the direct and the Struct path land different rows");
            }
        }
        System.out.printf("%n# records: Avro %d bytes on average%n", bytes / DecodeBench.POOL);
    }

    ArrowBatch directBatch;
    ArrowBatch structBatch;

    @TearDown(Level.Trial)
    public void tearDown() {
        if (directBatch != null) {
            directBatch.close();
        }
        if (structBatch != null) {
            structBatch.close();
        }
        allocator.close();
    }

    private Struct toStruct(byte[] value) {
        try {
            binary = DecoderFactory.get().binaryDecoder(value, binary);
            GenericRecord record = reader.read(null, binary);
            Struct struct = new Struct(connectSchema);
            for (Field f : connectSchema.fields()) {
                Object v = record.get(f.name());
                if (v instanceof CharSequence) {
                    v = v.toString();
                } else if (Timestamp.LOGICAL_NAME.equals(f.schema().name())) {
                    v = new Date((Long) v);
                }
                struct.put(f, v);
            }
            return struct;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Benchmark
    @OperationsPerInvocation(DecodeBench.RECORDS)
    public long avroDirect() {
        long rows = 0;
        for (int done = 0; done < DecodeBench.RECORDS; done += DecodeBench.BATCH_ROWS) {
            try (ArrowBatch batch = ArrowBatch.open(direct.valueSchema(), allocator, "avro")) {
                for (int i = done; i < done + DecodeBench.BATCH_ROWS; i++) {
                    batch.appendDecoded(null, null, direct, avro[i & (DecodeBench.POOL - 1)]);
                }
                rows += batch.seal().getRowCount();
            }
        }
        return rows;
    }

    @Benchmark
    @OperationsPerInvocation(DecodeBench.RECORDS)
    public long avroDirectReused() {
        if (directBatch == null) {
            directBatch = ArrowBatch.open(direct.valueSchema(), allocator, "avro-reused");
        }
        long rows = 0;
        for (int done = 0; done < DecodeBench.RECORDS; done += DecodeBench.BATCH_ROWS) {
            for (int i = done; i < done + DecodeBench.BATCH_ROWS; i++) {
                directBatch.appendDecoded(null, null, direct, avro[i & (DecodeBench.POOL - 1)]);
            }
            rows += directBatch.seal().getRowCount();
            directBatch.reset();
        }
        return rows;
    }

    @Benchmark
    @OperationsPerInvocation(DecodeBench.RECORDS)
    public long avroGenericStructReused() {
        if (structBatch == null) {
            structBatch = ArrowBatch.open(connectSchema, allocator, "avro-struct-reused");
        }
        long rows = 0;
        for (int done = 0; done < DecodeBench.RECORDS; done += DecodeBench.BATCH_ROWS) {
            for (int i = done; i < done + DecodeBench.BATCH_ROWS; i++) {
                structBatch.append(toStruct(avro[i & (DecodeBench.POOL - 1)]));
            }
            rows += structBatch.seal().getRowCount();
            structBatch.reset();
        }
        return rows;
    }

    @Benchmark
    @OperationsPerInvocation(DecodeBench.RECORDS)
    public long avroGenericStruct() {
        long rows = 0;
        for (int done = 0; done < DecodeBench.RECORDS; done += DecodeBench.BATCH_ROWS) {
            try (ArrowBatch batch = ArrowBatch.open(connectSchema, allocator, "avro-struct")) {
                for (int i = done; i < done + DecodeBench.BATCH_ROWS; i++) {
                    batch.append(toStruct(avro[i & (DecodeBench.POOL - 1)]));
                }
                rows += batch.seal().getRowCount();
            }
        }
        return rows;
    }
}
