import io.airlift.slice.Slice;
import io.trino.memory.context.AggregatedMemoryContext;
import io.trino.parquet.AbstractParquetDataSource;
import io.trino.parquet.Column;
import io.trino.parquet.ParquetDataSource;
import io.trino.parquet.ParquetDataSourceId;
import io.trino.parquet.ParquetReaderOptions;
import io.trino.parquet.ParquetTypeUtils;
import io.trino.parquet.metadata.ParquetMetadata;
import io.trino.parquet.predicate.PredicateUtils;
import io.trino.parquet.predicate.TupleDomainParquetPredicate;
import io.trino.parquet.reader.MetadataReader;
import io.trino.parquet.reader.ParquetReader;
import io.trino.parquet.reader.RowGroupInfo;
import io.trino.spi.block.Block;
import io.trino.spi.connector.SourcePage;
import io.trino.spi.predicate.TupleDomain;
import io.trino.spi.type.ArrayType;
import io.trino.spi.type.BigintType;
import io.trino.spi.type.BooleanType;
import io.trino.spi.type.DateType;
import io.trino.spi.type.DecimalType;
import io.trino.spi.type.DoubleType;
import io.trino.spi.type.IntegerType;
import io.trino.spi.type.MapType;
import io.trino.spi.type.RealType;
import io.trino.spi.type.RowType;
import io.trino.spi.type.SmallintType;
import io.trino.spi.type.SqlVarbinary;
import io.trino.spi.type.TimeType;
import io.trino.spi.type.TimestampType;
import io.trino.spi.type.TimestampWithTimeZoneType;
import io.trino.spi.type.TinyintType;
import io.trino.spi.type.Type;
import io.trino.spi.type.TypeOperators;
import io.trino.spi.type.VarbinaryType;
import io.trino.spi.type.VarcharType;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.io.ColumnIO;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.schema.MessageType;
import org.joda.time.DateTimeZone;

/**
 * Reads Parquet files with Trino's own Parquet reader (trino-parquet, the code under Trino's Hive, Iceberg and Delta
 * connectors), in a JVM of its own on JDK 25 (ReaderCompatibilityIT starts it in source-file mode), and writes what it
 * saw to a file the IT asserts on:
 *
 * <pre>
 * VERSION trino-parquet &lt;version&gt;
 * TYPE &lt;file&gt; &lt;column&gt; &lt;Trino type&gt;
 * VALUE &lt;file&gt; &lt;row&gt; &lt;column&gt; &lt;value, or null&gt;
 * ERROR &lt;file&gt; &lt;exception&gt;
 * </pre>
 *
 * Trino takes a column's type from its table (a Hive table's DDL, an Iceberg or Delta schema), not from the file, and
 * finds the column in the file by name, as the Hive connector does by default. So the arguments are the output file,
 * then for each file {@code file:label=path} followed by its declared columns, {@code column:name=type} (Trino's type
 * syntax: tinyint, decimal(5,2), timestamp(3) with time zone, array(varchar), map(varchar,bigint), row(a bigint, ...)).
 * The reader itself decides whether the declared type can be read from the file's physical and logical type, and
 * fails the read if it cannot. Not part of the Maven test sources: it compiles only against Trino, on JDK 25.
 */
public final class TrinoProbe {
    private static final TypeOperators OPERATORS = new TypeOperators();

