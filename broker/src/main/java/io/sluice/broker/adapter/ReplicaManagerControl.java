package io.sluice.broker.adapter;

import io.sluice.broker.control.ReplicaControl;
import io.sluice.broker.control.StopReplicaPartition;
import io.sluice.replication.partition.ReplicaManager;
import io.sluice.replication.partition.TopicSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;
import org.apache.kafka.common.protocol.Errors;

/**
 * {@link ReplicaControl} on the replication module's {@link ReplicaManager}. A StopReplica request mixes partitions
 * to delete and partitions to stop only; the manager takes one delete flag per call, so the request is applied as up
 * to two calls, stops first.
 *
 * <p>Concurrency: stateless; the manager serializes state changes itself.
 */
public final class ReplicaManagerControl implements ReplicaControl {
    private final ReplicaManager replicaManager;
    private final Function<String, TopicSettings> topicSettings;

    /** @param topicSettings the effective settings of a topic (broker defaults plus the topic's overrides) */
    public ReplicaManagerControl(ReplicaManager replicaManager, Function<String, TopicSettings> topicSettings) {
        this.replicaManager = Objects.requireNonNull(replicaManager, "replicaManager");
        this.topicSettings = Objects.requireNonNull(topicSettings, "topicSettings");
    }

    @Override
    public Map<TopicPartition, Errors> becomeLeaderOrFollower(
            int controllerId,
            int controllerEpoch,
            List<LeaderAndIsrPartitionState> states,
            Map<String, Uuid> topicIds) {
        return replicaManager.becomeLeaderOrFollower(controllerEpoch, states, topicIds, topicSettings);
    }

    @Override
    public Map<TopicPartition, Errors> stopReplicas(int controllerEpoch, List<StopReplicaPartition> partitions) {
        Map<TopicPartition, Errors> result = new LinkedHashMap<>();
        for (boolean delete : new boolean[] {false, true}) {
            Map<TopicPartition, Integer> epochs = leaderEpochs(partitions, delete);
            if (!epochs.isEmpty()) {
                result.putAll(replicaManager.stopReplicas(controllerEpoch, epochs, delete));
            }
        }
        return result;
    }

    /** The leader epochs of the partitions whose delete flag is {@code delete}, in request order. */
    static Map<TopicPartition, Integer> leaderEpochs(List<StopReplicaPartition> partitions, boolean delete) {
        Map<TopicPartition, Integer> epochs = new LinkedHashMap<>();
        for (StopReplicaPartition p : partitions) {
            if (p.deletePartition() == delete) {
                epochs.put(p.topicPartition(), p.leaderEpoch());
            }
        }
        return epochs;
    }
}
