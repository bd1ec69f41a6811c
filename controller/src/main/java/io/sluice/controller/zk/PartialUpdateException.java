package io.sluice.controller.zk;

import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.zk.ZkStoreException;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * A batch of partition-state writes failed part way: some of its transactions committed, at least one failed for a
 * reason other than a lost fence or a partition-epoch conflict. {@link #committed()} holds the states ZooKeeper now has
 * (with their new partition epochs), so the caller can bring its context in line with ZooKeeper before the failure
 * goes on; the error code, path and failed operation are those of the first failed transaction.
 */
public final class PartialUpdateException extends ZkStoreException {
    private static final long serialVersionUID = 1L;

    private final transient Map<TopicPartition, LeaderAndIsr> committed;

    public PartialUpdateException(ZkStoreException cause, Map<TopicPartition, LeaderAndIsr> committed) {
        super(cause.getMessage() + " (" + committed.size() + " partition states of the batch were committed)", cause);
        this.committed = Map.copyOf(committed);
    }

    /** The states whose transactions committed, each with its new partition epoch. */
    public Map<TopicPartition, LeaderAndIsr> committed() {
        return committed;
    }
}
