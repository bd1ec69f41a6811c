package io.sluice.replication.purgatory;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The deadlines of pending delayed operations, in a binary heap ordered by deadline (then by insertion order), driven
 * by one reaper thread that calls {@link #pollDue(long)} in a loop.
 *
 * <h2>Costs</h2>
 *
 * <ul>
 *   <li>{@link #schedule}: O(log n).
 *   <li>{@link Entry#cancel()} (an operation completed before its deadline): O(1); the entry is only marked and left
 *       in the heap. When marked entries outnumber live ones (and there are more than {@value #MIN_COMPACTION}), the
 *       heap is rebuilt without them in O(n), so cancellation is O(1) amortised and the heap stays within twice the
 *       live size.
 *   <li>{@link #pollDue}: O(log n) per due or cancelled entry it removes; it never looks past the first entry that is
 *       not yet due, so the timer does not scan the pending operations.
 * </ul>
 *
 * <p>A hierarchical timing wheel (Kafka's {@code SystemTimer}) makes insertion O(1), at the price of tick
 * granularity and considerably more code; at the rate of delayed produce and fetch requests a broker sees, the
 * logarithm does not matter.
 *
 * <h2>Concurrency contract</h2>
 *
 * <p>Thread-safe. One {@link ReentrantLock} guards the heap, the counters and every entry's state; it is a leaf lock
 * (nothing else is acquired and no operation callback runs while it is held). Due operations are handed back to the
 * reaper, which expires them after the lock is released. {@link #size()} is a lock-free read. Deadlines are compared
 * by subtraction, so the clock may wrap around.
 */
final class ExpirationTimer {

    static final int MIN_COMPACTION = 1024;

    /** No deadline is further than this in the future, so that subtraction-based comparisons cannot overflow. */
    static final long MAX_DELAY_NANOS = Long.MAX_VALUE / 4;

    private enum EntryState {
        PENDING,
        CANCELLED,
        EXPIRED
    }

    /** One scheduled timeout; its state is guarded by the timer lock. */
    final class Entry {
        private final DelayedOperation operation;
        private final long deadlineNanos;
        private final long sequence;
        private EntryState state = EntryState.PENDING;

        private Entry(DelayedOperation operation, long deadlineNanos, long sequence) {
            this.operation = operation;
            this.deadlineNanos = deadlineNanos;
            this.sequence = sequence;
        }

        /** Removes the timeout unless it already fired or was cancelled. */
        void cancel() {
            lock.lock();
            try {
                if (state != EntryState.PENDING) {
                    return;
                }
                state = EntryState.CANCELLED;
                live.decrementAndGet();
                cancelledInHeap++;
                if (cancelledInHeap > MIN_COMPACTION && cancelledInHeap > live.get()) {
                    heap.removeIf(e -> e.state == EntryState.CANCELLED);
                    cancelledInHeap = 0;
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private final Time time;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final PriorityQueue<Entry> heap = new PriorityQueue<>(ExpirationTimer::compareEntries);
    private final AtomicInteger live = new AtomicInteger();
    private int cancelledInHeap;
    private long nextSequence;
    private boolean closed;

    ExpirationTimer(Time time) {
        this.time = time;
    }

    /** Earlier deadline first (by subtraction, so wrap-around is harmless), then first scheduled first. */
    private static int compareEntries(Entry a, Entry b) {
        int byDeadline = Long.signum(a.deadlineNanos - b.deadlineNanos);
        return byDeadline != 0 ? byDeadline : Long.compare(a.sequence, b.sequence);
    }

    /**
     * Schedules the operation's timeout at now + its delay, unless it has already completed.
     *
     * @return the entry, or {@code null} if the operation had completed
     */
    Entry schedule(DelayedOperation operation) {
        long delayNanos = Math.min(TimeUnit.MILLISECONDS.toNanos(operation.delayMs()), MAX_DELAY_NANOS);
        lock.lock();
        try {
            if (operation.isCompleted()) {
                return null;
            }
            Entry entry = new Entry(operation, time.nanoseconds() + delayNanos, nextSequence++);
            heap.add(entry);
            live.incrementAndGet();
            operation.timerEntry(entry);
            if (heap.peek() == entry) {
                changed.signalAll();
            }
            return entry;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes and returns the operations whose deadline has passed. If none has, waits (in real time) until the
     * earliest deadline, a new earlier deadline, {@link #close()}, or {@code maxWaitNanos}, whichever comes first,
     * then looks once more. With a manual clock, {@code maxWaitNanos} bounds how long a jump of the clock goes
     * unnoticed.
     */
    List<DelayedOperation> pollDue(long maxWaitNanos) throws InterruptedException {
        lock.lock();
        try {
            List<DelayedOperation> due = new ArrayList<>();
            long waitNanos = collectDue(due, maxWaitNanos);
            if (due.isEmpty() && !closed && waitNanos > 0) {
                changed.awaitNanos(waitNanos);
                collectDue(due, maxWaitNanos);
            }
            return due;
        } finally {
            lock.unlock();
        }
    }

    /** Moves due entries into {@code due}; returns how long until the next deadline, capped at {@code maxWait}. */
    private long collectDue(List<DelayedOperation> due, long maxWaitNanos) {
        long now = time.nanoseconds();
        Entry head;
        while ((head = heap.peek()) != null) {
            if (head.state == EntryState.CANCELLED) {
                heap.poll();
                cancelledInHeap--;
            } else if (head.deadlineNanos - now <= 0) {
                heap.poll();
                head.state = EntryState.EXPIRED;
                live.decrementAndGet();
                due.add(head.operation);
            } else {
                return Math.min(head.deadlineNanos - now, maxWaitNanos);
            }
        }
        return maxWaitNanos;
    }

    /** Number of scheduled timeouts that have neither fired nor been cancelled. */
    int size() {
        return live.get();
    }

    /** Entries in the heap, cancelled ones included (they are dropped lazily). */
    int entriesInHeap() {
        lock.lock();
        try {
            return heap.size();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes a waiting {@link #pollDue} and makes later calls return without waiting. */
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