    public static void main(String[] args) throws Exception {
        List<String> out = new ArrayList<>();
        out.add("VERSION trino-parquet " + System.getProperty("trino.version", "?"));
        String label = null;
        String path = null;
        Map<String, Type> columns = new java.util.LinkedHashMap<>();
        for (int i = 1; i <= args.length; i++) {
            String arg = i < args.length ? args[i] : null;
            if (arg == null || arg.startsWith("file:")) {
                if (label != null) {
                    read(label, path, columns, out);
                }
                if (arg != null) {
                    String spec = arg.substring(5);
                    label = spec.substring(0, spec.indexOf('='));
                    path = spec.substring(spec.indexOf('=') + 1);
                    columns = new java.util.LinkedHashMap<>();
                }
            } else if (arg.startsWith("column:")) {
                String spec = arg.substring(7);
                columns.put(spec.substring(0, spec.indexOf('=')), new TypeParser(spec.substring(spec.indexOf('=') + 1)).parse());
            } else {
                throw new IllegalArgumentException("unknown argument " + arg);
            }
        }
        Files.write(Paths.get(args[0]), out, StandardCharsets.UTF_8);
    }

    private static void read(String label, String path, Map<String, Type> declared, List<String> out) {
        ParquetReaderOptions options = ParquetReaderOptions.defaultOptions();
        try (ParquetDataSource source = new LocalFile(path, options)) {
            ParquetMetadata metadata = MetadataReader.readFooter(source, Optional.empty());
            MessageType schema = metadata.getFileMetaData().getSchema();
            MessageColumnIO columnIo = ParquetTypeUtils.getColumnIO(schema, schema);
            List<Column> fields = new ArrayList<>();
            List<String> names = new ArrayList<>(declared.keySet());
            for (Map.Entry<String, Type> column : declared.entrySet()) {
                ColumnIO found = ParquetTypeUtils.lookupColumnByName(columnIo, column.getKey());
                if (found == null) {
                    throw new IllegalStateException("no column " + column.getKey() + " in " + path);
                }
                fields.add(new Column(column.getKey(), ParquetTypeUtils
                        .constructField(column.getValue(), found).orElseThrow()));
            }
            Map<List<String>, ColumnDescriptor> descriptors = ParquetTypeUtils.getDescriptors(schema, schema);
            TupleDomain<ColumnDescriptor> all = TupleDomain.all();
            TupleDomainParquetPredicate predicate = PredicateUtils.buildPredicate(schema, all, descriptors, DateTimeZone.UTC);
            List<RowGroupInfo> rowGroups = PredicateUtils.getFilteredRowGroups(0, source.getEstimatedSize(), source,
                    metadata, List.of(all), List.of(predicate), descriptors, DateTimeZone.UTC, 1000, options);
            int row = 0;
            List<String> values = new ArrayList<>();
            try (ParquetReader reader = new ParquetReader(Optional.ofNullable(metadata.getFileMetaData().getCreatedBy()),
                    fields, false, rowGroups, source, DateTimeZone.UTC, AggregatedMemoryContext.newSimpleAggregatedMemoryContext(),
                    options, e -> e instanceof RuntimeException r ? r : new RuntimeException(e), Optional.of(predicate),
                    Optional.empty(), Optional.empty())) {
                for (SourcePage page = reader.nextPage(); page != null; page = reader.nextPage()) {
                    for (int position = 0; position < page.getPositionCount(); position++, row++) {
                        for (int c = 0; c < names.size(); c++) {
                            Block block = page.getBlock(c);
                            Type type = declared.get(names.get(c));
                            values.add("VALUE " + label + " " + row + " " + names.get(c) + " "
                                    + render(type.getObjectValue(block, position)));
                        }
                    }
                }
            }
            for (Map.Entry<String, Type> column : declared.entrySet()) {
                out.add("TYPE " + label + " " + column.getKey() + " " + column.getValue().getDisplayName());
            }
            out.addAll(values);
        } catch (Exception e) {
            String message = String.valueOf(e.getMessage()).replace('\n', ' ');
            out.add("ERROR " + label + " " + e.getClass().getSimpleName() + ": "
                    + message.substring(0, Math.min(400, message.length())));
        }
    }

