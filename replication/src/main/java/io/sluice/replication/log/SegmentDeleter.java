package io.sluice.replication.log;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes segments in two steps so that in-flight {@link FileSlice}s stay valid: the files are renamed to
 * {@code .deleted} at once (the segment is already out of the log's map), and the channels are closed and the
 * files removed after the delay on the scheduler. A crash in between leaves {@code .deleted} files, which
 * {@link LogLoader} removes on the next start. When the scheduler no longer accepts work the removal runs at once.
 *
 * <p>The segments waiting for their removal are remembered, so that when the whole log is deleted (its directory
 * renamed) they follow the rename ({@link #updateParentDir}) and are closed with the rest of the log
 * ({@link #closeAllWithoutTrim}).
 *
 * <p>Thread-safe; called by the owning log's writer, removals run on the scheduler.
 */
final class SegmentDeleter {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentDeleter.class);

    private final ScheduledExecutorService scheduler;
    private final String logPrefix;
    private final Set<LogSegment> pending = ConcurrentHashMap.newKeySet();

    SegmentDeleter(ScheduledExecutorService scheduler, String logPrefix) {
        this.scheduler = scheduler;
        this.logPrefix = logPrefix;
    }

    void delete(List<LogSegment> doomed, long delayMs) throws IOException {
        if (doomed.isEmpty()) {
            return;
        }
        List<LogSegment> copy = List.copyOf(doomed);
        for (LogSegment segment : copy) {
            segment.renameToDeleted();
            pending.add(segment);
        }
        Runnable removal = () -> {
            for (LogSegment segment : copy) {
                try {
                    segment.closeAndDelete();
                } catch (IOException | RuntimeException e) {
                    LOG.warn("{}Cannot remove deleted segment {}", logPrefix, segment.logFile(), e);
                } finally {
                    pending.remove(segment);
                }
            }
        };
        try {
            scheduler.schedule(removal, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            removal.run();
        }
    }

    /** Points every segment still waiting for its removal at {@code dir}, the log directory's new name. */
    void updateParentDir(File dir) {
        for (LogSegment segment : pending) {
            segment.updateParentDir(dir);
        }
    }

    /** Closes every segment still waiting for its removal without changing its files (the log is being deleted). */
    void closeAllWithoutTrim() {
        for (LogSegment segment : pending) {
            try {
                segment.closeWithoutTrim();
            } catch (IOException e) {
                LOG.warn("{}Cannot close deleted segment {}", logPrefix, segment.logFile(), e);
            }
        }
    }

    /** How many segments wait for their removal. */
    int pendingCount() {
        return pending.size();
    }
}
