package io.sluice.controller.context;

import io.sluice.controller.statemachine.IllegalStateTransition;
import io.sluice.controller.statemachine.PartitionState;
import io.sluice.controller.statemachine.ReplicaState;
import io.sluice.controller.statemachine.TransitionCheck;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.model.TopicMetadata;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active controller's view of the cluster: live brokers with their epochs, brokers shutting down, topics with ids
 * and assignments, each partition's leader, ISR and partition epoch, the partition and replica state machines, topics
 * queued for deletion, and the controller's own epoch and fencing token (the zkVersion of {@code /controller_epoch}).
 *
 * <p>Concurrency: not thread-safe. Only the controller event thread reads or mutates it; other threads learn about it
 * through events or through values the event thread publishes (metrics). It is cleared when the controller resigns and
 * rebuilt from ZooKeeper when it is elected again.
 */
public final class ControllerContext {
    private static final Logger log = LoggerFactory.getLogger(ControllerContext.class);

    private int epoch = -1;
    private int epochZkVersion = -1;
    private final Map<Integer, BrokerInfo> liveBrokers = new TreeMap<>();
    private final Set<Integer> shuttingDownBrokers = new TreeSet<>();
    private final Map<String, TopicMetadata> topics = new TreeMap<>();
    private final Map<Uuid, String> topicNamesById = new HashMap<>();
    private final Map<TopicPartition, LeaderAndIsr> partitionStates = new HashMap<>();
    private final Map<TopicPartition, PartitionState> partitionMachine = new HashMap<>();
    private final Map<ReplicaKey, ReplicaState> replicaMachine = new HashMap<>();
    private final Set<String> topicsToBeDeleted = new LinkedHashSet<>();

    /** Forgets everything (on resignation). */
    public void clear() {
        epoch = -1;
        epochZkVersion = -1;
        liveBrokers.clear();
        shuttingDownBrokers.clear();
        topics.clear();
        topicNamesById.clear();
        partitionStates.clear();
        partitionMachine.clear();
        replicaMachine.clear();
        topicsToBeDeleted.clear();
    }

    // ---- controller epoch

    public int epoch() {
        return epoch;
    }

    /** The zkVersion of {@code /controller_epoch} this controller wrote; every write checks it. */
    public int epochZkVersion() {
        return epochZkVersion;
    }

    public void setEpoch(int epoch, int epochZkVersion) {
        this.epoch = epoch;
        this.epochZkVersion = epochZkVersion;
    }

    // ---- brokers

    public Map<Integer, BrokerInfo> liveBrokers() {
        return Collections.unmodifiableMap(liveBrokers);
    }

    public Set<Integer> liveBrokerIds() {
        return Collections.unmodifiableSet(liveBrokers.keySet());
    }

    public boolean isLive(int brokerId) {
        return liveBrokers.containsKey(brokerId);
    }

    public Optional<BrokerInfo> liveBroker(int brokerId) {
        return Optional.ofNullable(liveBrokers.get(brokerId));
    }

    public void putLiveBroker(BrokerInfo broker) {
        liveBrokers.put(broker.id(), broker);
    }

    public void removeLiveBroker(int brokerId) {
        liveBrokers.remove(brokerId);
        shuttingDownBrokers.remove(brokerId);
    }

    public Set<Integer> shuttingDownBrokers() {
        return Collections.unmodifiableSet(shuttingDownBrokers);
    }

    public void markShuttingDown(int brokerId) {
        shuttingDownBrokers.add(brokerId);
    }

    /** Live brokers not shutting down: the brokers that may take leaderships and join ISRs. */
    public Set<Integer> liveNotShuttingDown() {
        Set<Integer> out = new TreeSet<>(liveBrokers.keySet());
        out.removeAll(shuttingDownBrokers);
        return out;
    }

    // ---- topics and partitions

    public Map<String, TopicMetadata> topics() {
        return Collections.unmodifiableMap(topics);
    }

    public Optional<TopicMetadata> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    public Optional<String> topicName(Uuid topicId) {
        return Optional.ofNullable(topicNamesById.get(topicId));
    }

    public Uuid topicId(String name) {
        TopicMetadata t = topics.get(name);
        return t == null ? Uuid.ZERO_UUID : t.topicId();
    }

    public void putTopic(TopicMetadata topic) {
        TopicMetadata previous = topics.put(topic.name(), topic);
        if (previous != null) {
            topicNamesById.remove(previous.topicId());
        }
        if (!Uuid.ZERO_UUID.equals(topic.topicId())) {
            topicNamesById.put(topic.topicId(), topic.name());
        }
    }

    /** Forgets a deleted topic, its partitions and replicas. */
    public void removeTopic(String name) {
        TopicMetadata t = topics.remove(name);
        topicsToBeDeleted.remove(name);
        if (t == null) {
            return;
        }
        topicNamesById.remove(t.topicId());
        for (int p : t.partitions().keySet()) {
            TopicPartition tp = new TopicPartition(name, p);
            partitionStates.remove(tp);
            partitionMachine.remove(tp);
            for (int b : t.replicas(p)) {
                replicaMachine.remove(new ReplicaKey(tp, b));
            }
        }
    }

    /** The replicas of {@code tp}, empty for an unknown partition. */
    public List<Integer> replicas(TopicPartition tp) {
        TopicMetadata t = topics.get(tp.topic());
        return t == null ? List.of() : t.replicas(tp.partition());
    }

