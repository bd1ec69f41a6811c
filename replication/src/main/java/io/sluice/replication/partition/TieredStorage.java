package io.sluice.replication.partition;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * The remote tier as the {@link ReplicaManager} sees it (KIP-405): told of leadership changes and stopped replicas,
 * and asked for reads below a partition's local log start. Implemented by {@code io.sluice.replication.remote}'s
 * remote log manager; absent when {@code remote.log.storage.system.enable} is off.
 *
 * <p>Implementations must not block the calling thread: leadership changes run under the replica manager's state
 * change lock, reads on request threads.
 */
public interface TieredStorage {

    /** After LeaderAndIsr made these partitions leaders or followers (at their new epochs). */
    void onLeadershipChange(Collection<Partition> leaders, Collection<Partition> followers);

    /** After StopReplica stopped these partitions ({@code delete}: their logs are deleted). */
    void onStopPartitions(Collection<TopicPartition> partitions, boolean delete);

    /**
     * Reads whole batches from {@code fetchOffset} (below the local log start of {@code partition}) from the remote
     * tier, off the calling thread.
     *
     * @param localAnswer the local read's OFFSET_OUT_OF_RANGE answer, whose offsets the result carries
     * @return completes with the records (at least one batch when the offset is in the remote tier) or an error
     *     result: OFFSET_OUT_OF_RANGE when no remote segment holds the offset
     */
    CompletableFuture<ReadResult> read(Partition partition, long fetchOffset, int maxBytes, ReadResult localAnswer);

    /** {@code remote.fetch.max.wait.ms}: how long a fetch waits for its remote reads. */
    long fetchMaxWaitMs();
}
