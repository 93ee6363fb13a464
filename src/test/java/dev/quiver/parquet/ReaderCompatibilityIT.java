package dev.quiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.testing.ConnectStack;
import dev.quiver.testing.ParquetReadback;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every type Quiver writes, landed by the real stack (Connect, Kafka, S3 API) with default settings, read back by
 * independent readers with no reader settings: Spark 3.5.8 and 4.1.1 in local mode (each in a JVM of its own, see
 * {@link SparkReader}; their parquet-java 1.13.1 and 1.16.0 also check the float statistics), pyarrow 25 (a python3
 * process, {@link PyarrowReader}), Trino 483's Parquet reader (a JDK 25 JVM, {@link TrinoReader}), parquet-java 1.18's
 * own reader, and DuckDB. A second connector writes the exact-typed alternatives (TIME kept as TIME, IEEE 754 float
 * order, widest types) to show what each reader makes of them, as README's "Where readers differ" says. A second topic
 * whose declared schema widens a field and adds one lands two files per connector, which Spark reads together with
 * {@code mergeSchema}. Each reader runs once, over every file.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReaderCompatibilityIT {
    private static final Duration LANDING_TIMEOUT = Duration.ofSeconds(120);
    private static final String TOPIC = "everytype";
    private static final String DEFAULTS = "defaults";
    private static final String EXACT = "exact";
    private static final String EVOLVING = "evolving";
    private static final String WIDEST = "widest";
    private static final String NARROW = "narrow";

    /** The evolving topic's two schema versions: v2 widens {@code n} from int16 to int32 and adds {@code note}. */
    private static final String EVOLVING_V1 = "{\"type\":\"struct\",\"optional\":false,\"fields\":["
            + "{\"field\":\"id\",\"type\":\"int32\",\"optional\":false},"
            + "{\"field\":\"n\",\"type\":\"int16\",\"optional\":true}]}";
    private static final String EVOLVING_V2 = "{\"type\":\"struct\",\"optional\":false,\"fields\":["
            + "{\"field\":\"id\",\"type\":\"int32\",\"optional\":false},"
            + "{\"field\":\"n\",\"type\":\"int32\",\"optional\":true},"
            + "{\"field\":\"note\",\"type\":\"string\",\"optional\":true}]}";

    static final String SCHEMA = "{\"type\":\"struct\",\"optional\":false,\"fields\":["
            + "{\"field\":\"id\",\"type\":\"int32\",\"optional\":false},"
            + "{\"field\":\"i8\",\"type\":\"int8\",\"optional\":true},"
            + "{\"field\":\"i16\",\"type\":\"int16\",\"optional\":true},"
            + "{\"field\":\"i32\",\"type\":\"int32\",\"optional\":true},"
            + "{\"field\":\"i64\",\"type\":\"int64\",\"optional\":true},"
            + "{\"field\":\"f32\",\"type\":\"float\",\"optional\":true},"
            + "{\"field\":\"f64\",\"type\":\"double\",\"optional\":true},"
            + "{\"field\":\"flag\",\"type\":\"boolean\",\"optional\":true},"
            + "{\"field\":\"text\",\"type\":\"string\",\"optional\":true},"
            + "{\"field\":\"raw\",\"type\":\"bytes\",\"optional\":true},"
            + decimal("d5", 2, 5) + "," + decimal("d15", 3, 15) + "," + decimal("d30", 4, 30) + ","
            + "{\"field\":\"day\",\"type\":\"int32\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Date\",\"version\":1},"
            + "{\"field\":\"at\",\"type\":\"int32\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Time\",\"version\":1},"
            + "{\"field\":\"ts\",\"type\":\"int64\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1},"
            + "{\"field\":\"tags\",\"type\":\"array\",\"items\":{\"type\":\"string\",\"optional\":true},\"optional\":true},"
            + "{\"field\":\"attrs\",\"type\":\"map\",\"keys\":{\"type\":\"string\",\"optional\":false},"
            + "\"values\":{\"type\":\"int64\",\"optional\":true},\"optional\":true},"
            + "{\"field\":\"outer\",\"type\":\"struct\",\"optional\":true,\"fields\":["
            + "{\"field\":\"inner\",\"type\":\"struct\",\"optional\":true,\"fields\":[{\"field\":\"leaf\",\"type\":\"string\",\"optional\":true}]},"
            + "{\"field\":\"n\",\"type\":\"int16\",\"optional\":false}]}"
            + "]}";

    /** Row 0: extremes and dates before the Gregorian switch; row 1: ordinary values; row 2: nulls. */
    static final List<String> PAYLOADS = List.of(
            "{\"id\":0,\"i8\":-128,\"i16\":-32768,\"i32\":-2147483648,\"i64\":-9223372036854775808,\"f32\":-1.5,"
                    + "\"f64\":-2.25,\"flag\":false,\"text\":\"h\u00e9llo\",\"raw\":\"AAEC\",\"d5\":-123.45,"
                    + "\"d15\":-123456789012.345,\"d30\":-12345678901234567890123456.7890,\"day\":-354285,\"at\":1,"
                    + "\"ts\":-30610224000000,\"tags\":[\"a\",null],\"attrs\":{\"k\":1},"
                    + "\"outer\":{\"inner\":{\"leaf\":\"deep\"},\"n\":-1}}",
            "{\"id\":1,\"i8\":127,\"i16\":32767,\"i32\":2147483647,\"i64\":9223372036854775807,\"f32\":3.25,"
                    + "\"f64\":1.0e300,\"flag\":true,\"text\":\"\",\"raw\":\"\",\"d5\":999.99,"
                    + "\"d15\":999999999999.999,\"d30\":99999999999999999999999999.9999,\"day\":19782,\"at\":86399999,"
                    + "\"ts\":1709210096789,\"tags\":[],\"attrs\":{},\"outer\":{\"inner\":null,\"n\":2}}",
            "{\"id\":2,\"i8\":null,\"i16\":null,\"i32\":null,\"i64\":null,\"f32\":null,\"f64\":null,\"flag\":null,"
                    + "\"text\":null,\"raw\":null,\"d5\":null,\"d15\":null,\"d30\":null,\"day\":null,\"at\":null,"
                    + "\"ts\":null,\"tags\":null,\"attrs\":null,\"outer\":null}");

    private ConnectStack stack;
    private Path defaultsFile;
    private Path exactFile;
    private List<Path> widestFiles;
    private List<Path> narrowFiles;
    private List<String> spark35;
    private List<String> spark41;
    private List<String> pyarrow;
    private List<String> trino;

    private static String decimal(String name, int scale, int precision) {
        return "{\"field\":\"" + name + "\",\"type\":\"bytes\",\"optional\":true,"
                + "\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
                + "\"parameters\":{\"scale\":\"" + scale + "\",\"connect.decimal.precision\":\"" + precision + "\"}}";
    }

    @BeforeAll
    void landAndRead() throws Exception {
        // Every reader is made ready (classpaths, probes, interpreter) while the stack starts.
        CompletableFuture<SparkReader> reader35 = CompletableFuture.supplyAsync(() -> sparkReader("3.5.8"));
        CompletableFuture<SparkReader> reader41 = CompletableFuture.supplyAsync(() -> sparkReader("4.1.1"));
        CompletableFuture<TrinoReader> trinoReader = CompletableFuture.supplyAsync(() -> call(TrinoReader::create));
        CompletableFuture<PyarrowReader> pyarrowReader = CompletableFuture.supplyAsync(() -> call(PyarrowReader::create));
        stack = ConnectStack.start(1);
        stack.createTopic(TOPIC, 1);
        stack.createTopic(EVOLVING, 1);
        KafkaProducer<byte[], byte[]> producer = stack.createProducer(Map.of());
        for (String payload : PAYLOADS) {
            send(producer, TOPIC, SCHEMA, payload);
        }
        send(producer, EVOLVING, EVOLVING_V1, "{\"id\":0,\"n\":-32768}");
        send(producer, EVOLVING, EVOLVING_V1, "{\"id\":1,\"n\":7}");
        stack.startConnector(DEFAULTS, stack.connectorConfig(DEFAULTS, TOPIC, Map.of("flush.interval.ms", "1000")), 1);
        stack.startConnector(EXACT, stack.connectorConfig(EXACT, TOPIC, Map.of("flush.interval.ms", "1000",
                "parquet.time.type", "time-micros", "parquet.float.column.order", "ieee754-total",
                "parquet.widest.types", "true")), 1);
        stack.startConnector(WIDEST, stack.connectorConfig(WIDEST, EVOLVING, Map.of("flush.interval.ms", "1000",
                "parquet.widest.types", "true")), 1);
        stack.startConnector(NARROW, stack.connectorConfig(NARROW, EVOLVING, Map.of("flush.interval.ms", "1000")), 1);
        // The first version's file lands before the second version is sent, so each connector writes two files.
        assertThat(stack.awaitDataFiles(WIDEST, 2, LANDING_TIMEOUT)).hasSize(1);
        assertThat(stack.awaitDataFiles(NARROW, 2, LANDING_TIMEOUT)).hasSize(1);
        send(producer, EVOLVING, EVOLVING_V2, "{\"id\":2,\"n\":2147483647,\"note\":\"added\"}");
        send(producer, EVOLVING, EVOLVING_V2, "{\"id\":3,\"n\":null,\"note\":null}");
        defaultsFile = single(stack.awaitDataFiles(DEFAULTS, PAYLOADS.size(), LANDING_TIMEOUT));
        exactFile = single(stack.awaitDataFiles(EXACT, PAYLOADS.size(), LANDING_TIMEOUT));
        widestFiles = stack.awaitDataFiles(WIDEST, 4, LANDING_TIMEOUT);
        narrowFiles = stack.awaitDataFiles(NARROW, 4, LANDING_TIMEOUT);
        assertThat(widestFiles).hasSize(2);
        assertThat(narrowFiles).hasSize(2);

        Path scratch = stack.newTempDir("readers");
        String merges = "merge:" + WIDEST + "=" + join(widestFiles);
        String mergeNarrow = "merge:" + NARROW + "=" + join(narrowFiles);
        List<String> files = List.of(DEFAULTS + "=" + defaultsFile, EXACT + "=" + exactFile, merges, mergeNarrow);
        CompletableFuture<List<String>> read35 = reader35.thenApplyAsync(r -> call(() -> r.read(scratch, files)));
        // Spark 4.1 reads the defaults with no settings; TIME only with its time type switched on.
        List<String> with41 = List.of(DEFAULTS + "=" + defaultsFile, "set:spark.sql.timeType.enabled=true",
                EXACT + "=" + exactFile, merges, mergeNarrow);
        CompletableFuture<List<String>> read41 = reader41.thenApplyAsync(r -> call(() -> r.read(scratch, with41)));
        CompletableFuture<List<String>> readPyarrow = pyarrowReader.thenApplyAsync(r -> call(() -> r.read(scratch,
                List.of(DEFAULTS + "=" + defaultsFile, EXACT + "=" + exactFile))));
        CompletableFuture<List<String>> readTrino = trinoReader.thenApplyAsync(r -> call(() -> r.read(scratch,
                trinoArguments())));
        pyarrow = readPyarrow.get();
        trino = readTrino.get();
        spark35 = read35.get();
        spark41 = read41.get();
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String schema, String payload) {
        String value = "{\"schema\":" + schema + ",\"payload\":" + payload + "}";
        ConnectStack.sendAndAwait(producer, new ProducerRecord<>(topic, 0, 1_700_000_000_000L, null,
                value.getBytes(StandardCharsets.UTF_8)));
    }

    private static String join(List<Path> paths) {
        return paths.stream().map(Path::toString).collect(Collectors.joining(","));
    }

    /** What Trino reads: each file with the columns a table over it declares (Trino takes types from the table). */
    private List<String> trinoArguments() {
        List<String> args = new ArrayList<>();
        args.add("file:" + DEFAULTS + "=" + defaultsFile);
        trinoDefaultTypes().forEach((column, type) -> args.add("column:" + column + "=" + type));
        // A Hive table has no TIMESTAMP WITH TIME ZONE: its timestamp(3) reads the instant as UTC wall time.
        args.addAll(List.of("file:hive=" + defaultsFile, "column:ts=timestamp(3)", "column:day=date"));
        // The millisecond Time column is a plain INT32: Trino refuses to read it as a TIME.
        args.addAll(List.of("file:time=" + defaultsFile, "column:at=time(3)"));
        args.addAll(List.of("file:" + EXACT + "=" + exactFile, "column:i8=bigint", "column:f32=double",
                "column:d5=decimal(38,2)", "column:at=time(6)"));
        // One declaration (the widest type) reads both files of the evolving topic, narrow as they are.
        for (int i = 0; i < 2; i++) {
            args.addAll(List.of("file:" + NARROW + i + "=" + narrowFiles.get(i), "column:id=integer",
                    "column:n=bigint"));
        }
        args.add("column:note=varchar");
        return args;
    }

    private static Map<String, String> trinoDefaultTypes() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("id", "integer");
        t.put("i8", "tinyint");
        t.put("i16", "smallint");
        t.put("i32", "integer");
        t.put("i64", "bigint");
        t.put("f32", "real");
        t.put("f64", "double");
        t.put("flag", "boolean");
        t.put("text", "varchar");
        t.put("raw", "varbinary");
        t.put("d5", "decimal(5,2)");
        t.put("d15", "decimal(15,3)");
        t.put("d30", "decimal(30,4)");
        t.put("day", "date");
        t.put("at", "integer");
        t.put("ts", "timestamp(3) with time zone");
        t.put("tags", "array(varchar)");
        t.put("attrs", "map(varchar, bigint)");
        t.put("outer", "row(\"inner\" row(\"leaf\" varchar), \"n\" smallint)");
        t.put("_kafka_topic", "varchar");
        t.put("_kafka_partition", "integer");
        t.put("_kafka_offset", "bigint");
        t.put("_kafka_timestamp", "timestamp(3) with time zone");
        t.put("_kafka_timestamp_type", "varchar");
        t.put("_kafka_key", "varchar");
        t.put("_kafka_headers", "array(row(\"key\" varchar, \"value\" varchar))");
        return t;
    }

    /** An IO-throwing step run on a future's thread. */
    private interface Step<T> {
        T run() throws Exception;
    }

    private static <T> T call(Step<T> step) {
        try {
            return step.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static SparkReader sparkReader(String version) {
        try {
            return SparkReader.of(version);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path single(List<Path> files) {
        assertThat(files).hasSize(1);
        return files.get(0);
    }

    /** The probe's lines of one kind for one file, without the kind and label. */
    private static List<String> lines(List<String> probe, String kind, String label) {
        String prefix = kind + " " + label + " ";
        return probe.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()))
                .collect(Collectors.toList());
    }

    /** The probe's "first-word rest" lines as a map. */
    private static Map<String, String> pairs(List<String> lines) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String line : lines) {
            int space = line.indexOf(' ');
            map.put(line.substring(0, space), line.substring(space + 1));
        }
        return map;
    }

    private static final String META_SPARK = "\"_kafka_topic\":\"everytype\",\"_kafka_partition\":0,\"_kafka_offset\":%d,"
            + "\"_kafka_timestamp\":\"2023-11-14T22:13:20.000Z\",\"_kafka_timestamp_type\":\"CreateTime\","
            + "\"_kafka_headers\":[]}";

    /** Spark's to_json of each row of the default file (to_json leaves nulls out). */
    private static final List<String> SPARK_ROWS = List.of(
            "{\"id\":0,\"i8\":-128,\"i16\":-32768,\"i32\":-2147483648,\"i64\":-9223372036854775808,\"f32\":-1.5,"
                    + "\"f64\":-2.25,\"flag\":false,\"text\":\"h\u00e9llo\",\"raw\":\"AAEC\",\"d5\":-123.45,"
                    + "\"d15\":-123456789012.345,\"d30\":-12345678901234567890123456.7890,\"day\":\"1000-01-01\","
                    + "\"at\":1,\"ts\":\"1000-01-01T00:00:00.000Z\",\"tags\":[\"a\",null],\"attrs\":{\"k\":1},"
                    + "\"outer\":{\"inner\":{\"leaf\":\"deep\"},\"n\":-1}," + String.format(META_SPARK, 0),
            "{\"id\":1,\"i8\":127,\"i16\":32767,\"i32\":2147483647,\"i64\":9223372036854775807,\"f32\":3.25,"
                    + "\"f64\":1.0E300,\"flag\":true,\"text\":\"\",\"raw\":\"\",\"d5\":999.99,"
                    + "\"d15\":999999999999.999,\"d30\":99999999999999999999999999.9999,\"day\":\"2024-02-29\","
                    + "\"at\":86399999,\"ts\":\"2024-02-29T12:34:56.789Z\",\"tags\":[],\"attrs\":{},"
                    + "\"outer\":{\"n\":2}," + String.format(META_SPARK, 1),
            "{\"id\":2," + String.format(META_SPARK, 2));

    private static Map<String, String> sparkDefaultTypes() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("id", "int");
        t.put("i8", "tinyint");
        t.put("i16", "smallint");
        t.put("i32", "int");
        t.put("i64", "bigint");
        t.put("f32", "float");
        t.put("f64", "double");
        t.put("flag", "boolean");
        t.put("text", "string");
        t.put("raw", "binary");
        t.put("d5", "decimal(5,2)");
        t.put("d15", "decimal(15,3)");
        t.put("d30", "decimal(30,4)");
        t.put("day", "date");
        t.put("at", "int");
        t.put("ts", "timestamp");
        t.put("tags", "array<string>");
        t.put("attrs", "map<string,bigint>");
        t.put("outer", "struct<inner:struct<leaf:string>,n:smallint>");
        t.put("_kafka_topic", "string");
        t.put("_kafka_partition", "int");
        t.put("_kafka_offset", "bigint");
        t.put("_kafka_timestamp", "timestamp");
        t.put("_kafka_timestamp_type", "string");
        t.put("_kafka_key", "string");
        t.put("_kafka_headers", "array<struct<key:string,value:string>>");
        return t;
    }

    @Test
    void spark35And41ReadTheDefaultFileWithNoSettingsDatesBefore1582Included() {
        for (List<String> probe : List.of(spark35, spark41)) {
            assertThat(lines(probe, "ERROR", DEFAULTS)).as(probe.get(0)).isEmpty();
            assertThat(pairs(lines(probe, "TYPE", DEFAULTS))).as(probe.get(0))
                    .containsExactlyEntriesOf(sparkDefaultTypes());
            assertThat(lines(probe, "ROW", DEFAULTS)).as(probe.get(0)).containsExactlyElementsOf(SPARK_ROWS);
        }
        assertThat(spark35.get(0)).startsWith("VERSION spark 3.5.8 parquet-java parquet-mr version 1.13.1");
        assertThat(spark41.get(0)).startsWith("VERSION spark 4.1.1 parquet-java parquet-mr version 1.16.0");
    }

    @Test
    void floatStatisticsAreVisibleToTheParquetJavaSparkShipsUnlessTheTotalOrderIsAsked() {
        for (List<String> probe : List.of(spark35, spark41)) {
            Map<String, String> defaults = pairs(lines(probe, "STATS", DEFAULTS));
            assertThat(defaults).as(probe.get(0)).containsEntry("f32", "-1.5..3.25 1pages")
                    .containsEntry("f64", "-2.25..1.0E300 1pages");
            // The IEEE 754 total order is unknown before parquet-java 1.18: statistics and column index are dropped.
            Map<String, String> exact = pairs(lines(probe, "STATS", EXACT));
            assertThat(exact).as(probe.get(0)).containsEntry("f32", "empty none").containsEntry("f64", "empty none");
        }
    }

    @Test
    void theExactTypedAlternativesReadAsTimeInSpark41WithItsSettingAndNotAtAllInSpark35() {
        assertThat(lines(spark35, "ERROR", EXACT)).singleElement().asString()
                .contains("Illegal Parquet type: INT64 (TIME(MICROS,false))");
        assertThat(lines(spark41, "ERROR", EXACT)).isEmpty();
        Map<String, String> types = pairs(lines(spark41, "TYPE", EXACT));
        assertThat(types).containsEntry("id", "bigint").containsEntry("i8", "bigint").containsEntry("i16", "bigint")
                .containsEntry("i32", "bigint").containsEntry("f32", "double").containsEntry("d5", "decimal(38,2)")
                .containsEntry("d15", "decimal(38,3)").containsEntry("d30", "decimal(38,4)")
                .containsEntry("at", "time(6)").containsEntry("outer", "struct<inner:struct<leaf:string>,n:bigint>")
                .containsEntry("_kafka_partition", "bigint");
        List<String> rows = lines(spark41, "ROW", EXACT);
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0)).contains("\"i8\":-128,", "\"f32\":-1.5,", "\"d5\":-123.45,", "\"at\":\"00:00:00.001\"",
                "\"day\":\"1000-01-01\"");
        assertThat(rows.get(1)).contains("\"f32\":3.25,", "\"at\":\"23:59:59.999\"");
    }

    private static final String META_PYARROW = "\"_kafka_topic\": \"everytype\", \"_kafka_partition\": 0, "
            + "\"_kafka_offset\": %d, \"_kafka_timestamp\": \"2023-11-14T22:13:20+00:00\", "
            + "\"_kafka_timestamp_type\": \"CreateTime\", \"_kafka_key\": null, \"_kafka_headers\": []}";

    /** pyarrow's rows of the default file, as the probe's JSON (decimals as text, bytes as hex, ISO dates). */
    private static final List<String> PYARROW_ROWS = List.of(
            "{\"id\": 0, \"i8\": -128, \"i16\": -32768, \"i32\": -2147483648, \"i64\": -9223372036854775808, "
                    + "\"f32\": -1.5, \"f64\": -2.25, \"flag\": false, \"text\": \"h\u00e9llo\", \"raw\": \"000102\", "
                    + "\"d5\": \"-123.45\", \"d15\": \"-123456789012.345\", "
                    + "\"d30\": \"-12345678901234567890123456.7890\", \"day\": \"1000-01-01\", \"at\": 1, "
                    + "\"ts\": \"1000-01-01T00:00:00+00:00\", \"tags\": [\"a\", null], \"attrs\": [[\"k\", 1]], "
                    + "\"outer\": {\"inner\": {\"leaf\": \"deep\"}, \"n\": -1}, " + String.format(META_PYARROW, 0),
            "{\"id\": 1, \"i8\": 127, \"i16\": 32767, \"i32\": 2147483647, \"i64\": 9223372036854775807, "
                    + "\"f32\": 3.25, \"f64\": 1e+300, \"flag\": true, \"text\": \"\", \"raw\": \"\", "
                    + "\"d5\": \"999.99\", \"d15\": \"999999999999.999\", "
                    + "\"d30\": \"99999999999999999999999999.9999\", \"day\": \"2024-02-29\", \"at\": 86399999, "
                    + "\"ts\": \"2024-02-29T12:34:56.789000+00:00\", \"tags\": [], \"attrs\": [], "
                    + "\"outer\": {\"inner\": null, \"n\": 2}, " + String.format(META_PYARROW, 1),
            "{\"id\": 2, \"i8\": null, \"i16\": null, \"i32\": null, \"i64\": null, \"f32\": null, "
                    + "\"f64\": null, \"flag\": null, \"text\": null, \"raw\": null, \"d5\": null, \"d15\": null, "
                    + "\"d30\": null, \"day\": null, \"at\": null, \"ts\": null, \"tags\": null, \"attrs\": null, "
                    + "\"outer\": null, " + String.format(META_PYARROW, 2));

    private static Map<String, String> pyarrowDefaultTypes() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("id", "int32");
        t.put("i8", "int8");
        t.put("i16", "int16");
        t.put("i32", "int32");
        t.put("i64", "int64");
        t.put("f32", "float");
        t.put("f64", "double");
        t.put("flag", "bool");
        t.put("text", "string");
        t.put("raw", "binary");
        t.put("d5", "decimal128(5, 2)");
        t.put("d15", "decimal128(15, 3)");
        t.put("d30", "decimal128(30, 4)");
        t.put("day", "date32[day]");
        t.put("at", "int32");
        t.put("ts", "timestamp[ms, tz=UTC]");
        t.put("tags", "list<element: string>");
        t.put("attrs", "map<string, int64 ('attrs')>");
        t.put("outer", "struct<inner: struct<leaf: string>, n: int16 not null>");
        t.put("_kafka_topic", "string");
        t.put("_kafka_partition", "int32");
        t.put("_kafka_offset", "int64");
        t.put("_kafka_timestamp", "timestamp[ms, tz=UTC]");
        t.put("_kafka_timestamp_type", "string");
        t.put("_kafka_key", "string");
        t.put("_kafka_headers", "list<element: struct<key: string not null, value: string> not null>");
        return t;
    }

    @Test
    void pyarrowReadsEveryTypeAndValueAndTheFloatStatistics() {
        assertThat(pyarrow.get(0)).isEqualTo("VERSION pyarrow 25.0.1");
        assertThat(lines(pyarrow, "ERROR", DEFAULTS)).isEmpty();
        assertThat(pairs(lines(pyarrow, "TYPE", DEFAULTS))).containsExactlyEntriesOf(pyarrowDefaultTypes());
        assertThat(lines(pyarrow, "ROW", DEFAULTS)).containsExactlyElementsOf(PYARROW_ROWS);
        assertThat(pairs(lines(pyarrow, "STATS", DEFAULTS))).containsEntry("f32", "-1.5..3.25")
                .containsEntry("f64", "-2.25..1e+300").containsEntry("day", "1000-01-01..2024-02-29");

        assertThat(lines(pyarrow, "ERROR", EXACT)).isEmpty();
        assertThat(pairs(lines(pyarrow, "TYPE", EXACT))).containsEntry("i8", "int64").containsEntry("f32", "double")
                .containsEntry("d5", "decimal128(38, 2)").containsEntry("at", "time64[us]")
                .containsEntry("_kafka_partition", "int64");
        List<String> exactRows = lines(pyarrow, "ROW", EXACT);
        assertThat(exactRows).hasSize(3);
        assertThat(exactRows.get(0)).contains("\"i8\": -128,", "\"f32\": -1.5,", "\"d5\": \"-123.45\",",
                "\"at\": \"00:00:00.001000\",");
        assertThat(exactRows.get(1)).contains("\"f32\": 3.25,", "\"at\": \"23:59:59.999000\",");
        // The IEEE 754 total order is unknown to Arrow C++ 25 too: it shows no statistics for those columns.
        assertThat(pairs(lines(pyarrow, "STATS", EXACT))).containsEntry("f32", "empty").containsEntry("f64", "empty");
    }

    /** Trino's values of the default file, row by row, in {@link #trinoDefaultTypes()}'s column order. */
    private static final List<List<String>> TRINO_ROWS = List.of(
            List.of("0", "-128", "-32768", "-2147483648", "-9223372036854775808", "-1.5", "-2.25", "false",
                    "h\u00e9llo", "0x000102", "-123.45", "-123456789012.345", "-12345678901234567890123456.7890",
                    "1000-01-01", "1", "1000-01-01 00:00:00.000 UTC", "[a, null]", "{k=1}", "[[deep], -1]",
                    "everytype", "0", "0", "2023-11-14 22:13:20.000 UTC", "CreateTime", "null", "[]"),
            List.of("1", "127", "32767", "2147483647", "9223372036854775807", "3.25", "1.0E300", "true", "", "0x",
                    "999.99", "999999999999.999", "99999999999999999999999999.9999", "2024-02-29", "86399999",
                    "2024-02-29 12:34:56.789 UTC", "[]", "{}", "[null, 2]", "everytype", "0", "1",
                    "2023-11-14 22:13:20.000 UTC", "CreateTime", "null", "[]"),
            List.of("2", "null", "null", "null", "null", "null", "null", "null", "null", "null", "null", "null",
                    "null", "null", "null", "null", "null", "null", "null", "everytype", "0", "2",
                    "2023-11-14 22:13:20.000 UTC", "CreateTime", "null", "[]"));

    /** The probe's VALUE lines of one file as "row column value". */
    private List<String> trinoValues(String label) {
        return lines(trino, "VALUE", label);
    }

    @Test
    void trinoReadsEveryColumnAsTheTableDeclaresIt() {
        assertThat(trino.get(0)).isEqualTo("VERSION trino-parquet " + TrinoReader.VERSION);
        for (String label : List.of(DEFAULTS, "hive", EXACT, NARROW + 0, NARROW + 1)) {
            assertThat(lines(trino, "ERROR", label)).as(label).isEmpty();
        }
        assertThat(pairs(lines(trino, "TYPE", DEFAULTS))).containsExactlyEntriesOf(trinoDefaultTypes());
        List<String> expected = new ArrayList<>();
        List<String> columns = new ArrayList<>(trinoDefaultTypes().keySet());
        for (int row = 0; row < TRINO_ROWS.size(); row++) {
            for (int c = 0; c < columns.size(); c++) {
                expected.add(row + " " + columns.get(c) + " " + TRINO_ROWS.get(row).get(c));
            }
        }
        assertThat(trinoValues(DEFAULTS)).containsExactlyElementsOf(expected);
        assertThat(trinoValues("hive")).containsExactly("0 ts 1000-01-01 00:00:00.000", "0 day 1000-01-01",
                "1 ts 2024-02-29 12:34:56.789", "1 day 2024-02-29", "2 ts null", "2 day null");
        assertThat(lines(trino, "ERROR", "time")).singleElement().asString()
                .contains("Unsupported Trino column type (time(3)) for Parquet column ([at] optional int32 at)");
        assertThat(trinoValues(EXACT)).containsExactly(
                "0 i8 -128", "0 f32 -1.5", "0 d5 -123.45", "0 at 00:00:00.001000",
                "1 i8 127", "1 f32 3.25", "1 d5 999.99", "1 at 23:59:59.999000",
                "2 i8 null", "2 f32 null", "2 d5 null", "2 at null");
        assertThat(trinoValues(NARROW + 0)).containsExactly("0 id 0", "0 n -32768", "1 id 1", "1 n 7");
        assertThat(trinoValues(NARROW + 1)).containsExactly("0 id 2", "0 n 2147483647", "0 note added",
                "1 id 3", "1 n null", "1 note null");
    }

    @Test
    void sparkMergeSchemaReadsTheWidenedAndAddedColumnsWhenTheWidestTypesAreWritten() {
        for (List<String> probe : List.of(spark35, spark41)) {
            assertThat(lines(probe, "ERROR", WIDEST)).as(probe.get(0)).isEmpty();
            assertThat(pairs(lines(probe, "TYPE", WIDEST))).as(probe.get(0)).containsEntry("id", "bigint")
                    .containsEntry("n", "bigint").containsEntry("note", "string")
                    .containsEntry("_kafka_offset", "bigint");
            List<String> rows = lines(probe, "ROW", WIDEST);
            assertThat(rows).as(probe.get(0)).hasSize(4);
            assertThat(rows.get(0)).startsWith("{\"id\":0,\"n\":-32768,").contains("\"_kafka_offset\":0,")
                    .doesNotContain("note");
            assertThat(rows.get(1)).startsWith("{\"id\":1,\"n\":7,").contains("\"_kafka_offset\":1,")
                    .doesNotContain("note");
            assertThat(rows.get(2)).startsWith("{\"id\":2,\"n\":2147483647,").contains("\"_kafka_offset\":2,")
                    .contains("\"note\":\"added\"");
            assertThat(rows.get(3)).startsWith("{\"id\":3,\"_kafka_topic\":\"evolving\",")
                    .contains("\"_kafka_offset\":3,").doesNotContain("note");
            // Without the widest types, n is smallint in the first file and int in the second: mergeSchema refuses.
            assertThat(lines(probe, "ERROR", NARROW)).as(probe.get(0)).singleElement().asString()
                    .contains("[CANNOT_MERGE_SCHEMAS] Failed merging schemas");
        }
    }

    @Test
    void duckDbReadsEveryTypeAndValue() {
        try (ParquetReadback duck = new ParquetReadback()) {
            Map<String, String> types = duck.columnTypes(List.of(defaultsFile));
            assertThat(types).containsEntry("i8", "TINYINT").containsEntry("i16", "SMALLINT")
                    .containsEntry("i32", "INTEGER").containsEntry("i64", "BIGINT").containsEntry("f32", "FLOAT")
                    .containsEntry("f64", "DOUBLE").containsEntry("flag", "BOOLEAN").containsEntry("text", "VARCHAR")
                    .containsEntry("raw", "BLOB").containsEntry("d5", "DECIMAL(5,2)")
                    .containsEntry("d15", "DECIMAL(15,3)").containsEntry("d30", "DECIMAL(30,4)")
                    .containsEntry("day", "DATE").containsEntry("at", "INTEGER")
                    .containsEntry("ts", "TIMESTAMP WITH TIME ZONE").containsEntry("tags", "VARCHAR[]")
                    .containsEntry("attrs", "MAP(VARCHAR, BIGINT)")
                    .containsEntry("outer", "STRUCT(\"inner\" STRUCT(leaf VARCHAR), n SMALLINT)");
            duck.execute("SET TimeZone = 'UTC'");
            String select = "SELECT i8, i16, i32, i64, f32, f64, flag, text, hex(raw), d5::VARCHAR, d15::VARCHAR,"
                    + " d30::VARCHAR, day::VARCHAR, \"at\", strftime(ts, '%Y-%m-%d %H:%M:%S.%g'), tags, attrs::VARCHAR,"
                    + " \"outer\"::VARCHAR FROM ";
            List<List<Object>> rows = duck.queryLists(select + ParquetReadback.table(List.of(defaultsFile))
                    + " ORDER BY id");
            assertThat(rows.get(0)).containsExactly((byte) -128, (short) -32768, Integer.MIN_VALUE, Long.MIN_VALUE,
                    -1.5f, -2.25, false, "h\u00e9llo", "000102", "-123.45", "-123456789012.345",
                    "-12345678901234567890123456.7890", "1000-01-01", 1, "1000-01-01 00:00:00.000",
                    java.util.Arrays.asList("a", null), "{k=1}", "{'inner': {'leaf': deep}, 'n': -1}");
            assertThat(rows.get(1)).containsExactly((byte) 127, (short) 32767, Integer.MAX_VALUE, Long.MAX_VALUE,
                    3.25f, 1.0e300, true, "", "", "999.99", "999999999999.999", "99999999999999999999999999.9999",
                    "2024-02-29", 86_399_999, "2024-02-29 12:34:56.789", List.of(), "{}",
                    "{'inner': NULL, 'n': 2}");
            assertThat(rows.get(2)).containsOnlyNulls();

            Map<String, String> exact = duck.columnTypes(List.of(exactFile));
            assertThat(exact).containsEntry("i8", "BIGINT").containsEntry("f32", "DOUBLE")
                    .containsEntry("d5", "DECIMAL(38,2)").containsEntry("at", "TIME");
            assertThat(duck.queryLists("SELECT i8, f32, d5::VARCHAR, \"at\"::VARCHAR FROM "
                    + ParquetReadback.table(List.of(exactFile)) + " ORDER BY id LIMIT 2")).containsExactly(
                    List.of(-128L, -1.5, "-123.45", "00:00:00.001"), List.of(127L, 3.25, "999.99", "23:59:59.999"));
        }
    }

    @Test
    void parquetJavaReadsTheSchemaValuesAndFooterInAFixedOrder() throws Exception {
        Configuration conf = new Configuration();
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(defaultsFile.toUri());
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(path, conf))) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            assertThat(schema.getType("at").asPrimitiveType().getPrimitiveTypeName())
                    .isEqualTo(org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32);
            assertThat(schema.getType("at").getLogicalTypeAnnotation()).isNull();
            assertThat(schema.getType("day").getLogicalTypeAnnotation())
                    .isEqualTo(org.apache.parquet.schema.LogicalTypeAnnotation.dateType());
            assertThat(schema.getType("ts").getLogicalTypeAnnotation()).isEqualTo(
                    org.apache.parquet.schema.LogicalTypeAnnotation.timestampType(true,
                            org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit.MILLIS));
            for (String floating : List.of("f32", "f64")) {
                assertThat(schema.getType(floating).asPrimitiveType().columnOrder())
                        .isEqualTo(org.apache.parquet.schema.ColumnOrder.typeDefined());
            }
            boolean sawF64 = false;
            for (ColumnChunkMetaData column : reader.getFooter().getBlocks().get(0).getColumns()) {
                if (column.getPath().toDotString().equals("f64")) {
                    assertThat(column.getStatistics().genericGetMin()).isEqualTo(-2.25);
                    assertThat(column.getStatistics().genericGetMax()).isEqualTo(1.0e300);
                    sawF64 = true;
                }
            }
            assertThat(sawF64).isTrue();
            assertThat(reader.getFooter().getFileMetaData().getKeyValueMetaData())
                    .containsEntry("org.apache.spark.version", "3.0.0").containsEntry("kafka.topic", TOPIC);
        }
        // The footer's pairs lie in the file in the order Quiver gives them, the Spark calendar marker first
        // (parquet-java's reader hands them back in a HashMap, so the bytes are where the order shows).
        String bytes = new String(java.nio.file.Files.readAllBytes(defaultsFile), StandardCharsets.ISO_8859_1);
        List<Integer> at = new ArrayList<>();
        for (String key : List.of("org.apache.spark.version", "quiver.version", "kafka.topic", "kafka.partition",
                "kafka.offset.first", "kafka.offset.last")) {
            at.add(bytes.lastIndexOf(key));
        }
        assertThat(at).doesNotContain(-1).isSorted();
        List<Group> rows = new ArrayList<>();
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), path).withConf(conf)
                .build()) {
            for (Group g = reader.read(); g != null; g = reader.read()) {
                rows.add(g);
            }
        }
        assertThat(rows).hasSize(3);
        Group first = rows.get(0);
        assertThat(first.getInteger("i8", 0)).isEqualTo(-128);
        assertThat(first.getInteger("i16", 0)).isEqualTo(-32768);
        assertThat(first.getInteger("i32", 0)).isEqualTo(Integer.MIN_VALUE);
        assertThat(first.getLong("i64", 0)).isEqualTo(Long.MIN_VALUE);
        assertThat(first.getFloat("f32", 0)).isEqualTo(-1.5f);
        assertThat(first.getDouble("f64", 0)).isEqualTo(-2.25);
        assertThat(first.getBoolean("flag", 0)).isFalse();
        assertThat(first.getString("text", 0)).isEqualTo("h\u00e9llo");
        assertThat(first.getBinary("raw", 0).getBytes()).containsExactly(0, 1, 2);
        assertThat(first.getInteger("d5", 0)).isEqualTo(-12345);
        assertThat(first.getLong("d15", 0)).isEqualTo(-123456789012345L);
        assertThat(new java.math.BigInteger(first.getBinary("d30", 0).getBytes()))
                .isEqualTo(new java.math.BigInteger("-123456789012345678901234567890"));
        assertThat(first.getInteger("day", 0)).isEqualTo(-354285);
        assertThat(first.getInteger("at", 0)).isEqualTo(1);
        assertThat(first.getLong("ts", 0)).isEqualTo(-30_610_224_000_000L);
        assertThat(first.getGroup("tags", 0).getGroup("list", 0).getString("element", 0)).isEqualTo("a");
        assertThat(first.getGroup("attrs", 0).getGroup("key_value", 0).getLong("value", 0)).isEqualTo(1L);
        assertThat(first.getGroup("outer", 0).getGroup("inner", 0).getString("leaf", 0)).isEqualTo("deep");
        assertThat(rows.get(2).getFieldRepetitionCount("i8")).isZero();
    }
}
