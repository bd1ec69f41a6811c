package io.sluice.metadata.zk;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code /controller} (ephemeral, owned by the elected controller):
 * {@code {"version":1,"brokerid":1,"timestamp":"1700000000000"}}. Decoding also accepts Kafka's migration version 2
 * (which adds {@code kraftControllerEpoch}).
 */
public final class ControllerZNode {
    private ControllerZNode() {}

    public static final String PATH = "/controller";

    public static byte[] encode(int brokerId, long timestampMs) {
        ObjectNode n = ZkJson.object();
        n.put("version", 1);
        n.put("brokerid", brokerId);
        n.put("timestamp", Long.toString(timestampMs));
        return ZkJson.bytes(n);
    }

    /** The controller's broker id. */
    public static int decode(byte[] data) {
        ObjectNode n = ZkJson.parseObject(PATH, data);
        ZkJson.checkVersion(PATH, ZkJson.intField(PATH, n, "version"), 1, 2);
        return ZkJson.intField(PATH, n, "brokerid");
    }
}
