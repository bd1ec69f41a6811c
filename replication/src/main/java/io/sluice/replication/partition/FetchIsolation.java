package io.sluice.replication.partition;

/**
 * How far a read may go: read_uncommitted consumers below the high watermark, read_committed consumers below the last
 * stable offset, follower replicas up to the log end.
 */
public enum FetchIsolation {
    /** read_uncommitted consumers (and ListOffsets): only replicated records, below the high watermark. */
    HIGH_WATERMARK,
    /**
     * read_committed consumers: below the last stable offset (no record of an open transaction), with the aborted
     * transactions of the range listed.
     */
    TXN_COMMITTED,
    /** Follower replicas: everything up to the log end offset. */
    LOG_END;

    /** Whether this is a consumer's isolation (not a replica's). */
    public boolean isConsumer() {
        return this != LOG_END;
    }
}
