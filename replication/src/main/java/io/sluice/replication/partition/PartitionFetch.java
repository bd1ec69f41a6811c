package io.sluice.replication.partition;

import org.apache.kafka.common.TopicPartition;

/**
 * One partition of a fetch.
 *
 * @param topicPartition the partition
 * @param fetchOffset the offset to read from (a follower's log end offset)
 * @param logStartOffset the follower's log start offset, -1 for consumers
 * @param maxBytes the partition's byte limit
 * @param currentLeaderEpoch the epoch the fetcher believes current, {@link Partition#NO_EPOCH} to skip the check
 * @param lastFetchedEpoch a follower's last fetched epoch, {@link Partition#NO_EPOCH} if none
 */
public record PartitionFetch(
        TopicPartition topicPartition,
        long fetchOffset,
        long logStartOffset,
        int maxBytes,
        int currentLeaderEpoch,
        int lastFetchedEpoch) {}
