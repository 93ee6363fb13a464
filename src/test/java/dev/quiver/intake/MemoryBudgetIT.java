package dev.quiver.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.testing.ConnectStack;
import dev.quiver.testing.ParquetReadback;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Many partitions and thousands of open time folders under a small memory budget, on the real stack: every record
 * lands exactly once, the task never fails, and the Arrow allocator's peak, read over JMX from the running worker,
 * stays within the budget.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MemoryBudgetIT {
    private static final int PARTITIONS = 200;
    private static final int RECORDS = 5_000;
    private static final long BUDGET = 8L * 1024 * 1024;
    private static final long HOUR = 3_600_000L;
    private static final long WEEK_START = 1_763_251_200_000L;

    private ConnectStack stack;

    @BeforeAll
    void start() {
        stack = ConnectStack.start(1);
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static String envelope(long id) {
        return "{\"schema\":{\"type\":\"struct\",\"optional\":false,\"fields\":["
                + "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false},"
                + "{\"field\":\"payload\",\"type\":\"string\",\"optional\":false}]},"
                + "\"payload\":{\"id\":" + id + ",\"payload\":\"" + "p".repeat(64) + id + "\"}}";
    }

    @Test
    void thousandsOfOpenFoldersFitTheBudgetAndLandExactlyOnce() throws Exception {
        String topic = "budget";
        stack.createTopic(topic, PARTITIONS);
        Random random = new Random(42);
        Set<String> paths = new HashSet<>();
        for (long id = 0; id < RECORDS; id++) {
            int partition = (int) (id % PARTITIONS);
            // Record times spread over a week: with hourly folders, most records open a folder of their own.
            long hour = random.nextInt(168);
            paths.add(partition + "/" + hour);
            stack.produce(topic, partition, WEEK_START + hour * HOUR + id, null, envelope(id));
        }
        stack.flush();
        assertThat(paths).as("open (partition, hour) folders").hasSizeGreaterThan(4000);

        Map<String, String> overrides = new HashMap<>();
        overrides.put("partition.by", "time");
        overrides.put("partition.time.pattern", "'dt='yyyy-MM-dd/'hr='HH");
        overrides.put("buffer.memory.bytes", Long.toString(BUDGET));
        overrides.put("flush.interval.ms", "15000");
        overrides.put("flush.max.records", "1000000");
        overrides.put("metadata.columns", "partition,offset,timestamp");
        stack.startConnector(topic, stack.connectorConfig(topic, topic, overrides), 1);

        List<Path> files = stack.awaitDataFiles(topic, RECORDS, Duration.ofSeconds(420));
        try (ParquetReadback duck = new ParquetReadback()) {
            String table = ParquetReadback.table(files);
            assertThat(duck.queryLists("SELECT count(*), count(DISTINCT id),"
                    + " count(DISTINCT (_kafka_partition, _kafka_offset)) FROM " + table))
                    .containsExactly(List.of((long) RECORDS, (long) RECORDS, (long) RECORDS));
            // Each row sits in the folder of its own record time.
            assertThat(duck.scalarLong("SELECT count(*) FROM " + table + " WHERE filename NOT LIKE '%/dt='"
                    + " || strftime(_kafka_timestamp AT TIME ZONE 'UTC', '%Y-%m-%d/hr=%H') || '/%'")).isZero();
        }
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName task = new ObjectName("dev.quiver:type=sink-task-metrics,connector=\"budget\",task=\"0\"");
        long peak = (Long) jmx.getAttribute(task, "PeakBufferedBytes");
        assertThat(jmx.getAttribute(task, "BufferBudgetBytes")).isEqualTo(BUDGET);
        assertThat(peak).isPositive().isLessThanOrEqualTo(BUDGET);
        // The budget was the binding limit: the task had to land batches early, far more files than partitions.
        assertThat(files).hasSizeGreaterThan(PARTITIONS);
        assertThat(stack.statusOrNull(topic).tasks()).allSatisfy(t -> assertThat(t.state()).isEqualTo("RUNNING"));
    }
}
