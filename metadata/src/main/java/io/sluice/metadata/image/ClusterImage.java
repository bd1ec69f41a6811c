package io.sluice.metadata.image;

import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.model.TopicMetadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * An immutable snapshot of the cluster: cluster id, controller and its epoch, live brokers, topics with their
 * assignments, and the leader and ISR of every partition. Lookups are hash-map reads. Changes make a new image
 * ({@code with*} for one change, {@link #toBuilder()} for many), so readers on hot paths hold a reference in a
 * {@code volatile} field or {@code AtomicReference} and the single writer swaps it.
 *
 * <p>Thread-safety: immutable; share freely.
 */
public final class ClusterImage {

    /** Controller id when no controller is known. */
    public static final int NO_CONTROLLER = -1;

    /** The image before anything is known. */
    public static final ClusterImage EMPTY = builder().build();

    private final String clusterId;
    private final int controllerId;
    private final int controllerEpoch;
    private final Map<Integer, BrokerInfo> brokers;
    private final Map<String, TopicMetadata> topics;
    private final Map<Uuid, String> topicNamesById;
    private final Map<TopicPartition, LeaderAndIsr> partitions;

    private ClusterImage(Builder b) {
        this.clusterId = b.clusterId;
        this.controllerId = b.controllerId;
        this.controllerEpoch = b.controllerEpoch;
        this.brokers = Map.copyOf(b.brokers);
        this.topics = Map.copyOf(b.topics);
        Map<Uuid, String> ids = new HashMap<>();
        topics.values().forEach(t -> {
            if (!t.topicId().equals(Uuid.ZERO_UUID)) {
                ids.put(t.topicId(), t.name());
            }
        });
        this.topicNamesById = Map.copyOf(ids);
        this.partitions = Map.copyOf(b.partitions);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this image's content. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.clusterId = clusterId;
        b.controllerId = controllerId;
        b.controllerEpoch = controllerEpoch;
        b.brokers.putAll(brokers);
        b.topics.putAll(topics);
        b.partitions.putAll(partitions);
        return b;
    }

    /** The cluster id, {@code null} while unknown. */
    public String clusterId() {
        return clusterId;
    }

    /** The controller's broker id, or {@link #NO_CONTROLLER}. */
    public int controllerId() {
        return controllerId;
    }

    public int controllerEpoch() {
        return controllerEpoch;
    }

    /** Live brokers by id. */
    public Map<Integer, BrokerInfo> brokers() {
        return brokers;
    }

    public Optional<BrokerInfo> broker(int id) {
        return Optional.ofNullable(brokers.get(id));
    }

    public boolean isLive(int brokerId) {
        return brokers.containsKey(brokerId);
    }

    /** Topics by name. */
    public Map<String, TopicMetadata> topics() {
        return topics;
    }

    public Optional<TopicMetadata> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    public Optional<TopicMetadata> topicById(Uuid topicId) {
        String name = topicNamesById.get(topicId);
        return name == null ? Optional.empty() : Optional.ofNullable(topics.get(name));
    }

    /** Leader and ISR by partition. */
    public Map<TopicPartition, LeaderAndIsr> partitions() {
        return partitions;
    }

    public Optional<LeaderAndIsr> partition(TopicPartition tp) {
        return Optional.ofNullable(partitions.get(tp));
    }

    /** The leader of {@code tp}, or {@link LeaderAndIsr#NO_LEADER} when it has none or is unknown. */
    public int leaderOf(TopicPartition tp) {
        LeaderAndIsr s = partitions.get(tp);
        return s == null ? LeaderAndIsr.NO_LEADER : s.leader();
    }

    /** The replicas assigned to {@code tp}, empty if unknown. */
    public List<Integer> replicasOf(TopicPartition tp) {
        TopicMetadata t = topics.get(tp.topic());
        return t == null ? List.of() : t.replicas(tp.partition());
    }

    /** The partitions of {@code topic} in partition order, empty for an unknown topic. */
    public List<TopicPartition> partitionsOf(String topic) {
        TopicMetadata t = topics.get(topic);
        if (t == null) {
            return List.of();
        }
        List<TopicPartition> out = new ArrayList<>(t.partitionCount());
        t.partitions().keySet().forEach(p -> out.add(new TopicPartition(topic, p)));
        return out;
    }

    public ClusterImage withClusterId(String id) {
        return toBuilder().clusterId(id).build();
    }

    public ClusterImage withController(int id, int epoch) {
        return toBuilder().controller(id, epoch).build();
    }

    public ClusterImage withBroker(BrokerInfo broker) {
        return toBuilder().broker(broker).build();
    }

    public ClusterImage withoutBroker(int id) {
        return toBuilder().removeBroker(id).build();
    }

    public ClusterImage withTopic(TopicMetadata topic) {
        return toBuilder().topic(topic).build();
    }

    /** A copy without {@code name} and without the states of its partitions. */
    public ClusterImage withoutTopic(String name) {
        return toBuilder().removeTopic(name).build();
    }

    public ClusterImage withPartition(TopicPartition tp, LeaderAndIsr state) {
        return toBuilder().partition(tp, state).build();
    }

    @Override
    public String toString() {
        return "ClusterImage(clusterId=" + clusterId + ", controller=" + controllerId + ", controllerEpoch="
                + controllerEpoch + ", brokers=" + brokers.keySet() + ", topics=" + topics.size() + ", partitions="
                + partitions.size() + ")";
    }

    /** Mutable builder of a {@link ClusterImage}. Not thread-safe. */
    public static final class Builder {
        private String clusterId;
        private int controllerId = NO_CONTROLLER;
        private int controllerEpoch;
        private final Map<Integer, BrokerInfo> brokers = new HashMap<>();
        private final Map<String, TopicMetadata> topics = new HashMap<>();
        private final Map<TopicPartition, LeaderAndIsr> partitions = new HashMap<>();

        private Builder() {}

        public Builder clusterId(String id) {
            this.clusterId = id;
            return this;
        }

        public Builder controller(int id, int epoch) {
            this.controllerId = id;
            this.controllerEpoch = epoch;
            return this;
        }

        public Builder broker(BrokerInfo broker) {
            brokers.put(broker.id(), broker);
            return this;
        }

        public Builder removeBroker(int id) {
            brokers.remove(id);
            return this;
        }

        public Builder topic(TopicMetadata topic) {
            topics.put(topic.name(), topic);
            return this;
        }

        /** Removes the topic and the states of its partitions. */
        public Builder removeTopic(String name) {
            topics.remove(name);
            partitions.keySet().removeIf(tp -> tp.topic().equals(name));
            return this;
        }

        public Builder partition(TopicPartition tp, LeaderAndIsr state) {
            partitions.put(Objects.requireNonNull(tp), Objects.requireNonNull(state));
            return this;
        }

        public Builder removePartition(TopicPartition tp) {
            partitions.remove(tp);
            return this;
        }

        public ClusterImage build() {
            return new ClusterImage(this);
        }
    }
}
