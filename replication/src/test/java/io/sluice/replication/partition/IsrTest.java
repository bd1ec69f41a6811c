package io.sluice.replication.partition;

import static io.sluice.replication.partition.TestRecords.plain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** ISR shrink and expansion, AlterPartition requests and the reactions to their answers. */
class IsrTest extends OneBrokerTest {
    private static final TopicPartition TP = new TopicPartition("orders", 3);

    IsrTest() {
        super(false);
    }

    private Partition lead(List<Integer> isr, List<Integer> replicas) {
        assertThat(broker.leaderAndIsr(TP, 1, 5, isr, replicas, 7, 1)).isEqualTo(Errors.NONE);
        return broker.partition(TP);
    }

    private long produce(String value) {
        AppendResult result = broker.produceNow(TP, plain(value), 1);
        assertThat(result.error()).isEqualTo(Errors.NONE);
        return result.lastOffset() + 1;
    }

    @Test
    void followerThatNeverCatchesUpIsRemovedWhileOneReachingThePreviousEndStays() {
        Partition p = lead(List.of(1, 2, 3), List.of(1, 2, 3));
        long leo = produce("first");
        for (int tick = 0; tick < 15; tick++) {
            long previousLeo = leo;
            leo = produce("v" + tick);
            clock.advance(1_000L);
            // follower 2 always asks for what the leader had at its previous fetch: it keeps up, one batch behind
            broker.followerFetch(TP, 2, previousLeo);
            // follower 3 keeps fetching but never gets past offset 1
            broker.followerFetch(TP, 3, 1);
            broker.replicaManager.maybeShrinkIsr();
        }

        assertThat(controller.count()).isEqualTo(1);
        AlterPartitionRequestData request = controller.last().request();
        assertThat(controller.last().proposedIsr()).containsExactly(1, 2);
        assertThat(request.brokerId()).isEqualTo(1);
        assertThat(request.brokerEpoch()).isEqualTo(1001L);
        assertThat(request.topics().get(0).topicName()).isEqualTo("orders");
        assertThat(controller.last().partition().partitionIndex()).isEqualTo(3);
        assertThat(controller.last().partition().leaderEpoch()).isEqualTo(5);
        assertThat(controller.last().partition().partitionEpoch()).isEqualTo(7);
        assertThat(p.followerState(3).orElseThrow().lastCaughtUpTimeMs())
                .isLessThan(clock.millis() - TestBroker.LAG_MS);

        controller.last().commit();
        assertThat(p.state().isr()).containsExactly(1, 2);
        assertThat(broker.registry.counter(ReplicaManagerMetrics.ISR_SHRINKS).count())
                .isEqualTo(1.0);
    }

    @Test
    void followerCaughtUpAtEveryFetchStaysForever() {
        lead(List.of(1, 2), List.of(1, 2));
        for (int tick = 0; tick < 30; tick++) {
            long leo = produce("v" + tick);
            clock.advance(1_000L);
            broker.followerFetch(TP, 2, leo);
            broker.replicaManager.maybeShrinkIsr();
        }
        assertThat(controller.count()).isZero();
    }

    @Test
    void silentFollowerIsRemovedAfterTheLagButNeverTheLeader() {
        Partition p = lead(List.of(1, 2), List.of(1, 2));
        produce("a");
        clock.advance(TestBroker.LAG_MS);
        broker.replicaManager.maybeShrinkIsr();
        assertThat(controller.count()).isZero();

        clock.advance(1);
        broker.replicaManager.maybeShrinkIsr();
        assertThat(controller.last().proposedIsr()).containsExactly(1);
        controller.last().commit();
        assertThat(p.state().isr()).containsExactly(1);
        assertThat(p.highWatermark()).isEqualTo(1);

        clock.advance(10 * TestBroker.LAG_MS);
        broker.replicaManager.maybeShrinkIsr();
        assertThat(controller.count()).isEqualTo(1);
        assertThat(broker.registry
                        .get(ReplicaManagerMetrics.UNDER_REPLICATED)
                        .gauge()
                        .value())
                .isEqualTo(1.0);
        assertThat(broker.registry
                        .get(ReplicaManagerMetrics.UNDER_MIN_ISR)
                        .gauge()
                        .value())
                .isZero();
        assertThat(broker.registry.get(ReplicaManagerMetrics.LEADERS).gauge().value())
                .isEqualTo(1.0);
    }

