package io.sluice.metadata.zk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code /config/topics/T}, {@code /config/brokers/<default>} and {@code /config/brokers/N} (persistent, written by
 * admin calls): {@code {"version":1,"config":{"retention.ms":"1000"}}}, every value a string.
 */
public final class ConfigEntityZNode {
    private ConfigEntityZNode() {}

    /** Entity type of topic configs. */
    public static final String TOPICS = "topics";
    /** Entity type of broker configs. */
    public static final String BROKERS = "brokers";
    /** The entity name of the cluster-wide broker defaults. */
    public static final String DEFAULT_ENTITY = "<default>";

    public static String path(String entityType, String entityName) {
        return ZkPaths.CONFIG + "/" + entityType + "/" + entityName;
    }

    public static String topicPath(String topic) {
        return path(TOPICS, topic);
    }

    /** {@code /config/brokers/<default>}. */
    public static String brokerDefaultPath() {
        return path(BROKERS, DEFAULT_ENTITY);
    }

    public static String brokerPath(int brokerId) {
        return path(BROKERS, Integer.toString(brokerId));
    }

    public static byte[] encode(Map<String, String> config) {
        ObjectNode n = ZkJson.object();
        n.put("version", 1);
        ObjectNode c = n.putObject("config");
        new TreeMap<>(config).forEach(c::put);
        return ZkJson.bytes(n);
    }

    /** The config map of the znode at {@code path}; scalar non-string values are read as their text. */
    public static Map<String, String> decode(String path, byte[] data) {
        ObjectNode n = ZkJson.parseObject(path, data);
        ZkJson.checkVersion(path, ZkJson.intField(path, n, "version"), 1, 1);
        JsonNode config = n.get("config");
        Map<String, String> out = new TreeMap<>();
        if (config == null || config.isNull()) {
            return out;
        }
        if (!config.isObject()) {
            throw new ZkDataException(path, "config is not an object: " + config);
        }
        for (Map.Entry<String, JsonNode> e : config.properties()) {
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new ZkDataException(
                        path, "config value of '" + e.getKey() + "' is not a string: " + e.getValue());
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }
}
