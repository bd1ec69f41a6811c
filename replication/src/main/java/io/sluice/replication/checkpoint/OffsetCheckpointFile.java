package io.sluice.replication.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * A per-log-directory map of partition to offset in Kafka's text checkpoint format (see {@link CheckpointFile}):
 *
 * <pre>
 * 0                      version
 * 2                      entry count
 * orders 0 1234          topic, partition, offset separated by one space
 * orders.eu-1 3 99
 * </pre>
 *
 * Used for {@value #REPLICATION_OFFSET_CHECKPOINT} (high watermarks), {@value #RECOVERY_POINT_OFFSET_CHECKPOINT}
 * and {@value #LOG_START_OFFSET_CHECKPOINT}. Topic names are Kafka-legal ({@code [a-zA-Z0-9._-]}), so they never
 * contain the separator. Entries are written sorted by topic then partition so the file is reproducible. Offsets must
 * be &gt;= 0 and partitions &gt;= 0; a line that breaks either rule makes the file corrupt.
 *
 * <p>Concurrency: thread-safe (see {@link CheckpointFile}); one instance per file.
 */
public final class OffsetCheckpointFile {
    /** High watermarks of the partitions in a log directory. */
    public static final String REPLICATION_OFFSET_CHECKPOINT = "replication-offset-checkpoint";
    /** Offsets up to which each log is known flushed, so recovery starts there. */
    public static final String RECOVERY_POINT_OFFSET_CHECKPOINT = "recovery-point-offset-checkpoint";
    /** Log start offsets (after retention or DeleteRecords). */
    public static final String LOG_START_OFFSET_CHECKPOINT = "log-start-offset-checkpoint";
    /** The only format version. */
    public static final int VERSION = 0;

    private static final Comparator<Map.Entry<TopicPartition, Long>> ORDER = Comparator.comparing(
                    (Map.Entry<TopicPartition, Long> e) -> e.getKey().topic())
            .thenComparingInt(e -> e.getKey().partition());

    private static final CheckpointFile.Formatter<Map.Entry<TopicPartition, Long>> FORMATTER =
            new CheckpointFile.Formatter<>() {
                @Override
                public String toLine(Map.Entry<TopicPartition, Long> entry) {
                    return entry.getKey().topic() + ' ' + entry.getKey().partition() + ' ' + entry.getValue();
                }

                @Override
                public Map.Entry<TopicPartition, Long> fromLine(String line) {
                    String[] fields = CheckpointFile.fields(line, 3);
                    if (fields[0].isEmpty()) {
                        throw new IllegalArgumentException("empty topic name");
                    }
                    int partition = Integer.parseInt(fields[1]);
                    long offset = Long.parseLong(fields[2]);
                    if (partition < 0 || offset < 0) {
                        throw new IllegalArgumentException("negative partition or offset");
                    }
                    return Map.entry(new TopicPartition(fields[0], partition), offset);
                }
            };

    private final CheckpointFile<Map.Entry<TopicPartition, Long>> file;

    /** A checkpoint at {@code path} (usually {@code <log dir>/<one of the names above>}). */
    public OffsetCheckpointFile(Path path) {
        this.file = new CheckpointFile<>(path, VERSION, FORMATTER);
    }

    /** The checkpoint's path. */
    public Path path() {
        return file.path();
    }

    /** Atomically replaces the file with {@code offsets}. */
    public void write(Map<TopicPartition, Long> offsets) throws IOException {
        List<Map.Entry<TopicPartition, Long>> entries = new ArrayList<>(offsets.size());
        for (Map.Entry<TopicPartition, Long> e : offsets.entrySet()) {
            String topic = e.getKey().topic();
            if (topic.isEmpty() || topic.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("Topic name '" + topic + "' cannot be written to " + path());
            }
            if (e.getKey().partition() < 0 || e.getValue() == null || e.getValue() < 0) {
                throw new IllegalArgumentException("Invalid checkpoint entry " + e + " for " + path());
            }
            entries.add(Map.entry(e.getKey(), e.getValue()));
        }
        entries.sort(ORDER);
        file.write(entries);
    }

    /**
     * Reads the map; a missing file yields an empty map.
     *
     * @throws CorruptCheckpointException naming the file and line if it is malformed or names a partition twice
     */
    public Map<TopicPartition, Long> read() throws IOException {
        List<Map.Entry<TopicPartition, Long>> entries = file.read();
        Map<TopicPartition, Long> offsets = new HashMap<>(entries.size() * 2);
        for (int i = 0; i < entries.size(); i++) {
            Map.Entry<TopicPartition, Long> e = entries.get(i);
            if (offsets.put(e.getKey(), e.getValue()) != null) {
                throw new CorruptCheckpointException(path(), i + 3, "partition " + e.getKey() + " listed twice");
            }
        }
        return offsets;
    }
}
