package io.sluice.replication.partition;

import static io.sluice.replication.partition.TestRecords.plain;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * A replica that led an epoch without appending keeps that epoch at its log end. As a follower, a truncation to its
 * log end (what a diverging answer from the new leader asks for) removes no record but must drop that epoch, or every
 * later fetch would diverge again.
 */
class EmptyEpochTruncationTest extends OneBrokerTest {
    private static final TopicPartition TP = new TopicPartition("orders", 0);

    EmptyEpochTruncationTest() {
        super(true);
    }

    @Test
    void truncationToTheLogEndDropsEpochsStartingThere() {
        broker.leaderAndIsr(TP, 1, 1, List.of(1), List.of(1, 2), 0, 1);
        produce(TP, "a", "b", "c");
        broker.leaderAndIsr(TP, 1, 3, List.of(1), List.of(1, 2), 1, 1); // led epoch 3, appended nothing
        broker.leaderAndIsr(TP, 2, 5, List.of(2), List.of(1, 2), 2, 1);
        Partition p = broker.partition(TP);
        assertThat(p.latestEpoch()).hasValue(3);

        p.truncateTo(3);

        assertThat(p.logEndOffset()).isEqualTo(3);
        assertThat(p.latestEpoch()).hasValue(1);
        assertThat(p.endOffsetForEpoch(1).endOffset()).isEqualTo(3);
    }

    @Test
    void theDroppedEpochStaysDroppedAfterARestart() {
        broker.leaderAndIsr(TP, 1, 1, List.of(1), List.of(1, 2), 0, 1);
        assertThat(broker.produceNow(TP, plain("a"), 1).error()).isEqualTo(Errors.NONE);
        broker.leaderAndIsr(TP, 1, 2, List.of(1), List.of(1, 2), 1, 1);
        broker.leaderAndIsr(TP, 2, 4, List.of(2), List.of(1, 2), 2, 1);
        broker.partition(TP).truncateTo(1);

        broker.restart();
        broker.leaderAndIsr(TP, 2, 4, List.of(2), List.of(1, 2), 2, 1);

        assertThat(broker.partition(TP).latestEpoch()).hasValue(1);
    }
}