    @Test
    void followerJoinsOnceItReachesTheHighWatermark() {
        Partition p = lead(List.of(1), List.of(1, 2));
        produce("a");
        produce("b");
        produce("c");
        assertThat(p.highWatermark()).isEqualTo(3);

        broker.followerFetch(TP, 2, 1);
        assertThat(controller.count()).isZero();
        broker.followerFetch(TP, 2, 3);

        assertThat(controller.count()).isEqualTo(1);
        assertThat(controller.last().proposedIsr()).containsExactly(1, 2);
        assertThat(p.state().maximalIsr()).containsExactly(1, 2);
        assertThat(p.state().isr()).containsExactly(1);
        controller.last().commit();
        assertThat(p.state().isr()).containsExactly(1, 2);
        assertThat(p.state().partitionEpoch()).isEqualTo(8);
        assertThat(broker.registry.counter(ReplicaManagerMetrics.ISR_EXPANDS).count())
                .isEqualTo(1.0);
    }

    @Test
    void expansionNamesEachMembersBrokerEpochFromItsFetch() {
        Partition p = lead(List.of(1, 2), List.of(1, 2, 3));
        long leo = produce("a");
        broker.fetch(
                new FetchParams(2, 0, 1, 4 * 1024 * 1024, FetchIsolation.LOG_END, 2002L),
                new PartitionFetch(TP, leo, 0L, 1024 * 1024, Partition.NO_EPOCH, Partition.NO_EPOCH));
        assertThat(p.followerState(2).orElseThrow().brokerEpoch()).isEqualTo(2002L);
        broker.fetch(
                new FetchParams(3, 0, 1, 4 * 1024 * 1024, FetchIsolation.LOG_END, 3003L),
                new PartitionFetch(TP, leo, 0L, 1024 * 1024, Partition.NO_EPOCH, Partition.NO_EPOCH));

        assertThat(controller.count()).isEqualTo(1);
        assertThat(controller.last().proposedIsr()).containsExactly(1, 2, 3);
        assertThat(controller.last().partition().newIsrWithEpochs())
                .extracting(
                        AlterPartitionRequestData.BrokerState::brokerId,
                        AlterPartitionRequestData.BrokerState::brokerEpoch)
                .containsExactly(tuple(1, 1001L), tuple(2, 2002L), tuple(3, 3003L));

        // a retry after OPERATION_NOT_ATTEMPTED is a new proposal: it names the epoch of the latest fetch
        controller.last().fail(Errors.OPERATION_NOT_ATTEMPTED);
        broker.fetch(
                new FetchParams(3, 0, 1, 4 * 1024 * 1024, FetchIsolation.LOG_END, 3004L),
                new PartitionFetch(TP, leo, 0L, 1024 * 1024, Partition.NO_EPOCH, Partition.NO_EPOCH));
        assertThat(controller.count()).isEqualTo(2);
        assertThat(controller.last().partition().newIsrWithEpochs())
                .extracting(AlterPartitionRequestData.BrokerState::brokerEpoch)
                .containsExactly(1001L, 2002L, 3004L);

        // a fetch without a broker epoch (Fetch before v15) leaves it unknown: -1, as older leaders send
        controller.last().fail(Errors.OPERATION_NOT_ATTEMPTED);
        broker.followerFetch(TP, 3, leo);
        assertThat(controller.last().partition().newIsrWithEpochs())
                .extracting(AlterPartitionRequestData.BrokerState::brokerEpoch)
                .containsExactly(1001L, 2002L, -1L);
    }

    @Test
    void pendingExpansionCountsTowardsTheHighWatermarkAtOnce() {
        Partition p = lead(List.of(1), List.of(1, 2));
        produce("a");
        broker.followerFetch(TP, 2, 1);
        assertThat(p.state().isPending()).isTrue();
        produce("b");
        assertThat(p.highWatermark()).isEqualTo(1);
        broker.followerFetch(TP, 2, 2);
        assertThat(p.highWatermark()).isEqualTo(2);
    }

