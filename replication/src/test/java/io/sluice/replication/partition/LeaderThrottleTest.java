package io.sluice.replication.partition;

import static io.sluice.replication.partition.TestRecords.plain;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.replication.quota.StubQuota;
import io.sluice.testsupport.ManualClock;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader throttle on follower fetches: records of a throttled partition are held back from a follower outside the
 * ISR while the quota is exceeded; in-sync followers, unthrottled partitions and consumers are never held back; the
 * bytes answered for throttled partitions are recorded.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeaderThrottleTest {
    private static final TopicPartition MOVING = new TopicPartition("moving", 0);
    private static final TopicPartition MOVING_IN_SYNC = new TopicPartition("moving", 1);
    private static final TopicPartition STAYING = new TopicPartition("staying", 0);

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private final StubQuota quota = new StubQuota(MOVING, MOVING_IN_SYNC);
    private TestBroker broker;

    @BeforeEach
    void setUp() {
        broker = new TestBroker(1, dir, clock, new ControllerStub(false), TestBroker.UNREACHABLE);
        broker.leaderQuota = quota;
        broker.restart();
        // follower 2 is copying MOVING and STAYING (not in their ISR) and is in sync on MOVING_IN_SYNC
        assertThat(broker.leaderAndIsr(MOVING, 1, 1, List.of(1), List.of(1, 2), 0, 1))
                .isEqualTo(Errors.NONE);
        assertThat(broker.leaderAndIsr(MOVING_IN_SYNC, 1, 1, List.of(1, 2), List.of(1, 2), 0, 1))
                .isEqualTo(Errors.NONE);
        assertThat(broker.leaderAndIsr(STAYING, 1, 1, List.of(1), List.of(1, 2), 0, 1))
                .isEqualTo(Errors.NONE);
        for (TopicPartition tp : List.of(MOVING, MOVING_IN_SYNC, STAYING)) {
            assertThat(broker.produceNow(tp, plain("a", "b", "c"), 1).error()).isEqualTo(Errors.NONE);
        }
    }

    @AfterEach
    void tearDown() {
        broker.close();
    }

    @Test
    void aFollowerOutsideTheIsrGetsNoRecordsOfAThrottledPartitionWhileTheQuotaIsExceeded() {
        quota.exceeded.set(true);
        ReadResult held = broker.followerFetch(MOVING, 2, 0);
        assertThat(held.error()).isEqualTo(Errors.NONE);
        assertThat(held.bytes()).isZero();
        assertThat(held.logEndOffset()).isEqualTo(3);
        assertThat(broker.partition(MOVING).followerState(2).orElseThrow().logEndOffset())
                .as("the follower's fetch state still moves")
                .isZero();
        assertThat(quota.recorded.get()).isZero();

        quota.exceeded.set(false);
        ReadResult served = broker.followerFetch(MOVING, 2, 0);
        assertThat(TestBroker.values(served)).containsExactly("a", "b", "c");
        assertThat(quota.recorded.get()).isEqualTo(served.bytes());
    }

    @Test
    void inSyncFollowersUnthrottledPartitionsAndConsumersAreNeverHeldBack() {
        quota.exceeded.set(true);
        ReadResult inSync = broker.followerFetch(MOVING_IN_SYNC, 2, 0);
        assertThat(TestBroker.values(inSync)).containsExactly("a", "b", "c");
        assertThat(quota.recorded.get())
                .as("bytes of a throttled partition count even for an in-sync follower")
                .isEqualTo(inSync.bytes());

        ReadResult staying = broker.followerFetch(STAYING, 2, 0);
        assertThat(TestBroker.values(staying)).containsExactly("a", "b", "c");
        assertThat(quota.recorded.get()).as("unthrottled bytes do not count").isEqualTo(inSync.bytes());

        broker.followerFetch(MOVING_IN_SYNC, 2, 3); // the high watermark reaches 3
        assertThat(TestBroker.values(broker.consumerFetch(MOVING_IN_SYNC, 0))).containsExactly("a", "b", "c");
    }
}
