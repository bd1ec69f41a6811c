package io.sluice.replication.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.replication.fetcher.FakeLeaders.LeaderReplica;
import io.sluice.replication.quota.StubQuota;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The follower throttle in the fetch loop: a throttled partition the follower has not caught up on is left out of
 * fetches while the quota is exceeded, an unthrottled one is never held back, and received bytes of throttled
 * partitions are recorded.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReplicaFetcherThrottleTest extends FetcherManagerTestBase {
    private static final int LEADER = 1;
    private static final TopicPartition THROTTLED = new TopicPartition("moving", 0);
    private static final TopicPartition FREE = new TopicPartition("staying", 0);

    private final StubQuota quota = new StubQuota(THROTTLED);

    @Test
    void aThrottledPartitionWaitsWhileTheQuotaIsExceededAndTheOthersDoNot() {
        LeaderReplica moving = leaders.broker(LEADER).lead(THROTTLED, 2);
        LeaderReplica staying = leaders.broker(LEADER).lead(FREE, 2);
        for (int i = 0; i < 5; i++) {
            moving.log.appendAsLeader(2, 10);
            staying.log.appendAsLeader(2, 10);
        }
        quota.exceeded.set(true);
        TestFollowerPartition throttledFollower = new TestFollowerPartition(THROTTLED, 2);
        TestFollowerPartition freeFollower = new TestFollowerPartition(FREE, 2);
        manager = new ReplicaFetcherManager(
                LOCAL,
                () -> 7L,
                new FetcherConfig(1, 1024 * 1024, 10 * 1024 * 1024, 20, 1, 100),
                leaders,
                Clock.systemUTC(),
                new SimpleMeterRegistry(),
                quota);
        manager.addFetcherForPartitions(Map.of(
                throttledFollower, new InitialFetchState(LEADER, 2),
                freeFollower, new InitialFetchState(LEADER, 2)));

        await().atMost(Duration.ofSeconds(10))
                .until(() -> freeFollower.log.layout().equals(staying.log.layout()));
        assertThat(leaders.requestsFor(LEADER, THROTTLED))
                .as("held back while exceeded")
                .isEmpty();
        assertThat(throttledFollower.logEndOffset()).isZero();
        assertThat(quota.recorded.get()).isZero();

        quota.exceeded.set(false);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> throttledFollower.log.layout().equals(moving.log.layout()));
        assertThat(quota.recorded.get())
                .as("only the throttled partition's bytes count")
                .isEqualTo(moving.log.read(0, Integer.MAX_VALUE).sizeInBytes());

        // caught up: no longer held back, even with the quota exceeded again
        quota.exceeded.set(true);
        moving.log.appendAsLeader(2, 10);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> throttledFollower.log.layout().equals(moving.log.layout()));
    }
}
