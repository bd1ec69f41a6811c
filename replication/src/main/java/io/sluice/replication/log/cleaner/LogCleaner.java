package io.sluice.replication.log.cleaner;

import io.sluice.metadata.concurrent.ThreadStatus;
import io.sluice.metadata.concurrent.Threads;
import io.sluice.replication.log.LogCompactor;
import io.sluice.replication.log.LogConfig;
import io.sluice.replication.log.SegmentInfo;
import io.sluice.replication.log.SwapHook;
import io.sluice.replication.log.UnifiedLog;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background compaction of logs with {@code cleanup.policy=compact}: {@code log.cleaner.threads} threads, each
 * repeatedly taking the dirtiest log that needs cleaning ({@link LogToClean#shouldClean}: dirty ratio at least
 * {@code min.cleanable.dirty.ratio}, a record past {@code max.compaction.lag.ms}, or a kept tombstone past its delete
 * horizon; highest dirty ratio first) and compacting it with its own {@link Cleaner}, and waiting
 * {@code log.cleaner.backoff.ms} when none does. The clean/dirty boundary of each log is kept in
 * {@link CleanerCheckpoints}.
 *
 * <p>What may be cleaned ends before the active segment and before the first offset the
 * {@link #setUpperBound upper bound} names for the partition (the broker passes the high watermark, so nothing that
 * could still be truncated is compacted); the default is no bound beyond the active segment.
 *
 * <p>Lifecycle (compare-and-set on {@link State}): {@code NEW -> RUNNING -> STOPPED}; {@link #shutdown()} is safe
 * twice and stops the threads between two batches of work, dropping an unfinished cleaning (its files are removed;
 * the log is untouched).
 *
 * <p>Failures: the cleaner threads must not die. Whatever cleaning one log throws, {@link Error}s included (an
 * {@link InternalError} from a faulting memory-mapped index), makes that log uncleanable until restart, logged at
 * ERROR; a heap exhaustion is not blamed on the log, which is tried again later. Anything thrown outside one log's
 * cleaning is logged and the thread carries on after the backoff. {@link #threadStatuses()} reports the threads for
 * the broker's liveness checks.
 *
 * <p>Concurrency: {@code lock} guards {@code inProgress}, {@code deletedWhileCleaning}, {@code uncleanable} and
 * {@code tombstoneHorizons} and is never held during I/O on a log; it is held around the cleaner checkpoint's
 * removal on deletion and its update after a cleaning (small file writes; lock order: {@code lock}, then the
 * checkpoints' own monitor), so a deleted log's cleaning never records its outcome after the deletion. A log is
 * cleaned by at most one thread at a time. Truncation calls {@link #beforeTruncation} on the truncating thread (under
 * the log's lock), which only lowers
 * a checkpoint.
 */
public final class LogCleaner implements LogCompactor, AutoCloseable {

    /** Lifecycle states. */
    public enum State {
        NEW,
        RUNNING,
        STOPPED
    }

    private static final Logger LOG = LoggerFactory.getLogger(LogCleaner.class);
    private static final int MAX_BUFFER_SIZE = 64 * 1024 * 1024;

    private final CleanerConfig config;
    private final Supplier<Collection<UnifiedLog>> logs;
    private final Clock clock;
    private final SwapHook swapHook;
    private final CleanerCheckpoints checkpoints;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wakeUp = lock.newCondition();
    private final Set<TopicPartition> inProgress = new HashSet<>();
    /** Partitions whose log was deleted while being cleaned: that cleaning's outcome is not recorded. */
    private final Set<TopicPartition> deletedWhileCleaning = new HashSet<>();

    private final Set<TopicPartition> uncleanable = new HashSet<>();
    private final Map<TopicPartition, Long> tombstoneHorizons = new HashMap<>();
    /** Written once by {@link #startup()}, read by {@link #threadStatuses()} on any thread. */
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    private volatile ToLongFunction<TopicPartition> upperBound = tp -> Long.MAX_VALUE;
    private volatile boolean running = true;

    /**
     * @param logDirs the log directories (each gets a {@value CleanerCheckpoints#FILE_NAME})
     * @param logs the logs to consider, read on every selection
     * @param swapHook called between the steps of every segment swap ({@link SwapHook#NONE} outside tests)
     */
    public LogCleaner(
            CleanerConfig config,
            List<Path> logDirs,
            Supplier<Collection<UnifiedLog>> logs,
            Clock clock,
            SwapHook swapHook) {
        this.config = config;
        this.logs = logs;
        this.clock = clock;
        this.swapHook = swapHook;
        this.checkpoints = new CleanerCheckpoints(
                logDirs.stream().map(p -> p.toAbsolutePath().normalize()).toList());
    }

    public State state() {
        return state.get();
    }

    /**
     * Sets the first offset of each partition that must not be cleaned (the high watermark); {@link Long#MAX_VALUE}
     * means no bound beyond the active segment.
     */
    @Override
    public void setUpperBound(ToLongFunction<TopicPartition> firstUncleanableOffset) {
        this.upperBound = firstUncleanableOffset;
    }

    /** Starts the cleaner threads. */
    @Override
    public void startup() {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException("log cleaner already started (" + state.get() + ")");
        }
        for (int i = 0; i < config.threads(); i++) {
            Cleaner cleaner = newCleaner();
            Thread thread = Threads.newThread("log-cleaner-" + i, () -> runThread(cleaner), true);
            threads.add(thread);
            thread.start();
        }
        LOG.info(
                "Log cleaner started with {} threads, {} bytes of offset map each",
                config.threads(),
                config.mapBytesPerThread());
    }

    /** Stops the threads and waits for them (bounded). Idempotent. */
    @Override
    public void shutdown() {
        State previous = state.getAndSet(State.STOPPED);
        if (previous == State.STOPPED) {
            return;
        }
        running = false;
        lock.lock();
        try {
            wakeUp.signalAll();
        } finally {
            lock.unlock();
        }
        for (Thread thread : threads) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
                if (thread.isAlive()) {
                    LOG.warn("Log cleaner thread {} did not stop within 30 s", thread.getName());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.info("Log cleaner stopped");
    }

    @Override
    public void close() {
        shutdown();
    }

    /** The cleaner threads as must-not-die threads, while the cleaner runs (empty before and after). */
    @Override
    public List<ThreadStatus> threadStatuses() {
        if (state.get() != State.RUNNING) {
            return List.of();
        }
        return threads.stream().map(ThreadStatus::of).toList();
    }

    /** A cleaner with its own offset map, for a cleaner thread or a caller of {@link #cleanFilthiestLog}. */
    Cleaner newCleaner() {
        OffsetMap map = new OffsetMap(config.mapBytesPerThread(), config.loadFactor());
        return new Cleaner(map, config.ioBufferSize(), MAX_BUFFER_SIZE, clock, swapHook, () -> running);
    }

    private void runThread(Cleaner cleaner) {
        while (running) {
            boolean cleaned;
            try {
                cleaned = cleanFilthiestLog(cleaner).isPresent();
            } catch (Throwable e) {
                LOG.error("Log cleaner thread failed; continuing after the backoff", e);
                cleaned = false;
            }
            if (!cleaned) {
                lock.lock();
                try {
                    if (running) {
                        wakeUp.await(config.backoffMs(), TimeUnit.MILLISECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /**
     * Cleans the dirtiest log that needs it, on the calling thread.
     *
     * @return the outcome, or empty when no log needed cleaning or the cleaning was stopped
     */
    Optional<Cleaner.Result> cleanFilthiestLog(Cleaner cleaner) {
        Optional<LogToClean> picked = grabFilthiestLog();
        if (picked.isEmpty()) {
            return Optional.empty();
        }
        LogToClean toClean = picked.get();
        TopicPartition tp = toClean.log().topicPartition();
        try {
            Cleaner.Result result = cleaner.clean(toClean);
            if (!result.completed()) {
                return Optional.empty();
            }
            lock.lock();
            try {
                if (deletedWhileCleaning.contains(tp)) {
                    // a log re-created under this name must not inherit the deleted log's clean/dirty boundary
                    return Optional.empty();
                }
                checkpoints.update(dirOf(toClean.log()), tp, result.nextFirstDirtyOffset());
                if (result.minTombstoneHorizonMs() == Long.MAX_VALUE) {
                    tombstoneHorizons.remove(tp);
                } else {
                    tombstoneHorizons.put(tp, result.minTombstoneHorizonMs());
                }
            } finally {
                lock.unlock();
            }
            return Optional.of(result);
        } catch (Throwable e) {
            if (!running) {
                return Optional.empty();
            }
            if (Threads.isResourceExhaustion(e)) {
                LOG.error(
                        "[LogCleaner {}] Out of memory while cleaning; not blaming the log, it is tried again", tp, e);
                return Optional.empty();
            }
            lock.lock();
            try {
                if (deletedWhileCleaning.contains(tp)) {
                    // the log was deleted under the cleaning: a log re-created under this name is not to blame
                    LOG.info("[LogCleaner {}] Cleaning stopped: the log was deleted ({})", tp, e.toString());
                    return Optional.empty();
                }
                uncleanable.add(tp);
            } finally {
                lock.unlock();
            }
            LOG.error("[LogCleaner {}] Cleaning failed; the partition is not cleaned again until restart", tp, e);
            return Optional.empty();
        } finally {
            lock.lock();
            try {
                inProgress.remove(tp);
                deletedWhileCleaning.remove(tp);
            } finally {
                lock.unlock();
            }
        }
    }

    /** Picks the dirtiest log that needs cleaning and marks it in progress. */
    private Optional<LogToClean> grabFilthiestLog() {
        long now = clock.millis();
        ToLongFunction<TopicPartition> bound = upperBound;
        LogToClean best = null;
        for (UnifiedLog log : logs.get()) {
            LogConfig logConfig = log.config();
            TopicPartition tp = log.topicPartition();
            if (!logConfig.compact() || isBusyOrUncleanable(tp)) {
                continue;
            }
            List<SegmentInfo> segments;
            try {
                segments = log.segmentInfos();
            } catch (RuntimeException e) {
                // a segment closed under the scan (the log was closed or a removed segment's delay ended): next round
                LOG.debug("[LogCleaner {}] Skipping this round: {}", tp, e.toString());
                continue;
            }
            if (segments.size() < 2) {
                continue;
            }
            long firstDirty = checkpoints.firstDirtyOffset(dirOf(log), tp).orElse(log.logStartOffset());
            LogToClean candidate = LogToClean.assess(
                    log,
                    segments,
                    logConfig,
                    firstDirty,
                    log.logStartOffset(),
                    log.logEndOffset(),
                    bound.applyAsLong(tp),
                    now,
                    tombstoneHorizon(tp));
            if (candidate.shouldClean(logConfig) && (best == null || candidate.dirtyRatio() > best.dirtyRatio())) {
                best = candidate;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        lock.lock();
        try {
            if (!inProgress.add(best.log().topicPartition())) {
                return Optional.empty();
            }
        } finally {
            lock.unlock();
        }
        return Optional.of(best);
    }

    private boolean isBusyOrUncleanable(TopicPartition tp) {
        lock.lock();
        try {
            return inProgress.contains(tp) || uncleanable.contains(tp);
        } finally {
            lock.unlock();
        }
    }

    private long tombstoneHorizon(TopicPartition tp) {
        lock.lock();
        try {
            return tombstoneHorizons.getOrDefault(tp, Long.MAX_VALUE);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Lowers the clean/dirty boundary of {@code log} to {@code offset} before the log is truncated there, so records
     * appended again after the truncation count as dirty. Called on the truncating thread.
     */
    @Override
    public void beforeTruncation(UnifiedLog log, long offset) {
        checkpoints.truncate(dirOf(log), log.topicPartition(), offset);
    }

    /**
     * Forgets a deleted log. A cleaning of it still in progress finishes without recording its outcome, so a log
     * re-created under the same name starts with no clean/dirty boundary.
     */
    @Override
    public void onLogDeleted(TopicPartition tp) {
        lock.lock();
        try {
            checkpoints.remove(tp);
            if (inProgress.contains(tp)) {
                deletedWhileCleaning.add(tp);
            }
            uncleanable.remove(tp);
            tombstoneHorizons.remove(tp);
        } finally {
            lock.unlock();
        }
    }

    /** The checkpointed first dirty offset of a log, if it was cleaned before. */
    @Override
    public Optional<Long> firstDirtyOffset(UnifiedLog log) {
        var offset = checkpoints.firstDirtyOffset(dirOf(log), log.topicPartition());
        return offset.isPresent() ? Optional.of(offset.getAsLong()) : Optional.empty();
    }

    private static Path dirOf(UnifiedLog log) {
        return log.dir().toPath().toAbsolutePath().normalize().getParent();
    }
}
