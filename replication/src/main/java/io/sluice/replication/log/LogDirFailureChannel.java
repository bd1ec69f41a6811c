package io.sluice.replication.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a failed write to a log directory is reported, once per directory (Kafka's {@code LogDirFailureChannel}). The
 * first report of a directory logs an ERROR naming the directory, the operation and the cause, marks the directory
 * offline and tells the listener; later reports of the same directory are counted and logged at DEBUG.
 *
 * <p>What counts as a failure of the directory ({@link #isLogDirFault}): an {@link IOException} in the cause chain
 * of what a write, roll, flush, truncation or checkpoint threw, except a {@link ClosedChannelException} (a log closed
 * under a concurrent deletion or shutdown, not a disk). An {@link InternalError} of a faulting memory-mapped index is
 * a fault of that one partition, handled where it happens, not of its directory.
 *
 * <p>Concurrency: thread-safe; the listener runs on the reporting thread, at most once per directory, and must not
 * block (the broker hands the stop to a thread of its own).
 */
public final class LogDirFailureChannel {
    private static final Logger LOG = LoggerFactory.getLogger(LogDirFailureChannel.class);
    /** How deep the cause chain is searched (a cycle in it must not loop). */
    private static final int MAX_CAUSES = 16;

    /** Told when a directory goes offline. */
    @FunctionalInterface
    public interface Listener {
        void onLogDirFailed(Path dir, String what, Throwable cause);
    }

    private final String logPrefix;
    private final Set<Path> offline = ConcurrentHashMap.newKeySet();
    private volatile Listener listener = (dir, what, cause) -> {};

    public LogDirFailureChannel(String logPrefix) {
        this.logPrefix = Objects.requireNonNull(logPrefix, "logPrefix");
    }

    /** Sets who is told when a directory goes offline (the broker, which stops: it has no directory to fall back on). */
    public void setListener(Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Whether {@code t} (or a cause of it) says that a write to the disk failed. */
    public static boolean isLogDirFault(Throwable t) {
        Throwable c = t;
        for (int depth = 0; c != null && depth < MAX_CAUSES; depth++, c = c.getCause()) {
            if (c instanceof ClosedChannelException) {
                return false;
            }
            if (c instanceof IOException || c instanceof UncheckedIOException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reports that {@code what} failed in log directory {@code dir} with {@code cause}. Returns whether this report
     * took the directory offline (false when it already was).
     */
    public boolean fail(Path dir, String what, Throwable cause) {
        Path normalized = dir.toAbsolutePath().normalize();
        if (!offline.add(normalized)) {
            LOG.debug("{}Log directory {} already offline; {} failed too: {}", logPrefix, normalized, what, cause);
            return false;
        }
        LOG.error(
                "{}Log directory {} is offline: {} failed: {}. Its partitions are no longer served by this broker",
                logPrefix,
                normalized,
                what,
                cause.toString(),
                cause);
        listener.onLogDirFailed(normalized, what, cause);
        return true;
    }

    /** Whether {@code dir} went offline. */
    public boolean isOffline(Path dir) {
        return offline.contains(dir.toAbsolutePath().normalize());
    }

    /** The directories that went offline. */
    public Set<Path> offlineDirs() {
        return Collections.unmodifiableSet(offline);
    }
}
