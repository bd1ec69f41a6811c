package io.sluice.replication.purgatory;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An operation that waits, up to a delay, for a condition: an acks=all produce waits for the high watermark to pass
 * its last offset, a long-poll fetch waits for {@code min.bytes} of new data. It is parked in a
 * {@link DelayedOperationPurgatory} under one or more watch keys (for example the partitions it concerns) and is
 * re-checked whenever something calls {@link DelayedOperationPurgatory#checkAndComplete(Object)} for one of them.
 *
 * <pre>
 *              tryComplete() sees the condition
 *   PENDING ─────────────────────────────────────► forceComplete() wins ──► onComplete()
 *      │
 *      │       the deadline passes (reaper thread)
 *      └─────────────────────────────────────────► expiry wins ──► onExpiration() ──► onComplete()
 * </pre>
 *
 * <p>Exactly one path wins, decided by a compare-and-set on the completed flag: {@link #forceComplete()} returns
 * {@code true} for exactly one caller, and {@link #onComplete()} runs exactly once, right after {@link
 * #onExpiration()} when the operation timed out. A subclass can also call {@link #forceComplete()} itself to finish
 * early (for example when the partition's leadership moved and the request must be answered with an error).
 *
 * <h2>Concurrency contract</h2>
 *
 * <ul>
 *   <li>{@code completed} is an atomic flag that only ever goes from {@code false} to {@code true}.
 *   <li>{@link #tryComplete()} is only called by the purgatory, with this operation's lock held, so it never runs
 *       concurrently with itself; it is skipped once the operation has completed. The lock is the operation's own
 *       {@link ReentrantLock} unless a subclass passes one in (see {@link #DelayedOperation(long, Lock)}).
 *   <li>{@link #onComplete()} and {@link #onExpiration()} run on the thread that won the completion, <em>without</em>
 *       the operation lock if the reaper won, and <em>with</em> it if {@code tryComplete()} won (it calls {@code
 *       forceComplete()} under the lock). That thread is one of: a request handler thread inside {@link
 *       DelayedOperationPurgatory#tryCompleteElseWatch}; whatever thread called {@link
 *       DelayedOperationPurgatory#checkAndComplete} (the thread that handled a follower fetch and moved the high
 *       watermark, or the thread that appended to the log); or the purgatory's reaper thread on expiry. Callbacks
 *       must therefore be short and must not block: build the response and hand it to the network layer.
 *   <li>Expiry does not take the operation lock, so {@code onExpiration} and {@code onComplete} may run while another
 *       thread is inside {@code tryComplete} of the same operation (whose {@code forceComplete} then returns {@code
 *       false}). State that the callbacks read must be safe to read from several threads (final, volatile, or
 *       guarded by the subclass).
 * </ul>
 *
 * <h2>Lock order</h2>
 *
 * <p>purgatory watcher-list locks → operation lock → anything {@code tryComplete()} takes (for example a partition's
 * lock, to read its high watermark) → the expiration timer's lock (a leaf, taken by {@link #forceComplete()} to
 * cancel the timeout). The purgatory itself never nests the first two: it releases a watcher list before it tries
 * the operations it copied out of it. The rule this leaves for callers: <b>do not call {@code checkAndComplete} or
 * {@code tryCompleteElseWatch} while holding a lock that any operation's {@code tryComplete}, {@code onComplete} or
 * {@code onExpiration} may take</b> (a partition's lock, a group's lock). Kafka deadlocked exactly this way: a
 * produce was completed while the caller held the partition lock that the completion also needed from another
 * thread. Move the high watermark under the partition lock, release it, then call {@code checkAndComplete}. Holding
 * a lock no operation ever takes is allowed; passing a shared lock to {@link #DelayedOperation(long, Lock)} extends
 * the set of locks the caller must not hold by that lock.
 */
public abstract class DelayedOperation {

    private final long delayMs;
    private final Lock lock;
    private final AtomicBoolean completed = new AtomicBoolean();
    private final AtomicBoolean submitted = new AtomicBoolean();

    /** Set by the purgatory once the timeout is scheduled, read by the completing thread to cancel it. */
    private volatile ExpirationTimer.Entry timerEntry;

    /**
     * @param delayMs how long the operation may wait before it expires, in milliseconds (0 expires on the reaper's
     *     next pass)
     */
    protected DelayedOperation(long delayMs) {
        this(delayMs, new ReentrantLock());
    }

    /**
     * @param delayMs how long the operation may wait before it expires, in milliseconds
     * @param lock the lock held around {@link #tryComplete()}; share one between operations only when their checks
     *     must be atomic with other state, and see the lock order in the class comment
     */
    protected DelayedOperation(long delayMs, Lock lock) {
        if (delayMs < 0) {
            throw new IllegalArgumentException("delayMs must be >= 0, was " + delayMs);
        }
        this.delayMs = delayMs;
        this.lock = Objects.requireNonNull(lock, "lock");
    }

    /** The delay given at construction, in milliseconds. */
    public final long delayMs() {
        return delayMs;
    }

    /**
     * Checks whether the operation can complete now and, if so, completes it by returning {@link #forceComplete()}.
     * Called by the purgatory with the operation lock held, never after completion.
     *
     * @return the result of {@link #forceComplete()} if the condition holds, else {@code false}
     */
    protected abstract boolean tryComplete();

    /** Runs once, on the thread that won the completion, when the deadline passed first; before {@link #onComplete}. */
    protected abstract void onExpiration();

    /** Runs exactly once, on the thread that won the completion (see the class comment). */
    protected abstract void onComplete();

    /**
     * Completes the operation unless someone else already has: cancels its timeout and runs {@link #onComplete()}.
     *
     * @return {@code true} for exactly one caller over the operation's life, the one that ran {@code onComplete}
     */
    public final boolean forceComplete() {
        if (!completed.compareAndSet(false, true)) {
            return false;
        }
        cancelTimeout();
        onComplete();
        return true;
    }

    /** Whether the operation has completed, by its condition, by {@link #forceComplete()} or by expiry. */
    public final boolean isCompleted() {
        return completed.get();
    }

    /** Identity equality, so that watcher lists and tests never confuse two operations. */
    @Override
    public final boolean equals(Object other) {
        return this == other;
    }

    @Override
    public final int hashCode() {
        return System.identityHashCode(this);
    }

    /** Runs {@link #tryComplete()} under the operation lock unless already completed. */
    final boolean safeTryComplete() {
        if (completed.get()) {
            return false;
        }
        lock.lock();
        try {
            return !completed.get() && tryComplete();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Completes the operation by expiry, if it has not completed yet; runs on the reaper thread.
     *
     * @return whether this call completed it
     */
    final boolean expire() {
        if (!completed.compareAndSet(false, true)) {
            return false;
        }
        try {
            onExpiration();
        } finally {
            onComplete();
        }
        return true;
    }

    /** Marks the operation as handed to a purgatory; an operation may be submitted only once. */
    final void markSubmitted() {
        if (!submitted.compareAndSet(false, true)) {
            throw new IllegalStateException("operation already submitted to a purgatory: " + this);
        }
    }

    final void timerEntry(ExpirationTimer.Entry entry) {
        this.timerEntry = entry;
    }

    /** Cancels the scheduled timeout, if any; safe to call more than once. */
    final void cancelTimeout() {
        ExpirationTimer.Entry entry = timerEntry;
        if (entry != null) {
            entry.cancel();
        }
    }
}
