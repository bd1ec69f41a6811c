package io.sluice.metadata.zk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;
import org.apache.kafka.common.Uuid;

/**
 * {@code /cluster/id} (persistent, written once by the first broker with create-if-absent):
 * {@code {"version":"1","id":"<cluster id>"}}. Note that Kafka writes the version as a string here.
 */
public final class ClusterIdZNode {
    private ClusterIdZNode() {}

    public static final String PATH = "/cluster/id";
    static final String VERSION = "1";

    public static byte[] encode(String clusterId) {
        ObjectNode n = ZkJson.object();
        n.put("version", VERSION);
        n.put("id", clusterId);
        return ZkJson.bytes(n);
    }

    public static String decode(byte[] data) {
        ObjectNode n = ZkJson.parseObject(PATH, data);
        ZkJson.checkVersion(PATH, ZkJson.intOrStringField(PATH, n, "version"), 1, 1);
        return ZkJson.stringField(PATH, n, "id");
    }

    /**
     * A new cluster id as Kafka makes one: a random {@link Uuid} in its URL-safe base64 form (22 characters), never
     * a reserved id and never starting with '-' (so it cannot be mistaken for a command-line flag).
     */
    public static String newClusterId(Random random) {
        return TopicZNode.newTopicId(random).toString();
    }
}
