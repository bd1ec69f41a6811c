package io.sluice.broker.metadata;

import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * One partition as the controller last described it in UpdateMetadata.
 *
 * @param topicPartition the partition
 * @param leader the leader's broker id, {@code -1} when the partition has no leader
 * @param leaderEpoch the leader epoch
 * @param isr the in-sync replicas
 * @param replicas the assigned replicas, preferred leader first
 * @param offlineReplicas assigned replicas on brokers that are not alive or whose log dir failed
 * @param partitionEpoch the zkVersion of the partition's state znode
 * @param controllerEpoch the epoch of the controller that last wrote the state
 */
public record PartitionMetadata(
        TopicPartition topicPartition,
        int leader,
        int leaderEpoch,
        List<Integer> isr,
        List<Integer> replicas,
        List<Integer> offlineReplicas,
        int partitionEpoch,
        int controllerEpoch) {

    /** Leader id of a partition without a leader. */
    public static final int NO_LEADER = -1;

    /** Leader id the controller sends in UpdateMetadata for partitions of a topic being deleted (Kafka's convention). */
    public static final int LEADER_DURING_DELETE = -2;

    public PartitionMetadata {
        Objects.requireNonNull(topicPartition, "topicPartition");
        isr = List.copyOf(isr);
        replicas = List.copyOf(replicas);
        offlineReplicas = List.copyOf(offlineReplicas);
    }

    /** Whether the partition has a leader. */
    public boolean hasLeader() {
        return leader >= 0;
    }
}
