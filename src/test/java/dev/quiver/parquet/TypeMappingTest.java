package dev.quiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.arrow.ArrowBatch;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.ColumnOrder;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What each {@link TypeMapping} writes, read back by parquet-java's own reader. */
class TypeMappingTest {
    private static final Schema INNER = SchemaBuilder.struct().optional().field("n", Schema.INT16_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct()
            .field("i8", Schema.OPTIONAL_INT8_SCHEMA)
            .field("i16", Schema.OPTIONAL_INT16_SCHEMA)
            .field("i32", Schema.OPTIONAL_INT32_SCHEMA)
            .field("f32", Schema.OPTIONAL_FLOAT32_SCHEMA)
            .field("f64", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("d5", Decimal.builder(2).parameter("connect.decimal.precision", "5").optional().build())
            .field("at", Time.builder().optional().build())
            .field("ints", SchemaBuilder.array(Schema.INT32_SCHEMA).optional().build())
            .field("inner", INNER)
            .build();

    @TempDir
    Path dir;
    private final RootAllocator allocator = new RootAllocator();

    @AfterEach
    void closeAllocator() {
        allocator.close();
    }

    private Path write(TypeMapping types, String name) throws Exception {
        try (ArrowBatch batch = ArrowBatch.open(ROW, allocator, "test")) {
            batch.append(new Struct(ROW).put("i8", (byte) -128).put("i16", (short) 32767).put("i32", -7)
                    .put("f32", 1.5f).put("f64", -0.25).put("d5", new BigDecimal("-123.45"))
                    .put("at", new java.util.Date(86_399_999L)).put("ints", List.of(1, -2))
                    .put("inner", new Struct(INNER).put("n", (short) -3)));
            batch.append(new Struct(ROW));
            EncodedFile file = new ParquetEncoder(WriterOptions.withCodec("snappy").withTypes(types))
                    .encode(batch.seal(), FooterMetadata.of("k", "v"));
            Path path = dir.resolve(name + ".parquet");
            Files.write(path, Arrays.copyOf(file.bytes(), file.length()));
            return path;
        }
    }

    private static MessageType schema(Path file) throws Exception {
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(file.toUri()), new Configuration()))) {
            return reader.getFooter().getFileMetaData().getSchema();
        }
    }

    private static List<Group> rows(Path file) throws Exception {
        List<Group> rows = new ArrayList<>();
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(),
                new org.apache.hadoop.fs.Path(file.toUri())).build()) {
            for (Group g = reader.read(); g != null; g = reader.read()) {
                rows.add(g);
            }
        }
        return rows;
    }

    private static PrimitiveType primitive(MessageType schema, String... path) {
        return schema.getType(path).asPrimitiveType();
    }

    @Test
    void defaultsWriteTimeAsPlainMillisAndFloatsInTheTypeDefinedOrder() throws Exception {
        Path file = write(TypeMapping.DEFAULTS, "defaults");
        MessageType schema = schema(file);
        assertThat(primitive(schema, "at").getPrimitiveTypeName()).isEqualTo(PrimitiveTypeName.INT32);
        assertThat(primitive(schema, "at").getLogicalTypeAnnotation()).isNull();
        assertThat(primitive(schema, "i8").getLogicalTypeAnnotation()).isEqualTo(LogicalTypeAnnotation.intType(8, true));
        assertThat(primitive(schema, "f32").columnOrder()).isEqualTo(ColumnOrder.typeDefined());
        assertThat(primitive(schema, "f64").columnOrder()).isEqualTo(ColumnOrder.typeDefined());
        assertThat(primitive(schema, "d5").getPrimitiveTypeName()).isEqualTo(PrimitiveTypeName.INT32);
        Group first = rows(file).get(0);
        assertThat(first.getInteger("at", 0)).isEqualTo(86_399_999);
        assertThat(first.getFloat("f32", 0)).isEqualTo(1.5f);
    }

    @Test
    void timeMicrosWidestAndTotalOrderWriteTheExactAlternatives() throws Exception {
        Path file = write(new TypeMapping(TypeMapping.Time.TIME_MICROS, TypeMapping.FloatOrder.IEEE754_TOTAL, true),
                "exact");
        MessageType schema = schema(file);
        assertThat(primitive(schema, "at").getPrimitiveTypeName()).isEqualTo(PrimitiveTypeName.INT64);
        assertThat(primitive(schema, "at").getLogicalTypeAnnotation())
                .isEqualTo(LogicalTypeAnnotation.timeType(false, LogicalTypeAnnotation.TimeUnit.MICROS));
        for (String integer : List.of("i8", "i16", "i32")) {
            assertThat(primitive(schema, integer).getPrimitiveTypeName()).as(integer).isEqualTo(PrimitiveTypeName.INT64);
            assertThat(primitive(schema, integer).getLogicalTypeAnnotation()).as(integer).isNull();
        }
        assertThat(primitive(schema, "ints", "list", "element").getPrimitiveTypeName())
                .isEqualTo(PrimitiveTypeName.INT64);
        assertThat(primitive(schema, "inner", "n").getPrimitiveTypeName()).isEqualTo(PrimitiveTypeName.INT64);
        assertThat(primitive(schema, "f32").getPrimitiveTypeName()).isEqualTo(PrimitiveTypeName.DOUBLE);
        assertThat(primitive(schema, "f32").columnOrder()).isEqualTo(ColumnOrder.ieee754TotalOrder());
        assertThat(primitive(schema, "d5").getPrimitiveTypeName()).isEqualTo(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY);
        assertThat(primitive(schema, "d5").getLogicalTypeAnnotation())
                .isEqualTo(LogicalTypeAnnotation.decimalType(2, 38));

        List<Group> rows = rows(file);
        Group first = rows.get(0);
        assertThat(first.getLong("i8", 0)).isEqualTo(-128L);
        assertThat(first.getLong("i16", 0)).isEqualTo(32767L);
        assertThat(first.getLong("i32", 0)).isEqualTo(-7L);
        assertThat(first.getDouble("f32", 0)).isEqualTo(1.5);
        assertThat(first.getDouble("f64", 0)).isEqualTo(-0.25);
        assertThat(new BigInteger(first.getBinary("d5", 0).getBytes())).isEqualTo(BigInteger.valueOf(-12345));
        assertThat(first.getLong("at", 0)).isEqualTo(86_399_999_000L);
        Group ints = first.getGroup("ints", 0);
        assertThat(ints.getGroup("list", 1).getLong("element", 0)).isEqualTo(-2L);
        assertThat(first.getGroup("inner", 0).getLong("n", 0)).isEqualTo(-3L);
        assertThat(rows.get(1).getFieldRepetitionCount("i8")).isZero();

        // The statistics of the widened columns are those of the written values.
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(file.toUri()), new Configuration()))) {
            for (ColumnChunkMetaData column : reader.getFooter().getBlocks().get(0).getColumns()) {
                switch (column.getPath().toDotString()) {
                    case "at" -> assertThat(column.getStatistics().genericGetMax()).isEqualTo(86_399_999_000L);
                    case "i8" -> assertThat(column.getStatistics().genericGetMin()).isEqualTo(-128L);
                    case "f32" -> assertThat(column.getStatistics().genericGetMax()).isEqualTo(1.5);
                    default -> { }
                }
            }
            assertThat(reader.getFooter().getFileMetaData().getKeyValueMetaData()).containsEntry("k", "v");
        }
    }

    @Test
    void settingNamesParse() {
        assertThat(TypeMapping.Time.named("TIME-MICROS")).isEqualTo(TypeMapping.Time.TIME_MICROS);
        assertThat(TypeMapping.FloatOrder.named("ieee754-total")).isEqualTo(TypeMapping.FloatOrder.IEEE754_TOTAL);
        assertThatThrownBy(() -> TypeMapping.Time.named("nanos")).hasMessageContaining("int32-millis");
        assertThat(Map.of("d", TypeMapping.DEFAULTS.time().setting())).containsEntry("d", "int32-millis");
    }
}
