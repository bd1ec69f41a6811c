package io.sluice.replication.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a file's content so that a crash at any moment leaves either the complete old content or the complete new
 * content, never a mix: write {@code <name>.tmp} in the same directory, fsync it, rename it over the target, then
 * fsync the directory so the rename itself is durable.
 *
 * <p>Concurrency: stateless. Two callers replacing the same target at the same time would share the temporary file, so
 * every owner of a target serialises its own writes (each caller in this package does).
 */
public final class AtomicFiles {
    /** Suffix of the temporary file written next to the target before the rename. */
    public static final String TEMP_SUFFIX = ".tmp";

    private static final Logger log = LoggerFactory.getLogger(AtomicFiles.class);

    private AtomicFiles() {}

    /** The temporary file used while replacing {@code target}. */
    public static Path tempFileFor(Path target) {
        return target.resolveSibling(target.getFileName() + TEMP_SUFFIX);
    }

    /**
     * Atomically replaces {@code target} with {@code content}.
     *
     * @throws IOException if any step fails; the target then still holds its previous content (or does not exist)
     */
    public static void write(Path target, byte[] content) throws IOException {
        Path temp = tempFileFor(target);
        try (FileChannel channel = FileChannel.open(
                temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            log.warn("Atomic rename of {} to {} not supported, falling back to a plain replace", temp, target, e);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        fsyncDirectory(target.toAbsolutePath().getParent());
    }

    /**
     * Flushes a directory's entries (file creations, renames, deletions) to disk. Platforms that cannot open a
     * directory as a channel are tolerated with a debug log, as the rename is then as durable as the platform allows.
     */
    public static void fsyncDirectory(Path dir) throws IOException {
        if (dir == null) {
            return;
        }
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (UnsupportedOperationException | AccessDeniedException e) {
            log.debug("Cannot fsync directory {} on this platform: {}", dir, e.toString());
        }
    }
}
