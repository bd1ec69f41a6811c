package io.sluice.broker.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.control.StopReplicaPartition;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ReplicaManagerControlTest {
    private static final TopicPartition A0 = new TopicPartition("a", 0);
    private static final TopicPartition A1 = new TopicPartition("a", 1);
    private static final TopicPartition B0 = new TopicPartition("b", 0);

    @Test
    void stopReplicaPartitionsAreSplitByTheirDeleteFlag() {
        List<StopReplicaPartition> partitions = List.of(
                new StopReplicaPartition(A0, 3, false),
                new StopReplicaPartition(B0, -2, true),
                new StopReplicaPartition(A1, 4, false));

        assertThat(ReplicaManagerControl.leaderEpochs(partitions, false))
                .containsExactly(java.util.Map.entry(A0, 3), java.util.Map.entry(A1, 4));
        assertThat(ReplicaManagerControl.leaderEpochs(partitions, true)).containsExactly(java.util.Map.entry(B0, -2));
    }
}
