package io.sluice.replication.partition;

/**
 * What the leader knows of one follower replica, replaced as a whole on every follower fetch (an immutable snapshot
 * swapped atomically, so the ISR and high-watermark checks always see one consistent fetch).
 *
 * @param logEndOffset the follower's log end offset (its last fetch offset), -1 until it fetched from this leader
 * @param logStartOffset the follower's log start offset, -1 if unknown
 * @param lastFetchTimeMs when the last fetch was handled, 0 if never
 * @param lastCaughtUpTimeMs the last time the follower was known to have everything the leader had (see
 *     {@link #onFetch})
 * @param leaderEndOffsetAtLastFetch the leader's log end offset when the last fetch was handled, -1 if never
 * @param brokerEpoch the follower's broker epoch if known, else -1
 */
public record ReplicaState(
        long logEndOffset,
        long logStartOffset,
        long lastFetchTimeMs,
        long lastCaughtUpTimeMs,
        long leaderEndOffsetAtLastFetch,
        long brokerEpoch) {

    /**
     * The state of a follower when this broker becomes leader: unknown offsets; an ISR member counts as caught up now
     * (so it gets a full lag period before it can be removed), any other replica as never caught up.
     */
    public static ReplicaState initial(boolean inSync, long nowMs) {
        return new ReplicaState(-1L, -1L, 0L, inSync ? nowMs : 0L, -1L, -1L);
    }

    /**
     * The state after a fetch at {@code fetchOffset}. lastCaughtUpTime becomes the fetch time if the follower asked
     * for the leader's log end (it has everything), else the previous fetch time if it asked at or past the leader's
     * log end of that previous fetch (it had everything the leader had back then), else it stays.
     */
    public ReplicaState onFetch(
            long fetchOffset, long followerLogStartOffset, long fetchTimeMs, long leaderEndOffset, long epoch) {
        long caughtUp = lastCaughtUpTimeMs;
        if (fetchOffset >= leaderEndOffset) {
            caughtUp = Math.max(caughtUp, fetchTimeMs);
        } else if (leaderEndOffsetAtLastFetch >= 0 && fetchOffset >= leaderEndOffsetAtLastFetch) {
            caughtUp = Math.max(caughtUp, lastFetchTimeMs);
        }
        return new ReplicaState(fetchOffset, followerLogStartOffset, fetchTimeMs, caughtUp, leaderEndOffset, epoch);
    }

    /** Whether the follower is out of sync: behind the leader's log end and not caught up for longer than the lag. */
    public boolean isLagging(long leaderEndOffset, long nowMs, long maxLagMs) {
        return logEndOffset < leaderEndOffset && nowMs - lastCaughtUpTimeMs > maxLagMs;
    }
}
