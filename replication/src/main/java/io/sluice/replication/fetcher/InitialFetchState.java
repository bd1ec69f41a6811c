package io.sluice.replication.fetcher;

/**
 * Where a follower starts fetching: the leader broker and the leader epoch of the LeaderAndIsr that made this replica
 * a follower. The fetch offset itself always comes from the partition's log end offset.
 *
 * @param leaderId the broker id of the partition's leader (the fetch source)
 * @param leaderEpoch the leader epoch the follower expects; sent as {@code currentLeaderEpoch}
 */
public record InitialFetchState(int leaderId, int leaderEpoch) {}
