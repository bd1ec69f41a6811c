package io.sluice.broker.metadata;

import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.TopicNames;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.Errors;

/**
 * One immutable view of the cluster as the controller described it: the controller, the live brokers and the
 * partitions with their leaders and ISRs, plus the cluster id read from ZooKeeper at startup.
 *
 * <p>Concurrency: immutable (all maps are unmodifiable copies); share freely.
 */
public final class MetadataSnapshot {

    /** One topic: its id (zero when the controller sent none) and its partitions by index. */
    public record TopicState(String name, Uuid topicId, SortedMap<Integer, PartitionMetadata> partitions) {
        public TopicState {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(topicId, "topicId");
            partitions = Collections.unmodifiableSortedMap(partitions);
        }
    }

    private final String clusterId;
    private final int controllerId;
    private final int controllerEpoch;
    private final Map<Integer, BrokerInfo> aliveBrokers;
    private final Map<String, TopicState> topics;
    private final Map<Uuid, String> topicNamesById;

    MetadataSnapshot(
            String clusterId,
            int controllerId,
            int controllerEpoch,
            Map<Integer, BrokerInfo> aliveBrokers,
            Map<String, TopicState> topics,
            Map<Uuid, String> topicNamesById) {
        this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
        this.controllerId = controllerId;
        this.controllerEpoch = controllerEpoch;
        this.aliveBrokers = Collections.unmodifiableMap(aliveBrokers);
        this.topics = Collections.unmodifiableMap(topics);
        this.topicNamesById = Collections.unmodifiableMap(topicNamesById);
    }

    /** The snapshot before the first UpdateMetadata: no controller, no brokers, no topics. */
    static MetadataSnapshot empty(String clusterId) {
        return new MetadataSnapshot(clusterId, -1, -1, Map.of(), Map.of(), Map.of());
    }

    public String clusterId() {
        return clusterId;
    }

    /** The controller's broker id, empty before the first UpdateMetadata or when none is elected. */
    public OptionalInt controllerId() {
        return controllerId < 0 ? OptionalInt.empty() : OptionalInt.of(controllerId);
    }

    /** The epoch of the controller that sent the latest applied UpdateMetadata, {@code -1} before any. */
    public int controllerEpoch() {
        return controllerEpoch;
    }

    /** The live brokers, by ascending id. */
    public Collection<BrokerInfo> aliveBrokers() {
        return aliveBrokers.values();
    }

    public Optional<BrokerInfo> broker(int brokerId) {
        return Optional.ofNullable(aliveBrokers.get(brokerId));
    }

    public boolean isAlive(int brokerId) {
        return aliveBrokers.containsKey(brokerId);
    }

    /** The endpoint of live broker {@code brokerId} on {@code listenerName}. */
    public Optional<Endpoint> endpoint(int brokerId, String listenerName) {
        return broker(brokerId).flatMap(b -> b.endpoint(listenerName));
    }

    /** The names of all known topics. */
    public Set<String> topicNames() {
        return topics.keySet();
    }

    public boolean contains(String topic) {
        return topics.containsKey(topic);
    }

    public Optional<TopicState> topic(String topic) {
        return Optional.ofNullable(topics.get(topic));
    }

    /** The partition count of {@code topic}, empty if the topic is unknown. */
    public OptionalInt numPartitions(String topic) {
        TopicState state = topics.get(topic);
        return state == null
                ? OptionalInt.empty()
                : OptionalInt.of(state.partitions().size());
    }

    /** The topic's id, {@link Uuid#ZERO_UUID} if the topic or its id is unknown. */
    public Uuid topicId(String topic) {
        TopicState state = topics.get(topic);
        return state == null ? Uuid.ZERO_UUID : state.topicId();
    }

    /** The name of the topic with id {@code topicId}. */
    public Optional<String> topicName(Uuid topicId) {
        return Optional.ofNullable(topicNamesById.get(topicId));
    }

    public Optional<PartitionMetadata> partitionState(TopicPartition tp) {
        TopicState state = topics.get(tp.topic());
        return state == null
                ? Optional.empty()
                : Optional.ofNullable(state.partitions().get(tp.partition()));
    }

    /** The endpoint on {@code listenerName} of the partition's leader, empty without a live leader there. */
    public Optional<Endpoint> leaderEndpoint(TopicPartition tp, String listenerName) {
        return partitionState(tp).filter(PartitionMetadata::hasLeader).flatMap(p -> endpoint(p.leader(), listenerName));
    }

    /**
     * The Metadata-response entries of the known topics among {@code names} (unknown names are skipped), as seen
     * from {@code listenerName}: a partition without a leader answers {@code LEADER_NOT_AVAILABLE}; one whose leader
     * has no endpoint on the listener answers {@code LISTENER_NOT_FOUND} when {@code errorUnavailableListeners}, else
     * {@code LEADER_NOT_AVAILABLE} (Kafka's rule by request version).
     */
    public List<MetadataResponseTopic> topicMetadata(
            Collection<String> names, String listenerName, boolean errorUnavailableListeners) {
        List<MetadataResponseTopic> out = new ArrayList<>(names.size());
        for (String name : names) {
            TopicState state = topics.get(name);
            if (state == null) {
                continue;
            }
            MetadataResponseTopic topic = new MetadataResponseTopic()
                    .setName(name)
                    .setTopicId(state.topicId())
                    .setIsInternal(TopicNames.isInternal(name))
                    .setErrorCode(Errors.NONE.code());
            for (PartitionMetadata p : state.partitions().values()) {
                topic.partitions().add(partitionMetadata(p, listenerName, errorUnavailableListeners));
            }
            out.add(topic);
        }
        return out;
    }

    private MetadataResponsePartition partitionMetadata(
            PartitionMetadata p, String listenerName, boolean errorUnavailableListeners) {
        Errors error = Errors.NONE;
        int leader = p.leader();
        if (!p.hasLeader() || !isAlive(leader)) {
            error = Errors.LEADER_NOT_AVAILABLE;
            leader = PartitionMetadata.NO_LEADER;
        } else if (endpoint(leader, listenerName).isEmpty()) {
            error = errorUnavailableListeners ? Errors.LISTENER_NOT_FOUND : Errors.LEADER_NOT_AVAILABLE;
            leader = PartitionMetadata.NO_LEADER;
        }
        return new MetadataResponsePartition()
                .setErrorCode(error.code())
                .setPartitionIndex(p.topicPartition().partition())
                .setLeaderId(leader)
                .setLeaderEpoch(p.leaderEpoch())
                .setReplicaNodes(new ArrayList<>(p.replicas()))
                .setIsrNodes(new ArrayList<>(p.isr()))
                .setOfflineReplicas(new ArrayList<>(p.offlineReplicas()));
    }

    @Override
    public String toString() {
        return "MetadataSnapshot{controller=" + controllerId + " epoch=" + controllerEpoch + " brokers="
                + aliveBrokers.keySet() + " topics=" + topics.size() + "}";
    }
}
