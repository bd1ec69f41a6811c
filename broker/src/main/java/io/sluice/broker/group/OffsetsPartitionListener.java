package io.sluice.broker.group;

import java.util.OptionalInt;

/**
 * Port: told when this broker starts or stops leading a partition of {@value OffsetsTopic#NAME}. The group
 * coordinator implements it: it loads the partition's groups and offsets on election and drops them on resignation.
 *
 * <p>Concurrency: called from the thread that applies LeaderAndIsr / StopReplica, after the replica manager applied
 * the change, in the order of the changes; implementations must not block (loading runs on their own thread).
 */
public interface OffsetsPartitionListener {

    /** This broker now leads {@code partition} at {@code leaderEpoch}. */
    void onElection(int partition, int leaderEpoch);

    /**
     * This broker no longer leads {@code partition}: it became a follower at {@code leaderEpoch}, or stopped hosting
     * it (empty epoch).
     */
    void onResignation(int partition, OptionalInt leaderEpoch);
}
