package io.sluice.replication.partition;

import static io.sluice.replication.partition.TestRecords.plain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.replication.epoch.EpochEndOffset;
import io.sluice.replication.epoch.EpochEntry;
import io.sluice.replication.epoch.LeaderEpochCheckpointFile;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** Leader epochs: fencing, divergence answers, stale controller requests. */
class LeaderEpochTest extends OneBrokerTest {
    private static final TopicPartition TP = new TopicPartition("orders", 0);

    LeaderEpochTest() {
        super(true);
    }

    @Test
    void aLeaderAndIsrHandledOnAnInterruptedThreadAppliesNothing() {
        // a stopping broker interrupts its request handlers: the request is abandoned, no log is created
        Thread.currentThread().interrupt();
        Errors error;
        try {
            error = broker.leaderAndIsr(TP, 1, 1, List.of(1), List.of(1), 0, 1);
        } finally {
            Thread.interrupted();
        }

        assertThat(error).isEqualTo(Errors.UNKNOWN_SERVER_ERROR);
        assertThat(broker.replicaManager.partition(TP)).isEmpty();
        assertThat(broker.leaderAndIsr(TP, 1, 1, List.of(1), List.of(1), 0, 1)).isEqualTo(Errors.NONE);
    }

    @Test
    void fetchAndListOffsetsAreFencedByTheCurrentLeaderEpoch() {
        broker.leaderAndIsr(TP, 1, 4, List.of(1, 2), List.of(1, 2), 0, 1);
        produce(TP, "a");

        assertThat(broker.followerFetch(TP, 2, 0, 3, Partition.NO_EPOCH).error())
                .isEqualTo(Errors.FENCED_LEADER_EPOCH);
        assertThat(broker.followerFetch(TP, 2, 0, 5, Partition.NO_EPOCH).error())
                .isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
        assertThat(broker.followerFetch(TP, 2, 0, 4, Partition.NO_EPOCH).error())
                .isEqualTo(Errors.NONE);
        assertThat(broker.replicaManager
                        .listOffsets(TP, Partition.LATEST_TIMESTAMP, FetchIsolation.HIGH_WATERMARK, 3)
                        .error())
                .isEqualTo(Errors.FENCED_LEADER_EPOCH);
        assertThat(broker.replicaManager
                        .listOffsets(TP, Partition.LATEST_TIMESTAMP, FetchIsolation.HIGH_WATERMARK, 9)
                        .error())
                .isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
        // a fenced fetch does not count as the follower's progress
        assertThat(broker.partition(TP).followerState(2).orElseThrow().logEndOffset())
                .isZero();
    }

