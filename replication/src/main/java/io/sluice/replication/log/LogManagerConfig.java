package io.sluice.replication.log;

import java.util.Objects;

/**
 * Settings of the {@link LogManager} itself.
 *
 * @param recoveryThreadsPerDir {@code num.recovery.threads.per.data.dir}
 * @param retentionCheckIntervalMs {@code log.retention.check.interval.ms}
 * @param flushCheckIntervalMs how often logs with {@code flush.ms} set are checked
 * @param checkpointIntervalMs {@code log.flush.offset.checkpoint.interval.ms}
 * @param cleaner the log compactor's factory: the log cleaner's settings ({@code log.cleaner.*}) or
 *     {@link LogCompactor.Factory#NONE}
 */
public record LogManagerConfig(
        int recoveryThreadsPerDir,
        long retentionCheckIntervalMs,
        long flushCheckIntervalMs,
        long checkpointIntervalMs,
        LogCompactor.Factory cleaner) {

    /** Settings without a log cleaner. */
    public LogManagerConfig(
            int recoveryThreadsPerDir,
            long retentionCheckIntervalMs,
            long flushCheckIntervalMs,
            long checkpointIntervalMs) {
        this(
                recoveryThreadsPerDir,
                retentionCheckIntervalMs,
                flushCheckIntervalMs,
                checkpointIntervalMs,
                LogCompactor.Factory.NONE);
    }

    public LogManagerConfig {
        if (recoveryThreadsPerDir < 1) {
            throw new IllegalArgumentException(
                    "num.recovery.threads.per.data.dir must be at least 1, got " + recoveryThreadsPerDir);
        }
        Objects.requireNonNull(cleaner, "cleaner");
        if (retentionCheckIntervalMs <= 0 || flushCheckIntervalMs <= 0 || checkpointIntervalMs <= 0) {
            throw new IllegalArgumentException("log manager intervals must be positive");
        }
    }

    /**
     * Kafka's defaults: 5 minutes between retention runs, 60 s between checkpoints; flush checks every second; no
     * log cleaner.
     */
    public static LogManagerConfig withRecoveryThreads(int recoveryThreadsPerDir) {
        return new LogManagerConfig(recoveryThreadsPerDir, 300_000L, 1_000L, 60_000L);
    }

    /** The same settings with {@code cleanerConfig} (the log cleaner's {@code CleanerConfig}). */
    public LogManagerConfig withCleaner(LogCompactor.Factory cleanerConfig) {
        return new LogManagerConfig(
                recoveryThreadsPerDir,
                retentionCheckIntervalMs,
                flushCheckIntervalMs,
                checkpointIntervalMs,
                cleanerConfig);
    }
}
