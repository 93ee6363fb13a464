package dev.quiver.parquet;

import java.util.Locale;
import java.util.Objects;

/**
 * The choices in mapping Arrow types to Parquet where readers disagree. The defaults open in every reader Quiver is
 * checked against (Spark 3.5 and 4.x, pyarrow/Arrow C++, Trino, DuckDB, parquet-java) with no reader settings; the
 * alternatives keep a more exact type that some readers refuse or read without statistics.
 *
 * @param time       how a Connect Time (milliseconds of the day) is written
 * @param floatOrder the column order declared for FLOAT and DOUBLE columns, which decides who sees their statistics
 * @param widest     write every integer as INT64, every float as DOUBLE and every decimal at precision 38, so a
 *                   column keeps one Parquet type across files however its declared schema widens
 */
public record TypeMapping(Time time, FloatOrder floatOrder, boolean widest) {

    /** Opens everywhere: time as INT32 milliseconds, float statistics in the order every reader knows, exact widths. */
    public static final TypeMapping DEFAULTS = new TypeMapping(Time.INT32_MILLIS, FloatOrder.TYPE_DEFINED, false);

    public TypeMapping {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(floatOrder, "floatOrder");
    }

    /** How a time of day is written. */
    public enum Time {
        /**
         * Plain INT32, milliseconds since midnight, with no logical type. Spark 3.5 and 4.x refuse INT32
         * TIME(MILLIS) outright (the whole file, not just the column), so the default carries no TIME annotation and
         * every reader sees the same integer.
         */
        INT32_MILLIS("int32-millis"),
        /**
         * INT64 TIME(MICROS, not UTC-adjusted): DuckDB TIME, pyarrow time64[us], Trino time(6), Spark 4.1+ TimeType
         * with {@code spark.sql.timeType.enabled=true}; Spark 3.5 cannot open the file.
         */
        TIME_MICROS("time-micros");

        private final String setting;

        Time(String setting) {
            this.setting = setting;
        }

        /** The config value that selects this mapping. */
        public String setting() {
            return setting;
        }

        /** The mapping a config value names. */
        public static Time named(String value) {
            for (Time t : values()) {
                if (t.setting.equals(value.toLowerCase(Locale.ROOT))) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown time mapping '" + value + "'; use int32-millis or time-micros");
        }
    }

    /** The column order of FLOAT and DOUBLE columns, written in the footer's column_orders. */
    public enum FloatOrder {
        /**
         * TYPE_DEFINED_ORDER, the order every Parquet reader knows: min/max statistics and column indexes of float
         * columns are used by parquet-java before 1.18 (Spark 3.5 ships 1.13.1, Spark 4.1 ships 1.16.0) as well.
         */
        TYPE_DEFINED("type-defined"),
        /**
         * IEEE 754 total order (parquet-java 1.18's default), which orders NaN and signed zeros; readers that predate
         * it ignore the statistics of those columns.
         */
        IEEE754_TOTAL("ieee754-total");

        private final String setting;

        FloatOrder(String setting) {
            this.setting = setting;
        }

        /** The config value that selects this order. */
        public String setting() {
            return setting;
        }

        /** The order a config value names. */
        public static FloatOrder named(String value) {
            for (FloatOrder o : values()) {
                if (o.setting.equals(value.toLowerCase(Locale.ROOT))) {
                    return o;
                }
            }
            throw new IllegalArgumentException("unknown float column order '" + value
                    + "'; use type-defined or ieee754-total");
        }
    }
}
