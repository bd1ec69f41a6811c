package io.sluice.replication.epoch;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the checkpoints of {@link LeaderEpochCache}s whose new entries were recorded without writing (see the
 * cache's Javadoc for why that is safe), off the thread that changed them: a role change for thousands of partitions
 * (a controller failover) then costs no fsync per partition on the request path.
 *
 * <p>A cache that gains an unwritten entry is {@linkplain #markDirty marked}; the first mark after a pass submits a
 * pass to the executor. A pass writes at most {@link #CHUNK} caches and resubmits itself while caches are left, so a
 * shared scheduler thread is never held for long. {@link #close()} writes every dirty cache on the caller's thread;
 * afterwards marking a cache writes it at once.
 *
 * <p>A failed write is logged and the cache stays unwritten until its next change or {@link #close()}; a cache whose
 * directory is gone (partition deleted) is skipped silently, and a {@linkplain LeaderEpochCache#close() closed} cache
 * writes nothing.
 *
 * <p>Concurrency: thread-safe. {@link #dirty} is a concurrent set and {@link #scheduled} guarantees at most one pass
 * queued or running. No lock of this class is held while a cache writes, so caches may be marked from any thread,
 * including while the marking thread holds partition locks.
 */
public final class EpochCheckpointFlusher implements AutoCloseable {
    /** Caches written per pass before the pass yields its thread. */
    static final int CHUNK = 64;

    private static final Logger LOG = LoggerFactory.getLogger(EpochCheckpointFlusher.class);

    private final Executor executor;
    private final String logPrefix;
    private final Set<LeaderEpochCache> dirty = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param executor runs the write passes (a broker's shared scheduler, or a manual one in simulations)
     * @param brokerId for log lines
     */
    public EpochCheckpointFlusher(Executor executor, int brokerId) {
        this.executor = Objects.requireNonNull(executor, "executor");
        this.logPrefix = "[EpochCheckpointFlusher broker=" + brokerId + "] ";
    }

    /** Records that {@code cache} has entries not yet written and makes sure a pass will write them. */
    void markDirty(LeaderEpochCache cache) {
        if (closed.get()) {
            write(cache);
            return;
        }
        dirty.add(cache);
        if (scheduled.compareAndSet(false, true)) {
            submitPass();
        }
    }

    /** The number of caches waiting to be written. */
    public int pending() {
        return dirty.size();
    }

    /** Writes every dirty cache now, on the caller's thread. */
    public void flushAll() {
        Iterator<LeaderEpochCache> it = dirty.iterator();
        while (it.hasNext()) {
            LeaderEpochCache cache = it.next();
            it.remove();
            write(cache);
        }
    }

    /** Writes every dirty cache; later marks write at once. Idempotent. */
    @Override
    public void close() {
        closed.set(true);
        flushAll();
    }

    private void submitPass() {
        try {
            executor.execute(this::pass);
        } catch (RejectedExecutionException e) {
            LOG.debug("{}Executor refused a pass ({}); writing on the calling thread", logPrefix, e.toString());
            scheduled.set(false);
            flushAll();
        }
    }

    private void pass() {
        int written = 0;
        Iterator<LeaderEpochCache> it = dirty.iterator();
        while (it.hasNext() && written < CHUNK) {
            LeaderEpochCache cache = it.next();
            it.remove();
            write(cache);
            written++;
        }
        if (!dirty.isEmpty() && !closed.get()) {
            submitPass();
            return;
        }
        scheduled.set(false);
        // A cache marked after the loop ended but before the flag was cleared found a pass still scheduled.
        if (!dirty.isEmpty() && scheduled.compareAndSet(false, true)) {
            submitPass();
        }
    }

    private void write(LeaderEpochCache cache) {
        try {
            cache.flush();
        } catch (UncheckedIOException e) {
            Path dir = cache.checkpointPath().getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                LOG.debug("{}Skipping {}: its directory is gone", logPrefix, cache.checkpointPath());
                return;
            }
            LOG.error(
                    "{}Cannot write {}; it stays unwritten until its next change or shutdown",
                    logPrefix,
                    cache.checkpointPath(),
                    e);
        }
    }

    @Override
    public String toString() {
        return logPrefix + dirty.size() + " pending";
    }
}
