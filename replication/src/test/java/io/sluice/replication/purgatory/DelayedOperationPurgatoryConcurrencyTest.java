package io.sluice.replication.purgatory;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.testsupport.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Many threads submitting and checking at once; operations never expire here (the manual clock stands still). */
class DelayedOperationPurgatoryConcurrencyTest {

    /**
     * The racing change lands anywhere in a window of this many busy-wait iterations; the watching side spends half
     * of it between finding the condition false and watching. Removing the second try makes this test fail.
     */
    private static final int SPIN_RANGE = 400;

    private static final long NEVER_MS = Duration.ofHours(1).toMillis();

    private final ManualClock clock = new ManualClock(0, 0);
    private final Time time = clock::nanoseconds;
    private DelayedOperationPurgatory<TestOperation> purgatory;
    private ExecutorService executor;

    @BeforeEach
    void setUp() {
        purgatory = new DelayedOperationPurgatory<>(
                "Produce", 1, time, new SimpleMeterRegistry(), 100, Duration.ofMillis(20));
        purgatory.start();
        executor = Executors.newFixedThreadPool(8);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        purgatory.shutdown();
    }

    @Test
    @Timeout(60)
    void concurrentCheckersCompleteEachOperationExactlyOnce() throws Exception {
        Random random = new Random(7);
        int keyCount = 16;
        List<TestOperation> operations = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            TestOperation operation = new TestOperation(NEVER_MS);
            List<String> keys = List.of(
                    "t-" + random.nextInt(keyCount), "t-" + random.nextInt(keyCount), "t-" + random.nextInt(keyCount));
            assertThat(purgatory.tryCompleteElseWatch(operation, keys)).isFalse();
            operations.add(operation);
        }
        operations.forEach(operation -> operation.satisfied.set(true));

        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long seed = t;
            results.add(executor.submit(() -> {
                List<String> keys = new ArrayList<>();
                for (int k = 0; k < keyCount; k++) {
                    keys.add("t-" + k);
                }
                Collections.shuffle(keys, new Random(seed));
                start.await();
                int completed = 0;
                for (int round = 0; round < 3; round++) {
                    for (String key : keys) {
                        completed += purgatory.checkAndComplete(key);
                    }
                }
                return completed;
            }));
        }
        int completedInTotal = 0;
        for (Future<Integer> result : results) {
            completedInTotal += result.get(30, TimeUnit.SECONDS);
        }

        assertThat(completedInTotal).isEqualTo(operations.size());
        assertThat(operations).allSatisfy(operation -> {
            assertThat(operation.completions).hasValue(1);
            assertThat(operation.expirations).hasValue(0);
            assertThat(operation.maxConcurrentTryComplete()).isEqualTo(1);
        });
        assertThat(purgatory.watched()).isZero();
        assertThat(purgatory.numDelayed()).isZero();
    }

    /**
     * The condition becomes true, and is announced by {@code checkAndComplete}, while another thread is between its
     * first try and watching: the second try after watching must catch it, or the operation would wait until its
     * deadline (here: forever).
     */
    @Test
    @Timeout(60)
    void aWakeUpRacingWithTheWatchIsNeverLost() throws Exception {
        int pairs = 4;
        int rounds = 3_000;
        AtomicInteger lost = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        List<TestOperation> all = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            int pair = p;
            CyclicBarrier[] barriers = new CyclicBarrier[] {new CyclicBarrier(2), new CyclicBarrier(2)};
            TestOperation[] current = new TestOperation[rounds];
            for (int r = 0; r < rounds; r++) {
                current[r] = new TestOperation(NEVER_MS);
                current[r].spinAfterFailedCheck = SPIN_RANGE / 2;
                all.add(current[r]);
            }
            workers.add(executor.submit(() -> {
                for (int r = 0; r < rounds; r++) {
                    barriers[0].await();
                    purgatory.tryCompleteElseWatch(current[r], List.of(key(pair, r)));
                    barriers[1].await();
                    if (!current[r].isCompleted()) {
                        lost.incrementAndGet();
                    }
                }
                return null;
            }));
            workers.add(executor.submit(() -> {
                Random random = new Random(pair);
                for (int r = 0; r < rounds; r++) {
                    barriers[0].await();
                    spin(random.nextInt(SPIN_RANGE));
                    current[r].satisfied.set(true);
                    purgatory.checkAndComplete(key(pair, r));
                    barriers[1].await();
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get(50, TimeUnit.SECONDS);
        }

        assertThat(lost)
                .as("operations left waiting although their condition held")
                .hasValue(0);
        assertThat(purgatory.numDelayed()).isZero();
        assertThat(all)
                .allSatisfy(operation -> assertThat(operation.completions).hasValue(1));
    }

    /** Busy-waits a little, so that each side's start varies and the two overlap in every possible order. */
    private static void spin(int iterations) {
        for (int i = iterations; i > 0; i--) {
            Thread.onSpinWait();
        }
    }

    private static String key(int pair, int round) {
        return "race-" + pair + "-" + round;
    }
}
