package io.sluice.replication.partition;

import io.sluice.replication.checkpoint.OffsetCheckpointFile;
import io.sluice.replication.log.LogManager;
import io.sluice.replication.log.UnifiedLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@value OffsetCheckpointFile#REPLICATION_OFFSET_CHECKPOINT} file of every log directory: the high watermark of
 * each partition whose log lives there (format in {@link OffsetCheckpointFile}).
 *
 * <p>A write covers the hosted partitions plus, for logs that exist but are not hosted (yet) by a LeaderAndIsr, the
 * last value known for them, so a checkpoint taken before every partition got its LeaderAndIsr loses nothing.
 *
 * <p>Concurrency: every method is {@code synchronized}; reads of partition high watermarks are lock-free.
 */
final class HighWatermarkCheckpoints {
    private static final Logger LOG = LoggerFactory.getLogger(HighWatermarkCheckpoints.class);

    private final LogManager logManager;
    /** Guarded by {@code this}: per log dir, the last high watermarks read or written. */
    private final Map<Path, Map<TopicPartition, Long>> known = new HashMap<>();

    HighWatermarkCheckpoints(LogManager logManager) {
        this.logManager = logManager;
    }

    /** The checkpointed high watermark of {@code log}, 0 if none. */
    synchronized long highWatermarkOf(UnifiedLog log) {
        return knownIn(dirOf(log)).getOrDefault(log.topicPartition(), 0L);
    }

    /** Writes every directory's checkpoint. */
    synchronized void write(Collection<Partition> hosted) {
        Map<Path, Map<TopicPartition, Long>> byDir = new HashMap<>();
        Map<TopicPartition, Partition> hostedByTp = new HashMap<>();
        for (Partition partition : hosted) {
            hostedByTp.put(partition.topicPartition(), partition);
        }
        for (Path dir : logManager.logDirs()) {
            Map<TopicPartition, Long> offsets = new HashMap<>();
            knownIn(dir).forEach((tp, hw) -> {
                if (!hostedByTp.containsKey(tp) && logManager.getLog(tp).isPresent()) {
                    offsets.put(tp, hw);
                }
            });
            byDir.put(dir, offsets);
        }
        for (Partition partition : hosted) {
            Map<TopicPartition, Long> offsets =
                    byDir.get(dirOf(partition.replicaLog().log()));
            if (offsets != null) {
                offsets.put(partition.topicPartition(), partition.highWatermark());
            }
        }
        for (Map.Entry<Path, Map<TopicPartition, Long>> e : byDir.entrySet()) {
            try {
                file(e.getKey()).write(e.getValue());
                known.put(e.getKey(), e.getValue());
            } catch (IOException ex) {
                logManager.failureChannel().fail(e.getKey(), "writing the high-watermark checkpoint", ex);
                throw new KafkaStorageException("cannot write the high-watermark checkpoint of " + e.getKey(), ex);
            }
        }
    }

    private Map<TopicPartition, Long> knownIn(Path dir) {
        return known.computeIfAbsent(dir, d -> {
            try {
                return new HashMap<>(file(d).read());
            } catch (IOException | RuntimeException e) {
                LOG.warn("Ignoring unreadable high-watermark checkpoint in {}; high watermarks start at 0", d, e);
                return new HashMap<>();
            }
        });
    }

    private static OffsetCheckpointFile file(Path dir) {
        return new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.REPLICATION_OFFSET_CHECKPOINT));
    }

    private static Path dirOf(UnifiedLog log) {
        return log.dir().toPath().toAbsolutePath().normalize().getParent();
    }
}
