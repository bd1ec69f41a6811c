package io.sluice.metadata.zk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.metadata.model.ProducerIdBlock;
import java.util.Optional;

/**
 * {@code /latest_producer_id_block} (persistent; brokers claim blocks by compare-and-set on its zkVersion):
 * {@code {"version":1,"broker":1,"block_start":"0","block_end":"999"}} with start and end written as decimal
 * strings, end inclusive. The znode is created empty at startup; empty data means no block was claimed yet.
 */
public final class ProducerIdBlockZNode {
    private ProducerIdBlockZNode() {}

    public static final String PATH = "/latest_producer_id_block";

    public static byte[] encode(ProducerIdBlock block) {
        ObjectNode n = ZkJson.object();
        n.put("version", 1);
        n.put("broker", block.assignedBroker());
        n.put("block_start", Long.toString(block.firstProducerId()));
        n.put("block_end", Long.toString(block.lastProducerId()));
        return ZkJson.bytes(n);
    }

    /** The latest claimed block, empty when the znode holds no data yet. */
    public static Optional<ProducerIdBlock> decode(byte[] data) {
        if (data == null || data.length == 0) {
            return Optional.empty();
        }
        ObjectNode n = ZkJson.parseObject(PATH, data);
        ZkJson.checkVersion(PATH, ZkJson.intField(PATH, n, "version"), 1, 1);
        long start = ZkJson.longOrStringField(PATH, n, "block_start");
        long end = ZkJson.longOrStringField(PATH, n, "block_end");
        if (start < 0 || end < start || end - start >= Integer.MAX_VALUE) {
            throw new ZkDataException(PATH, "invalid block " + start + ".." + end);
        }
        return Optional.of(new ProducerIdBlock(ZkJson.intField(PATH, n, "broker"), start, (int) (end - start + 1)));
    }
}
