package io.sluice.replication.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.replication.fetcher.FakeLeaders.LeaderReplica;
import io.sluice.replication.fetcher.ReplicaFetcherManager.FetcherKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Thread assignment, moves between leaders, synchronous removal and lifecycle of the fetcher manager. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReplicaFetcherManagerTest extends FetcherManagerTestBase {

    private void startManager(int fetchersPerBroker) {
        FetcherConfig config = new FetcherConfig(fetchersPerBroker, 1024 * 1024, 10 * 1024 * 1024, 20, 1, 100);
        manager = new ReplicaFetcherManager(LOCAL, config, leaders, Clock.systemUTC(), registry);
    }

    private static void awaitSameLog(TestFollowerPartition follower, LeaderReplica leader) {
        await().atMost(Duration.ofSeconds(15)).until(() -> follower.log.layout().equals(leader.log.layout()));
    }

    /** Waits until {@code leaderId} has served {@code count} more requests. */
    private void awaitMoreRequests(int leaderId, int count) {
        long target = leaders.requestCount(leaderId) + count;
        await().atMost(Duration.ofSeconds(10)).until(() -> leaders.requestCount(leaderId) >= target);
    }

    @Test
    void removalIsSynchronousWhileTheLeaderKeepsServingData() {
        TopicPartition removedTp = new TopicPartition("clicks", 0);
        TopicPartition keptTp = new TopicPartition("clicks", 1);
        LeaderReplica removedLeader = leaders.broker(1).lead(removedTp, 0);
        LeaderReplica keptLeader = leaders.broker(1).lead(keptTp, 0);
        TestFollowerPartition removed = new TestFollowerPartition(removedTp, 0);
        TestFollowerPartition kept = new TestFollowerPartition(keptTp, 0);
        startManager(1);
        ScheduledExecutorService producer = Executors.newSingleThreadScheduledExecutor();
        try {
            producer.scheduleAtFixedRate(
                    () -> {
                        removedLeader.log.appendAsLeader(0, 1);
                        keptLeader.log.appendAsLeader(0, 1);
                    },
                    0,
                    1,
                    TimeUnit.MILLISECONDS);
            manager.addFetcherForPartitions(
                    Map.of(removed, new InitialFetchState(1, 0), kept, new InitialFetchState(1, 0)));

            for (int round = 0; round < 3; round++) {
                long progressTarget = removed.log.logEndOffset() + 20;
                await().atMost(Duration.ofSeconds(10)).until(() -> removed.log.logEndOffset() >= progressTarget);

                manager.removeFetcherForPartitions(List.of(removedTp));
                removed.detach();
                int appendsAtRemoval = removed.appendCalls.get();
                long logEndAtRemoval = removed.log.logEndOffset();

                long keptTarget = removedLeader.log.logEndOffset() + 50;
                await().atMost(Duration.ofSeconds(10)).until(() -> kept.log.logEndOffset() >= keptTarget);
                assertThat(removed.callsAfterDetach)
                        .as("calls after removal in round %d", round)
                        .hasValue(0);
                assertThat(removed.appendCalls).hasValue(appendsAtRemoval);
                assertThat(removed.log.logEndOffset()).isEqualTo(logEndAtRemoval);
                assertThat(manager.assignmentOf(removedTp)).isEmpty();

                removed.attach();
                manager.addFetcherForPartitions(Map.of(removed, new InitialFetchState(1, 0)));
            }
        } finally {
            producer.shutdownNow();
        }
        awaitSameLog(removed, removedLeader);
        awaitSameLog(kept, keptLeader);
    }

    @Test
    void spreadsPartitionsOverFetchersPerLeaderAndMovesThemBetweenLeaders() {
        startManager(2);
        Map<TopicPartition, LeaderReplica> leaderReplicas = new LinkedHashMap<>();
        Map<TopicPartition, TestFollowerPartition> followers = new LinkedHashMap<>();
        Map<FollowerPartition, InitialFetchState> added = new LinkedHashMap<>();
        Set<FetcherKey> expectedThreads = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            TopicPartition tp = new TopicPartition("events", i);
            int leaderId = i % 2 == 0 ? 1 : 2;
            LeaderReplica replica = leaders.broker(leaderId).lead(tp, 1);
            replica.log.appendAsLeader(1, 5 + i);
            leaderReplicas.put(tp, replica);
            TestFollowerPartition follower = new TestFollowerPartition(tp, 1);
            followers.put(tp, follower);
            added.put(follower, new InitialFetchState(leaderId, 1));
            expectedThreads.add(new FetcherKey(leaderId, ReplicaFetcherManager.fetcherIdFor(tp, 2)));
        }

        manager.addFetcherForPartitions(added);

        leaderReplicas.forEach((tp, replica) -> awaitSameLog(followers.get(tp), replica));
        assertThat(manager.fetcherThreadCount()).isEqualTo(expectedThreads.size());
        for (Map.Entry<FollowerPartition, InitialFetchState> e : added.entrySet()) {
            TopicPartition tp = e.getKey().topicPartition();
            assertThat(manager.assignmentOf(tp))
                    .contains(new FetcherKey(e.getValue().leaderId(), ReplicaFetcherManager.fetcherIdFor(tp, 2)));
        }
        long threadsOfLeader1 =
                expectedThreads.stream().filter(k -> k.leaderId() == 1).count();
        assertThat(leaders.broker(1).endpointsCreated).hasValue((int) threadsOfLeader1);

        // events-0 moves from leader 1 to leader 2 at epoch 2; broker 2 has the old history plus new records.
        TopicPartition moved = new TopicPartition("events", 0);
        LeaderReplica newLeader = leaders.broker(2).lead(moved, 2);
        newLeader.log.appendAsLeader(1, 5);
        newLeader.log.appendAsLeader(2, 7);
        leaders.broker(1).partitions.remove(moved);
        TestFollowerPartition movedFollower = followers.get(moved);
        movedFollower.leaderEpoch = 2;
        manager.addFetcherForPartitions(Map.of(movedFollower, new InitialFetchState(2, 2)));

        assertThat(manager.assignmentOf(moved))
                .contains(new FetcherKey(2, ReplicaFetcherManager.fetcherIdFor(moved, 2)));
        awaitSameLog(movedFollower, newLeader);
        awaitMoreRequests(1, 3); // leader 1 keeps serving events-2, -4, -6
        int askedOldLeader = leaders.requestsFor(1, moved).size();
        awaitMoreRequests(1, 5);
        assertThat(leaders.requestsFor(1, moved)).hasSize(askedOldLeader);

        manager.removeFetcherForPartitions(new ArrayList<>(followers.keySet()));
        assertThat(manager.fetcherThreadCount()).isZero();
        for (int leaderId : List.of(1, 2)) {
            assertThat(leaders.broker(leaderId).endpointsClosed)
                    .hasValue(leaders.broker(leaderId).endpointsCreated.get());
        }
        assertThat(registry.find(FetcherMetrics.LAG_MESSAGES).gauges()).isEmpty();
        assertThat(registry.find(FetcherMetrics.REQUESTS).counters()).isEmpty();
    }

    @Test
    void threadsWithoutPartitionsAreShutDown() {
        TopicPartition tp = new TopicPartition("logs", 0);
        LeaderReplica leader = leaders.broker(1).lead(tp, 0);
        leader.log.appendAsLeader(0, 3);
        TestFollowerPartition follower = new TestFollowerPartition(tp, 0);
        startManager(1);

        manager.addFetcherForPartitions(Map.of(follower, new InitialFetchState(1, 0)));
        assertThat(manager.fetcherThreadCount()).isEqualTo(1);
        awaitSameLog(follower, leader);

        manager.removeFetcherForPartitions(List.of(tp, new TopicPartition("unknown", 7)));
        assertThat(manager.fetcherThreadCount()).isZero();
        assertThat(leaders.broker(1).endpointsClosed).hasValue(1);
        assertThat(manager.assignmentOf(tp)).isEqualTo(Optional.empty());
    }

    @Test
    void closeStopsEverythingAndIsIdempotent() {
        TopicPartition tp = new TopicPartition("logs", 0);
        leaders.broker(1).lead(tp, 0).log.appendAsLeader(0, 3);
        TestFollowerPartition follower = new TestFollowerPartition(tp, 0);
        startManager(1);
        manager.addFetcherForPartitions(Map.of(follower, new InitialFetchState(1, 0)));
        await().until(() -> follower.log.logEndOffset() == 3);

        manager.close();
        follower.detach();
        manager.close();

        assertThat(manager.fetcherThreadCount()).isZero();
        assertThat(leaders.broker(1).endpointsClosed).hasValue(1);
        assertThat(follower.callsAfterDetach).hasValue(0);
        assertThatThrownBy(() -> manager.addFetcherForPartitions(Map.of(follower, new InitialFetchState(1, 0))))
                .isInstanceOf(IllegalStateException.class);
    }
}
