package io.sluice.metadata.zk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.metadata.model.PartitionAssignment;
import io.sluice.metadata.model.TopicMetadata;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.Uuid;

/**
 * {@code /brokers/topics/T} (persistent, written at topic creation and by reassignments). Kafka's version 3 layout:
 *
 * <pre>{@code
 * {"version":3,"partitions":{"0":[1,2,3],"1":[2,3,1]},"adding_replicas":{},"removing_replicas":{},
 *  "topic_id":"<base64 uuid>"}
 * }</pre>
 *
 * {@code adding_replicas}/{@code removing_replicas} list only partitions that are being reassigned; {@code topic_id}
 * is omitted for a topic without id. Decoding accepts versions 1 to 3 (versions 1 and 2 lack the reassignment maps,
 * version 1 the topic id).
 */
public final class TopicZNode {
    private TopicZNode() {}

    public static final int VERSION = 3;

    public static String path(String topic) {
        return ZkPaths.BROKER_TOPICS + "/" + topic;
    }

    /** {@code /brokers/topics/T/partitions}. */
    public static String partitionsPath(String topic) {
        return path(topic) + "/partitions";
    }

    /** {@code /brokers/topics/T/partitions/P}. */
    public static String partitionPath(String topic, int partition) {
        return partitionsPath(topic) + "/" + partition;
    }

    /** A random topic id that is not reserved and whose string form does not start with '-'. */
    public static Uuid newTopicId(Random random) {
        while (true) {
            Uuid id = new Uuid(random.nextLong(), random.nextLong());
            if (!id.equals(Uuid.ZERO_UUID)
                    && !id.equals(Uuid.METADATA_TOPIC_ID)
                    && !id.toString().startsWith("-")) {
                return id;
            }
        }
    }

    public static byte[] encode(TopicMetadata topic) {
        ObjectNode n = ZkJson.object();
        n.put("version", VERSION);
        ObjectNode partitions = n.putObject("partitions");
        ObjectNode adding = n.putObject("adding_replicas");
        ObjectNode removing = n.putObject("removing_replicas");
        topic.partitions().forEach((p, a) -> {
            partitions.set(Integer.toString(p), ZkJson.intArray(a.replicas()));
            if (!a.addingReplicas().isEmpty()) {
                adding.set(Integer.toString(p), ZkJson.intArray(a.addingReplicas()));
            }
            if (!a.removingReplicas().isEmpty()) {
                removing.set(Integer.toString(p), ZkJson.intArray(a.removingReplicas()));
            }
        });
        if (!topic.topicId().equals(Uuid.ZERO_UUID)) {
            n.put("topic_id", topic.topicId().toString());
        }
        return ZkJson.bytes(n);
    }

    public static TopicMetadata decode(String topic, byte[] data) {
        String path = path(topic);
        ObjectNode n = ZkJson.parseObject(path, data);
        ZkJson.checkVersion(path, ZkJson.intField(path, n, "version"), 1, VERSION);
        Map<Integer, List<Integer>> replicas = partitionMap(path, ZkJson.required(path, n, "partitions"), "partitions");
        Map<Integer, List<Integer>> adding = partitionMap(path, n.get("adding_replicas"), "adding_replicas");
        Map<Integer, List<Integer>> removing = partitionMap(path, n.get("removing_replicas"), "removing_replicas");
        Map<Integer, PartitionAssignment> assignment = new HashMap<>();
        replicas.forEach((p, r) -> assignment.put(
                p, new PartitionAssignment(r, adding.getOrDefault(p, List.of()), removing.getOrDefault(p, List.of()))));
        Uuid topicId = Uuid.ZERO_UUID;
        JsonNode id = n.get("topic_id");
        if (id != null && !id.isNull()) {
            try {
                topicId = Uuid.fromString(id.asText());
            } catch (IllegalArgumentException e) {
                throw new ZkDataException(path, "malformed topic_id '" + id.asText() + "'", e);
            }
        }
        return new TopicMetadata(topic, topicId, assignment);
    }

    private static Map<Integer, List<Integer>> partitionMap(String path, JsonNode node, String field) {
        Map<Integer, List<Integer>> out = new HashMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw new ZkDataException(path, field + " is not an object: " + node);
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            int partition;
            try {
                partition = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw new ZkDataException(path, field + " has a non-numeric partition '" + e.getKey() + "'", ex);
            }
            if (partition < 0) {
                throw new ZkDataException(path, field + " has a negative partition " + partition);
            }
            out.put(partition, ZkJson.intList(path, e.getValue(), field + "." + partition));
        }
        return out;
    }
}
