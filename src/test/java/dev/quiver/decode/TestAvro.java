package dev.quiver.decode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * An Avro schema with every type Quiver decodes, records of it written by Avro's own GenericDatumWriter (with and
 * without the Confluent framing), and their expected values, for the decoder's tests and the Avro IT.
 */
public final class TestAvro {

    /** Every Avro type and logical type; {@code Address} is used again by name. */
    public static final String EVERYTHING = "{\"type\":\"record\",\"name\":\"Everything\",\"namespace\":\"test.v1\","
            + "\"fields\":["
            + "{\"name\":\"b\",\"type\":\"boolean\"},"
            + "{\"name\":\"i\",\"type\":\"int\"},"
            + "{\"name\":\"l\",\"type\":\"long\"},"
            + "{\"name\":\"f\",\"type\":\"float\"},"
            + "{\"name\":\"d\",\"type\":\"double\"},"
            + "{\"name\":\"s\",\"type\":\"string\"},"
            + "{\"name\":\"by\",\"type\":\"bytes\"},"
            + "{\"name\":\"color\",\"type\":{\"type\":\"enum\",\"name\":\"Color\",\"symbols\":[\"RED\",\"GREEN\",\"BLUE\"]}},"
            + "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"Four\",\"size\":4}},"
            + "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
            + "{\"name\":\"counts\",\"type\":{\"type\":\"map\",\"values\":\"int\"}},"
            + "{\"name\":\"address\",\"type\":{\"type\":\"record\",\"name\":\"Address\",\"fields\":["
            + "{\"name\":\"city\",\"type\":\"string\"},{\"name\":\"zip\",\"type\":\"int\"}]}},"
            + "{\"name\":\"moves\",\"type\":{\"type\":\"array\",\"items\":\"Address\"}},"
            + "{\"name\":\"maybe_s\",\"type\":[\"null\",\"string\"],\"default\":null},"
            + "{\"name\":\"maybe_address\",\"type\":[\"null\",\"Address\"],\"default\":null},"
            + "{\"name\":\"choice\",\"type\":[\"null\",\"int\",\"string\",\"Address\"],\"default\":null},"
            + "{\"name\":\"dec_b\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}},"
            + "{\"name\":\"dec_f\",\"type\":{\"type\":\"fixed\",\"name\":\"Dec12\",\"size\":12,"
            + "\"logicalType\":\"decimal\",\"precision\":28,\"scale\":4}},"
            + "{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
            + "{\"name\":\"tm\",\"type\":{\"type\":\"int\",\"logicalType\":\"time-millis\"}},"
            + "{\"name\":\"tmu\",\"type\":{\"type\":\"long\",\"logicalType\":\"time-micros\"}},"
            + "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
            + "{\"name\":\"tsu\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}},"
            + "{\"name\":\"lts\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-millis\"}},"
            + "{\"name\":\"ltsu\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}},"
            + "{\"name\":\"id\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"}}"
            + "]}";

    public static final Schema SCHEMA = new Schema.Parser().parse(EVERYTHING);

    public static final String UUID = "123e4567-e89b-12d3-a456-426614174000";

    private TestAvro() {
    }

    /** Record {@code n}: every field set, values derived from n; odd n take the null/other union branches. */
    public static GenericRecord everything(int n) {
        Schema address = SCHEMA.getField("address").schema();
        GenericRecord r = new GenericData.Record(SCHEMA);
        r.put("b", n % 2 == 0);
        r.put("i", -n);
        r.put("l", 10_000_000_000L + n);
        r.put("f", 1.5f + n);
        r.put("d", 2.25 + n);
        r.put("s", "h\u00e9llo " + n);
        r.put("by", ByteBuffer.wrap(new byte[] {1, 2, (byte) n}));
        r.put("color", new GenericData.EnumSymbol(SCHEMA.getField("color").schema(), n % 2 == 0 ? "GREEN" : "BLUE"));
        r.put("fx", new GenericData.Fixed(SCHEMA.getField("fx").schema(), new byte[] {9, 8, 7, (byte) n}));
        r.put("tags", n % 2 == 0 ? List.of("a", "b") : List.of());
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("x", n);
        r.put("counts", counts);
        r.put("address", address(address, "Lyon", 69001 + n));
        r.put("moves", List.of(address(address, "Paris", 75001), address(address, "Nice", 6000 + n)));
        r.put("maybe_s", n % 2 == 0 ? "there" : null);
        r.put("maybe_address", n % 2 == 0 ? address(address, "Metz", 57000) : null);
        r.put("choice", n % 3 == 0 ? (Object) 42 : n % 3 == 1 ? "forty-two" : address(address, "Caen", 14000));
        Schema decB = SCHEMA.getField("dec_b").schema();
        r.put("dec_b", new Conversions.DecimalConversion().toBytes(new BigDecimal("-12345.67"), decB,
                decB.getLogicalType()));
        Schema decF = SCHEMA.getField("dec_f").schema();
        r.put("dec_f", new Conversions.DecimalConversion().toFixed(new BigDecimal("123456789012345678.9012"), decF,
                LogicalTypes.decimal(28, 4)));
        r.put("day", 19_000 + n);
        r.put("tm", 3_600_000 + n);
        r.put("tmu", 3_600_000_001L + n);
        r.put("ts", 1_714_557_600_123L + n);
        r.put("tsu", 1_714_557_600_123_456L + n);
        r.put("lts", 1_714_557_600_124L + n);
        r.put("ltsu", 1_714_557_600_124_567L + n);
        r.put("id", UUID);
        return r;
    }

    public static GenericRecord address(Schema schema, String city, int zip) {
        GenericRecord a = new GenericData.Record(schema);
        a.put("city", city);
        a.put("zip", zip);
        return a;
    }

    /** Avro binary of {@code datum}, written by Avro's own writer. */
    public static byte[] binary(Schema schema, Object datum) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        try {
            new GenericDatumWriter<Object>(schema).write(datum, enc);
            enc.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The Confluent wire format: magic byte 0, the schema id big-endian, the Avro binary. */
    public static byte[] framed(int schemaId, Schema schema, Object datum) {
        byte[] body = binary(schema, datum);
        return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(schemaId).put(body).array();
    }

    public static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
