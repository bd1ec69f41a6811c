package io.sluice.replication.partition;

import static io.sluice.replication.partition.TestRecords.plain;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.replication.purgatory.Cancellable;
import io.sluice.replication.purgatory.PurgatoryMetrics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A long-poll fetch or an acks=all produce whose requester went away leaves the purgatory at once when cancelled. */
class CancelDelayedRequestsTest extends OneBrokerTest {
    private static final TopicPartition TP = new TopicPartition("idle", 0);

    CancelDelayedRequestsTest() {
        super(false);
    }

    @BeforeEach
    void setUp() {
        // follower 2 never fetches: acks=all waits, and the high watermark stays where it is
        assertThat(broker.leaderAndIsr(TP, 1, 1, List.of(1, 2), List.of(1, 2), 0, 1))
                .isEqualTo(Errors.NONE);
    }

    private double gauge(String name, String purgatory) {
        return broker.registry
                .get(name)
                .tag(PurgatoryMetrics.TAG, purgatory)
                .gauge()
                .value();
    }

    @Test
    void aCancelledLongPollFetchLeavesThePurgatoryAtOnceAndNeverAnswers() {
        AtomicInteger callbacks = new AtomicInteger();
        Cancellable fetch = broker.replicaManager.fetchMessages(
                new FetchParams(-1, 600_000, 1024 * 1024, 4 * 1024 * 1024, FetchIsolation.HIGH_WATERMARK),
                List.of(new PartitionFetch(TP, 0L, -1L, 1024 * 1024, Partition.NO_EPOCH, Partition.NO_EPOCH)),
                results -> callbacks.incrementAndGet());
        assertThat(gauge(PurgatoryMetrics.SIZE, "Fetch")).isEqualTo(1.0);
        assertThat(gauge(PurgatoryMetrics.DELAYED, "Fetch")).isEqualTo(1.0);

        fetch.cancel();
        fetch.cancel();

        assertThat(gauge(PurgatoryMetrics.SIZE, "Fetch")).isZero();
        assertThat(gauge(PurgatoryMetrics.DELAYED, "Fetch")).isZero();
        assertThat(broker.produceNow(TP, plain("late"), 1).error()).isEqualTo(Errors.NONE);
        assertThat(callbacks)
                .as("an abandoned fetch reads nothing and answers no one")
                .hasValue(0);
    }

    @Test
    void aFetchAnsweredAtOnceHasNothingToCancel() {
        AtomicInteger callbacks = new AtomicInteger();
        Cancellable fetch = broker.replicaManager.fetchMessages(
                new FetchParams(-1, 0, 1, 4 * 1024 * 1024, FetchIsolation.HIGH_WATERMARK),
                List.of(new PartitionFetch(TP, 0L, -1L, 1024 * 1024, Partition.NO_EPOCH, Partition.NO_EPOCH)),
                results -> callbacks.incrementAndGet());
        assertThat(fetch).isSameAs(Cancellable.NONE);
        assertThat(callbacks).hasValue(1);
    }

    @Test
    void aCancelledAcksAllProduceIsAnsweredAtOnceAndLeavesThePurgatory() {
        CompletableFuture<Map<TopicPartition, AppendResult>> answer = new CompletableFuture<>();
        Cancellable produce =
                broker.replicaManager.appendRecords(30_000L, (short) -1, Map.of(TP, plain("a")), answer::complete);
        assertThat(answer).isNotDone();
        assertThat(gauge(PurgatoryMetrics.SIZE, "Produce")).isEqualTo(1.0);

        produce.cancel();

        assertThat(answer).isCompleted();
        assertThat(answer.join().get(TP).error()).isEqualTo(Errors.REQUEST_TIMED_OUT);
        assertThat(gauge(PurgatoryMetrics.SIZE, "Produce")).isZero();
        assertThat(gauge(PurgatoryMetrics.DELAYED, "Produce")).isZero();
        assertThat(broker.partition(TP).logEndOffset())
                .as("the records stay appended")
                .isEqualTo(1L);
    }
}