    @Test
    void onlyOneAlterPartitionIsInFlight() {
        Partition p = lead(List.of(1), List.of(1, 2, 3));
        produce("a");
        broker.followerFetch(TP, 2, 1);
        broker.followerFetch(TP, 3, 1);
        clock.advance(2 * TestBroker.LAG_MS);
        broker.replicaManager.maybeShrinkIsr();
        assertThat(controller.count()).isEqualTo(1);

        controller.last().commit();
        broker.followerFetch(TP, 3, 1);

        assertThat(controller.count()).isEqualTo(2);
        assertThat(controller.last().proposedIsr()).containsExactly(1, 2, 3);
        assertThat(controller.last().partition().partitionEpoch()).isEqualTo(8);
        controller.last().commit();
        assertThat(p.state().isr()).containsExactly(1, 2, 3);
    }

    @Test
    void operationNotAttemptedReturnsToTheCommittedIsrAndAllowsANewProposal() {
        Partition p = lead(List.of(1), List.of(1, 2));
        produce("a");
        broker.followerFetch(TP, 2, 1);
        controller.last().fail(Errors.OPERATION_NOT_ATTEMPTED);

        assertThat(p.state().isPending()).isFalse();
        assertThat(p.state().maximalIsr()).containsExactly(1);
        broker.followerFetch(TP, 2, 1);
        assertThat(controller.count()).isEqualTo(2);
    }

    @Test
    void fencedOrStaleVersionWaitsForTheNextLeaderAndIsr() {
        Partition p = lead(List.of(1), List.of(1, 2));
        produce("a");
        broker.followerFetch(TP, 2, 1);
        controller.last().fail(Errors.INVALID_UPDATE_VERSION);

        assertThat(p.state().isPending()).isTrue();
        broker.followerFetch(TP, 2, 1);
        assertThat(controller.count()).isEqualTo(1);

        assertThat(broker.leaderAndIsr(TP, 1, 6, List.of(1), List.of(1, 2), 9, 1))
                .isEqualTo(Errors.NONE);
        assertThat(p.state().isPending()).isFalse();
        broker.followerFetch(TP, 2, 1);
        assertThat(controller.count()).isEqualTo(2);
        assertThat(controller.last().partition().leaderEpoch()).isEqualTo(6);
        assertThat(controller.last().partition().partitionEpoch()).isEqualTo(9);

        controller.last().fail(Errors.FENCED_LEADER_EPOCH);
        assertThat(p.state().isPending()).isTrue();
    }

    @Test
    void answerForAnOlderLeaderEpochIsIgnored() {
        Partition p = lead(List.of(1), List.of(1, 2));
        produce("a");
        broker.followerFetch(TP, 2, 1);
        ControllerStub.Pending stale = controller.last();
        assertThat(broker.leaderAndIsr(TP, 1, 6, List.of(1), List.of(1, 2), 9, 1))
                .isEqualTo(Errors.NONE);

        stale.commit();

        assertThat(p.state().isr()).containsExactly(1);
        assertThat(p.state().partitionEpoch()).isEqualTo(9);
    }

    @Test
    void networkFailureAndNotControllerAreRetriedAfterTheBackoff() {
        Partition p = lead(List.of(1), List.of(1, 2));
        produce("a");
        broker.followerFetch(TP, 2, 1);
        controller.last().answer().completeExceptionally(new IOException("connection reset"));

        await().atMost(Duration.ofSeconds(10)).until(() -> controller.count() == 2);
        assertThat(controller.last().proposedIsr()).containsExactly(1, 2);
        controller
                .last()
                .answer()
                .complete(new org.apache.kafka.common.message.AlterPartitionResponseData()
                        .setErrorCode(Errors.NOT_CONTROLLER.code()));

        await().atMost(Duration.ofSeconds(10)).until(() -> controller.count() == 3);
        controller.last().commit();
        assertThat(p.state().isr()).containsExactly(1, 2);
    }
}
