package io.sluice.metadata.zk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code /admin/reassign_partitions} (persistent): the reassignment request of pre-KIP-455 tools (written by
 * {@code kafka-reassign-partitions --zookeeper}, Kafka before 3.0). Kafka's version 1 layout:
 *
 * <pre>{@code
 * {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[4,5,6]}]}
 * }</pre>
 *
 * The controller reads it for compatibility, starts the reassignments it names (recorded from then on in the topic
 * znodes' {@code adding_replicas}/{@code removing_replicas}) and deletes it. Extra fields such as {@code log_dirs} are
 * ignored.
 */
public final class ReassignPartitionsZNode {
    private ReassignPartitionsZNode() {}

    public static final String PATH = ZkPaths.ADMIN + "/reassign_partitions";
    public static final int VERSION = 1;

    /** The target replicas per partition, in the order listed (a partition listed twice keeps its last entry). */
    public static Map<TopicPartition, List<Integer>> decode(byte[] data) {
        ObjectNode n = ZkJson.parseObject(PATH, data);
        ZkJson.checkVersion(PATH, ZkJson.intField(PATH, n, "version"), 1, VERSION);
        JsonNode partitions = ZkJson.required(PATH, n, "partitions");
        if (!partitions.isArray()) {
            throw new ZkDataException(PATH, "partitions is not an array: " + partitions);
        }
        Map<TopicPartition, List<Integer>> out = new LinkedHashMap<>();
        for (JsonNode p : partitions) {
            String topic = ZkJson.stringField(PATH, p, "topic");
            int partition = ZkJson.intField(PATH, p, "partition");
            out.put(
                    new TopicPartition(topic, partition),
                    ZkJson.intList(PATH, ZkJson.required(PATH, p, "replicas"), "replicas"));
        }
        return out;
    }

    public static byte[] encode(Map<TopicPartition, List<Integer>> targets) {
        ObjectNode n = ZkJson.object();
        n.put("version", VERSION);
        ArrayNode partitions = n.putArray("partitions");
        targets.forEach((tp, replicas) -> {
            ObjectNode p = partitions.addObject();
            p.put("topic", tp.topic());
            p.put("partition", tp.partition());
            p.set("replicas", ZkJson.intArray(replicas));
        });
        return ZkJson.bytes(n);
    }
}
