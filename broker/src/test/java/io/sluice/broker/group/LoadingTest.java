package io.sluice.broker.group;

import static io.sluice.broker.group.CoordinatorFixture.PARTITIONS;
import static io.sluice.broker.group.CoordinatorFixture.SESSION_MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class LoadingTest {
    private static final String GROUP = "g1";
    private static final int PARTITION = CoordinatorFixture.partitionOf(GROUP);
    private static final TopicPartition T0 = new TopicPartition("t", 0);

    private final ManualGroupScheduler time = new ManualGroupScheduler();
    private final FakeGroupStore store = new FakeGroupStore(PARTITIONS);
    private final GroupCoordinator coordinator = new GroupCoordinator(
            1,
            new GroupConfig(6_000, 300_000, 0, 10, CoordinatorFixture.RETENTION_MS, 600_000, 5_000),
            store,
            time.clock,
            time);

    private StoredGroup storedStableGroup() {
        StoredMember member = new StoredMember(
                "m-1", Optional.empty(), "client", "/10.0.0.1", 30_000, SESSION_MS, new byte[] {1}, new byte[] {2});
        return new StoredGroup(GROUP, "consumer", 7, Optional.of("range"), Optional.of("m-1"), 1L, List.of(member));
    }

    @Test
    void answersLoadInProgressUntilLoadedThenNotCoordinatorAfterResignation() {
        assertThat(coordinator.heartbeat(GROUP, "m", Optional.empty(), 1)).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        coordinator.startup();
        assertThat(coordinator.heartbeat(GROUP, "m", Optional.empty(), 1)).isEqualTo(Errors.NOT_COORDINATOR);
        coordinator.onElection(PARTITION, 3);
        assertThat(coordinator.fetchOffsets(GROUP, null).error()).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
        assertThat(coordinator
                        .listGroups(java.util.Set.of(), java.util.Set.of())
                        .error())
                .isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
        time.runLoads();
        assertThat(coordinator.fetchOffsets(GROUP, null).error()).isEqualTo(Errors.NONE);

        CompletableFuture<JoinResult> join =
                coordinator.joinGroup(CoordinatorFixture.request(GROUP, "", null, CoordinatorFixture.protocols("range"))
                        .withoutMemberIdRequirement());
        assertThat(join.orTimeout(2, TimeUnit.SECONDS).join().error()).isEqualTo(Errors.NONE);
        String memberId = join.orTimeout(2, TimeUnit.SECONDS).join().memberId();
        store.holdWrites(true);
        CompletableFuture<SyncResult> sync = coordinator.syncGroup(
                GROUP, memberId, Optional.empty(), 1, Optional.empty(), Optional.empty(), Map.of());
        assertThat(sync).isNotDone();
        coordinator.onResignation(PARTITION, OptionalInt.of(2));
        assertThat(sync).as("a stale resignation is ignored").isNotDone();
        coordinator.onResignation(PARTITION, OptionalInt.of(4));
        assertThat(sync.orTimeout(2, TimeUnit.SECONDS).join().error()).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(coordinator.heartbeat(GROUP, memberId, Optional.empty(), 1)).isEqualTo(Errors.NOT_COORDINATOR);
    }

    @Test
    void resignationFailsPendingJoins() {
        coordinator.startup();
        coordinator.onElection(PARTITION, 1);
        time.runLoads();
        CompletableFuture<JoinResult> first =
                coordinator.joinGroup(CoordinatorFixture.request(GROUP, "", null, CoordinatorFixture.protocols("range"))
                        .withoutMemberIdRequirement());
        String a = first.orTimeout(2, TimeUnit.SECONDS).join().memberId();
        coordinator
                .syncGroup(GROUP, a, Optional.empty(), 1, Optional.empty(), Optional.empty(), Map.of())
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        CompletableFuture<JoinResult> second =
                coordinator.joinGroup(CoordinatorFixture.request(GROUP, "", null, CoordinatorFixture.protocols("range"))
                        .withoutMemberIdRequirement());
        assertThat(second).isNotDone();
        coordinator.onResignation(PARTITION, OptionalInt.empty());
        assertThat(second.orTimeout(2, TimeUnit.SECONDS).join().error()).isEqualTo(Errors.NOT_COORDINATOR);
    }

    @Test
    void loadedGroupResumesItsGenerationAndMembersMustHeartbeat() {
        store.put(PARTITION, storedStableGroup());
        store.storeOffsets(PARTITION, GROUP, Map.of(T0, new CommittedOffset(42, 1, "m", 1L, -1)))
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        coordinator.startup();
        coordinator.onElection(PARTITION, 1);
        time.runLoads();
        assertThat(coordinator.describeGroup(GROUP).state()).isEqualTo(GroupState.STABLE);
        assertThat(coordinator
                        .fetchOffsets(GROUP, List.of(T0))
                        .offsets()
                        .get(T0)
                        .offset())
                .isEqualTo(42);
        assertThat(coordinator.heartbeat(GROUP, "m-1", Optional.empty(), 7)).isEqualTo(Errors.NONE);
        SyncResult sync = coordinator
                .syncGroup(GROUP, "m-1", Optional.empty(), 7, Optional.empty(), Optional.empty(), Map.of())
                .orTimeout(2, TimeUnit.SECONDS)
                .join();
        assertThat(sync.assignment()).containsExactly(2);
        time.advance(SESSION_MS - 1);
        assertThat(coordinator.heartbeat(GROUP, "m-1", Optional.empty(), 7)).isEqualTo(Errors.NONE);
        time.advance(SESSION_MS);
        assertThat(coordinator.heartbeat(GROUP, "m-1", Optional.empty(), 7)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.describeGroup(GROUP).state()).isEqualTo(GroupState.EMPTY);
        assertThat(store.storedGroup(GROUP).generationId()).isEqualTo(8);
    }

    @Test
    void newerElectionWhileLoadingSupersedesTheOlderLoad() {
        coordinator.startup();
        coordinator.onElection(PARTITION, 1);
        coordinator.onElection(PARTITION, 1);
        assertThat(time.pendingLoads()).isEqualTo(1);
        coordinator.onElection(PARTITION, 2);
        store.put(PARTITION, storedStableGroup());
        time.runLoads();
        assertThat(coordinator.describeGroup(GROUP).state()).isEqualTo(GroupState.STABLE);
        coordinator.onResignation(PARTITION, OptionalInt.of(3));
        coordinator.onElection(PARTITION, 4);
        assertThat(coordinator.describeGroup(GROUP).error()).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
        coordinator.onResignation(PARTITION, OptionalInt.of(5));
        time.runLoads();
        assertThat(coordinator.describeGroup(GROUP).error()).isEqualTo(Errors.NOT_COORDINATOR);
    }

    @Test
    void shutdownAnswersCoordinatorNotAvailable() {
        coordinator.startup();
        coordinator.onElection(PARTITION, 1);
        time.runLoads();
        coordinator.shutdown();
        coordinator.shutdown();
        assertThat(coordinator.fetchOffsets(GROUP, null).error()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    }
}
