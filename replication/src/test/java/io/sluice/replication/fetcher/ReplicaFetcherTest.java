package io.sluice.replication.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.replication.fetcher.FakeLeaders.LeaderReplica;
import io.sluice.replication.fetcher.FakeLeaders.SeenRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.message.FetchRequestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fetch loop against in-memory leaders: catch-up, high watermark, truncation, errors and backoff. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReplicaFetcherTest extends FetcherManagerTestBase {
    private static final int LEADER = 1;
    private static final int WAIT_MS = 20;
    private static final long BACKOFF_MS = 200;
    private static final TopicPartition TP = new TopicPartition("orders", 0);
    private static final TopicPartition TP1 = new TopicPartition("orders", 1);
    private static final long BROKER_EPOCH = 4_242L;

    private final AtomicLong brokerEpoch = new AtomicLong(BROKER_EPOCH);

    private ReplicaFetcherManager startManager(int partitionMaxBytes) {
        return startManager(partitionMaxBytes, ReplicaFetcherThread.DEFAULT_RESPONSE_TIMEOUT_MARGIN_MS);
    }

    private ReplicaFetcherManager startManager(int partitionMaxBytes, long responseTimeoutMarginMs) {
        FetcherConfig config = new FetcherConfig(1, partitionMaxBytes, 10 * 1024 * 1024, WAIT_MS, 1, BACKOFF_MS);
        manager = new ReplicaFetcherManager(
                LOCAL, brokerEpoch::get, config, leaders, Clock.systemUTC(), registry, responseTimeoutMarginMs);
        return manager;
    }

    private void follow(TestFollowerPartition follower, int leaderId) {
        manager.addFetcherForPartitions(Map.of(follower, new InitialFetchState(leaderId, follower.leaderEpoch)));
    }

    private static void awaitSameLog(TestFollowerPartition follower, LeaderReplica leader) {
        await().atMost(Duration.ofSeconds(10)).until(() -> follower.log.layout().equals(leader.log.layout()));
    }

    private double gauge(String name) {
        return registry.get(name)
                .tag("leader", Integer.toString(LEADER))
                .gauge()
                .value();
    }

    private static void assertSpacedByBackoff(List<SeenRequest> requests) {
        for (int i = 1; i < requests.size(); i++) {
            long gapMs = TimeUnit.NANOSECONDS.toMillis(
                    requests.get(i).atNanos() - requests.get(i - 1).atNanos());
            assertThat(gapMs).as("gap before request %d", i).isGreaterThanOrEqualTo(BACKOFF_MS - 20);
        }
    }

    @Test
    void catchesUpFromEmptyWithAFollowerFetch() {
        LeaderReplica leader = leaders.broker(LEADER).lead(TP, 3);
        for (int i = 0; i < 3; i++) {
            leader.log.appendAsLeader(3, 10);
        }
        TestFollowerPartition follower = new TestFollowerPartition(TP, 3);
        startManager(1024 * 1024);

        follow(follower, LEADER);

        awaitSameLog(follower, leader);
        await().until(follower::highWatermark, hw -> hw == 30);
        assertThat(follower.log.epochs()).isEqualTo(Map.of(3, 0L));

        FetchRequestData first = leaders.requestsFor(LEADER, TP).get(0).request();
        assertThat(first.replicaId()).isEqualTo(LOCAL);
        assertThat(first.maxWaitMs()).isEqualTo(WAIT_MS);
        assertThat(first.minBytes()).isEqualTo(1);
        assertThat(first.maxBytes()).isEqualTo(10 * 1024 * 1024);
        assertThat(first.isolationLevel()).isEqualTo((byte) 0);
        assertThat(first.sessionId()).isZero();
        assertThat(first.sessionEpoch()).as("a full fetch asking for a session").isZero();
        FetchRequestData.FetchPartition p =
                leaders.requestsFor(LEADER, TP).get(0).partition(TP);
        assertThat(p.fetchOffset()).isZero();
        assertThat(p.currentLeaderEpoch()).isEqualTo(3);
        assertThat(p.lastFetchedEpoch()).isEqualTo(-1);
        assertThat(p.logStartOffset()).isZero();
        assertThat(p.partitionMaxBytes()).isEqualTo(1024 * 1024);

        await().until(() -> leaders.requestsFor(LEADER, TP).stream()
                .map(r -> r.partition(TP))
                .anyMatch(q -> q.fetchOffset() == 30 && q.lastFetchedEpoch() == 3));
        long leaderBytes = leader.log.read(0, Integer.MAX_VALUE).sizeInBytes();
        await().until(() -> registry.get(FetcherMetrics.BYTES).counter().count() == leaderBytes);
        assertThat(registry.get(FetcherMetrics.REQUESTS).counter().count()).isPositive();
        assertThat(registry.get(FetcherMetrics.LATENCY).timer().count()).isPositive();
        assertThat(gauge(FetcherMetrics.LAG_MESSAGES)).isZero();
    }

    @Test
    void everyFetchCarriesTheCurrentBrokerEpochInItsReplicaState() {
        LeaderReplica leader = leaders.broker(LEADER).lead(TP, 3);
        leader.log.appendAsLeader(3, 10);
        TestFollowerPartition follower = new TestFollowerPartition(TP, 3);
        startManager(1024 * 1024);

        follow(follower, LEADER);
        awaitSameLog(follower, leader);

        FetchRequestData first = leaders.requestsFor(LEADER, TP).get(0).request();
        assertThat(first.replicaState().replicaId()).isEqualTo(LOCAL);
        assertThat(first.replicaState().replicaEpoch()).isEqualTo(BROKER_EPOCH);
        assertThat(first.topics().get(0).topic()).isEqualTo(TP.topic());

        // a re-registration (new broker epoch) shows in the next fetches
        brokerEpoch.set(BROKER_EPOCH + 10);
        leader.log.appendAsLeader(3, 1);
        await().until(() -> leaders.requestsFor(LEADER, TP).stream()
                .anyMatch(r -> r.request().replicaState().replicaEpoch() == BROKER_EPOCH + 10));
        assertThat(leaders.requestsFor(LEADER, TP))
                .allSatisfy(r ->
                        assertThat(r.request().replicaState().replicaEpoch()).isIn(BROKER_EPOCH, BROKER_EPOCH + 10));
    }

    @Test
    void propagatesTheHighWatermarkWithoutNewRecords() {
        LeaderReplica leader = leaders.broker(LEADER).lead(TP, 0);
        leader.log.appendAsLeader(0, 10);
        leader.log.setHighWatermark(4);
        TestFollowerPartition follower = new TestFollowerPartition(TP, 0);
        startManager(1024 * 1024);

        follow(follower, LEADER);
        awaitSameLog(follower, leader);
        await().until(follower::highWatermark, hw -> hw == 4);

        leader.log.setHighWatermark(10);
        await().until(follower::highWatermark, hw -> hw == 10);
        assertThat(follower.log.logEndOffset()).isEqualTo(10);
    }

    @Test
    void reportsLagWhileBehindTheLeader() {
        FakeLeaders.Broker broker = leaders.broker(LEADER);
        LeaderReplica leader = broker.lead(TP, 0);
        for (int i = 0; i < 3; i++) {
            leader.log.appendAsLeader(0, 10);
        }
        broker.holdFetchesAfter = 1; // the first answer brings one batch, the next waits
        TestFollowerPartition follower = new TestFollowerPartition(TP, 0);
        startManager(1); // one batch per fetch

        follow(follower, LEADER);
        await().until(() -> gauge(FetcherMetrics.LAG_MESSAGES) == 20.0);
        await().until(() -> gauge(FetcherMetrics.LAG_MS) > 0.0);

        broker.release.complete(null);
        awaitSameLog(follower, leader);
        await().until(() -> gauge(FetcherMetrics.LAG_MESSAGES) == 0.0 && gauge(FetcherMetrics.LAG_MS) == 0.0);
    }

    @Test
    void truncatesOnADivergingEpochThenFetchesTheLeadersRecords() {
        LeaderReplica leader = leaders.broker(LEADER).lead(TP, 2);
        leader.log.appendAsLeader(0, 10); // epoch 0: [0..9]
        leader.log.appendAsLeader(2, 10); // epoch 2: [10..19]
        TestFollowerPartition follower = new TestFollowerPartition(TP, 2);
        follower.log.appendAsLeader(0, 10); // epoch 0: [0..9]
        follower.log.appendAsLeader(1, 5); // epoch 1: [10..14], never committed
        startManager(1024 * 1024);

        follow(follower, LEADER);

        awaitSameLog(follower, leader);
        assertThat(follower.truncations).containsExactly(10L);
        assertThat(follower.appendedBaseOffsets).first().isEqualTo(10L);
        assertThat(follower.log.epochs()).isEqualTo(Map.of(0, 0L, 2, 10L));
        FetchRequestData.FetchPartition first =
                leaders.requestsFor(LEADER, TP).get(0).partition(TP);
        assertThat(first.fetchOffset()).isEqualTo(15);
        assertThat(first.lastFetchedEpoch()).isEqualTo(1);
    }

    @Test
    void restartsTheLogWhenBelowTheLeadersLogStart() {
        LeaderReplica leader = leaders.broker(LEADER).lead(TP, 3);
        leader.log.truncateFullyAndStartAt(50);
        leader.log.appendAsLeader(3, 10); // [50..59]
        TestFollowerPartition follower = new TestFollowerPartition(TP, 3);
        follower.log.appendAsLeader(0, 10); // [0..9], long deleted on the leader
        startManager(1024 * 1024);

        follow(follower, LEADER);

        awaitSameLog(follower, leader);
        assertThat(follower.fullTruncations).containsExactly(50L);
        assertThat(follower.truncations).isEmpty();
        assertThat(follower.log.logStartOffset()).isEqualTo(50);
        assertThat(follower.log.epochs()).isEqualTo(Map.of(3, 50L));
    }

    @Test
    void backsOffOnAFencedEpochAndResumesWhenReAddedAtTheNewEpoch() {
        LeaderReplica leader = leaders.broker(LEADER).lead(TP, 5);
        leader.log.appendAsLeader(5, 10);
        TestFollowerPartition follower = new TestFollowerPartition(TP, 4);
        startManager(1024 * 1024);

        follow(follower, LEADER);
        await().until(() -> leaders.requestsFor(LEADER, TP).size() >= 3);

        assertSpacedByBackoff(leaders.requestsFor(LEADER, TP));
        assertThat(follower.appendCalls).hasValue(0);
        assertThat(follower.log.logEndOffset()).isZero();
        assertThat(manager.failedPartitions()).isEmpty();

        follower.leaderEpoch = 5;
        follow(follower, LEADER);
        awaitSameLog(follower, leader);
    }

    @Test
    void backsOffWhileTheLeaderIsUnreachableAndRecovers() {
        FakeLeaders.Broker broker = leaders.broker(LEADER);
        LeaderReplica leader = broker.lead(TP, 0);
        leader.log.appendAsLeader(0, 10);
        broker.failing = true;
        TestFollowerPartition follower = new TestFollowerPartition(TP, 0);
        startManager(1024 * 1024);

        follow(follower, LEADER);
        await().until(() -> leaders.requestsFor(LEADER, TP).size() >= 3);

        assertSpacedByBackoff(leaders.requestsFor(LEADER, TP));
        assertThat(registry.get(FetcherMetrics.FAILED_REQUESTS).counter().count())
                .isGreaterThanOrEqualTo(2.0);
        assertThat(follower.appendCalls).hasValue(0);

        broker.failing = false;
        awaitSameLog(follower, leader);
    }

    @Test
    void timesOutAnUnansweredFetchBacksOffAndRecovers() {
        FakeLeaders.Broker broker = leaders.broker(LEADER);
        LeaderReplica leader = broker.lead(TP, 0);
        leader.log.appendAsLeader(0, 10);
        broker.silent = true;
        TestFollowerPartition follower = new TestFollowerPartition(TP, 0);
        startManager(1024 * 1024, 100);

        follow(follower, LEADER);
        await().until(() -> leaders.requestsFor(LEADER, TP).size() >= 3);

        // Each attempt waits fetchWaitMaxMs + 100 ms for its answer, then the thread backs off.
        List<SeenRequest> attempts = leaders.requestsFor(LEADER, TP);
        for (int i = 1; i < attempts.size(); i++) {
            long gapMs = TimeUnit.NANOSECONDS.toMillis(
                    attempts.get(i).atNanos() - attempts.get(i - 1).atNanos());
            assertThat(gapMs).isGreaterThanOrEqualTo(WAIT_MS + 100 + BACKOFF_MS - 20);
        }
        assertThat(registry.get(FetcherMetrics.FAILED_REQUESTS).counter().count())
                .isGreaterThanOrEqualTo(2.0);

        broker.silent = false;
        awaitSameLog(follower, leader);
    }

    @Test
    void aFailingPartitionIsExcludedWhileTheOthersContinue() {
        LeaderReplica bad = leaders.broker(LEADER).lead(TP, 0);
        LeaderReplica good = leaders.broker(LEADER).lead(TP1, 0);
        bad.log.appendAsLeader(0, 10);
        good.log.appendAsLeader(0, 10);
        TestFollowerPartition badFollower = new TestFollowerPartition(TP, 0);
        TestFollowerPartition goodFollower = new TestFollowerPartition(TP1, 0);
        badFollower.failAppends(new CorruptRecordException("record batch CRC mismatch"));
        startManager(1024 * 1024);

        manager.addFetcherForPartitions(
                Map.of(badFollower, new InitialFetchState(LEADER, 0), goodFollower, new InitialFetchState(LEADER, 0)));

        awaitSameLog(goodFollower, good);
        await().until(() -> manager.failedPartitions().equals(Set.of(TP)));
        good.log.appendAsLeader(0, 10);
        awaitSameLog(goodFollower, good);
        assertThat(badFollower.appendCalls).hasValue(1);
        assertThat(badFollower.log.logEndOffset()).isZero();

        // Added again (as after a new LeaderAndIsr), the partition is fetched afresh.
        badFollower.failAppends(null);
        manager.addFetcherForPartitions(Map.of(badFollower, new InitialFetchState(LEADER, 0)));
        awaitSameLog(badFollower, bad);
        assertThat(manager.failedPartitions()).isEmpty();
    }
}
