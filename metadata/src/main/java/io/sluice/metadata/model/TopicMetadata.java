package io.sluice.metadata.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;

/**
 * A topic and its replica assignment, as held in {@code /brokers/topics/T}.
 *
 * @param name the topic name
 * @param topicId the topic id; {@link Uuid#ZERO_UUID} when the znode has none (topics created before topic ids)
 * @param partitions assignment per partition id, sorted by partition id
 */
public record TopicMetadata(String name, Uuid topicId, Map<Integer, PartitionAssignment> partitions) {

    public TopicMetadata {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(topicId, "topicId");
        partitions = Collections.unmodifiableMap(new TreeMap<>(partitions));
    }

    /** A topic from plain replica lists (no reassignment in progress). */
    public static TopicMetadata of(String name, Uuid topicId, Map<Integer, List<Integer>> assignment) {
        Map<Integer, PartitionAssignment> map = new LinkedHashMap<>();
        assignment.forEach((p, r) -> map.put(p, PartitionAssignment.of(r)));
        return new TopicMetadata(name, topicId, map);
    }

    public int partitionCount() {
        return partitions.size();
    }

    /** The replicas of {@code partition}, empty when the partition does not exist. */
    public List<Integer> replicas(int partition) {
        PartitionAssignment a = partitions.get(partition);
        return a == null ? List.of() : a.replicas();
    }

    /** The plain replica lists per partition. */
    public Map<Integer, List<Integer>> assignment() {
        Map<Integer, List<Integer>> out = new TreeMap<>();
        partitions.forEach((p, a) -> out.put(p, a.replicas()));
        return Collections.unmodifiableMap(out);
    }

    /** The replication factor of partition 0 (all partitions share it unless reassigned), 0 for no partitions. */
    public int replicationFactor() {
        return partitions.isEmpty()
                ? 0
                : partitions.values().iterator().next().replicas().size();
    }
}
