package io.sluice.broker.server;

import io.sluice.broker.control.ReplicaControl;
import io.sluice.broker.control.StopReplicaPartition;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;
import org.apache.kafka.common.protocol.Errors;

/**
 * A {@link ReplicaControl} that, after each LeaderAndIsr, brings the partitions it touched to their topic's current
 * config ({@link LiveTopicConfigUpdater#catchUp}). A new topic's config znode and its LeaderAndIsr race: a log created
 * just before the broker saw the config would otherwise keep the broker defaults (e.g. 1 GiB segments for a topic
 * created with small ones) until the next config change.
 *
 * <p>Concurrency: stateless; called on the thread applying control requests.
 */
final class ConfigCatchUpControl implements ReplicaControl {
    private final ReplicaControl delegate;
    private final LiveTopicConfigUpdater updater;

    ConfigCatchUpControl(ReplicaControl delegate, LiveTopicConfigUpdater updater) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.updater = Objects.requireNonNull(updater, "updater");
    }

    @Override
    public Map<TopicPartition, Errors> becomeLeaderOrFollower(
            int controllerId,
            int controllerEpoch,
            List<LeaderAndIsrPartitionState> states,
            Map<String, Uuid> topicIds) {
        Map<TopicPartition, Errors> result =
                delegate.becomeLeaderOrFollower(controllerId, controllerEpoch, states, topicIds);
        updater.catchUp(result.keySet());
        return result;
    }

    @Override
    public Map<TopicPartition, Errors> stopReplicas(int controllerEpoch, List<StopReplicaPartition> partitions) {
        return delegate.stopReplicas(controllerEpoch, partitions);
    }
}
