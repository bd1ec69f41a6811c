package io.sluice.replication.partition;

/** How far a read may go: consumers read below the high watermark, follower replicas up to the log end. */
public enum FetchIsolation {
    /** Consumers (and ListOffsets with an isolation level): only committed records, below the high watermark. */
    HIGH_WATERMARK,
    /** Follower replicas: everything up to the log end offset. */
    LOG_END
}
