package io.sluice.replication.fetcher;

/** What a follower fetcher needs from a local partition replica. Implemented by replication.partition.Partition. */
public interface FollowerPartition {
    org.apache.kafka.common.TopicPartition topicPartition();
    /** The leader epoch this replica follows (from the last LeaderAndIsr). */
    int leaderEpoch();

    long logStartOffset();

    long logEndOffset();
    /** The latest epoch in the local leader-epoch cache, empty if none. */
    java.util.OptionalInt latestEpoch();
    /** The end offset of {@code epoch} in the local log (Kafka's endOffsetFor), for divergence handling. */
    io.sluice.replication.epoch.EpochEndOffset endOffsetForEpoch(int epoch);
    /**
     * Appends the leader's batches unchanged (offsets and partition leader epochs kept), updates the leader-epoch
     * cache and producer state from them, then sets HW = min(leaderHighWatermark, LEO) (never decreasing).
     * Called for every successful fetch of the partition, with empty {@code records} too, so that the leader's high
     * watermark and log start offset propagate when no new data arrives.
     * @return the LEO after the append
     */
    long appendRecordsFromLeader(
            org.apache.kafka.common.record.MemoryRecords records, long leaderHighWatermark, long leaderLogStartOffset);
    /** Truncates the log (and epoch cache, producer state) to {@code offset}; logs how many records were removed. */
    void truncateTo(long offset);
    /** Removes the whole log and starts it at {@code offset} (after OFFSET_OUT_OF_RANGE below the leader's start). */
    void truncateFullyAndStartAt(long offset);
    /**
     * The fetcher's work on this partition threw {@code cause} while {@code what}: the partition reports it to its log
     * directory's failure handling, which takes the directory offline when it was a failed write to the disk.
     */
    default void reportStorageFault(String what, Throwable cause) {}
}
