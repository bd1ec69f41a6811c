package io.sluice.replication.purgatory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.metadata.concurrent.ThreadStatus;
import io.sluice.testsupport.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The reaper and {@code checkAndComplete} survive whatever one operation's callbacks throw, Errors included. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PurgatoryFailureTest {
    private final ManualClock clock = new ManualClock(0, 1_000_000_000L);
    private final Time time = clock::nanoseconds;
    private final DelayedOperationPurgatory<DelayedOperation> purgatory =
            new DelayedOperationPurgatory<>("Fetch", 2, time, new SimpleMeterRegistry(), 1000, Duration.ofMillis(5));

    @AfterEach
    void shutdown() {
        purgatory.shutdown();
    }

    /** An operation that throws from the callback the test names. */
    private static final class ThrowingOperation extends DelayedOperation {
        final AtomicInteger completions = new AtomicInteger();
        volatile Throwable fromTryComplete;
        volatile Throwable fromExpiration;
        volatile boolean satisfied;

        ThrowingOperation(long delayMs) {
            super(delayMs);
        }

        @Override
        protected boolean tryComplete() {
            throwIfSet(fromTryComplete);
            return satisfied && forceComplete();
        }

        @Override
        protected void onExpiration() {
            throwIfSet(fromExpiration);
        }

        @Override
        protected void onComplete() {
            completions.incrementAndGet();
        }

        private static void throwIfSet(Throwable t) {
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
        }
    }

    @Test
    void theReaperSurvivesAnErrorFromOneOperationsExpiryAndExpiresTheOthers() {
        purgatory.start();
        ThrowingOperation faulting = new ThrowingOperation(10);
        faulting.fromExpiration = new InternalError("a fault occurred in a recent unsafe memory access operation");
        ThrowingOperation sameDeadline = new ThrowingOperation(10);
        ThrowingOperation later = new ThrowingOperation(20);
        for (ThrowingOperation op : List.of(faulting, sameDeadline, later)) {
            purgatory.tryCompleteElseWatch(op, List.of("orders-0"));
        }

        clock.advance(Duration.ofMillis(10));
        await().atMost(Duration.ofSeconds(10)).until(() -> sameDeadline.completions.get() == 1);
        assertThat(faulting.completions)
                .as("onComplete still runs after onExpiration threw")
                .hasValue(1);

        clock.advance(Duration.ofMillis(10));
        await().atMost(Duration.ofSeconds(10)).until(() -> later.completions.get() == 1);
        assertThat(purgatory.threadStatuses()).containsExactly(new ThreadStatus("ExpirationReaper-2-Fetch", true));
        assertThat(purgatory.numDelayed()).isZero();
    }

    @Test
    void checkAndCompleteSkipsAnOperationWhoseTryCompleteThrowsAndCompletesTheOthers() {
        purgatory.start();
        ThrowingOperation faulting = new ThrowingOperation(30_000);
        ThrowingOperation healthy = new ThrowingOperation(30_000);
        purgatory.tryCompleteElseWatch(faulting, List.of("orders-0"));
        purgatory.tryCompleteElseWatch(healthy, List.of("orders-0"));

        faulting.fromTryComplete = new StackOverflowError("in tryComplete");
        faulting.satisfied = true;
        healthy.satisfied = true;
        assertThat(purgatory.checkAndComplete("orders-0")).isEqualTo(1);

        assertThat(healthy.completions).hasValue(1);
        assertThat(faulting.isCompleted()).as("stays until its deadline").isFalse();
        clock.advance(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(10)).until(faulting::isCompleted);
        assertThat(faulting.completions).hasValue(1);
    }

    @Test
    void reportsTheReaperOnlyWhileRunning() {
        assertThat(purgatory.threadStatuses()).isEmpty();
        purgatory.start();
        assertThat(purgatory.threadStatuses()).extracting(ThreadStatus::alive).containsExactly(true);
        purgatory.shutdown();
        assertThat(purgatory.threadStatuses()).isEmpty();
    }
}
