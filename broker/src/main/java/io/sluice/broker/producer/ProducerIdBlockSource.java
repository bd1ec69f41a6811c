package io.sluice.broker.producer;

import io.sluice.metadata.model.ProducerIdBlock;
import io.sluice.metadata.zk.ZkStore;

/** Where blocks of producer ids come from: a blocking claim that returns a block no other claim returns. */
@FunctionalInterface
public interface ProducerIdBlockSource {

    /** Claims the next block of {@code size} ids for {@code brokerId}; blocks; throws on failure. */
    ProducerIdBlock claim(int brokerId, int size);

    /** Claims by compare-and-set on {@code /latest_producer_id_block} (docs/design.md#producer-id-blocks). */
    static ProducerIdBlockSource zooKeeper(ZkStore store, int maxAttempts) {
        return (brokerId, size) -> store.claimProducerIdBlock(brokerId, size, maxAttempts);
    }
}
