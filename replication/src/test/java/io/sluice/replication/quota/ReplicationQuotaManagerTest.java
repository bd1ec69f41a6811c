package io.sluice.replication.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One side's throttle: throttled partitions, the exceeded check against the configured rate, and its meters. */
class ReplicationQuotaManagerTest {
    private static final int BROKER = 2;

    private final TestClock clock = new TestClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ReplicationQuotaManager quota =
            new ReplicationQuotaManager(ReplicationQuotaManager.Side.LEADER, BROKER, 11, 1_000, clock, registry);

    @AfterEach
    void close() {
        quota.close();
    }

    @Test
    void onlyListedPartitionsAreThrottled() {
        quota.markThrottled("moving", ThrottledPartitions.parse(List.of("0:1", "1:2", "2:2"), BROKER));
        quota.markThrottled("everything", ThrottledPartitions.ALL);
        assertThat(quota.isThrottled(new TopicPartition("moving", 0))).isFalse();
        assertThat(quota.isThrottled(new TopicPartition("moving", 1))).isTrue();
        assertThat(quota.isThrottled(new TopicPartition("moving", 2))).isTrue();
        assertThat(quota.isThrottled(new TopicPartition("everything", 41))).isTrue();
        assertThat(quota.isThrottled(new TopicPartition("other", 1))).isFalse();

        quota.removeThrottle("moving");
        quota.markThrottled("everything", new ThrottledPartitions(false, Set.of()));
        assertThat(quota.isThrottled(new TopicPartition("moving", 1))).isFalse();
        assertThat(quota.isThrottled(new TopicPartition("everything", 41))).isFalse();
    }

    @Test
    void unlimitedByDefaultWhateverIsRecorded() {
        assertThat(quota.limit()).isEqualTo(ReplicationQuotaManager.UNLIMITED);
        quota.record(Long.MAX_VALUE / 2);
        assertThat(quota.isQuotaExceeded()).isFalse();
        assertThat(quota.msUntilWithinQuota()).isZero();
    }

    @Test
    void exceededAboveTheRateUntilTimeCatchesUp() {
        quota.updateLimit(1_000_000);
        quota.record(1_000_000);
        assertThat(quota.isQuotaExceeded())
                .as("exactly the rate is not above it")
                .isFalse();
        quota.record(3_000_000);
        assertThat(quota.isQuotaExceeded()).isTrue();
        assertThat(quota.msUntilWithinQuota()).isEqualTo(4_000);
        clock.advance(3_000);
        assertThat(quota.isQuotaExceeded()).isTrue();
        assertThat(quota.msUntilWithinQuota()).isEqualTo(1_000);
        clock.advance(1_000);
        assertThat(quota.isQuotaExceeded()).isFalse();
        assertThat(quota.msUntilWithinQuota()).isZero();

        quota.updateLimit(ReplicationQuotaManager.UNLIMITED);
        quota.record(100_000_000);
        assertThat(quota.isQuotaExceeded()).isFalse();
    }

    @Test
    void throttleHoldsASimulatedCopyToItsRate() {
        // a fetcher that asks for 1 MB whenever the quota allows, checked every 10 ms for 60 s
        long rate = 3_000_000;
        quota.updateLimit(rate);
        long copied = 0;
        long start = clock.millis();
        for (int i = 0; i < 6_000; i++) {
            if (!quota.isQuotaExceeded()) {
                quota.record(1_048_576);
                copied += 1_048_576;
            }
            clock.advance(10);
        }
        double measured = copied * 1000.0 / (clock.millis() - start);
        assertThat(measured).isBetween(rate * 0.95, rate * 1.05);
    }

    @Test
    void metersReportBytesRateAndLimit() {
        quota.updateLimit(5_000);
        quota.record(2_000);
        quota.record(0);
        assertThat(registry.get(ReplicationQuotaMetrics.BYTES)
                        .tag("side", "leader")
                        .counter()
                        .count())
                .isEqualTo(2_000.0);
        assertThat(registry.get(ReplicationQuotaMetrics.RATE)
                        .tag("side", "leader")
                        .gauge()
                        .value())
                .isEqualTo(2_000.0);
        assertThat(registry.get(ReplicationQuotaMetrics.LIMIT)
                        .tag("side", "leader")
                        .gauge()
                        .value())
                .isEqualTo(5_000.0);
        quota.updateLimit(ReplicationQuotaManager.UNLIMITED);
        assertThat(registry.get(ReplicationQuotaMetrics.LIMIT).gauge().value()).isEqualTo(-1.0);
        quota.close();
        assertThat(registry.find(ReplicationQuotaMetrics.BYTES).counter()).isNull();
    }

    /** A clock the test moves by hand. */
    private static final class TestClock extends Clock {
        private long millis = 1_000_000;

        void advance(long ms) {
            millis += ms;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
