package io.sluice.replication.fetcher;

/**
 * The fetch state of one partition inside a {@link ReplicaFetcherThread}. The fetch offset is not stored: it is always
 * the partition's log end offset, read when the request is built.
 *
 * <pre>
 *            add (new or different epoch)
 *                 |
 *                 v        partition error          backoff elapsed
 *   +-------> FETCHING ----------------------> DELAYED ---------+
 *   |             |  ^                                          |
 *   |             |  +------------------------------------------+
 *   |             | append / truncation threw
 *   |             v
 *   +-- add -- FAILED          (removal ends every state)
 * </pre>
 *
 * <p>Concurrency: not thread-safe; guarded by the owning thread's partition lock. Identity matters: a response is
 * applied only if the state it was requested for is still the partition's current state, so a partition removed and
 * re-added while a fetch is in flight ignores that fetch's answer.
 */
final class PartitionFetchState {

    /** Where a partition is in its fetch lifecycle. */
    enum Status {
        /** Included in the next fetch. Previous: none (new), DELAYED. */
        FETCHING,
        /** Left out of fetches until {@link #delayedUntilMs()}. Previous: FETCHING. */
        DELAYED,
        /** Left out until re-added; append or truncation failed. Previous: FETCHING. */
        FAILED
    }

    private final FollowerPartition partition;
    private final int leaderEpoch;
    private Status status = Status.FETCHING;
    private long delayedUntilMs;
    /** Whether the last answer brought the log end up to the leader's high watermark (Kafka's isReplicaInSync). */
    private boolean caughtUp;

    PartitionFetchState(FollowerPartition partition, int leaderEpoch) {
        this.partition = partition;
        this.leaderEpoch = leaderEpoch;
    }

    FollowerPartition partition() {
        return partition;
    }

    /** The leader epoch sent as {@code currentLeaderEpoch}. */
    int leaderEpoch() {
        return leaderEpoch;
    }

    Status status() {
        return status;
    }

    long delayedUntilMs() {
        return delayedUntilMs;
    }

    /** Whether this partition goes into a fetch at {@code nowMs}; a delay that has run out ends here. */
    boolean isFetchable(long nowMs) {
        if (status == Status.DELAYED && nowMs >= delayedUntilMs) {
            status = Status.FETCHING;
        }
        return status == Status.FETCHING;
    }

    void delay(long untilMs) {
        if (status == Status.FETCHING) {
            status = Status.DELAYED;
            delayedUntilMs = untilMs;
        }
    }

    /** Whether the last applied answer left this replica at or past the leader's high watermark. */
    boolean caughtUp() {
        return caughtUp;
    }

    /** Notes the distance to the leader's high watermark after an applied answer. */
    void updateLag(long leaderHighWatermark, long logEndOffset) {
        caughtUp = logEndOffset >= leaderHighWatermark;
    }

    void fail() {
        status = Status.FAILED;
    }

    @Override
    public String toString() {
        return "PartitionFetchState(" + partition.topicPartition() + ", epoch=" + leaderEpoch + ", " + status + ")";
    }
}
