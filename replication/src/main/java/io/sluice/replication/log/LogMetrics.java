package io.sluice.replication.log;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.common.TopicPartition;

/**
 * Size meters of the logs a {@link LogManager} holds (Kafka's {@code kafka.log:type=Log} and {@code LogManager}
 * metrics):
 *
 * <ul>
 *   <li>per partition replica hosted here (tags {@code topic}, {@code partition}): {@value #SIZE} (bytes in all
 *       segments) and {@value #SEGMENTS};
 *   <li>per log directory (tag {@code dir}): {@value #DIR_SIZE}, {@value #DIR_SEGMENTS}, {@value #DIR_PARTITIONS}, and
 *       the file system's {@value #DIR_FREE} (usable by this process) and {@value #DIR_TOTAL} bytes.
 * </ul>
 *
 * <p>The partition gauges follow the hosted logs: {@link #refresh} registers gauges for new logs and removes those of
 * logs that are gone (deleted or moved away), so a broker publishes only its own partitions; the broker calls it
 * periodically. The values themselves are read at scrape time from the live log.
 *
 * <p>Concurrency: {@link #refresh} and {@link #close} are serialized by the monitor of this object. Gauges are read on
 * the scraping thread; they use the lock-free size getters of {@link UnifiedLog} and the file system.
 */
public final class LogMetrics implements AutoCloseable {
    public static final String SIZE = "sluice.log.size";
    public static final String SEGMENTS = "sluice.log.segments";
    public static final String DIR_SIZE = "sluice.log.dir.size";
    public static final String DIR_SEGMENTS = "sluice.log.dir.segments";
    public static final String DIR_PARTITIONS = "sluice.log.dir.partitions";
    public static final String DIR_FREE = "sluice.log.dir.free";
    public static final String DIR_TOTAL = "sluice.log.dir.total";

    private final MeterRegistry registry;
    private final LogManager logs;
    private final List<Meter> dirMeters = new ArrayList<>();
    private final Map<TopicPartition, List<Meter>> partitionMeters = new HashMap<>();
    private boolean closed;

    public LogMetrics(MeterRegistry registry, LogManager logs) {
        this.registry = registry;
        this.logs = logs;
        for (Path dir : logs.logDirs()) {
            File file = dir.toFile();
            String tag = dir.toString();
            dirMeters.add(dirGauge(
                    DIR_SIZE,
                    tag,
                    "Bytes in the segments of the logs in this directory",
                    "bytes",
                    l -> l.stream()
                            .filter(log -> inDir(log, dir))
                            .mapToDouble(UnifiedLog::size)
                            .sum()));
            dirMeters.add(dirGauge(
                    DIR_SEGMENTS,
                    tag,
                    "Segments of the logs in this directory",
                    null,
                    l -> l.stream()
                            .filter(log -> inDir(log, dir))
                            .mapToDouble(UnifiedLog::numberOfSegments)
                            .sum()));
            dirMeters.add(dirGauge(
                    DIR_PARTITIONS,
                    tag,
                    "Partition logs in this directory",
                    null,
                    l -> l.stream().filter(log -> inDir(log, dir)).count()));
            dirMeters.add(Gauge.builder(DIR_FREE, file, File::getUsableSpace)
                    .description("Bytes this process may still write on the file system of this log directory")
                    .baseUnit("bytes")
                    .tag("dir", tag)
                    .strongReference(true)
                    .register(registry));
            dirMeters.add(Gauge.builder(DIR_TOTAL, file, File::getTotalSpace)
                    .description("Size of the file system of this log directory")
                    .baseUnit("bytes")
                    .tag("dir", tag)
                    .strongReference(true)
                    .register(registry));
        }
        refresh();
    }

    private Gauge dirGauge(
            String name, String dir, String description, String unit, ToDoubleFunction<List<UnifiedLog>> value) {
        Gauge.Builder<LogManager> builder = Gauge.builder(
                        name, logs, m -> value.applyAsDouble(List.copyOf(m.allLogs())))
                .description(description)
                .tag("dir", dir)
                .strongReference(true);
        if (unit != null) {
            builder.baseUnit(unit);
        }
        return builder.register(registry);
    }

    private static boolean inDir(UnifiedLog log, Path dir) {
        File parent = log.dir().getAbsoluteFile().getParentFile();
        return parent != null && parent.toPath().normalize().equals(dir);
    }

    /** Registers the gauges of logs created since the last call and removes those of logs that are gone. */
    public synchronized void refresh() {
        if (closed) {
            return;
        }
        Set<TopicPartition> hosted = new HashSet<>();
        for (UnifiedLog log : logs.allLogs()) {
            TopicPartition tp = log.topicPartition();
            hosted.add(tp);
            partitionMeters.computeIfAbsent(tp, this::register);
        }
        partitionMeters.entrySet().removeIf(entry -> {
            if (hosted.contains(entry.getKey())) {
                return false;
            }
            entry.getValue().forEach(registry::remove);
            return true;
        });
    }

    private List<Meter> register(TopicPartition tp) {
        String topic = tp.topic();
        String partition = Integer.toString(tp.partition());
        // read through the manager: a re-created log of the same partition is a new object
        Gauge size = Gauge.builder(
                        SIZE,
                        logs,
                        m -> m.getLog(tp).map(l -> (double) l.size()).orElse(Double.NaN))
                .description("Bytes in the segments of this partition's log")
                .baseUnit("bytes")
                .tag("topic", topic)
                .tag("partition", partition)
                .strongReference(true)
                .register(registry);
        Gauge segments = Gauge.builder(
                        SEGMENTS,
                        logs,
                        m -> m.getLog(tp)
                                .map(l -> (double) l.numberOfSegments())
                                .orElse(Double.NaN))
                .description("Segments of this partition's log")
                .tag("topic", topic)
                .tag("partition", partition)
                .strongReference(true)
                .register(registry);
        return List.of(size, segments);
    }

    /** The partitions that currently have gauges. */
    synchronized Set<TopicPartition> meteredPartitions() {
        return Set.copyOf(partitionMeters.keySet());
    }

    /** Removes every meter. */
    @Override
    public synchronized void close() {
        closed = true;
        partitionMeters.values().forEach(meters -> meters.forEach(registry::remove));
        partitionMeters.clear();
        dirMeters.forEach(registry::remove);
        dirMeters.clear();
    }
}
