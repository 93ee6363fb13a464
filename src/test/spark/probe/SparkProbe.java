import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.internal.column.columnindex.ColumnIndex;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;

/**
 * Reads Parquet files the way a Spark user would, in a JVM of its own on Spark's classpath (ReaderCompatibilityIT
 * compiles and starts it), and writes what it saw to a file the IT asserts on:
 *
 * <pre>
 * VERSION spark 3.5.8 / parquet-java ...
 * TYPE &lt;file&gt; &lt;column&gt; &lt;Spark type&gt;
 * ROW &lt;file&gt; &lt;to_json of the row, ordered by the first column&gt;
 * ERROR &lt;file&gt; &lt;exception&gt;
 * STATS &lt;file&gt; &lt;column path&gt; &lt;empty|min..max&gt; &lt;column index: none|min..max&gt;
 * </pre>
 *
 * Arguments: the output file, then {@code label=path} files, {@code merge:label=path,path...} sets of files read
 * together with {@code mergeSchema=true} (no STATS lines), and {@code set:key=value} session settings, which apply to
 * the files after them. Not part of the Maven test sources: it compiles only against Spark.
 */
public final class SparkProbe {
    public static void main(String[] args) throws Exception {
        List<String> files = new ArrayList<>();
        SparkSession.Builder builder = SparkSession.builder().master("local[1]").appName("quiver-reader-probe")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "1")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.session.timeZone", "UTC");
        for (int i = 1; i < args.length; i++) {
            files.add(args[i]);
        }
        List<String> out = new ArrayList<>();
        SparkSession spark = builder.getOrCreate();
        try {
            out.add("VERSION spark " + spark.version() + " parquet-java " + org.apache.parquet.Version.FULL_VERSION);
            for (String file : files) {
                if (file.startsWith("set:")) {
                    String kv = file.substring(4);
                    int eq = kv.indexOf('=');
                    spark.conf().set(kv.substring(0, eq), kv.substring(eq + 1));
                    out.add("SET " + kv);
                    continue;
                }
                boolean merge = file.startsWith("merge:");
                if (merge) {
                    file = file.substring(6);
                }
                int eq = file.indexOf('=');
                String name = file.substring(0, eq);
                file = file.substring(eq + 1);
                try {
                    Dataset<Row> df = merge ? spark.read().option("mergeSchema", "true").parquet(file.split(","))
                            : spark.read().parquet(file);
                    StructField[] fields = df.schema().fields();
                    List<String> columns = new ArrayList<>();
                    for (StructField f : fields) {
                        String type = f.dataType().simpleString();
                        out.add("TYPE " + name + " " + f.name() + " " + type);
                        // to_json cannot render Spark 4's TIME; its text form can.
                        String quoted = "`" + f.name() + "`";
                        columns.add(type.startsWith("time(") ? "cast(" + quoted + " as string) as " + quoted : quoted);
                    }
                    Dataset<Row> rows = df.orderBy(fields[0].name()).selectExpr(columns.toArray(new String[0]))
                            .selectExpr("to_json(struct(*))");
                    for (Row row : rows.collectAsList()) {
                        out.add("ROW " + name + " " + row.getString(0));
                    }
                } catch (Exception e) {
                    String message = String.valueOf(e.getMessage()).replace('\n', ' ');
                    out.add("ERROR " + name + " " + e.getClass().getSimpleName() + ": "
                            + message.substring(0, Math.min(400, message.length())));
                }
                if (!merge) {
                    stats(file, name, out);
                }
            }
        } finally {
            spark.stop();
        }
        Files.write(Paths.get(args[0]), out, StandardCharsets.UTF_8);
    }

    /** Statistics and column indexes as the parquet-java on Spark's classpath sees them. */
    private static void stats(String file, String name, List<String> out) throws Exception {
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(file),
                new Configuration()))) {
            for (BlockMetaData block : reader.getFooter().getBlocks()) {
                for (ColumnChunkMetaData column : block.getColumns()) {
                    org.apache.parquet.column.statistics.Statistics<?> s = column.getStatistics();
                    String stats = s == null || !s.hasNonNullValue() ? "empty"
                            : s.minAsString() + ".." + s.maxAsString();
                    ColumnIndex index = reader.readColumnIndex(column);
                    String indexed = index == null ? "none" : index.getMinValues().size() + "pages";
                    out.add("STATS " + name + " " + column.getPath().toDotString() + " " + stats + " " + indexed);
                }
            }
        }
    }
}
