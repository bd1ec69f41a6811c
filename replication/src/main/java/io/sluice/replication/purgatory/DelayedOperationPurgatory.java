package io.sluice.replication.purgatory;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.metadata.concurrent.ThreadStatus;
import io.sluice.metadata.concurrent.Threads;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds {@link DelayedOperation}s until their condition holds or their deadline passes: acks=all produce requests
 * (completed when the high watermark moves, keyed by partition) and long-poll fetches (completed when data is
 * appended, keyed by partition).
 *
 * <pre>
 *   request handler ── tryCompleteElseWatch(op, keys) ──► try; watch under every key; try again; schedule timeout
 *   HW moved / append ─ checkAndComplete(key) ──────────► try each operation watching key, drop completed ones
 *   reaper thread ───── every deadline that passes ─────► onExpiration(); onComplete()
 *                      └ completed-but-watched > purgeInterval ► sweep completed entries out of every list
 * </pre>
 *
 * <p>Typical use, for acks=all produce (a {@code DelayedProduce} whose {@code tryComplete} compares each partition's
 * high watermark with the offset it must reach):
 *
 * <pre>{@code
 * // request handler thread, after appending to the leaders and releasing their locks
 * producePurgatory.tryCompleteElseWatch(delayedProduce, partitions);
 * // follower-fetch thread, after moving partition tp's high watermark and releasing its lock
 * producePurgatory.checkAndComplete(tp);
 * }</pre>
 *
 * <h2>Life cycle</h2>
 *
 * <p>{@code NEW ──start()──► RUNNING ──shutdown()──► SHUT_DOWN}, and {@code NEW ──shutdown()──► SHUT_DOWN}. Operations
 * may be submitted before {@link #start()} (their deadlines count from submission but fire only once the reaper
 * runs). {@link #shutdown()} stops the reaper and unregisters the meters; operations still waiting then are neither
 * completed nor expired, and later submissions are rejected. {@link #checkAndComplete} keeps working.
 *
 * <h2>Concurrency contract</h2>
 *
 * <p>Thread-safe; any number of threads may submit and check at once. The purgatory owns one thread, the reaper
 * ({@code ExpirationReaper-<broker>-<name>}), which expires operations and purges watcher lists. The reaper must not
 * die: whatever one operation's callbacks throw ({@link Error}s included) is logged and the next operation is
 * expired; anything else a pass throws is logged and the reaper carries on after one poll interval. {@link
 * #threadStatuses()} reports it for the broker's liveness checks. Likewise {@link #checkAndComplete} logs and skips
 * an operation whose {@code tryComplete} throws, so the caller (a fetcher or request thread) is not hurt by it. Where the
 * callbacks run, and the lock order callers must respect (in short: call {@link #checkAndComplete} and {@link
 * #tryCompleteElseWatch} holding no lock an operation's callbacks may take, in particular no partition lock), are
 * described on {@link DelayedOperation}. The watcher index and the timer document their own locks; the lifecycle
 * state is an atomic reference moved by compare-and-set.
 *
 * @param <T> the kind of operation this purgatory holds
 */
public final class DelayedOperationPurgatory<T extends DelayedOperation> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DelayedOperationPurgatory.class);

    /** Kafka's default for {@code producer/fetch.purgatory.purge.interval.requests}. */
    public static final int DEFAULT_PURGE_INTERVAL = 1000;

    /** How often the reaper looks at the clock when no deadline is nearer. */
    public static final Duration DEFAULT_REAPER_POLL_INTERVAL = Duration.ofMillis(200);

    private enum State {
        NEW,
        RUNNING,
        SHUT_DOWN
    }

    private final String name;
    private final String logPrefix;
    private final Thread reaper;
    private final long reaperPollNanos;
    private final int purgeInterval;
    private final WatcherIndex<T> watchers = new WatcherIndex<>();
    private final ExpirationTimer timer;
    private final PurgatoryMetrics metrics;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);

    /** Operations that entered watcher lists and were not yet accounted for by a purge (Kafka's estimate). */
    private final AtomicLong estimatedWatchedOperations = new AtomicLong();

    private final AtomicLong reaperPasses = new AtomicLong();

    /** A purgatory on the system clock with Kafka's default purge interval and a 200 ms reaper poll. */
    public DelayedOperationPurgatory(String name, int brokerId, MeterRegistry registry) {
        this(name, brokerId, Time.SYSTEM, registry, DEFAULT_PURGE_INTERVAL, DEFAULT_REAPER_POLL_INTERVAL);
    }

    /**
     * @param name the purgatory's name, used in the metric tag, the reaper's thread name and log lines
     * @param brokerId the owning broker, for the thread name and log lines
     * @param time the clock deadlines are measured on
     * @param registry where {@link PurgatoryMetrics} registers its meters
     * @param purgeInterval how many completed operations may linger in watcher lists (estimated) before the reaper
     *     sweeps them out
     * @param reaperPollInterval the longest the reaper waits without looking at the clock; bounds how late a manual
     *     clock's jump is noticed
     */
    public DelayedOperationPurgatory(
            String name,
            int brokerId,
            Time time,
            MeterRegistry registry,
            int purgeInterval,
            Duration reaperPollInterval) {
        this.name = Objects.requireNonNull(name, "name");
        if (purgeInterval < 0) {
            throw new IllegalArgumentException("purgeInterval must be >= 0, was " + purgeInterval);
        }
        if (reaperPollInterval.isNegative() || reaperPollInterval.isZero()) {
            throw new IllegalArgumentException("reaperPollInterval must be positive, was " + reaperPollInterval);
        }
        this.logPrefix = "[Purgatory " + name + " broker=" + brokerId + "]";
        this.purgeInterval = purgeInterval;
        this.reaperPollNanos = reaperPollInterval.toNanos();
        this.timer = new ExpirationTimer(Objects.requireNonNull(time, "time"));
        this.metrics = new PurgatoryMetrics(registry, name, this::watched, this::numDelayed);
        this.reaper = Threads.newThread("ExpirationReaper-" + brokerId + "-" + name, this::runReaper, true);
    }

    /** Starts the reaper thread; may be called once. */
    public void start() {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException(logPrefix + " cannot start in state " + state.get());
        }
        reaper.start();
        log.info("{} started", logPrefix);
    }

    /**
     * Completes the operation now if it can; otherwise watches it under every key and schedules its timeout. After
     * watching, the operation is tried once more: the condition may have become true between the first try and the
     * watch, and the {@link #checkAndComplete} that announced it may have run before the operation was in any list.
     *
     * @param operation a new operation (each may be submitted once)
     * @param watchKeys at least one key; duplicates are ignored
     * @return {@code true} if this call completed the operation; {@code false} if it waits, or if another thread
     *     completed it meanwhile (its {@code onComplete} runs on that thread)
     * @throws IllegalStateException after {@link #shutdown()}, or if the operation was submitted before
     */
    public boolean tryCompleteElseWatch(T operation, Collection<?> watchKeys) {
        Objects.requireNonNull(operation, "operation");
        if (watchKeys.isEmpty()) {
            throw new IllegalArgumentException("an operation needs at least one watch key");
        }
        if (state.get() == State.SHUT_DOWN) {
            throw new IllegalStateException(logPrefix + " is shut down");
        }
        operation.markSubmitted();
        if (operation.safeTryComplete()) {
            return true;
        }
        Set<Object> keys = new LinkedHashSet<>(watchKeys);
        for (Object key : keys) {
            if (operation.isCompleted()) {
                break;
            }
            watchers.watch(Objects.requireNonNull(key, "watch key"), operation);
        }
        boolean completedHere = operation.safeTryComplete();
        if (!completedHere && timer.schedule(operation) != null && operation.isCompleted()) {
            // Completed between schedule()'s check and the entry becoming visible to the completing thread.
            operation.cancelTimeout();
        }
        // Counted only after scheduling, so the purge estimate (this count minus numDelayed) can only err towards
        // purging early. Counting first would let a purge in between write off this operation while it was not yet
        // in numDelayed; once it completed, the estimate would stay one short and could postpone purges for good.
        estimatedWatchedOperations.incrementAndGet();
        return completedHere;
    }

    /**
     * Tries every operation watching the key and removes the completed ones from the key's list. Call it after
     * making the change the operations wait for visible to them (for example after moving the high watermark and
     * releasing the partition lock), holding no lock an operation may need.
     *
     * @return the number of operations this call completed
     */
    public int checkAndComplete(Object key) {
        List<T> candidates = watchers.snapshot(key);
        if (candidates.isEmpty()) {
            return 0;
        }
        int completed = 0;
        for (T operation : candidates) {
            try {
                if (operation.safeTryComplete()) {
                    completed++;
                }
            } catch (Throwable e) {
                log.error(
                        "{} operation {} watching {} failed to complete; it stays until its deadline",
                        logPrefix,
                        operation,
                        key,
                        e);
            }
        }
        watchers.removeCompleted(key);
        return completed;
    }

    /**
     * Completes the operation now unless something else already has ({@link DelayedOperation#forceComplete()}: its
     * timeout is cancelled and {@code onComplete} runs on this thread), then removes it, and any other completed
     * operation, from the watcher lists of {@code watchKeys} at once instead of leaving it for the next purge. For an
     * operation whose requester went away (its connection closed): the purgatory's size and numDelayed drop
     * immediately. Call it holding no lock an operation may need, as {@link #checkAndComplete}.
     *
     * @param watchKeys the keys the operation was submitted with
     * @return whether this call completed the operation
     */
    public boolean cancel(T operation, Collection<?> watchKeys) {
        boolean completedHere = operation.forceComplete();
        for (Object key : new LinkedHashSet<>(watchKeys)) {
            watchers.removeCompleted(key);
        }
        return completedHere;
    }

    /** Watcher entries across all keys (an operation counts once per key); Kafka's {@code PurgatorySize}. */
    public long watched() {
        return watchers.watched();
    }

    /** Operations waiting for their deadline; Kafka's {@code NumDelayedOperations}. */
    public long numDelayed() {
        return timer.size();
    }

    /** Number of keys currently watched by at least one entry. */
    public int watchedKeys() {
        return watchers.keys();
    }

    /** The purgatory's name, e.g. {@code Produce}. */
    public String name() {
        return name;
    }

    /**
     * Stops the reaper (waiting for it to finish the pass it is in) and unregisters the meters. Safe to call more
     * than once, before {@link #start()}, and from the reaper itself (then it does not wait).
     */
    public void shutdown() {
        State previous = state.getAndSet(State.SHUT_DOWN);
        if (previous == State.SHUT_DOWN) {
            return;
        }
        timer.close();
        if (previous == State.RUNNING && Thread.currentThread() != reaper) {
            try {
                reaper.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.warn("{} interrupted while waiting for the reaper to stop", logPrefix);
            }
        }
        metrics.close();
        log.info("{} shut down with {} operations still delayed", logPrefix, numDelayed());
    }

    @Override
    public void close() {
        shutdown();
    }

    /** Completed passes of the reaper loop; tests wait for two to know a pass started after some change. */
    long reaperPasses() {
        return reaperPasses.get();
    }

    boolean reaperAlive() {
        return reaper.isAlive();
    }

    /** The reaper as a must-not-die thread, while the purgatory runs (empty before start and after shutdown). */
    public List<ThreadStatus> threadStatuses() {
        return state.get() == State.RUNNING ? List.of(ThreadStatus.of(reaper)) : List.of();
    }

    private void runReaper() {
        log.debug("{} reaper running", logPrefix);
        while (state.get() == State.RUNNING) {
            try {
                expire(timer.pollDue(reaperPollNanos));
                maybePurge();
            } catch (InterruptedException e) {
                log.warn("{} reaper interrupted; stopping", logPrefix);
                Thread.currentThread().interrupt();
                return;
            } catch (Throwable e) {
                log.error("{} reaper pass failed; carrying on after {} ms", logPrefix, reaperPollNanos / 1_000_000, e);
                LockSupport.parkNanos(reaperPollNanos);
            }
            reaperPasses.incrementAndGet();
        }
        log.debug("{} reaper stopped", logPrefix);
    }

    /** Expires each operation on its own: one whose callbacks throw does not keep the others from expiring. */
    private void expire(List<DelayedOperation> due) {
        for (DelayedOperation operation : due) {
            try {
                if (operation.expire()) {
                    metrics.recordExpired();
                }
            } catch (Throwable e) {
                log.error("{} expiry callbacks of {} failed: {}", logPrefix, operation, e.toString(), e);
            }
        }
    }

    private void maybePurge() {
        long delayed = numDelayed();
        long completedButWatched = estimatedWatchedOperations.get() - delayed;
        if (completedButWatched <= purgeInterval) {
            return;
        }
        // Subtract what this purge accounts for instead of resetting, so concurrent submissions are not lost.
        estimatedWatchedOperations.addAndGet(-completedButWatched);
        int purged = watchers.purgeCompleted();
        metrics.recordPurged(purged);
        log.debug(
                "{} purged {} watcher entries of completed operations; {} entries remain",
                logPrefix,
                purged,
                watched());
    }
}