    @Test
    void leaderRecordsEachEpochAtItsStartOffsetAndStampsBatches() {
        broker.leaderAndIsr(TP, 1, 1, List.of(1), List.of(1, 2), 0, 1);
        produce(TP, "a", "b", "c");
        broker.leaderAndIsr(TP, 1, 3, List.of(1), List.of(1, 2), 1, 1);
        produce(TP, "d", "e");

        Partition p = broker.partition(TP);
        assertThat(p.replicaLog().epochCache().epochEntries())
                .containsExactly(new EpochEntry(1, 0), new EpochEntry(3, 3));
        assertThat(p.latestEpoch()).hasValue(3);
        assertThat(p.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 3));
        assertThat(p.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(1, 3));
        assertThat(p.endOffsetForEpoch(3)).isEqualTo(new EpochEndOffset(3, 5));
        // written off the request path, shortly afterwards
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(new LeaderEpochCheckpointFile(
                                        p.replicaLog().log().dir().toPath())
                                .read())
                        .containsExactly(new EpochEntry(1, 0), new EpochEntry(3, 3)));
        assertThat(p.replicaLog().epochCache().hasUnwrittenChanges()).isFalse();
    }

    @Test
    void followerWhoseLastFetchedEpochDivergesGetsTheDivergingEpochAndNoRecords() {
        broker.leaderAndIsr(TP, 1, 1, List.of(1, 2), List.of(1, 2), 0, 1);
        produce(TP, "a", "b", "c");
        broker.leaderAndIsr(TP, 1, 3, List.of(1, 2), List.of(1, 2), 1, 1);
        produce(TP, "d", "e");

        // the follower wrote offsets 3 and 4 under an epoch 2 this leader never had
        ReadResult unknownEpoch = broker.followerFetch(TP, 2, 5, 3, 2);
        assertThat(unknownEpoch.error()).isEqualTo(Errors.NONE);
        assertThat(unknownEpoch.divergingEpoch()).contains(new EpochEndOffset(1, 3));
        assertThat(unknownEpoch.bytes()).isZero();

        // the follower has epoch 1 beyond where the leader's epoch 1 ended
        ReadResult pastEnd = broker.followerFetch(TP, 2, 4, 3, 1);
        assertThat(pastEnd.divergingEpoch()).contains(new EpochEndOffset(1, 3));

        // the follower's epoch-1 history matches: records, no divergence
        ReadResult matching = broker.followerFetch(TP, 2, 3, 3, 1);
        assertThat(matching.divergingEpoch()).isEmpty();
        assertThat(TestBroker.values(matching)).containsExactly("d", "e");
        assertThat(broker.partition(TP).followerState(2).orElseThrow().logEndOffset())
                .isEqualTo(3);
    }

    @Test
    void leaderAndIsrWithAStaleControllerOrLeaderEpochIsIgnored() {
        ReplicaManager rm = broker.replicaManager;
        Map<TopicPartition, Errors> first = rm.becomeLeaderOrFollower(
                5,
                List.of(PartitionStates.state(TP, 1, 2, List.of(1), List.of(1, 2), 0)),
                Map.of(),
                t -> new TopicSettings(1, TestBroker.LOG_CONFIG));
        assertThat(first).containsEntry(TP, Errors.NONE);

        assertThat(rm.becomeLeaderOrFollower(
                        4,
                        List.of(PartitionStates.state(TP, 2, 3, List.of(2), List.of(1, 2), 1)),
                        Map.of(),
                        t -> new TopicSettings(1, TestBroker.LOG_CONFIG)))
                .containsEntry(TP, Errors.STALE_CONTROLLER_EPOCH);
        assertThat(rm.becomeLeaderOrFollower(
                        5,
                        List.of(PartitionStates.state(TP, 2, 2, List.of(2), List.of(1, 2), 1)),
                        Map.of(),
                        t -> new TopicSettings(1, TestBroker.LOG_CONFIG)))
                .containsEntry(TP, Errors.STALE_CONTROLLER_EPOCH);
        assertThat(rm.becomeLeaderOrFollower(
                        5,
                        List.of(PartitionStates.state(
                                new TopicPartition("other", 0), 2, 1, List.of(2), List.of(2, 3), 0)),
                        Map.of(),
                        t -> new TopicSettings(1, TestBroker.LOG_CONFIG)))
                .containsEntry(new TopicPartition("other", 0), Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(rm.isLeader(TP)).isTrue();
        assertThat(broker.partition(TP).leaderEpoch()).isEqualTo(2);
    }

    @Test
    void followerRoleStopsServingAndDoesNotTruncate() {
        broker.leaderAndIsr(TP, 1, 1, List.of(1), List.of(1, 2), 0, 1);
        produce(TP, "a", "b", "c");
        Partition p = broker.partition(TP);
        long hw = p.highWatermark();

        assertThat(broker.leaderAndIsr(TP, 2, 2, List.of(2), List.of(1, 2), 1, 1))
                .isEqualTo(Errors.NONE);

        assertThat(p.isLeader()).isFalse();
        assertThat(p.logEndOffset()).isEqualTo(3);
        assertThat(p.highWatermark()).isEqualTo(hw);
        assertThat(broker.consumerFetch(TP, 0).error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(broker.replicaManager
                        .listOffsets(TP, Partition.LATEST_TIMESTAMP, FetchIsolation.HIGH_WATERMARK, 2)
                        .error())
                .isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    }

    @Test
    void followerTruncationRemovesEpochsAndProducerStateBeyondTheOffset() {
        broker.leaderAndIsr(TP, 1, 1, List.of(1), List.of(1, 2), 0, 1);
        assertThat(broker.produceNow(TP, TestRecords.idempotent(5L, (short) 0, 0, "a", "b"), 1)
                        .error())
                .isEqualTo(Errors.NONE);
        broker.leaderAndIsr(TP, 1, 2, List.of(1), List.of(1, 2), 1, 1);
        assertThat(broker.produceNow(TP, TestRecords.idempotent(5L, (short) 0, 2, "c"), 1)
                        .error())
                .isEqualTo(Errors.NONE);
        broker.leaderAndIsr(TP, 2, 3, List.of(2), List.of(1, 2), 2, 1);
        Partition p = broker.partition(TP);

        p.truncateTo(2);

        assertThat(p.logEndOffset()).isEqualTo(2);
        assertThat(p.highWatermark()).isEqualTo(2);
        assertThat(p.replicaLog().epochCache().epochEntries()).containsExactly(new EpochEntry(1, 0));
        // back as leader, the producer's sequence 2 is new again: it was truncated away
        broker.leaderAndIsr(TP, 1, 4, List.of(1), List.of(1, 2), 3, 1);
        AppendResult again = broker.produceNow(TP, TestRecords.idempotent(5L, (short) 0, 2, "c"), 1);
        assertThat(again.duplicate()).isFalse();
        assertThat(again.baseOffset()).isEqualTo(2);
    }

    @Test
    void stopReplicaIsFencedByLeaderEpochAndDeletesWhenAsked() {
        broker.leaderAndIsr(TP, 1, 3, List.of(1), List.of(1), 0, 1);
        produce(TP, "a");
        ReplicaManager rm = broker.replicaManager;

        assertThat(rm.stopReplicas(1, Map.of(TP, 2), true)).containsEntry(TP, Errors.FENCED_LEADER_EPOCH);
        assertThat(rm.stopReplicas(0, Map.of(TP, 4), true)).containsEntry(TP, Errors.STALE_CONTROLLER_EPOCH);
        assertThat(rm.partition(TP)).isPresent();

        assertThat(rm.stopReplicas(1, Map.of(TP, ReplicaManager.EPOCH_DURING_DELETE), true))
                .containsEntry(TP, Errors.NONE);
        assertThat(rm.partition(TP)).isEmpty();
        assertThat(broker.logManager.getLog(TP)).isEmpty();
        assertThat(broker.produceNow(TP, plain("b"), 1).error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    }

    /**
     * The controller stops a follower of a broker in controlled shutdown with the partition's current leader epoch
     * (the LeaderAndIsr that moved leadership away already carried it): as in Kafka, an epoch equal to the current
     * one stops the replica; only an older one is fenced.
     */
    @Test
    void stopReplicaWithTheCurrentLeaderEpochStopsTheReplica() {
        broker.leaderAndIsr(TP, 1, 3, List.of(1), List.of(1), 0, 1);
        produce(TP, "a");
        ReplicaManager rm = broker.replicaManager;

        assertThat(rm.stopReplicas(1, Map.of(TP, 3), false)).containsEntry(TP, Errors.NONE);
        assertThat(rm.partition(TP)).isEmpty();
        assertThat(broker.logManager.getLog(TP)).isPresent();
    }
}
