package io.sluice.replication.checkpoint;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Kafka's plain-text checkpoint format, shared by the offset checkpoints and the leader-epoch checkpoint:
 *
 * <pre>
 * line 1      version           decimal integer, e.g. {@code 0}
 * line 2      entry count N     decimal integer &gt;= 0
 * lines 3..   N entry lines     formatted by the {@link Formatter}, fields separated by one space
 * </pre>
 *
 * Lines end with {@code \n} and the text is UTF-8. A missing file reads as no entries. Reading rejects, with a {@link
 * CorruptCheckpointException} naming the file and line: an unknown version, a bad count, fewer entry lines than the
 * count (a truncated file), a malformed entry line, or any non-blank content after the last entry. Writing replaces
 * the file atomically through {@link AtomicFiles#write}.
 *
 * <p>Concurrency: thread-safe; reads and writes of one instance are serialised on an internal lock, so a reader
 * never sees a half-replaced file from a writer of the same instance. Use one instance per file.
 *
 * @param <T> the entry type
 */
public final class CheckpointFile<T> {
    /** Converts one entry to and from its line. */
    public interface Formatter<T> {
        /** The entry's line, without the line terminator. */
        String toLine(T entry);

        /**
         * Parses one entry line.
         *
         * @throws IllegalArgumentException (including {@link NumberFormatException}) with a reason if it is malformed
         */
        T fromLine(String line);
    }

    private final Path file;
    private final int version;
    private final Formatter<T> formatter;
    private final Object lock = new Object();

    public CheckpointFile(Path file, int version, Formatter<T> formatter) {
        this.file = Objects.requireNonNull(file, "file");
        this.version = version;
        this.formatter = Objects.requireNonNull(formatter, "formatter");
    }

    /** The checkpoint's path. */
    public Path path() {
        return file;
    }

    /** Atomically replaces the file with {@code entries}, in iteration order. */
    public void write(Collection<T> entries) throws IOException {
        StringBuilder text = new StringBuilder(32 + entries.size() * 24);
        text.append(version).append('\n').append(entries.size()).append('\n');
        for (T entry : entries) {
            String line = formatter.toLine(entry);
            if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("Checkpoint entry of " + file + " spans lines: " + line);
            }
            text.append(line).append('\n');
        }
        synchronized (lock) {
            AtomicFiles.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Reads all entries; an absent file yields an empty list.
     *
     * @throws CorruptCheckpointException if the file exists but is malformed
     */
    public List<T> read() throws IOException {
        List<String> lines;
        synchronized (lock) {
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                return List.of();
            } catch (CharacterCodingException e) {
                throw new CorruptCheckpointException(file, 1, "not valid UTF-8 text");
            }
        }
        if (lines.isEmpty()) {
            throw new CorruptCheckpointException(file, 1, "empty file, expected the version");
        }
        int fileVersion = parseInt(lines.get(0), 1, "version");
        if (fileVersion != version) {
            throw new CorruptCheckpointException(
                    file, 1, "unsupported version " + fileVersion + ", expected " + version);
        }
        if (lines.size() < 2) {
            throw new CorruptCheckpointException(file, 2, "file ends before the entry count");
        }
        int count = parseInt(lines.get(1), 2, "entry count");
        if (count < 0) {
            throw new CorruptCheckpointException(file, 2, "negative entry count " + count);
        }
        if (lines.size() - 2 < count) {
            throw new CorruptCheckpointException(
                    file,
                    lines.size() + 1,
                    "expected " + count + " entries but the file ends after " + (lines.size() - 2));
        }
        List<T> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int lineNumber = i + 3;
            String line = lines.get(i + 2);
            try {
                entries.add(formatter.fromLine(line));
            } catch (IllegalArgumentException e) {
                throw new CorruptCheckpointException(
                        file, lineNumber, "malformed entry '" + line + "' (" + e.getMessage() + ")");
            }
        }
        for (int i = count + 2; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                throw new CorruptCheckpointException(
                        file, i + 1, "unexpected content after " + count + " entries: '" + lines.get(i) + "'");
            }
        }
        return entries;
    }

    private int parseInt(String text, int lineNumber, String what) throws CorruptCheckpointException {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new CorruptCheckpointException(file, lineNumber, "expected the " + what + ", got '" + text + "'");
        }
    }

    /**
     * Splits an entry line into exactly {@code expected} fields separated by single spaces.
     *
     * @throws IllegalArgumentException if the field count differs
     */
    public static String[] fields(String line, int expected) {
        String[] parts = line.trim().split(" ", -1);
        if (parts.length != expected) {
            throw new IllegalArgumentException(
                    "expected " + expected + " space-separated fields, found " + parts.length);
        }
        return parts;
    }
}
