package io.sluice.broker.control;

import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * One partition of a StopReplica request.
 *
 * @param topicPartition the partition to stop
 * @param leaderEpoch the leader epoch the controller sent ({@code -2} = a deletion, {@code -1} = not given)
 * @param deletePartition whether the replica's log is to be deleted
 */
public record StopReplicaPartition(TopicPartition topicPartition, int leaderEpoch, boolean deletePartition) {
    public StopReplicaPartition {
        Objects.requireNonNull(topicPartition, "topicPartition");
    }
}
