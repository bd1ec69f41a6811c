package io.sluice.broker.control;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;
import org.apache.kafka.common.protocol.Errors;

/**
 * Port to the broker's replicas: what an accepted LeaderAndIsr or StopReplica does. Called only after the controller
 * and broker epochs have been checked; the per-partition rule (a leader epoch that is not newer is rejected with
 * {@code STALE_CONTROLLER_EPOCH}/{@code FENCED_LEADER_EPOCH} per partition) is the implementation's job.
 *
 * <p>Concurrency: calls are serialized (the handlers hold the {@link ControllerEpochTracker} lock while calling) and
 * run on the request handler pool; they may block on disk.
 */
public interface ReplicaControl {

    /**
     * Makes this broker leader or follower of each partition in {@code states} (topic names are set on every state).
     *
     * @param topicIds the topic ids of the request by topic name
     * @return an error (or {@code NONE}) for every partition in {@code states}
     */
    Map<TopicPartition, Errors> becomeLeaderOrFollower(
            int controllerId, int controllerEpoch, List<LeaderAndIsrPartitionState> states, Map<String, Uuid> topicIds);

    /**
     * Stops the replicas of {@code partitions}, deleting their logs where asked.
     *
     * @return an error (or {@code NONE}) for every partition
     */
    Map<TopicPartition, Errors> stopReplicas(int controllerEpoch, List<StopReplicaPartition> partitions);
}
