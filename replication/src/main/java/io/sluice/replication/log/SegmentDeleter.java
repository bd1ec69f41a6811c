package io.sluice.replication.log;

import java.io.IOException;
import java.util.List;
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
 * <p>Thread-safe; called by the owning log's writer.
 */
final class SegmentDeleter {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentDeleter.class);

    private final ScheduledExecutorService scheduler;
    private final String logPrefix;

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
        }
        Runnable removal = () -> {
            for (LogSegment segment : copy) {
                try {
                    segment.closeAndDelete();
                } catch (IOException e) {
                    LOG.warn("{}Cannot remove deleted segment {}", logPrefix, segment.logFile(), e);
                }
            }
        };
        try {
            scheduler.schedule(removal, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            removal.run();
        }
    }
}
