package io.sluice.replication.partition;

import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;

/** Builds the partition states of LeaderAndIsr requests in tests. */
public final class PartitionStates {
    private PartitionStates() {}

    /** The state of {@code tp} as a controller would send it. */
    public static LeaderAndIsrPartitionState state(
            TopicPartition tp,
            int leader,
            int leaderEpoch,
            List<Integer> isr,
            List<Integer> replicas,
            int partitionEpoch) {
        return new LeaderAndIsrPartitionState()
                .setTopicName(tp.topic())
                .setPartitionIndex(tp.partition())
                .setLeader(leader)
                .setLeaderEpoch(leaderEpoch)
                .setIsr(isr)
                .setReplicas(replicas)
                .setPartitionEpoch(partitionEpoch);
    }
}
