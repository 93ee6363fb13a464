package dev.quiver.bench;

import dev.quiver.arrow.ArrowBatch;
import dev.quiver.parquet.EncodedFile;
import dev.quiver.parquet.EncodedPart;
import dev.quiver.parquet.ParquetEncoder;
import dev.quiver.parquet.StreamingParquetFile;
import dev.quiver.parquet.WriterOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.connect.data.Struct;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * One batch of {@link BenchData#ROWS} rows written as one Parquet file, three ways, with the same Parquet settings
 * (1 MiB pages, 128 MiB row groups, dictionary, statistics, page indexes, format v1, page checksums):
 *
 * <ul>
 *   <li>{@code quiverArrow}: Quiver's {@link ParquetEncoder} on the Arrow batch the connector fills, into one array;
 *   <li>{@code quiverStream}: the same batch through the path a worker takes ({@link StreamingParquetFile}: encoded
 *       bytes held in chunks of Arrow memory and taken away as 8 MiB parts), each part read once as an upload reads
 *       it;
 *   <li>{@code parquetAvro}: parquet-avro's writer on pre-built GenericRecords;
 *   <li>{@code parquetAvroConvert}: the same, converting each Connect Struct to a GenericRecord first, which is what
 *       sinks that write through parquet-avro pay per record.
 * </ul>
 *
 * Scores are rows per second ({@link OperationsPerInvocation}). Each trial checks that its last file has every row
 * and leaves its sizes in {@code ${java.io.tmpdir}/quiver-bench/} for {@link WriterBenchReport}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xms6g", "-Xmx6g"})
@State(Scope.Benchmark)
public class WriterBenchmark {
    static final int PAGE_SIZE = 1024 * 1024;
    static final long ROW_GROUP_SIZE = 128L * 1024 * 1024;
    /** Parts of a streamed file: the default of upload.part.bytes. */
    static final long PART_SIZE = 8L * 1024 * 1024;
    static final Map<String, String> FOOTER = Map.of("kafka.topic", "bench", "kafka.partition", "0");

    @Param({"snappy", "zstd"})
    public String codec;

    private ParquetEncoder encoder;
    private Configuration conf;
    private byte[] lastBytes;
    private int lastLength;
    private long arrowBytes = -1;

    @Setup(Level.Trial)
    public void setUp() {
        encoder = new ParquetEncoder(new WriterOptions(codec(codec), PAGE_SIZE, ROW_GROUP_SIZE, true));
        conf = avroConf();
    }

    /** The connector's input: Structs appended to an ArrowBatch once; the Structs are dropped after. */
    @State(Scope.Benchmark)
    public static class ArrowInput {
        RootAllocator allocator;
        ArrowBatch batch;
        VectorSchemaRoot root;
        long bytes;

        @Setup(Level.Trial)
        public void setUp() {
            allocator = new RootAllocator();
            batch = ArrowBatch.open(BenchData.VALUE, allocator, "bench");
            for (Struct s : BenchData.records(BenchData.ROWS)) {
                batch.append(s);
            }
            root = batch.seal();
            bytes = arrowBytes(root);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            batch.close();
            allocator.close();
        }
    }

    /** parquet-avro's input when the records are Avro already. */
    @State(Scope.Benchmark)
    public static class AvroInput {
        AvroConversion conversion;
        List<GenericRecord> records;

        @Setup(Level.Trial)
        public void setUp() {
            conversion = new AvroConversion(BenchData.VALUE);
            records = new ArrayList<>(BenchData.ROWS);
            for (Struct s : BenchData.records(BenchData.ROWS)) {
                records.add(conversion.convert(s));
            }
        }
    }

    /** The Connect records, for the path that converts each one. */
    @State(Scope.Benchmark)
    public static class StructInput {
        AvroConversion conversion;
        List<Struct> records;

        @Setup(Level.Trial)
        public void setUp() {
            conversion = new AvroConversion(BenchData.VALUE);
            records = BenchData.records(BenchData.ROWS);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BenchData.ROWS)
    public int quiverArrow(ArrowInput in) {
        EncodedFile file = encoder.encode(in.root, FOOTER);
        lastBytes = file.bytes();
        lastLength = file.length();
        arrowBytes = in.bytes;
        return file.length();
    }

    @Benchmark
    @OperationsPerInvocation(BenchData.ROWS)
    public long quiverStream(ArrowInput in) throws IOException {
        long length;
        try (StreamingParquetFile file = encoder.openStream(in.root.getSchema(), in.allocator, PART_SIZE)) {
            file.writeRowGroup(in.root);
            file.finish(FOOTER);
            length = file.length();
            if (lastBytes == null || lastBytes.length < length) {
                lastBytes = new byte[(int) length];
            }
            int at = 0;
            for (EncodedPart part = file.nextPart(); part != null; part = file.nextPart()) {
                // Read as an upload reads a part: a stream over its chunks, into a buffer.
                try (InputStream bytes = part.open()) {
                    at += bytes.readNBytes(lastBytes, at, (int) part.length());
                }
                file.partStored();
            }
            if (at != length) {
                throw new IllegalStateException("parts held " + at + " bytes of a " + length + "-byte file");
            }
        }
        lastLength = (int) length;
        arrowBytes = in.bytes;
        return length;
    }

    @Benchmark
    @OperationsPerInvocation(BenchData.ROWS)
    public int parquetAvro(AvroInput in) throws IOException {
        InMemoryFiles.Output out = new InMemoryFiles.Output(16 << 20);
        try (ParquetWriter<GenericRecord> writer = avroWriter(out, in.conversion)) {
            for (GenericRecord record : in.records) {
                writer.write(record);
            }
        }
        return keep(out);
    }

    @Benchmark
    @OperationsPerInvocation(BenchData.ROWS)
    public int parquetAvroConvert(StructInput in) throws IOException {
        InMemoryFiles.Output out = new InMemoryFiles.Output(16 << 20);
        try (ParquetWriter<GenericRecord> writer = avroWriter(out, in.conversion)) {
            for (Struct record : in.records) {
                writer.write(in.conversion.convert(record));
            }
        }
        return keep(out);
    }

    /** Checks the trial's last file and records its size; a file short of rows fails the run. */
    @TearDown(Level.Trial)
    public void check(BenchmarkParams params) throws IOException {
        String name = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        if (lastBytes == null) {
            throw new IllegalStateException(name + " wrote no file");
        }
        long rows;
        int rowGroups;
        try (ParquetFileReader reader = ParquetFileReader.open(InMemoryFiles.input(lastBytes, lastLength))) {
            rows = reader.getRecordCount();
            rowGroups = reader.getRowGroups().size();
        }
        if (rows != BenchData.ROWS) {
            throw new IllegalStateException(name + "/" + codec + " wrote " + rows + " rows, not " + BenchData.ROWS);
        }
        Path dir = resultDir();
        Files.createDirectories(dir);
        try (Writer w = Files.newBufferedWriter(dir.resolve(name + "-" + codec + ".properties"), StandardCharsets.UTF_8)) {
            w.write("rows=" + rows + "\nrowGroups=" + rowGroups + "\noutputBytes=" + lastLength + "\n");
            if (arrowBytes >= 0) {
                w.write("arrowBytes=" + arrowBytes + "\n");
            }
        }
        System.out.println("[check] " + name + "/" + codec + ": " + rows + " rows in " + rowGroups
                + " row group(s), " + lastLength + " bytes");
    }

    /** Arrow bytes of the batch (data, validity and offsets buffers), the input size MB/s figures use. */
    static long arrowBytes(VectorSchemaRoot root) {
        long total = 0;
        for (FieldVector v : root.getFieldVectors()) {
            total += v.getBufferSize();
        }
        return total;
    }

    static Path resultDir() {
        return Path.of(System.getProperty("java.io.tmpdir"), "quiver-bench");
    }

    private int keep(InMemoryFiles.Output out) {
        lastBytes = out.toByteArray();
        lastLength = lastBytes.length;
        return lastLength;
    }

    private ParquetWriter<GenericRecord> avroWriter(InMemoryFiles.Output out, AvroConversion conversion)
            throws IOException {
        return AvroParquetWriter.<GenericRecord>builder(out)
                .withSchema(conversion.avroSchema())
                .withConf(conf)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(codec(codec))
                .withPageSize(PAGE_SIZE)
                .withDictionaryPageSize(PAGE_SIZE)
                .withRowGroupSize(ROW_GROUP_SIZE)
                .withDictionaryEncoding(true)
                .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
                .withPageWriteChecksumEnabled(true)
                .withExtraMetaData(FOOTER)
                .build();
    }

    static Configuration avroConf() {
        Configuration conf = new Configuration();
        // Standard three-level lists, as Quiver writes them (parquet-avro's default is the legacy two-level form).
        conf.setBoolean(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, false);
        return conf;
    }

    static CompressionCodecName codec(String name) {
        switch (name) {
            case "snappy":
                return CompressionCodecName.SNAPPY;
            case "zstd":
                return CompressionCodecName.ZSTD;
            default:
                throw new IllegalArgumentException("codec " + name);
        }
    }
}
