package io.sluice.broker.tools;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/** An in-memory cluster for the CLI tests: brokers, topics with partitions, and a log of the calls made. */
final class FakeClusterAdmin implements ClusterAdmin {
    final List<BrokerView> brokers = new ArrayList<>();
    final Map<String, TopicView> topics = new TreeMap<>();
    final List<String> calls = new ArrayList<>();
    int controllerId = 1;
    OptionalInt epoch = OptionalInt.empty();
    Map<TopicPartition, Optional<String>> electionResults = Map.of();
    boolean closed;
    final Map<String, Integer> minIsr = new TreeMap<>();
    final Map<TopicPartition, ReassignmentView> reassigning = new LinkedHashMap<>();
    /** How many listings show a submitted reassignment before it completes; 0 completes it at once. */
    int reassignmentPolls;

    Optional<Map<TopicPartition, Map<Integer, Long>>> replicaSizes = Optional.empty();

    FakeClusterAdmin withBrokers(int count) {
        for (int id = 1; id <= count; id++) {
            brokers.add(new BrokerView(id, "127.0.0.1", 9091 + id, "r" + id));
        }
        return this;
    }

    FakeClusterAdmin withTopic(String name, PartitionView... partitions) {
        topics.put(name, new TopicView(name, "id-" + name, false, List.of(partitions), Map.of()));
        return this;
    }

    @Override
    public ClusterView describeCluster() {
        calls.add("describeCluster");
        return new ClusterView("cluster-1", controllerId, List.copyOf(brokers));
    }

    @Override
    public List<String> listTopics() {
        calls.add("listTopics");
        return List.copyOf(topics.keySet());
    }

    @Override
    public List<TopicView> describeTopics(Collection<String> names) {
        calls.add("describeTopics " + names);
        if (names.isEmpty()) {
            return List.copyOf(topics.values());
        }
        List<TopicView> out = new ArrayList<>();
        for (String name : names) {
            TopicView topic = topics.get(name);
            if (topic == null) {
                throw new AdminOperationException("Failed to describe topics [" + name
                        + "]: UnknownTopicOrPartitionException: This server does not host this topic-partition.");
            }
            out.add(topic);
        }
        return out;
    }

    @Override
    public void createTopic(String topic, int partitions, short replicationFactor, Map<String, String> configs) {
        calls.add("createTopic " + topic + " " + partitions + " " + replicationFactor + " " + configs);
        if (topics.containsKey(topic)) {
            throw new AdminOperationException("Failed to create topic " + topic + ": TopicExistsException: Topic '"
                    + topic + "' already exists.");
        }
        List<PartitionView> views = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            List<Integer> replicas = new ArrayList<>();
            for (int r = 0; r < replicationFactor; r++) {
                replicas.add(brokers.get((p + r) % brokers.size()).id());
            }
            views.add(new PartitionView(p, replicas.get(0), replicas, replicas, List.of()));
        }
        topics.put(topic, new TopicView(topic, "id-" + topic, false, views, new LinkedHashMap<>(configs)));
    }

    @Override
    public void deleteTopic(String topic) {
        calls.add("deleteTopic " + topic);
        topics.remove(topic);
    }

    @Override
    public void createPartitions(String topic, int totalPartitions) {
        calls.add("createPartitions " + topic + " " + totalPartitions);
    }

    @Override
    public void alterTopicConfigs(String topic, Map<String, String> set, Collection<String> delete) {
        calls.add("alterTopicConfigs " + topic + " " + set + " " + delete);
    }

    @Override
    public Map<TopicPartition, Optional<String>> electPreferredLeaders(Set<TopicPartition> partitions) {
        calls.add("electPreferredLeaders " + partitions);
        return electionResults;
    }

    @Override
    public Map<String, Integer> minInsyncReplicas(Collection<String> names) {
        calls.add("minInsyncReplicas " + names);
        Map<String, Integer> out = new TreeMap<>();
        names.forEach(n -> out.put(n, minIsr.getOrDefault(n, 1)));
        return out;
    }

    @Override
    public Map<TopicPartition, ReassignmentView> listReassignments() {
        calls.add("listReassignments");
        Map<TopicPartition, ReassignmentView> out =
                new TreeMap<>(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        out.putAll(reassigning);
        if (reassignmentPolls > 0 && --reassignmentPolls == 0) {
            completeReassignments();
        }
        return out;
    }

    @Override
    public Map<TopicPartition, Optional<String>> alterReassignments(
            Map<TopicPartition, Optional<List<Integer>>> changes) {
        calls.add("alterReassignments " + changes);
        Map<TopicPartition, Optional<String>> out = new LinkedHashMap<>();
        changes.forEach((tp, target) -> {
            TopicView topic = topics.get(tp.topic());
            if (topic == null || topic.partitions().size() <= tp.partition()) {
                out.put(tp, Optional.of("UnknownTopicOrPartitionException"));
            } else if (target.isEmpty()) {
                out.put(
                        tp,
                        reassigning.remove(tp) == null
                                ? Optional.of("NoReassignmentInProgressException")
                                : Optional.empty());
            } else {
                List<Integer> current = topic.partitions().get(tp.partition()).replicas();
                List<Integer> all = new ArrayList<>(target.get());
                current.stream().filter(b -> !all.contains(b)).forEach(all::add);
                reassigning.put(
                        tp,
                        new ReassignmentView(
                                all,
                                target.get().stream()
                                        .filter(b -> !current.contains(b))
                                        .toList(),
                                current.stream()
                                        .filter(b -> !target.get().contains(b))
                                        .toList()));
                out.put(tp, Optional.empty());
            }
        });
        if (reassignmentPolls == 0) {
            completeReassignments();
        }
        return out;
    }

    /** Every reassignment in progress completes: the partitions get their target replicas, leader first. */
    void completeReassignments() {
        reassigning.forEach((tp, r) -> {
            TopicView topic = topics.get(tp.topic());
            List<PartitionView> partitions = new ArrayList<>(topic.partitions());
            List<Integer> target = r.target();
            partitions.set(tp.partition(), new PartitionView(tp.partition(), target.get(0), target, target, List.of()));
            topics.put(
                    tp.topic(),
                    new TopicView(topic.name(), topic.topicId(), topic.internal(), partitions, topic.configs()));
        });
        reassigning.clear();
    }

    @Override
    public void alterBrokerConfigs(int broker, Map<String, String> set, Collection<String> delete) {
        calls.add("alterBrokerConfigs " + broker + " " + set + " " + delete);
    }

    @Override
    public Optional<Map<TopicPartition, Map<Integer, Long>>> replicaSizes(Collection<Integer> ids) {
        calls.add("replicaSizes " + ids);
        return replicaSizes;
    }

    @Override
    public OptionalInt controllerEpoch() {
        calls.add("controllerEpoch");
        return epoch;
    }

    @Override
    public void close() {
        closed = true;
    }
}
