package dev.quiver.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.duckdb.DuckDBStruct;

/**
 * Reads Parquet files back with DuckDB (in-memory JDBC connection) — an independent reader of what Quiver wrote.
 *
 * <p>Works on local files only (DuckDB's S3 support needs an extension download, impossible offline): download the
 * objects first with {@link S3ProxyServer#downloadTo}. A "source" is either a directory (all {@code *.parquet} files
 * under it, recursively) or an explicit list of files; {@link #table} turns it into a {@code read_parquet(...)} table
 * expression that can be used in any SQL given to {@link #query}.
 *
 * <p>STRUCT values come back as {@code Map<String, Object>} (recursively), LIST values as {@code List<Object>}.
 */
public final class ParquetReadback implements AutoCloseable {

    private final Connection conn;

    public ParquetReadback() {
        try {
            Class.forName("org.duckdb.DuckDBDriver");
            this.conn = DriverManager.getConnection("jdbc:duckdb:");
        } catch (ClassNotFoundException | SQLException e) {
            throw new IllegalStateException("cannot open an in-memory DuckDB connection", e);
        }
    }

    /** All {@code .parquet} files under {@code dir}, recursively, sorted; files under a {@code _quiver} dir skipped. */
    public static List<Path> parquetFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(".parquet"))
                    .filter(p -> !dir.relativize(p).toString().replace('\\', '/').contains("_quiver/"))
                    .sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code read_parquet([...files...], filename = true, hive_partitioning = false, union_by_name = true)}; the files
     * must exist and the list must not be empty.
     */
    public static String table(Collection<Path> files) {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no parquet files to read");
        }
        String list = files.stream()
                .map(p -> "'" + p.toAbsolutePath().toString().replace("'", "''") + "'")
                .collect(Collectors.joining(", ", "[", "]"));
        // hive_partitioning off: DuckDB would otherwise turn the partition=<p> directories into an extra column.
        // union_by_name: files written before and after a schema change line up by column name (missing -> NULL);
        // check per-file schemas with columnTypes(List.of(file)) where that matters.
        return "read_parquet(" + list + ", filename = true, hive_partitioning = false, union_by_name = true)";
    }

    /** Table expression over every data file under {@code dir} (see {@link #parquetFiles}). */
    public static String table(Path dir) {
        List<Path> files = parquetFiles(dir);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no .parquet files under " + dir);
        }
        return table(files);
    }

    /** Total rows in all data files under {@code dir}; 0 if there are none. */
    public long count(Path dir) {
        List<Path> files = parquetFiles(dir);
        return files.isEmpty() ? 0 : scalarLong("SELECT count(*) FROM " + table(files));
    }

    public long count(Collection<Path> files) {
        return files.isEmpty() ? 0 : scalarLong("SELECT count(*) FROM " + table(files));
    }

    /** Rows per file (absolute path -> rows), sorted by path; files with zero rows are included. */
    public Map<String, Long> rowsPerFile(Path dir) {
        return rowsPerFile(parquetFiles(dir));
    }

    public Map<String, Long> rowsPerFile(Collection<Path> files) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Path f : files.stream().sorted().collect(Collectors.toList())) {
            out.put(f.toAbsolutePath().toString(), scalarLong("SELECT count(*) FROM read_parquet('"
                    + f.toAbsolutePath().toString().replace("'", "''") + "', hive_partitioning = false)"));
        }
        return out;
    }

    /**
     * {@code DESCRIBE} of the data under {@code dir}: column name -> DuckDB type (e.g. {@code BIGINT},
     * {@code STRUCT(os VARCHAR, "version" INTEGER)}), in column order, without the {@code filename} column.
     */
    public Map<String, String> columnTypes(Path dir) {
        return columnTypes(parquetFiles(dir));
    }

    public Map<String, String> columnTypes(Collection<Path> files) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map<String, Object> row : query("DESCRIBE SELECT * EXCLUDE (filename) FROM " + table(files))) {
            out.put((String) row.get("column_name"), (String) row.get("column_type"));
        }
        return out;
    }

    /** Runs a query; each row is a column-name -> value map in column order. */
    public List<Map<String, Object>> query(String sql) {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            int n = md.getColumnCount();
            List<Map<String, Object>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= n; i++) {
                    row.put(md.getColumnLabel(i), convert(rs.getObject(i)));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("DuckDB query failed: " + abbreviate(sql), e);
        }
    }

    /** Runs a statement that returns no rows (e.g. {@code COPY ... TO 'x.parquet'}, {@code CREATE TABLE}). */
    public void execute(String sql) {
        try (Statement st = conn.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("DuckDB statement failed: " + abbreviate(sql), e);
        }
    }

    private static String abbreviate(String sql) {
        return sql.length() <= 600 ? sql : sql.substring(0, 600) + "... (" + sql.length() + " chars)";
    }

    /** Runs a query; each row as a list of values in column order. */
    public List<List<Object>> queryLists(String sql) {
        return query(sql).stream().map(m -> (List<Object>) new ArrayList<>(m.values())).collect(Collectors.toList());
    }

    public long scalarLong(String sql) {
        Object v = scalar(sql);
        if (v == null) {
            throw new IllegalStateException("query returned NULL: " + sql);
        }
        return ((Number) v).longValue();
    }

    public Object scalar(String sql) {
        List<Map<String, Object>> rows = query(sql);
        if (rows.size() != 1 || rows.get(0).size() != 1) {
            throw new IllegalStateException("expected one row with one column, got " + rows + " for: " + sql);
        }
        return rows.get(0).values().iterator().next();
    }

    private static Object convert(Object v) throws SQLException {
        if (v instanceof DuckDBStruct) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : ((DuckDBStruct) v).getMap().entrySet()) {
                m.put(e.getKey(), convert(e.getValue()));
            }
            return m;
        }
        if (v instanceof Array) {
            Object[] arr = (Object[]) ((Array) v).getArray();
            List<Object> l = new ArrayList<>(arr.length);
            for (Object o : arr) {
                l.add(convert(o));
            }
            return l;
        }
        if (v instanceof Object[]) {
            return convert(Arrays.asList((Object[]) v));
        }
        if (v instanceof List) {
            List<Object> l = new ArrayList<>();
            for (Object o : (List<?>) v) {
                l.add(convert(o));
            }
            return l;
        }
        return v;
    }

    @Override
    public void close() {
        try {
            conn.close();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
