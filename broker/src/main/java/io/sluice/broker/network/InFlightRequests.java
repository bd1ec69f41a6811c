package io.sluice.broker.network;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts requests read but not yet answered (or released) across all connections, so shutdown can wait for them.
 *
 * <p>Concurrency: the counter is atomic and updated from every event loop; waiters block on this object's monitor,
 * which is notified whenever the count returns to zero.
 */
final class InFlightRequests {

    private final AtomicInteger count = new AtomicInteger();

    void add() {
        count.incrementAndGet();
    }

    void release(int requests) {
        if (requests > 0 && count.addAndGet(-requests) == 0) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    int count() {
        return count.get();
    }

    /** Waits until no request is in flight or {@code timeout} passes; returns whether none is in flight. */
    boolean awaitNone(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (count.get() > 0) {
                long remainingMs = (deadline - System.nanoTime()) / 1_000_000L;
                if (remainingMs <= 0) {
                    return false;
                }
                wait(remainingMs);
            }
            return true;
        }
    }
}
