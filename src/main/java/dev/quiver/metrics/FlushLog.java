package dev.quiver.metrics;

import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one INFO line per landed file, in a fixed key=value shape that log search tools can split. */
public final class FlushLog {
    private static final Logger LOG = LoggerFactory.getLogger(FlushLog.class);

    private FlushLog() {
    }

    /**
     * Logs one landed file.
     *
     * @param firstOffset offset of the file's first row
     * @param lastOffset  offset of the file's last row
     */
    public static void landed(TopicPartition tp, long rows, long firstOffset, long lastOffset, long arrowBytes,
            long parquetBytes, String key, String trigger, long encodeNanos, long uploadNanos) {
        if (LOG.isInfoEnabled()) {
            LOG.info(line(tp, rows, firstOffset, lastOffset, arrowBytes, parquetBytes, key, trigger, encodeNanos,
                    uploadNanos));
        }
    }

    static String line(TopicPartition tp, long rows, long firstOffset, long lastOffset, long arrowBytes,
            long parquetBytes, String key, String trigger, long encodeNanos, long uploadNanos) {
        return "Landed file topic-partition=" + tp + " rows=" + rows + " offsets=" + firstOffset + ".." + lastOffset
                + " arrow.bytes=" + arrowBytes + " parquet.bytes=" + parquetBytes + " key=" + key
                + " trigger=" + trigger + " encode.ms=" + TimeUnit.NANOSECONDS.toMillis(encodeNanos)
                + " upload.ms=" + TimeUnit.NANOSECONDS.toMillis(uploadNanos);
    }
}
