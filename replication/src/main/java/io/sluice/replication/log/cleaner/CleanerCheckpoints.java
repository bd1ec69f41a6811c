package io.sluice.replication.log.cleaner;

import io.sluice.replication.checkpoint.OffsetCheckpointFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clean/dirty boundary of every compacted log: {@value #FILE_NAME} in each log dir, Kafka's offset checkpoint
 * format ({@link OffsetCheckpointFile}: version line, count line, one {@code topic partition offset} line per log),
 * replaced atomically on every change. An offset is the first dirty offset: everything below it was compacted by an
 * earlier cleaning. An unreadable file counts as empty (logs are then cleaned from their start again).
 *
 * <p>Concurrency: thread-safe; every method synchronizes on this object, so file writes are serialized.
 */
final class CleanerCheckpoints {

    /** Name of the checkpoint file in each log dir. */
    static final String FILE_NAME = "cleaner-offset-checkpoint";

    private static final Logger LOG = LoggerFactory.getLogger(CleanerCheckpoints.class);

    private final Map<Path, Map<TopicPartition, Long>> offsetsByDir = new HashMap<>();

    CleanerCheckpoints(List<Path> logDirs) {
        for (Path dir : logDirs) {
            Map<TopicPartition, Long> offsets;
            try {
                offsets = new HashMap<>(file(dir).read());
            } catch (IOException | RuntimeException e) {
                LOG.warn(
                        "Ignoring unreadable {} in {}; compacted logs there are cleaned from their start",
                        FILE_NAME,
                        dir,
                        e);
                offsets = new HashMap<>();
            }
            offsetsByDir.put(dir, offsets);
        }
    }

    synchronized OptionalLong firstDirtyOffset(Path dir, TopicPartition tp) {
        Long offset = offsetsOf(dir).get(tp);
        return offset == null ? OptionalLong.empty() : OptionalLong.of(offset);
    }

    synchronized void update(Path dir, TopicPartition tp, long firstDirtyOffset) {
        Map<TopicPartition, Long> offsets = offsetsOf(dir);
        Long previous = offsets.put(tp, firstDirtyOffset);
        if (previous == null || previous != firstDirtyOffset) {
            write(dir, offsets);
        }
    }

    /** Lowers the boundary of {@code tp} to {@code offset} if it is above (before a truncation of the log). */
    synchronized void truncate(Path dir, TopicPartition tp, long offset) {
        Map<TopicPartition, Long> offsets = offsetsOf(dir);
        Long current = offsets.get(tp);
        if (current != null && current > offset) {
            offsets.put(tp, offset);
            write(dir, offsets);
        }
    }

    synchronized void remove(TopicPartition tp) {
        for (Map.Entry<Path, Map<TopicPartition, Long>> entry : offsetsByDir.entrySet()) {
            if (entry.getValue().remove(tp) != null) {
                write(entry.getKey(), entry.getValue());
            }
        }
    }

    private Map<TopicPartition, Long> offsetsOf(Path dir) {
        return offsetsByDir.computeIfAbsent(dir, d -> new HashMap<>());
    }

    private static void write(Path dir, Map<TopicPartition, Long> offsets) {
        try {
            file(dir).write(offsets);
        } catch (IOException e) {
            throw new KafkaStorageException("cannot write " + FILE_NAME + " in " + dir, e);
        }
    }

    private static OffsetCheckpointFile file(Path dir) {
        return new OffsetCheckpointFile(dir.resolve(FILE_NAME));
    }
}