    /** Every partition of every topic. */
    public List<TopicPartition> allPartitions() {
        List<TopicPartition> out = new ArrayList<>();
        topics.forEach((name, t) -> t.partitions().keySet().forEach(p -> out.add(new TopicPartition(name, p))));
        return out;
    }

    /** How many partitions all topics have together (topics queued for deletion included). */
    public long partitionCount() {
        long count = 0;
        for (TopicMetadata t : topics.values()) {
            count += t.partitionCount();
        }
        return count;
    }

    public List<TopicPartition> partitionsOf(String topic) {
        TopicMetadata t = topics.get(topic);
        if (t == null) {
            return List.of();
        }
        return t.partitions().keySet().stream()
                .map(p -> new TopicPartition(topic, p))
                .toList();
    }

    /** Partitions with a replica on {@code brokerId}. */
    public List<TopicPartition> partitionsOnBroker(int brokerId) {
        List<TopicPartition> out = new ArrayList<>();
        topics.forEach((name, t) -> t.partitions().forEach((p, a) -> {
            if (a.replicas().contains(brokerId)) {
                out.add(new TopicPartition(name, p));
            }
        }));
        return out;
    }

    public Optional<LeaderAndIsr> leaderAndIsr(TopicPartition tp) {
        return Optional.ofNullable(partitionStates.get(tp));
    }

    public Map<TopicPartition, LeaderAndIsr> partitionLeadership() {
        return Collections.unmodifiableMap(partitionStates);
    }

    public void putLeaderAndIsr(TopicPartition tp, LeaderAndIsr state) {
        partitionStates.put(tp, state);
    }

    /** Partitions led by {@code brokerId}. */
    public List<TopicPartition> partitionsLedBy(int brokerId) {
        List<TopicPartition> out = new ArrayList<>();
        partitionStates.forEach((tp, s) -> {
            if (s.leader() == brokerId) {
                out.add(tp);
            }
        });
        return out;
    }

    /** Partitions without a live leader, not counting topics queued for deletion. */
    public int offlinePartitionCount() {
        int n = 0;
        for (TopicPartition tp : allPartitions()) {
            if (topicsToBeDeleted.contains(tp.topic())) {
                continue;
            }
            LeaderAndIsr s = partitionStates.get(tp);
            if (s == null || !s.hasLeader() || !liveBrokers.containsKey(s.leader())) {
                n++;
            }
        }
        return n;
    }

    // ---- state machines

    public PartitionState partitionState(TopicPartition tp) {
        return partitionMachine.getOrDefault(tp, PartitionState.NonExistent);
    }

    /** Moves {@code tp} to {@code target} if the transition is valid; an invalid one is logged loudly and ignored. */
    public boolean transition(TopicPartition tp, PartitionState target) {
        PartitionState current = partitionState(tp);
        TransitionCheck check = PartitionState.transition(current, target);
        if (check instanceof IllegalStateTransition illegal) {
            log.error("[Controller epoch={}] partition {}: {}", epoch, tp, illegal.describe());
            return false;
        }
        if (target == PartitionState.NonExistent) {
            partitionMachine.remove(tp);
        } else {
            partitionMachine.put(tp, target);
        }
        return true;
    }

    /** Sets a partition's state without a transition check (when the state is loaded from ZooKeeper). */
    public void initPartitionState(TopicPartition tp, PartitionState state) {
        partitionMachine.put(tp, state);
    }

    public ReplicaState replicaState(ReplicaKey replica) {
        return replicaMachine.getOrDefault(replica, ReplicaState.NonExistentReplica);
    }

    /** Moves a replica to {@code target} if the transition is valid; an invalid one is logged loudly and ignored. */
    public boolean transition(ReplicaKey replica, ReplicaState target) {
        ReplicaState current = replicaState(replica);
        TransitionCheck check = ReplicaState.transition(current, target);
        if (check instanceof IllegalStateTransition illegal) {
            log.error(
                    "[Controller epoch={}] replica {} on broker {}: {}",
                    epoch,
                    replica.partition(),
                    replica.brokerId(),
                    illegal.describe());
            return false;
        }
        if (target == ReplicaState.NonExistentReplica) {
            replicaMachine.remove(replica);
        } else {
            replicaMachine.put(replica, target);
        }
        return true;
    }

    /** Sets a replica's state without a transition check (when loaded from ZooKeeper). */
    public void initReplicaState(ReplicaKey replica, ReplicaState state) {
        replicaMachine.put(replica, state);
    }

    /** Replicas of {@code topic} in {@code state}. */
    public Set<ReplicaKey> replicasInState(String topic, ReplicaState state) {
        Set<ReplicaKey> out = new HashSet<>();
        for (TopicPartition tp : partitionsOf(topic)) {
            for (int b : replicas(tp)) {
                ReplicaKey k = new ReplicaKey(tp, b);
                if (replicaState(k) == state) {
                    out.add(k);
                }
            }
        }
        return out;
    }

    // ---- deletion

    public Set<String> topicsToBeDeleted() {
        return Collections.unmodifiableSet(topicsToBeDeleted);
    }

    public void queueTopicDeletion(Collection<String> names) {
        topicsToBeDeleted.addAll(names);
    }

    public boolean isQueuedForDeletion(String topic) {
        return topicsToBeDeleted.contains(topic);
    }
}
