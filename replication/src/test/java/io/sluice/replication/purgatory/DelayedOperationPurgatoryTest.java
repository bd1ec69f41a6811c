package io.sluice.replication.purgatory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.testsupport.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class DelayedOperationPurgatoryTest {

    private static final Duration POLL = Duration.ofMillis(5);

    private final ManualClock clock = new ManualClock(0, 1_000_000_000L);
    private final Time time = clock::nanoseconds;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<DelayedOperationPurgatory<TestOperation>> started = new ArrayList<>();

    @AfterEach
    void shutDownPurgatories() {
        started.forEach(DelayedOperationPurgatory::shutdown);
    }

    private DelayedOperationPurgatory<TestOperation> startPurgatory(Time clock, int purgeInterval) {
        DelayedOperationPurgatory<TestOperation> purgatory =
                new DelayedOperationPurgatory<>("Produce", 1, clock, registry, purgeInterval, POLL);
        started.add(purgatory);
        purgatory.start();
        return purgatory;
    }

    private DelayedOperationPurgatory<TestOperation> startPurgatory() {
        return startPurgatory(time, DelayedOperationPurgatory.DEFAULT_PURGE_INTERVAL);
    }

    /** Waits until the reaper has finished a pass that started after this call. */
    private static void awaitFreshReaperPass(DelayedOperationPurgatory<?> purgatory) {
        long target = purgatory.reaperPasses() + 2;
        await().atMost(Duration.ofSeconds(5)).until(() -> purgatory.reaperPasses() >= target);
    }

    @Test
    @Timeout(10)
    void completesAtOnceOnTheCallingThreadWhenAlreadySatisfied() {
        DelayedOperationPurgatory<TestOperation> purgatory = startPurgatory();
        TestOperation operation = TestOperation.satisfied(30_000);

        assertThat(purgatory.tryCompleteElseWatch(operation, List.of("t-0"))).isTrue();

        assertThat(operation.completions).hasValue(1);
        assertThat(operation.expirations).hasValue(0);
        assertThat(operation.completedOn).isSameAs(Thread.currentThread());
        assertThat(operation.tryCompleteCalls).hasValue(1);
        assertThat(purgatory.watched()).isZero();
        assertThat(purgatory.numDelayed()).isZero();
        assertThat(purgatory.checkAndComplete("t-0")).isZero();
    }

    @Test
    @Timeout(10)
    void waitsThenCompletesOnceOnCheckOfAnyOfItsKeys() {
        DelayedOperationPurgatory<TestOperation> purgatory = startPurgatory();
        TestOperation operation = new TestOperation(30_000);

        assertThat(purgatory.tryCompleteElseWatch(operation, List.of("t-0", "t-1", "t-2", "t-1")))
                .isFalse();
        assertThat(operation.tryCompleteCalls)
                .as("one try before watching, one after")
                .hasValue(2);
        assertThat(purgatory.watched()).as("duplicate keys are watched once").isEqualTo(3);
        assertThat(purgatory.numDelayed()).isEqualTo(1);

        assertThat(purgatory.checkAndComplete("t-1"))
                .as("condition still false")
                .isZero();
        assertThat(purgatory.checkAndComplete("unrelated")).isZero();
        assertThat(operation.completions).hasValue(0);

        operation.satisfied.set(true);
        assertThat(purgatory.checkAndComplete("t-2")).isEqualTo(1);
        assertThat(purgatory.checkAndComplete("t-0")).isZero();
        assertThat(purgatory.checkAndComplete("t-1")).isZero();

        assertThat(operation.completions).hasValue(1);
        assertThat(operation.expirations).hasValue(0);
        assertThat(operation.completedOn).isSameAs(Thread.currentThread());
        assertThat(operation.tryCompleteCalls).as("no try after completion").hasValue(4);
        assertThat(purgatory.numDelayed()).as("timeout cancelled").isZero();
        assertThat(purgatory.watched()).isZero();
        assertThat(purgatory.watchedKeys()).isZero();
    }

    @Test
    @Timeout(10)
    void conditionAnnouncedBetweenTheFirstTryAndTheWatchIsCaughtByTheSecondTry() {
        DelayedOperationPurgatory<TestOperation> purgatory = startPurgatory();
        TestOperation operation = new TestOperation(30_000);
        operation.onFirstFailedTry = () -> {
            operation.satisfied.set(true);
            assertThat(purgatory.checkAndComplete("t-0")).as("not watched yet").isZero();
        };

        assertThat(purgatory.tryCompleteElseWatch(operation, List.of("t-0"))).isTrue();
        assertThat(operation.completions).hasValue(1);
        assertThat(operation.tryCompleteCalls).hasValue(2);
        assertThat(purgatory.numDelayed()).isZero();
    }

    @Test
    @Timeout(10)
    void expiresExactlyOnceAtItsDeadlineWithExpirationBeforeCompletion() {
        DelayedOperationPurgatory<TestOperation> purgatory = startPurgatory();
        TestOperation early = new TestOperation(100);
        TestOperation late = new TestOperation(200);
        purgatory.tryCompleteElseWatch(early, List.of("t-0"));
        purgatory.tryCompleteElseWatch(late, List.of("t-0"));

        clock.advance(Duration.ofMillis(99));
        awaitFreshReaperPass(purgatory);
        assertThat(early.isCompleted()).as("1 ms before its deadline").isFalse();
        assertThat(purgatory.numDelayed()).isEqualTo(2);

        clock.advance(Duration.ofMillis(1));
        await().atMost(Duration.ofSeconds(5)).until(early::isCompleted);
        assertThat(early.events).containsExactly("expiration", "complete");
        assertThat(early.completedOn.getName()).isEqualTo("ExpirationReaper-1-Produce");
        awaitFreshReaperPass(purgatory);
        assertThat(late.isCompleted()).isFalse();
        assertThat(purgatory.numDelayed()).isEqualTo(1);

        clock.advance(Duration.ofMillis(100));
        await().atMost(Duration.ofSeconds(5)).until(late::isCompleted);
        clock.advance(Duration.ofHours(1));
        awaitFreshReaperPass(purgatory);

        for (TestOperation operation : List.of(early, late)) {
            assertThat(operation.events).containsExactly("expiration", "complete");
            assertThat(operation.expirations).hasValue(1);
            assertThat(operation.completions).hasValue(1);
        }
        assertThat(purgatory.numDelayed()).isZero();
        late.satisfied.set(true);
        assertThat(purgatory.checkAndComplete("t-0"))
                .as("expired operations do not complete again")
                .isZero();
        assertThat(late.completions).hasValue(1);
        assertThat(purgatory.watched()).isZero();
    }

    @Test
    @Timeout(10)
    void expiresAtItsDeadlineWhenTheClockWrapsAround() {
        ManualClock wrapping =
                new ManualClock(0, Long.MAX_VALUE - Duration.ofMillis(50).toNanos());
        DelayedOperationPurgatory<TestOperation> purgatory =
                startPurgatory(wrapping::nanoseconds, DelayedOperationPurgatory.DEFAULT_PURGE_INTERVAL);
        TestOperation operation = new TestOperation(100);
        purgatory.tryCompleteElseWatch(operation, List.of("t-0"));

        wrapping.advance(Duration.ofMillis(99));
        awaitFreshReaperPass(purgatory);
        assertThat(operation.isCompleted()).isFalse();

        wrapping.advance(Duration.ofMillis(1));
        await().atMost(Duration.ofSeconds(5)).until(operation::isCompleted);
        assertThat(operation.events).containsExactly("expiration", "complete");
    }

    @Test
    @Timeout(10)
    void operationCompletedThroughOneKeyIsPurgedFromItsOtherKeys() {
        DelayedOperationPurgatory<TestOperation> purgatory = startPurgatory(time, 0);
        TestOperation operation = new TestOperation(30_000);
        purgatory.tryCompleteElseWatch(operation, List.of("t-0", "t-1", "t-2"));
        operation.satisfied.set(true);

        assertThat(purgatory.checkAndComplete("t-0")).isEqualTo(1);

        await().atMost(Duration.ofSeconds(5)).until(() -> purgatory.watched() == 0);
        assertThat(purgatory.watchedKeys()).isZero();
        assertThat(operation.tryCompleteCalls)
                .as("the purge never tries operations")
                .hasValue(3);
        assertThat(registry.get(PurgatoryMetrics.PURGED).counter().count()).isEqualTo(2.0);
    }

    @Test
    @Timeout(10)
    void cancelCompletesAtOnceAndLeavesNoWatcherEntryOrTimeoutBehind() {
        DelayedOperationPurgatory<TestOperation> purgatory = startPurgatory();
        TestOperation kept = new TestOperation(30_000);
        purgatory.tryCompleteElseWatch(kept, List.of("t-0"));
        List<TestOperation> cancelled = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            TestOperation operation = new TestOperation(30_000);
            purgatory.tryCompleteElseWatch(operation, List.of("t-0", "t-1"));
            cancelled.add(operation);
        }
        assertThat(purgatory.watched()).isEqualTo(201);
        assertThat(purgatory.numDelayed()).isEqualTo(101);

        for (TestOperation operation : cancelled) {
            assertThat(purgatory.cancel(operation, List.of("t-0", "t-1"))).isTrue();
        }

        assertThat(purgatory.watched()).as("no purge needed").isEqualTo(1);
        assertThat(purgatory.watchedKeys()).isEqualTo(1);
        assertThat(purgatory.numDelayed()).isEqualTo(1);
        assertThat(cancelled)
                .allSatisfy(operation -> assertThat(operation.events).containsExactly("complete"));
        assertThat(kept.isCompleted()).isFalse();
        assertThat(purgatory.cancel(cancelled.get(0), List.of("t-0")))
                .as("completes once")
                .isFalse();

        kept.satisfied.set(true);
        assertThat(purgatory.checkAndComplete("t-0")).isEqualTo(1);
        assertThat(purgatory.watched()).isZero();
    }

    @Test
    @Timeout(10)
    void completedOperationsStayListedUntilThePurgeThresholdIsPassed() {
        DelayedOperationPurgatory<TestOperation> purgatory = startPurgatory(time, 2);
        List<TestOperation> operations = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TestOperation operation = new TestOperation(30_000);
            purgatory.tryCompleteElseWatch(operation, List.of("a-" + i, "b-" + i));
            operations.add(operation);
        }
        for (int i = 0; i < 2; i++) {
            operations.get(i).satisfied.set(true);
            assertThat(purgatory.checkAndComplete("a-" + i)).isEqualTo(1);
        }
        awaitFreshReaperPass(purgatory);
        assertThat(purgatory.watched())
                .as("2 completed, threshold 2: no purge yet")
                .isEqualTo(4);

        operations.get(2).satisfied.set(true);
        assertThat(purgatory.checkAndComplete("a-2")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> purgatory.watched() == 0);
        assertThat(purgatory.watchedKeys()).isZero();
    }

    @Test
    @Timeout(10)
    void shutdownStopsTheReaperAndIsSafeTwice() {
        DelayedOperationPurgatory<TestOperation> purgatory = startPurgatory();
        TestOperation pending = new TestOperation(100);
        purgatory.tryCompleteElseWatch(pending, List.of("t-0"));
        assertThat(purgatory.reaperAlive()).isTrue();
        assertThat(registry.find(PurgatoryMetrics.SIZE).gauge()).isNotNull();

        purgatory.shutdown();
        assertThat(purgatory.reaperAlive()).isFalse();
        purgatory.shutdown();
        purgatory.close();

        clock.advance(Duration.ofSeconds(1));
        assertThat(pending.isCompleted()).as("nothing expires after shutdown").isFalse();
        assertThat(registry.getMeters()).as("meters unregistered").isEmpty();
        assertThatThrownBy(() -> purgatory.tryCompleteElseWatch(new TestOperation(100), List.of("t-0")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(purgatory::start).isInstanceOf(IllegalStateException.class);
        pending.satisfied.set(true);
        assertThat(purgatory.checkAndComplete("t-0")).as("checks still work").isEqualTo(1);
    }

    @Test
    @Timeout(10)
    void shutdownBeforeStartNeverStartsTheReaper() {
        DelayedOperationPurgatory<TestOperation> purgatory =
                new DelayedOperationPurgatory<>("Fetch", 1, time, registry, 10, POLL);
        purgatory.shutdown();
        purgatory.shutdown();
        assertThat(purgatory.reaperAlive()).isFalse();
        assertThatThrownBy(purgatory::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    @Timeout(10)
    void rejectsResubmissionAndMissingKeys() {
        DelayedOperationPurgatory<TestOperation> purgatory = startPurgatory();
        TestOperation operation = new TestOperation(100);
        assertThatThrownBy(() -> purgatory.tryCompleteElseWatch(operation, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        purgatory.tryCompleteElseWatch(operation, List.of("t-0"));
        assertThatThrownBy(() -> purgatory.tryCompleteElseWatch(operation, List.of("t-1")))
                .isInstanceOf(IllegalStateException.class);
        assertThat(purgatory.watched()).isEqualTo(1);
    }

    @Test
    @Timeout(30)
    void manyWatchedOperationsDoNotSlowDownChecksOfAnUnrelatedKey() {
        DelayedOperationPurgatory<TestOperation> purgatory = startPurgatory();
        AtomicLong tryCompleteCalls = new AtomicLong();
        Random random = new Random(42);
        int count = 100_000;
        List<TestOperation> operations = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            TestOperation operation = new TestOperation(1_000 + random.nextInt(60_000), tryCompleteCalls);
            purgatory.tryCompleteElseWatch(operation, List.of("p-" + (i % 1_000), "op-" + i));
            operations.add(operation);
        }
        assertThat(tryCompleteCalls).hasValue(2L * count);
        assertThat(purgatory.numDelayed()).isEqualTo(count);
        assertThat(purgatory.watched()).isEqualTo(2L * count);

        assertThat(purgatory.checkAndComplete("unrelated")).isZero();
        assertThat(tryCompleteCalls).as("an unrelated key tries nothing").hasValue(2L * count);

        operations.get(4_242).satisfied.set(true);
        assertThat(purgatory.checkAndComplete("op-4242")).isEqualTo(1);
        assertThat(tryCompleteCalls).as("a key tries only its own watchers").hasValue(2L * count + 1);
        assertThat(purgatory.checkAndComplete("p-242")).isZero();
        assertThat(tryCompleteCalls)
                .as("100 watchers of p-242, one already completed")
                .hasValue(2L * count + 100);

        awaitFreshReaperPass(purgatory);
        assertThat(tryCompleteCalls).as("the reaper never tries operations").hasValue(2L * count + 100);

        clock.advance(Duration.ofMinutes(2));
        await().atMost(Duration.ofSeconds(20)).until(() -> purgatory.numDelayed() == 0);
        await().atMost(Duration.ofSeconds(20)).until(() -> purgatory.watched() == 0);
        assertThat(operations)
                .allSatisfy(operation -> assertThat(operation.completions).hasValue(1));
        assertThat(operations.stream().mapToInt(operation -> operation.expirations.get()))
                .containsOnly(0, 1)
                .hasSize(count);
        assertThat(registry.get(PurgatoryMetrics.EXPIRED).counter().count()).isEqualTo(count - 1);
        assertThat(tryCompleteCalls).as("expiry does not try operations").hasValue(2L * count + 100);
    }
}
