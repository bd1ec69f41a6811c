package io.sluice.metadata.zk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.metadata.model.LeaderAndIsr;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code /brokers/topics/T/partitions/P/state} (persistent, written by the controller only, always fenced):
 * {@code {"version":1,"leader":1,"leader_epoch":0,"isr":[1,2],"controller_epoch":3}}. Its zkVersion is the
 * partition epoch. Decoding tolerates Kafka's optional {@code leader_recovery_state}.
 */
public final class TopicPartitionStateZNode {
    private TopicPartitionStateZNode() {}

    public static String path(String topic, int partition) {
        return TopicZNode.partitionPath(topic, partition) + "/state";
    }

    public static String path(TopicPartition tp) {
        return path(tp.topic(), tp.partition());
    }

    public static byte[] encode(LeaderAndIsr state) {
        ObjectNode n = ZkJson.object();
        n.put("version", 1);
        n.put("leader", state.leader());
        n.put("leader_epoch", state.leaderEpoch());
        n.set("isr", ZkJson.intArray(state.isr()));
        n.put("controller_epoch", state.controllerEpoch());
        return ZkJson.bytes(n);
    }

    /**
     * Decodes a partition state; the partition epoch is the znode's zkVersion.
     *
     * @param zkVersion the data version of the state znode
     */
    public static LeaderAndIsr decode(TopicPartition tp, byte[] data, int zkVersion) {
        String path = path(tp);
        ObjectNode n = ZkJson.parseObject(path, data);
        ZkJson.checkVersion(path, ZkJson.intField(path, n, "version"), 1, 1);
        return new LeaderAndIsr(
                ZkJson.intField(path, n, "leader"),
                ZkJson.intField(path, n, "leader_epoch"),
                ZkJson.intList(path, ZkJson.required(path, n, "isr"), "isr"),
                ZkJson.intField(path, n, "controller_epoch"),
                zkVersion);
    }
}
