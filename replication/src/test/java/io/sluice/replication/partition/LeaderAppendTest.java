package io.sluice.replication.partition;

import static io.sluice.replication.partition.TestRecords.idempotent;
import static io.sluice.replication.partition.TestRecords.plain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.replication.purgatory.PurgatoryMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** Leader appends: idempotence, min.insync.replicas before and after the append, acks=all completion and timeout. */
class LeaderAppendTest extends OneBrokerTest {
    private static final TopicPartition TP = new TopicPartition("orders", 0);

    LeaderAppendTest() {
        super(true);
    }

    private void lead(List<Integer> isr, List<Integer> replicas, int minIsr) {
        assertThat(broker.leaderAndIsr(TP, 1, 1, isr, replicas, 0, minIsr)).isEqualTo(Errors.NONE);
    }

    @Test
    void duplicateBatchIsAnsweredWithItsOriginalOffsetsAndNotWrittenAgain() {
        lead(List.of(1), List.of(1), 1);
        AppendResult first = broker.produceNow(TP, idempotent(7L, (short) 0, 0, "a", "b"), 1);
        broker.produceNow(TP, plain("x"), 1);
        AppendResult retry = broker.produceNow(TP, idempotent(7L, (short) 0, 0, "a", "b"), 1);

        assertThat(first.error()).isEqualTo(Errors.NONE);
        assertThat(first.baseOffset()).isZero();
        assertThat(retry.error()).isEqualTo(Errors.NONE);
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.baseOffset()).isZero();
        assertThat(retry.lastOffset()).isEqualTo(1);
        assertThat(broker.partition(TP).logEndOffset()).isEqualTo(3);
    }

    /**
     * A producer's two in-flight batches to a new partition, the first refused by a broker that was not its leader
     * yet: the later batch arriving first is refused, so the first one, retried, lands first and both are kept
     * (accepting the later one first left the earlier one out of order on every retry until it expired).
     */
    @Test
    void aNewPartitionTakesAProducersBatchesOnlyFromItsFirstSequence() {
        lead(List.of(1), List.of(1), 1);
        AppendResult later = broker.produceNow(TP, idempotent(7L, (short) 0, 2, "c"), 1);
        AppendResult earlier = broker.produceNow(TP, idempotent(7L, (short) 0, 0, "a", "b"), 1);
        AppendResult laterRetried = broker.produceNow(TP, idempotent(7L, (short) 0, 2, "c"), 1);

        assertThat(later.error()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(earlier.error()).isEqualTo(Errors.NONE);
        assertThat(earlier.baseOffset()).isZero();
        assertThat(laterRetried.error()).isEqualTo(Errors.NONE);
        assertThat(laterRetried.baseOffset()).isEqualTo(2);
        assertThat(broker.partition(TP).logEndOffset()).isEqualTo(3);
    }

    @Test
    void sequenceGapIsRejectedWithOutOfOrderAndNothingIsWritten() {
        lead(List.of(1), List.of(1), 1);
        broker.produceNow(TP, idempotent(7L, (short) 0, 0, "a", "b"), 1);
        AppendResult gap = broker.produceNow(TP, idempotent(7L, (short) 0, 5, "c"), 1);
        AppendResult next = broker.produceNow(TP, idempotent(7L, (short) 0, 2, "c"), 1);

        assertThat(gap.error()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(next.error()).isEqualTo(Errors.NONE);
        assertThat(next.baseOffset()).isEqualTo(2);
        assertThat(broker.partition(TP).logEndOffset()).isEqualTo(3);
    }

    @Test
    void olderProducerEpochIsFenced() {
        lead(List.of(1), List.of(1), 1);
        broker.produceNow(TP, idempotent(7L, (short) 1, 0, "a"), 1);
        AppendResult zombie = broker.produceNow(TP, idempotent(7L, (short) 0, 1, "b"), 1);

        assertThat(zombie.error()).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(broker.partition(TP).logEndOffset()).isEqualTo(1);
    }

    @Test
    void acksAllWithTooSmallIsrFailsBeforeWritingAnything() {
        lead(List.of(1), List.of(1, 2, 3), 2);
        AppendResult rejected = broker.produceNow(TP, plain("a"), -1);

        assertThat(rejected.error()).isEqualTo(Errors.NOT_ENOUGH_REPLICAS);
        assertThat(broker.partition(TP).logEndOffset()).isZero();
        assertThat(broker.produceNow(TP, plain("a"), 1).error()).isEqualTo(Errors.NONE);
    }

    @Test
    void minIsrIsCappedByReplicationFactor() {
        lead(List.of(1), List.of(1), 2);
        assertThat(broker.produceNow(TP, plain("a"), -1).error()).isEqualTo(Errors.NONE);
    }

    @Test
    void acksAllCompletesExactlyWhenFollowerFetchesMoveTheHighWatermarkPastTheBatch() {
        lead(List.of(1, 2, 3), List.of(1, 2, 3), 2);
        CompletableFuture<AppendResult> produce = broker.produce(TP, plain("a", "b"), -1, 30_000L);
        assertThat(produce).isNotDone();
        assertThat(broker.registry
                        .get(PurgatoryMetrics.DELAYED)
                        .tag(PurgatoryMetrics.TAG, "Produce")
                        .gauge()
                        .value())
                .isEqualTo(1.0);

        broker.followerFetch(TP, 2, 2);
        assertThat(produce).isNotDone();
        broker.followerFetch(TP, 3, 1);
        assertThat(broker.partition(TP).highWatermark()).isEqualTo(1);
        assertThat(produce).isNotDone();
        broker.followerFetch(TP, 3, 2);

        assertThat(produce).isCompleted();
        assertThat(produce.join().error()).isEqualTo(Errors.NONE);
        assertThat(produce.join().baseOffset()).isZero();
        assertThat(broker.partition(TP).highWatermark()).isEqualTo(2);
    }

    @Test
    void isrShrinkingBelowMinBeforeTheHighWatermarkArrivesAnswersNotEnoughReplicasAfterAppend() {
        lead(List.of(1, 2), List.of(1, 2), 2);
        CompletableFuture<AppendResult> produce = broker.produce(TP, plain("a"), -1, 60_000L);
        assertThat(produce).isNotDone();

        clock.advance(TestBroker.LAG_MS + 1);
        broker.replicaManager.maybeShrinkIsr();

        await().atMost(Duration.ofSeconds(10)).until(produce::isDone);
        assertThat(produce.join().error()).isEqualTo(Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        assertThat(broker.partition(TP).state().isr()).containsExactly(1);
        assertThat(broker.produceNow(TP, plain("b"), -1).error()).isEqualTo(Errors.NOT_ENOUGH_REPLICAS);
    }

    @Test
    void acksAllTimesOutWhenTheHighWatermarkNeverArrives() {
        lead(List.of(1, 2), List.of(1, 2), 2);
        CompletableFuture<AppendResult> produce = broker.produce(TP, plain("a"), -1, 1_000L);
        broker.followerFetch(TP, 2, 0);
        assertThat(produce).isNotDone();

        clock.advance(1_001L);

        await().atMost(Duration.ofSeconds(10)).until(produce::isDone);
        assertThat(produce.join().error()).isEqualTo(Errors.REQUEST_TIMED_OUT);
    }

    @Test
    void losingLeadershipAnswersTheWaitingProduceWithNotLeader() {
        lead(List.of(1, 2), List.of(1, 2), 2);
        CompletableFuture<AppendResult> produce = broker.produce(TP, plain("a"), -1, 60_000L);

        assertThat(broker.leaderAndIsr(TP, 2, 2, List.of(1, 2), List.of(1, 2), 1, 2))
                .isEqualTo(Errors.NONE);

        assertThat(produce).isCompleted();
        assertThat(produce.join().error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(broker.produceNow(TP, plain("b"), 1).error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    }

    @Test
    void leadershipLostAndRegainedBeforeTheCheckStillAnswersNotLeader() {
        lead(List.of(1, 2), List.of(1, 2), 1);
        CompletableFuture<AppendResult> produce = broker.produce(TP, plain("a"), -1, 60_000L);
        Partition p = broker.partition(TP);

        // role changes applied straight to the partition, as if a delayed completion raced with them
        assertThat(p.makeFollower(new LeaderAndIsr(2, 2, List.of(2), 1, List.of(1, 2))))
                .isEqualTo(Errors.NONE);
        assertThat(produce).isNotDone();
        assertThat(p.makeLeader(new LeaderAndIsr(1, 3, List.of(1), 2, List.of(1, 2))))
                .isEqualTo(Errors.NONE);

        assertThat(p.highWatermark()).isEqualTo(1);
        assertThat(produce).isCompleted();
        assertThat(produce.join().error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    }

    @Test
    void leaderEpochBumpWhileStillLeaderKeepsTheWaitingProduce() {
        lead(List.of(1, 2), List.of(1, 2), 1);
        CompletableFuture<AppendResult> produce = broker.produce(TP, plain("a"), -1, 60_000L);

        assertThat(broker.leaderAndIsr(TP, 1, 2, List.of(1), List.of(1, 2), 1, 1))
                .isEqualTo(Errors.NONE);

        assertThat(produce).isCompleted();
        assertThat(produce.join().error()).isEqualTo(Errors.NONE);
        assertThat(produce.join().leaderEpoch()).isEqualTo(1);
    }

    @Test
    void invalidAcksAreRejected() {
        lead(List.of(1), List.of(1), 1);
        assertThat(broker.produceNow(TP, plain("a"), 2).error()).isEqualTo(Errors.INVALID_REQUIRED_ACKS);
        assertThat(broker.partition(TP).logEndOffset()).isZero();
    }
}
