package io.sluice.broker.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The coordinator on the production scheduler's threads, with real time. */
@Timeout(30)
class ThreadedCoordinatorTest {
    private static final String GROUP = "threaded";
    private final FakeGroupStore store = new FakeGroupStore(CoordinatorFixture.PARTITIONS);
    private final GroupCoordinator coordinator = new GroupCoordinator(
            7,
            new GroupConfig(100, 60_000, 0, 10, 60_000, 60_000, 5_000),
            store,
            Clock.systemUTC(),
            GroupScheduler.threads(7));

    @AfterEach
    void stop() {
        coordinator.shutdown();
    }

    @Test
    void loadsJoinsSyncsCommitsAndExpiresOnItsOwnThreads() throws Exception {
        coordinator.startup();
        coordinator.onElection(CoordinatorFixture.partitionOf(GROUP), 1);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> coordinator.fetchOffsets(GROUP, null).error() == Errors.NONE);

        JoinRequest request = new JoinRequest(
                GROUP,
                "",
                Optional.empty(),
                "consumer",
                CoordinatorFixture.protocols("range"),
                500,
                1_000,
                "c",
                "/127.0.0.1",
                false,
                false);
        JoinResult joined = coordinator.joinGroup(request).get(10, TimeUnit.SECONDS);
        assertThat(joined.error()).isEqualTo(Errors.NONE);
        SyncResult synced = coordinator
                .syncGroup(
                        GROUP,
                        joined.memberId(),
                        Optional.empty(),
                        1,
                        Optional.empty(),
                        Optional.empty(),
                        Map.of(joined.memberId(), new byte[] {3}))
                .get(10, TimeUnit.SECONDS);
        assertThat(synced.assignment()).containsExactly(3);
        TopicPartition tp = new TopicPartition("t", 0);
        Map<TopicPartition, Errors> committed = coordinator
                .commitOffsets(
                        GROUP,
                        joined.memberId(),
                        Optional.empty(),
                        1,
                        Map.of(tp, new CommittedOffset(5, -1, "", System.currentTimeMillis(), -1)))
                .get(10, TimeUnit.SECONDS);
        assertThat(committed).containsEntry(tp, Errors.NONE);
        assertThat(coordinator
                        .fetchOffsets(GROUP, List.of(tp))
                        .offsets()
                        .get(tp)
                        .offset())
                .isEqualTo(5);

        await().atMost(Duration.ofSeconds(10))
                .until(() -> coordinator.describeGroup(GROUP).state() == GroupState.EMPTY);
        assertThat(coordinator.heartbeat(GROUP, joined.memberId(), Optional.empty(), 1))
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void cancelledTimersDoNotRun() {
        GroupScheduler scheduler = GroupScheduler.threads(8);
        try {
            AtomicBoolean cancelledRan = new AtomicBoolean();
            AtomicBoolean ran = new AtomicBoolean();
            scheduler.schedule(50, () -> cancelledRan.set(true)).cancel();
            scheduler.schedule(100, () -> ran.set(true));
            await().atMost(Duration.ofSeconds(10)).untilTrue(ran);
            assertThat(cancelledRan).isFalse();
        } finally {
            scheduler.shutdown();
        }
    }
}
