package dev.quiver.metrics;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task's counters, exposed over JMX. Writes come from the task thread; JMX reads from any thread, so every field
 * is an atomic or a synchronized window.
 */
public final class TaskMetrics implements TaskMetricsMBean, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TaskMetrics.class);
    /** The JMX domain of every Quiver MBean. */
    public static final String DOMAIN = "dev.quiver";

    private final MBeanServer server;
    private final String connector;
    private final String task;
    private final ObjectName name;
    private final LongSupplier bufferedBytes;
    private final LongSupplier budgetBytes;
    private final LongSupplier peakBytes;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final LongAdder recordsIn = new LongAdder();
    private final LongAdder rowsLanded = new LongAdder();
    private final LongAdder arrowBytes = new LongAdder();
    private final LongAdder parquetBytes = new LongAdder();
    private final LongAdder files = new LongAdder();
    private final LongAdder badRecords = new LongAdder();
    private final LongAdder recordsSkippedAsHandled = new LongAdder();
    private final LongAdder logRestarts = new LongAdder();
    private final java.util.concurrent.atomic.AtomicInteger pausedPartitions = new java.util.concurrent.atomic.AtomicInteger();
    private final LongAdder pauseEvents = new LongAdder();
    private final LongAdder batchesReused = new LongAdder();
    private final LatencyWindow encode = new LatencyWindow();
    private final LatencyWindow upload = new LatencyWindow();

    /**
     * Registers the task's MBean; a name clash (a task restarted in the same worker before the old one closed)
     * replaces the stale registration.
     */
    public TaskMetrics(String connector, String task, LongSupplier bufferedBytes, LongSupplier peakBytes,
            LongSupplier budgetBytes) {
        this.server = ManagementFactory.getPlatformMBeanServer();
        this.connector = Objects.requireNonNull(connector, "connector");
        this.task = Objects.requireNonNull(task, "task");
        this.bufferedBytes = Objects.requireNonNull(bufferedBytes, "bufferedBytes");
        this.budgetBytes = Objects.requireNonNull(budgetBytes, "budgetBytes");
        this.peakBytes = Objects.requireNonNull(peakBytes, "peakBytes");
        this.name = objectName("sink-task-metrics", null);
        register(name, this, TaskMetricsMBean.class);
    }

    private ObjectName objectName(String type, TopicPartition tp) {
        StringBuilder text = new StringBuilder(DOMAIN).append(":type=").append(type)
                .append(",connector=").append(ObjectName.quote(connector))
                .append(",task=").append(ObjectName.quote(task));
        if (tp != null) {
            text.append(",topic=").append(ObjectName.quote(tp.topic())).append(",partition=").append(tp.partition());
        }
        try {
            return new ObjectName(text.toString());
        } catch (JMException e) {
            throw new IllegalArgumentException("invalid MBean name " + text, e);
        }
    }

    private <T> void register(ObjectName objectName, T bean, Class<T> view) {
        try {
            if (server.isRegistered(objectName)) {
                server.unregisterMBean(objectName);
            }
            // StandardMBean names the interface explicitly, so the implementing class may be nested or renamed.
            server.registerMBean(new StandardMBean(bean, view), objectName);
        } catch (JMException e) {
            // Metrics must never stop data from landing.
            LOG.warn("Could not register MBean {}: {}", objectName, e.getMessage());
        }
    }

    private void unregister(ObjectName objectName) {
        try {
            if (server.isRegistered(objectName)) {
                server.unregisterMBean(objectName);
            }
        } catch (JMException e) {
            LOG.debug("Could not unregister MBean {}: {}", objectName, e.getMessage());
        }
    }

    /** The metrics of a newly opened partition. */
    public Partition openPartition(TopicPartition tp, long lastLanded, LongSupplier nanoClock) {
        Partition partition = new Partition(lastLanded, nanoClock);
        Partition previous = partitions.put(tp, partition);
        if (previous != null) {
            unregister(objectName("sink-partition-metrics", tp));
        }
        register(objectName("sink-partition-metrics", tp), partition, PartitionMetricsMBean.class);
        return partition;
    }

    /** Removes a closed partition's MBean. */
    public void closePartition(TopicPartition tp) {
        if (partitions.remove(tp) != null) {
            unregister(objectName("sink-partition-metrics", tp));
        }
    }

    public void recordIn() {
        recordsIn.increment();
    }

    public void badRecord() {
        badRecords.increment();
    }

    /** A redelivered record dropped because its offset was already buffered, landed or dead-lettered. */
    public void recordSkippedAsHandled() {
        recordsSkippedAsHandled.increment();
    }

    /** A partition's offsets started again below what had landed: its records land as a new log incarnation. */
    public void logRestarted() {
        logRestarts.increment();
    }

    /** {@code newlyPaused} partitions were paused for back-pressure; {@code nowPaused} are paused in all. */
    public void partitionsPaused(int newlyPaused, int nowPaused) {
        pauseEvents.add(newlyPaused);
        pausedPartitions.set(nowPaused);
    }

    /** Paused partitions were resumed or closed; {@code nowPaused} remain paused. */
    public void partitionsResumed(int nowPaused) {
        pausedPartitions.set(nowPaused);
    }

    /** A new batch took the emptied vectors of a landed one instead of allocating its own. */
    public void batchReused() {
        batchesReused.increment();
    }

    /** One file landed. */
    public void fileLanded(long rows, long arrowBufferBytes, long parquetFileBytes, long encodeNanos, long uploadNanos) {
        rowsLanded.add(rows);
        arrowBytes.add(arrowBufferBytes);
        parquetBytes.add(parquetFileBytes);
        files.increment();
        encode.record(encodeNanos);
        upload.record(uploadNanos);
    }

    @Override
    public long getRecordsIn() {
        return recordsIn.sum();
    }

    @Override
    public long getRowsLanded() {
        return rowsLanded.sum();
    }

    @Override
    public long getArrowBytesLanded() {
        return arrowBytes.sum();
    }

    @Override
    public long getParquetBytesLanded() {
        return parquetBytes.sum();
    }

    @Override
    public long getBatchesReused() {
        return batchesReused.sum();
    }

    @Override
    public long getFilesLanded() {
        return files.sum();
    }

    @Override
    public long getBadRecords() {
        return badRecords.sum();
    }

    @Override
    public long getRecordsSkippedAsHandled() {
        return recordsSkippedAsHandled.sum();
    }

    @Override
    public long getLogRestarts() {
        return logRestarts.sum();
    }

    @Override
    public long getBufferedBytes() {
        return bufferedBytes.getAsLong();
    }

    @Override
    public long getPeakBufferedBytes() {
        return peakBytes.getAsLong();
    }

    @Override
    public long getBufferBudgetBytes() {
        return budgetBytes.getAsLong();
    }

    @Override
    public int getPausedPartitions() {
        return pausedPartitions.get();
    }

    @Override
    public long getPauseEvents() {
        return pauseEvents.sum();
    }

    @Override
    public double getEncodeMillisAvg() {
        return encode.averageMillis();
    }

    @Override
    public double getEncodeMillisP50() {
        return encode.quantileMillis(0.5);
    }

    @Override
    public double getEncodeMillisP99() {
        return encode.quantileMillis(0.99);
    }

    @Override
    public double getUploadMillisAvg() {
        return upload.averageMillis();
    }

    @Override
    public double getUploadMillisP50() {
        return upload.quantileMillis(0.5);
    }

    @Override
    public double getUploadMillisP99() {
        return upload.quantileMillis(0.99);
    }

    @Override
    public double getUploadMillisMax() {
        return upload.maxMillis();
    }

    @Override
    public void close() {
        for (TopicPartition tp : partitions.keySet()) {
            closePartition(tp);
        }
        unregister(name);
    }

    /** One partition's landing progress. */
    public static final class Partition implements PartitionMetricsMBean {
        private final LongSupplier nanoClock;
        private final AtomicLong lastLanded;
        private final AtomicLong lastSeen;
        /** Arrival time of the oldest record not yet landed; Long.MIN_VALUE when none waits. */
        private final AtomicLong oldestWaitingNanos = new AtomicLong(Long.MIN_VALUE);

        Partition(long lastLanded, LongSupplier nanoClock) {
            this.nanoClock = nanoClock;
            this.lastLanded = new AtomicLong(lastLanded);
            this.lastSeen = new AtomicLong(lastLanded);
        }

        /** A record was buffered. */
        public void seen(long offset) {
            lastSeen.accumulateAndGet(offset, Math::max);
            oldestWaitingNanos.compareAndSet(Long.MIN_VALUE, nanoClock.getAsLong());
        }

        /** Everything through {@code offset} is durable. */
        public void landed(long offset) {
            lastLanded.set(offset);
            lastSeen.accumulateAndGet(offset, Math::max);
            oldestWaitingNanos.set(Long.MIN_VALUE);
        }

        @Override
        public long getLastLandedOffset() {
            return lastLanded.get();
        }

        @Override
        public long getLandingLagRecords() {
            return Math.max(0, lastSeen.get() - lastLanded.get());
        }

        @Override
        public long getLandingLagMillis() {
            long since = oldestWaitingNanos.get();
            return since == Long.MIN_VALUE ? 0 : (nanoClock.getAsLong() - since) / 1_000_000;
        }
    }
}
