package io.sluice.broker.tools;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * What {@code sluice-admin} needs from a cluster, in the tool's own terms. {@link KafkaClusterAdmin} implements it on
 * the Kafka {@code Admin} client; tests implement it in memory.
 *
 * <p>Every method blocks until the cluster has answered and throws {@link AdminOperationException} with the cluster's
 * error message when the operation fails.
 */
interface ClusterAdmin extends AutoCloseable {

    /** The live brokers, the controller and the cluster id. */
    ClusterView describeCluster();

    /** Names of all topics, internal ones included, sorted. */
    List<String> listTopics();

    /** The named topics with their partitions and non-default configs; all topics when {@code topics} is empty. */
    List<TopicView> describeTopics(Collection<String> topics);

    void createTopic(String topic, int partitions, short replicationFactor, Map<String, String> configs);

    void deleteTopic(String topic);

    /** Raises the topic's partition count to {@code totalPartitions}. */
    void createPartitions(String topic, int totalPartitions);

    /** Sets and removes topic-level config overrides in one incremental change. */
    void alterTopicConfigs(String topic, Map<String, String> set, Collection<String> delete);

    /**
     * Runs a preferred-leader election for {@code partitions}, or for every partition when empty. The result maps each
     * partition to the error message of its election, or to empty when it succeeded or was already on its preferred
     * leader.
     */
    Map<TopicPartition, Optional<String>> electPreferredLeaders(Set<TopicPartition> partitions);

    /**
     * The effective {@code min.insync.replicas} of each named topic (its override, else the broker default); topics
     * whose value cannot be read are absent.
     */
    Map<String, Integer> minInsyncReplicas(Collection<String> topics);

    /** The partition reassignments in progress (ListPartitionReassignments), by partition. */
    Map<TopicPartition, ReassignmentView> listReassignments();

    /**
     * Starts reassignments (a target replica list) and cancels them (empty), in one AlterPartitionReassignments
     * request. The result maps each partition to its error message, or to empty when the controller accepted it.
     */
    Map<TopicPartition, Optional<String>> alterReassignments(Map<TopicPartition, Optional<List<Integer>>> changes);

    /** Sets and removes dynamic configs of broker {@code broker} in one incremental change. */
    void alterBrokerConfigs(int broker, Map<String, String> set, Collection<String> delete);

    /**
     * The size in bytes of every replica on {@code brokers} (partition to broker to bytes, summed over the broker's log
     * dirs, future replicas left out) from DescribeLogDirs; empty when the cluster does not answer it.
     */
    Optional<Map<TopicPartition, Map<Integer, Long>>> replicaSizes(Collection<Integer> brokers);

    /** The controller epoch as stored in ZooKeeper, or empty when no ZooKeeper address was given. */
    OptionalInt controllerEpoch();

    @Override
    void close();

    /** A live broker. {@code rack} is null when the broker has none. */
    record BrokerView(int id, String host, int port, String rack) {}

    /** The cluster as DescribeCluster reports it; {@code controllerId} is -1 when there is none. */
    record ClusterView(String clusterId, int controllerId, List<BrokerView> brokers) {}

    /**
     * One partition: {@code leader} is -1 when it has none, {@code offline} lists replicas on brokers that are not
     * live.
     */
    record PartitionView(int partition, int leader, List<Integer> replicas, List<Integer> isr, List<Integer> offline) {

        /** Fewer in-sync replicas than assigned ones. */
        public boolean underReplicated() {
            return isr.size() < replicas.size();
        }
    }

    /** A partition being moved: its replicas while moving, the ones being added and the ones being removed. */
    record ReassignmentView(List<Integer> replicas, List<Integer> adding, List<Integer> removing) {

        /** The replicas the partition will have when the move completes. */
        public List<Integer> target() {
            return replicas.stream().filter(b -> !removing.contains(b)).toList();
        }
    }

    /** A topic with its partitions (sorted) and its topic-level config overrides. */
    record TopicView(
            String name,
            String topicId,
            boolean internal,
            List<PartitionView> partitions,
            Map<String, String> configs) {

        public int replicationFactor() {
            return partitions.isEmpty() ? 0 : partitions.get(0).replicas().size();
        }
    }
}
