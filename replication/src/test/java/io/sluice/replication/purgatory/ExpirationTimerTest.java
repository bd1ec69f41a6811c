package io.sluice.replication.purgatory;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testsupport.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ExpirationTimerTest {

    private final ManualClock clock =
            new ManualClock(0, Long.MAX_VALUE - Duration.ofSeconds(1).toNanos());
    private final Time time = clock::nanoseconds;
    private final ExpirationTimer timer = new ExpirationTimer(time);

    @Test
    @Timeout(10)
    void returnsDueOperationsInDeadlineOrderThenSchedulingOrder() throws InterruptedException {
        TestOperation third = new TestOperation(3_000);
        TestOperation first = new TestOperation(1_000);
        TestOperation secondA = new TestOperation(2_000);
        TestOperation secondB = new TestOperation(2_000);
        for (TestOperation operation : List.of(third, first, secondA, secondB)) {
            timer.schedule(operation);
        }

        assertThat(timer.pollDue(0)).isEmpty();
        clock.advance(Duration.ofMillis(2_500));
        assertThat(timer.pollDue(0)).containsExactly(first, secondA, secondB);
        assertThat(timer.size()).isEqualTo(1);
        clock.advance(Duration.ofMillis(500));
        assertThat(timer.pollDue(0)).containsExactly(third);
        assertThat(timer.size()).isZero();
    }

    @Test
    @Timeout(10)
    void cancelledEntriesAreCompactedAwayAndNeverReturned() throws InterruptedException {
        int count = 3 * ExpirationTimer.MIN_COMPACTION;
        List<TestOperation> operations = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            TestOperation operation = new TestOperation(1_000 + i);
            timer.schedule(operation);
            operations.add(operation);
        }
        for (int i = 0; i < count; i++) {
            if (i % 10 != 0) {
                assertThat(operations.get(i).forceComplete()).isTrue();
            }
        }
        operations.get(11).cancelTimeout();
        int pending = (count + 9) / 10;
        assertThat(timer.size()).as("cancelling twice counts once").isEqualTo(pending);
        assertThat(timer.entriesInHeap())
                .as("compacted once cancelled entries outnumbered live ones")
                .isLessThan(pending + ExpirationTimer.MIN_COMPACTION + 1);

        clock.advance(Duration.ofHours(1));
        List<DelayedOperation> due = timer.pollDue(0);
        assertThat(due).hasSize(pending).allMatch(operation -> !operation.isCompleted());
        assertThat(timer.entriesInHeap()).isZero();
        assertThat(timer.size()).isZero();
    }

    @Test
    @Timeout(10)
    void doesNotScheduleACompletedOperation() throws InterruptedException {
        TestOperation operation = TestOperation.satisfied(0);
        operation.forceComplete();
        assertThat(timer.schedule(operation)).isNull();
        assertThat(timer.size()).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(timer.pollDue(0)).isEmpty();
    }

    @Test
    @Timeout(10)
    void closeMakesPollReturnWithoutWaiting() throws InterruptedException {
        timer.close();
        assertThat(timer.pollDue(Duration.ofHours(1).toNanos())).isEmpty();
    }
}