    /** Trino's object values in a stable text form: maps in key order, varbinary as hex. */
    private static String render(Object value) {
        if (value instanceof SqlVarbinary binary) {
            return "0x" + java.util.HexFormat.of().formatHex(binary.getBytes());
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, String> sorted = new TreeMap<>();
            map.forEach((k, v) -> sorted.put(render(k), render(v)));
            return sorted.toString();
        }
        if (value instanceof List<?> list) {
            List<String> items = new ArrayList<>();
            list.forEach(v -> items.add(render(v)));
            return items.toString();
        }
        return String.valueOf(value);
    }

    /** A local file as Trino's data source. */
    private static final class LocalFile extends AbstractParquetDataSource {
        private final RandomAccessFile file;

        LocalFile(String path, ParquetReaderOptions options) throws IOException {
            super(new ParquetDataSourceId(path), Files.size(Paths.get(path)), options);
            this.file = new RandomAccessFile(path, "r");
        }

        @Override
        protected void readInternal(long position, byte[] buffer, int offset, int length) throws IOException {
            file.seek(position);
            file.readFully(buffer, offset, length);
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }

    /** Trino's type syntax, for the types a table over Quiver's files declares. */
    private static final class TypeParser {
        private final String text;
        private int at;

        TypeParser(String text) {
            this.text = text.trim();
        }

        Type parse() {
            Type type = type();
            if (at != text.length()) {
                throw new IllegalArgumentException("trailing text in type " + text);
            }
            return type;
        }

        private Type type() {
            String word = word();
            switch (word) {
                case "tinyint": return TinyintType.TINYINT;
                case "smallint": return SmallintType.SMALLINT;
                case "integer": return IntegerType.INTEGER;
                case "bigint": return BigintType.BIGINT;
                case "real": return RealType.REAL;
                case "double": return DoubleType.DOUBLE;
                case "boolean": return BooleanType.BOOLEAN;
                case "varchar": return VarcharType.VARCHAR;
                case "varbinary": return VarbinaryType.VARBINARY;
                case "date": return DateType.DATE;
                case "decimal": {
                    expect('(');
                    int precision = Integer.parseInt(word());
                    expect(',');
                    int scale = Integer.parseInt(word());
                    expect(')');
                    return DecimalType.createDecimalType(precision, scale);
                }
                case "time": return TimeType.createTimeType(precision());
                case "timestamp": {
                    int precision = precision();
                    if (text.startsWith(" with time zone", at)) {
                        at += " with time zone".length();
                        return TimestampWithTimeZoneType.createTimestampWithTimeZoneType(precision);
                    }
                    return TimestampType.createTimestampType(precision);
                }
                case "array": {
                    expect('(');
                    Type element = type();
                    expect(')');
                    return new ArrayType(element);
                }
                case "map": {
                    expect('(');
                    Type key = type();
                    expect(',');
                    Type value = type();
                    expect(')');
                    return new MapType(key, value, OPERATORS);
                }
                case "row": {
                    expect('(');
                    List<RowType.Field> fields = new ArrayList<>();
                    do {
                        String name = word();
                        fields.add(RowType.field(name, type()));
                    } while (accept(','));
                    expect(')');
                    return RowType.from(fields);
                }
                default: throw new IllegalArgumentException("unknown type " + word + " in " + text);
            }
        }

        private int precision() {
            expect('(');
            int precision = Integer.parseInt(word());
            expect(')');
            return precision;
        }

        private String word() {
            skipSpaces();
            if (at < text.length() && text.charAt(at) == '"') {
                int end = text.indexOf('"', at + 1);
                String quoted = text.substring(at + 1, end);
                at = end + 1;
                return quoted;
            }
            int start = at;
            while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '_')) {
                at++;
            }
            return text.substring(start, at);
        }

        private boolean accept(char c) {
            skipSpaces();
            if (at < text.length() && text.charAt(at) == c) {
                at++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!accept(c)) {
                throw new IllegalArgumentException("expected " + c + " at " + at + " in " + text);
            }
        }

        private void skipSpaces() {
            while (at < text.length() && text.charAt(at) == ' ') {
                at++;
            }
        }
    }
}
