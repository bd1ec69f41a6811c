package io.sluice.replication.fetcher;

import java.util.Optional;

/**
 * A snapshot of one follower fetcher thread, for health checks and operators.
 *
 * @param threadName e.g. {@code ReplicaFetcherThread-0-2}
 * @param leaderId the broker it fetches from
 * @param fetcherId its index within that leader's group
 * @param alive whether the thread is running
 * @param fetchingPartitions partitions it fetches (including ones backing off), failed ones excluded
 * @param failedPartitions partitions excluded after their append or truncation failed
 * @param msSinceLastRound time since it last completed a fetch round; 0 while it has nothing to fetch (see {@link
 *     FetcherProgress})
 * @param lastError why the last round did not complete, until one does
 */
public record FetcherThreadStatus(
        String threadName,
        int leaderId,
        int fetcherId,
        boolean alive,
        int fetchingPartitions,
        int failedPartitions,
        long msSinceLastRound,
        Optional<String> lastError) {

    /**
     * Whether the thread is not replicating: dead, or with partitions to fetch and no completed round for longer
     * than {@code maxMsWithoutRound} (the broker passes {@code replica.lag.time.max.ms}, after which the leader drops
     * the follower from the ISR anyway).
     */
    public boolean isStuck(long maxMsWithoutRound) {
        return !alive || (fetchingPartitions > 0 && msSinceLastRound > maxMsWithoutRound);
    }
}
