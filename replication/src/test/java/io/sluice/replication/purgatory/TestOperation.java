package io.sluice.replication.purgatory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A delayed operation whose condition is a flag the test sets, recording every callback: how often and on which
 * thread it ran, and how many {@code tryComplete} calls overlapped.
 */
final class TestOperation extends DelayedOperation {

    final AtomicBoolean satisfied = new AtomicBoolean();
    final AtomicInteger tryCompleteCalls = new AtomicInteger();
    final AtomicInteger completions = new AtomicInteger();
    final AtomicInteger expirations = new AtomicInteger();
    final List<String> events = new CopyOnWriteArrayList<>();
    volatile Thread completedOn;

    /** Busy-wait iterations after finding the condition false, to widen the window a racing change can hit. */
    volatile int spinAfterFailedCheck;

    /** Runs once, inside the first {@code tryComplete} that finds the condition false (with the lock held). */
    volatile Runnable onFirstFailedTry;

    private final AtomicLong sharedTryCompleteCalls;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    TestOperation(long delayMs) {
        this(delayMs, new AtomicLong());
    }

    TestOperation(long delayMs, AtomicLong sharedTryCompleteCalls) {
        super(delayMs);
        this.sharedTryCompleteCalls = sharedTryCompleteCalls;
    }

    static TestOperation satisfied(long delayMs) {
        TestOperation operation = new TestOperation(delayMs);
        operation.satisfied.set(true);
        return operation;
    }

    @Override
    protected boolean tryComplete() {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
            tryCompleteCalls.incrementAndGet();
            sharedTryCompleteCalls.incrementAndGet();
            if (satisfied.get()) {
                return forceComplete();
            }
            for (int i = spinAfterFailedCheck; i > 0; i--) {
                Thread.onSpinWait();
            }
            Runnable hook = onFirstFailedTry;
            if (hook != null) {
                onFirstFailedTry = null;
                hook.run();
            }
            return false;
        } finally {
            inFlight.decrementAndGet();
        }
    }

    @Override
    protected void onExpiration() {
        expirations.incrementAndGet();
        events.add("expiration");
    }

    @Override
    protected void onComplete() {
        completions.incrementAndGet();
        completedOn = Thread.currentThread();
        events.add("complete");
    }

    /** The most {@code tryComplete} calls that ever ran at the same time on this operation. */
    int maxConcurrentTryComplete() {
        return maxInFlight.get();
    }
}
