package io.sluice.replication.partition;

/**
 * Request-level parameters of a fetch.
 *
 * @param replicaId the fetching follower's broker id, or -1 for a consumer
 * @param maxWaitMs how long the fetch may wait for {@code minBytes}
 * @param minBytes bytes to wait for
 * @param maxBytes response-wide byte limit (the first batch is always returned)
 * @param isolation for consumers; follower fetches always read to the log end
 * @param replicaEpoch the fetching follower's broker epoch (Fetch v15+ {@code replicaState.replicaEpoch}), -1 if
 *     unknown (consumers, older requests)
 * @param leaderOnly whether only a leader may answer; false for consumers that may read from a follower (Fetch
 *     v11+, KIP-392), which a follower then answers below its own high watermark
 */
public record FetchParams(
        int replicaId,
        long maxWaitMs,
        int minBytes,
        int maxBytes,
        FetchIsolation isolation,
        long replicaEpoch,
        boolean leaderOnly) {

    /** Parameters of a fetch only a leader may answer. */
    public FetchParams(
            int replicaId, long maxWaitMs, int minBytes, int maxBytes, FetchIsolation isolation, long replicaEpoch) {
        this(replicaId, maxWaitMs, minBytes, maxBytes, isolation, replicaEpoch, true);
    }

    /** Parameters of a fetch whose sender's broker epoch is unknown (-1). */
    public FetchParams(int replicaId, long maxWaitMs, int minBytes, int maxBytes, FetchIsolation isolation) {
        this(replicaId, maxWaitMs, minBytes, maxBytes, isolation, -1L, true);
    }

    /** Whether a follower replica sent the fetch. */
    public boolean isFromFollower() {
        return replicaId >= 0;
    }

    /** The isolation actually applied: log end for followers. */
    public FetchIsolation effectiveIsolation() {
        return isFromFollower() ? FetchIsolation.LOG_END : isolation;
    }
}
