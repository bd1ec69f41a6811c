package io.sluice.replication.purgatory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.testsupport.ManualClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class PurgatoryMetricsTest {

    private final ManualClock clock = new ManualClock(0, 0);
    private final Time time = clock::nanoseconds;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double gauge(String name, String purgatory) {
        return registry.get(name).tag(PurgatoryMetrics.TAG, purgatory).gauge().value();
    }

    @Test
    @Timeout(10)
    void gaugesFollowThePurgatoryAndAreTaggedWithItsName() {
        try (DelayedOperationPurgatory<TestOperation> produce =
                        new DelayedOperationPurgatory<>("Produce", 3, time, registry, 1000, Duration.ofMillis(5));
                DelayedOperationPurgatory<TestOperation> fetch =
                        new DelayedOperationPurgatory<>("Fetch", 3, time, registry, 1000, Duration.ofMillis(5))) {
            produce.start();
            fetch.start();
            TestOperation first = new TestOperation(50);
            TestOperation second = new TestOperation(500);
            produce.tryCompleteElseWatch(first, List.of("t-0", "t-1"));
            produce.tryCompleteElseWatch(second, List.of("t-0"));
            fetch.tryCompleteElseWatch(new TestOperation(500), List.of("t-0"));

            assertThat(gauge(PurgatoryMetrics.SIZE, "Produce")).isEqualTo(3.0);
            assertThat(gauge(PurgatoryMetrics.DELAYED, "Produce")).isEqualTo(2.0);
            assertThat(gauge(PurgatoryMetrics.SIZE, "Fetch")).isEqualTo(1.0);
            assertThat(gauge(PurgatoryMetrics.DELAYED, "Fetch")).isEqualTo(1.0);

            clock.advance(Duration.ofMillis(50));
            await().atMost(Duration.ofSeconds(5)).until(first::isCompleted);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> registry.get(PurgatoryMetrics.EXPIRED)
                                    .tag(PurgatoryMetrics.TAG, "Produce")
                                    .counter()
                                    .count()
                            == 1.0);
            assertThat(gauge(PurgatoryMetrics.DELAYED, "Produce")).isEqualTo(1.0);
            assertThat(gauge(PurgatoryMetrics.SIZE, "Produce"))
                    .as("expired, not yet removed from its lists")
                    .isEqualTo(3.0);

            second.satisfied.set(true);
            assertThat(produce.checkAndComplete("t-0")).isEqualTo(1);
            assertThat(gauge(PurgatoryMetrics.SIZE, "Produce")).isEqualTo(1.0);
            assertThat(gauge(PurgatoryMetrics.DELAYED, "Produce")).isZero();
            assertThat(registry.get(PurgatoryMetrics.EXPIRED)
                            .tag(PurgatoryMetrics.TAG, "Fetch")
                            .counter()
                            .count())
                    .isZero();
        }
        assertThat(registry.getMeters()).isEmpty();
    }
}
