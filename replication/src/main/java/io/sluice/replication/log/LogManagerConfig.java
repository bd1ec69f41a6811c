package io.sluice.replication.log;

/**
 * Settings of the {@link LogManager} itself.
 *
 * @param recoveryThreadsPerDir {@code num.recovery.threads.per.data.dir}
 * @param retentionCheckIntervalMs {@code log.retention.check.interval.ms}
 * @param flushCheckIntervalMs how often logs with {@code flush.ms} set are checked
 * @param checkpointIntervalMs {@code log.flush.offset.checkpoint.interval.ms}
 */
public record LogManagerConfig(
        int recoveryThreadsPerDir,
        long retentionCheckIntervalMs,
        long flushCheckIntervalMs,
        long checkpointIntervalMs) {

    public LogManagerConfig {
        if (recoveryThreadsPerDir < 1) {
            throw new IllegalArgumentException(
                    "num.recovery.threads.per.data.dir must be at least 1, got " + recoveryThreadsPerDir);
        }
        if (retentionCheckIntervalMs <= 0 || flushCheckIntervalMs <= 0 || checkpointIntervalMs <= 0) {
            throw new IllegalArgumentException("log manager intervals must be positive");
        }
    }

    /** Kafka's defaults: 5 minutes between retention runs, 60 s between checkpoints; flush checks every second. */
    public static LogManagerConfig withRecoveryThreads(int recoveryThreadsPerDir) {
        return new LogManagerConfig(recoveryThreadsPerDir, 300_000L, 1_000L, 60_000L);
    }
}
