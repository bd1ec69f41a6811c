package io.sluice.replication.epoch;

import io.sluice.replication.checkpoint.CheckpointFile;
import io.sluice.replication.checkpoint.CorruptCheckpointException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * The {@value #FILE_NAME} file in a partition directory, in Kafka's text checkpoint format (see {@link
 * CheckpointFile}): line 1 version {@code 0}, line 2 the entry count, then one {@code epoch startOffset} line per
 * entry, in increasing epoch order. Reading checks that epochs and start offsets both strictly increase.
 *
 * <p>Concurrency: thread-safe (see {@link CheckpointFile}); {@link LeaderEpochCache} serialises its writes anyway.
 */
public final class LeaderEpochCheckpointFile {
    /** The file name inside the partition directory. */
    public static final String FILE_NAME = "leader-epoch-checkpoint";
    /** The only format version. */
    public static final int VERSION = 0;

    private static final CheckpointFile.Formatter<EpochEntry> FORMATTER = new CheckpointFile.Formatter<>() {
        @Override
        public String toLine(EpochEntry entry) {
            return entry.epoch() + " " + entry.startOffset();
        }

        @Override
        public EpochEntry fromLine(String line) {
            String[] fields = CheckpointFile.fields(line, 2);
            return new EpochEntry(Integer.parseInt(fields[0]), Long.parseLong(fields[1]));
        }
    };

    private final CheckpointFile<EpochEntry> file;

    /** The checkpoint of the partition whose directory is {@code partitionDir}. */
    public LeaderEpochCheckpointFile(Path partitionDir) {
        this.file = new CheckpointFile<>(partitionDir.resolve(FILE_NAME), VERSION, FORMATTER);
    }

    /** The checkpoint's path. */
    public Path path() {
        return file.path();
    }

    /** Atomically replaces the file with {@code entries}. */
    public void write(Collection<EpochEntry> entries) throws IOException {
        file.write(entries);
    }

    /**
     * Reads the entries; a missing file yields an empty list.
     *
     * @throws CorruptCheckpointException naming file and line if malformed or not strictly increasing
     */
    public List<EpochEntry> read() throws IOException {
        List<EpochEntry> entries = file.read();
        for (int i = 1; i < entries.size(); i++) {
            EpochEntry previous = entries.get(i - 1);
            EpochEntry current = entries.get(i);
            if (current.epoch() <= previous.epoch() || current.startOffset() <= previous.startOffset()) {
                throw new CorruptCheckpointException(
                        path(), i + 3, "entry " + current + " does not strictly follow " + previous);
            }
        }
        return entries;
    }
}
