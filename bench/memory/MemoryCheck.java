/*
 * bench/memory.sh helper: checks, with DuckDB, that the rows E2eLanding counted sit where they belong and carry the
 * produced values: every row's dt=/hr= folder is the UTC hour of its _kafka_timestamp, and the event ids are exactly
 * 1..N, each once (MemoryProduce numbers event i+1 as record i).
 *
 *   java -cp <quickstart report classpath> MemoryCheck --dir DIR
 *
 * Prints folders=, misplaced=, ids= lines; exits 4 when a row is misplaced or the ids are not 1..N once each.
 */

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

public class MemoryCheck {
    public static void main(String[] args) throws Exception {
        String dir = args[1].replace('\\', '/').replace("'", "''");
        String src = "read_parquet('" + dir + "/*/dt=*/hr=*/*.parquet', filename = true, hive_partitioning = false)";
        Class.forName("org.duckdb.DuckDBDriver");
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
            ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT regexp_extract(filename, 'dt=[^/]*/hr=[^/]*')),"
                    + " count(*) FILTER (WHERE epoch_ms(_kafka_timestamp) // 3600000 <> epoch_ms(strptime("
                    + "regexp_extract(filename, 'dt=([^/]*)/hr=([^/]*)', 1) || ' ' || regexp_extract(filename,"
                    + " 'dt=([^/]*)/hr=([^/]*)', 2), '%Y-%m-%d %H')) // 3600000),"
                    + " count(DISTINCT id), min(id), max(id) FROM " + src);
            rs.next();
            long rows = rs.getLong(1);
            long folders = rs.getLong(2);
            long misplaced = rs.getLong(3);
            long ids = rs.getLong(4);
            long min = rs.getLong(5);
            long max = rs.getLong(6);
            System.out.println("rows=" + rows + " folders=" + folders + " misplaced=" + misplaced);
            System.out.println("ids=" + ids + " distinct, " + min + ".." + max);
            if (misplaced != 0 || ids != rows || min != 1 || max != rows) {
                System.out.println("CHECK FAILED: rows must sit in their hour's folder with ids 1.." + rows + " once each");
                System.exit(4);
            }
        }
    }
}
