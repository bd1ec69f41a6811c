package io.sluice.replication.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.concurrent.ThreadStatus;
import io.sluice.replication.fetcher.FakeLeaders.LeaderReplica;
import io.sluice.testsupport.ManualClock;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A fetcher thread survives whatever one partition's append throws: the partition is marked failed (reported by
 * {@code failedPartitions()}, the failed-partitions gauge and an ERROR line), the other partitions of the same thread
 * keep replicating. And its progress: rounds that complete (empty long polls included) restart the last-success
 * clock, a leader that does not answer lets it run past the ISR lag time.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReplicaFetcherFailureTest extends FetcherManagerTestBase {
    private static final int LEADER = 1;
    private static final int WAIT_MS = 20;
    private static final long BACKOFF_MS = 100;
    private static final long LAG_MAX_MS = 10_000;
    private static final TopicPartition BAD = new TopicPartition("orders", 0);
    private static final TopicPartition GOOD = new TopicPartition("orders", 1);
    private static final TopicPartition ALSO_GOOD = new TopicPartition("orders", 2);

    private ReplicaFetcherManager startManager(Clock clock, long responseTimeoutMarginMs) {
        FetcherConfig config = new FetcherConfig(1, 1024 * 1024, 10 * 1024 * 1024, WAIT_MS, 1, BACKOFF_MS);
        manager = new ReplicaFetcherManager(LOCAL, () -> 1L, config, leaders, clock, registry, responseTimeoutMarginMs);
        return manager;
    }

    private void follow(TestFollowerPartition... followers) {
        Map<FollowerPartition, InitialFetchState> added = new LinkedHashMap<>();
        for (TestFollowerPartition f : followers) {
            added.put(f, new InitialFetchState(LEADER, f.leaderEpoch));
        }
        manager.addFetcherForPartitions(added);
    }

    private static void awaitSameLog(TestFollowerPartition follower, LeaderReplica leader) {
        await().atMost(Duration.ofSeconds(15)).until(() -> follower.log.layout().equals(leader.log.layout()));
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    private FetcherThreadStatus onlyThread() {
        assertThat(manager.fetcherStatuses()).hasSize(1);
        return manager.fetcherStatuses().get(0);
    }

    static Stream<Throwable> partitionFailures() {
        return Stream.of(
                new InternalError("a fault occurred in a recent unsafe memory access operation"),
                new StackOverflowError("deep recursion in one partition's append"),
                new KafkaStorageException("cannot append to orders-0", new IOException("Input/output error")),
                new IllegalStateException("a bug in one partition's append"));
    }

    @ParameterizedTest
    @MethodSource("partitionFailures")
    void aThrowableFromOnePartitionsAppendFailsOnlyThatPartitionAndTheThreadLivesOn(Throwable failure) {
        LeaderReplica bad = leaders.broker(LEADER).lead(BAD, 4);
        LeaderReplica good = leaders.broker(LEADER).lead(GOOD, 4);
        LeaderReplica alsoGood = leaders.broker(LEADER).lead(ALSO_GOOD, 4);
        for (LeaderReplica leader : new LeaderReplica[] {bad, good, alsoGood}) {
            leader.log.appendAsLeader(4, 10);
        }
        TestFollowerPartition badFollower = new TestFollowerPartition(BAD, 4);
        TestFollowerPartition goodFollower = new TestFollowerPartition(GOOD, 4);
        TestFollowerPartition alsoGoodFollower = new TestFollowerPartition(ALSO_GOOD, 4);
        badFollower.failAppends(failure);

        try (LogCapture logs = new LogCapture(ReplicaFetcherThread.class.getName())) {
            startManager(Clock.systemUTC(), ReplicaFetcherThread.DEFAULT_RESPONSE_TIMEOUT_MARGIN_MS);
            follow(badFollower, goodFollower, alsoGoodFollower);

            await().atMost(Duration.ofSeconds(15))
                    .until(() -> manager.failedPartitions().equals(Set.of(BAD)));
            assertThat(gauge(FetcherMetrics.FAILED_PARTITIONS)).isEqualTo(1.0);
            String expectedKind = failure instanceof InternalError || failure instanceof KafkaStorageException
                    ? "(storage fault)"
                    : "failed while applying the leader's answer:";
            assertThat(logs.errors())
                    .anySatisfy(line -> assertThat(line)
                            .contains("broker=" + LOCAL, "leader=" + LEADER, "Partition " + BAD, "leader epoch 4")
                            .contains(failure.toString(), expectedKind));

            // the same thread keeps replicating the other partitions, before and after the failure
            awaitSameLog(goodFollower, good);
            awaitSameLog(alsoGoodFollower, alsoGood);
            good.log.appendAsLeader(4, 25);
            alsoGood.log.appendAsLeader(4, 5);
            awaitSameLog(goodFollower, good);
            awaitSameLog(alsoGoodFollower, alsoGood);

            assertThat(manager.threadStatuses()).containsExactly(new ThreadStatus("ReplicaFetcherThread-0-1", true));
            FetcherThreadStatus status = onlyThread();
            assertThat(status.failedPartitions()).isEqualTo(1);
            assertThat(status.fetchingPartitions()).isEqualTo(2);
            assertThat(status.isStuck(LAG_MAX_MS)).isFalse();
            assertThat(badFollower.appendCalls).hasValue(1);
            assertThat(badFollower.log.logEndOffset()).isZero();
        }

        // a new LeaderAndIsr adds the partition again: it is fetched afresh and the gauge drops
        badFollower.failAppends(null);
        follow(badFollower);
        awaitSameLog(badFollower, bad);
        assertThat(manager.failedPartitions()).isEmpty();
        assertThat(gauge(FetcherMetrics.FAILED_PARTITIONS)).isZero();
    }

    @Test
    void anOutOfMemoryErrorIsNotBlamedOnThePartitionWhichIsFetchedAgain() {
        LeaderReplica leader = leaders.broker(LEADER).lead(BAD, 0);
        leader.log.appendAsLeader(0, 10);
        TestFollowerPartition follower = new TestFollowerPartition(BAD, 0);
        follower.failAppends(new OutOfMemoryError("Java heap space"));
        startManager(Clock.systemUTC(), ReplicaFetcherThread.DEFAULT_RESPONSE_TIMEOUT_MARGIN_MS);

        follow(follower);
        await().atMost(Duration.ofSeconds(15)).until(() -> follower.appendCalls.get() >= 3);
        assertThat(manager.failedPartitions()).isEmpty();

        follower.failAppends(null);
        awaitSameLog(follower, leader);
        assertThat(manager.threadStatuses()).allMatch(ThreadStatus::alive);
    }

    @Test
    void emptyLongPollsAreCompletedRoundsSoAnIdleFetcherIsNeverStuck() {
        LeaderReplica leader = leaders.broker(LEADER).lead(GOOD, 0);
        leader.log.appendAsLeader(0, 10);
        TestFollowerPartition follower = new TestFollowerPartition(GOOD, 0);
        ManualClock clock = new ManualClock(1_000_000L);
        startManager(clock, ReplicaFetcherThread.DEFAULT_RESPONSE_TIMEOUT_MARGIN_MS);
        follow(follower);
        awaitSameLog(follower, leader);

        // no new data: every round is an empty long poll; six jumps of 6 s each are 36 s without data
        for (int i = 0; i < 6; i++) {
            clock.advance(6_000);
            assertThat(onlyThread().isStuck(LAG_MAX_MS)).isFalse();
            await().atMost(Duration.ofSeconds(10)).until(() -> onlyThread().msSinceLastRound() == 0);
        }
        assertThat(registry.get(FetcherMetrics.LAST_SUCCESS_AGE).gauge().value())
                .isZero();
    }

    @Test
    void aLeaderThatDoesNotAnswerLeavesTheFetcherStuckPastTheLagTimeUntilItAnswersAgain() {
        FakeLeaders.Broker broker = leaders.broker(LEADER);
        LeaderReplica leader = broker.lead(GOOD, 0);
        leader.log.appendAsLeader(0, 10);
        broker.silent = true;
        TestFollowerPartition follower = new TestFollowerPartition(GOOD, 0);
        ManualClock clock = new ManualClock(1_000_000L);
        startManager(clock, 50);
        follow(follower);

        await().atMost(Duration.ofSeconds(10))
                .until(() -> onlyThread().lastError().isPresent());
        assertThat(onlyThread().isStuck(LAG_MAX_MS)).isFalse();
        clock.advance(LAG_MAX_MS + 1);

        FetcherThreadStatus stuck = onlyThread();
        assertThat(stuck.isStuck(LAG_MAX_MS)).isTrue();
        assertThat(stuck.alive()).isTrue();
        assertThat(stuck.msSinceLastRound()).isEqualTo(LAG_MAX_MS + 1);
        assertThat(stuck.lastError()).hasValueSatisfying(e -> assertThat(e).contains("no answer within"));
        assertThat(registry.get(FetcherMetrics.LAST_SUCCESS_AGE)
                        .tag("leader", "1")
                        .tag("fetcher", "0")
                        .gauge()
                        .value())
                .isEqualTo((double) (LAG_MAX_MS + 1));

        broker.silent = false;
        awaitSameLog(follower, leader);
        await().atMost(Duration.ofSeconds(10)).until(() -> !onlyThread().isStuck(LAG_MAX_MS));
        assertThat(onlyThread().lastError()).isEmpty();
    }

    @Test
    void aFetcherWhoseOnlyPartitionFailedIsNotStuck() {
        LeaderReplica leader = leaders.broker(LEADER).lead(BAD, 0);
        leader.log.appendAsLeader(0, 10);
        TestFollowerPartition follower = new TestFollowerPartition(BAD, 0);
        follower.failAppends(new InternalError("mmap fault"));
        ManualClock clock = new ManualClock(1_000_000L);
        startManager(clock, ReplicaFetcherThread.DEFAULT_RESPONSE_TIMEOUT_MARGIN_MS);

        follow(follower);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> manager.failedPartitions().equals(Set.of(BAD)));
        clock.advance(10 * LAG_MAX_MS);

        FetcherThreadStatus status = onlyThread();
        assertThat(status.fetchingPartitions()).isZero();
        assertThat(status.msSinceLastRound()).isZero();
        assertThat(status.isStuck(LAG_MAX_MS)).isFalse();

        // added again, the partition starts the clock afresh instead of inheriting the idle time
        follower.failAppends(null);
        follow(follower);
        assertThat(onlyThread().isStuck(LAG_MAX_MS)).isFalse();
        awaitSameLog(follower, leader);
    }
}
