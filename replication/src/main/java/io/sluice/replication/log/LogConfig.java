package io.sluice.replication.log;

/**
 * Per-log storage settings, immutable. A log's config may be replaced as a whole ({@link UnifiedLog#updateConfig}).
 *
 * @param segmentBytes roll when the active segment would exceed this size ({@code segment.bytes})
 * @param segmentMs roll when the active segment's first batch is older than this ({@code segment.ms})
 * @param retentionMs delete segments whose largest timestamp is older than this; -1 = unlimited
 * @param retentionBytes delete the oldest segments while the log is larger than this; -1 = unlimited
 * @param indexIntervalBytes bytes of log between two sparse index entries ({@code index.interval.bytes})
 * @param maxIndexSize preallocated size of each index file ({@code segment.index.bytes})
 * @param maxMessageBytes largest accepted record batch ({@code max.message.bytes})
 * @param flushMessages fsync after this many unflushed messages; {@link Long#MAX_VALUE} = off
 * @param flushMs fsync when the last flush is older than this; {@link Long#MAX_VALUE} = off
 * @param fileDeleteDelayMs delay between renaming a segment to {@code .deleted} and removing it
 * @param compact {@code cleanup.policy} contains {@code compact}: the cleaner keeps the latest record per key, and
 *     records without a key are rejected
 * @param delete {@code cleanup.policy} contains {@code delete}: time and size retention apply ({@code compact} alone
 *     deletes nothing by age or size)
 * @param deleteRetentionMs how long a tombstone survives once the cleaner first kept it ({@code delete.retention.ms})
 * @param minCompactionLagMs records younger than this stay uncompacted ({@code min.compaction.lag.ms})
 * @param maxCompactionLagMs records older than this are compacted regardless of the dirty ratio
 *     ({@code max.compaction.lag.ms}); also caps {@code segment.ms} of a compacted log
 * @param minCleanableDirtyRatio dirty bytes / total cleanable bytes that makes a log worth cleaning
 *     ({@code min.cleanable.dirty.ratio})
 * @param remoteStorageEnable {@code remote.storage.enable}: rolled segments are copied to the remote tier, local
 *     retention uses {@code localRetentionMs}/{@code localRetentionBytes} and deletes only segments already copied,
 *     and the log start offset may lie below the first local segment (see {@link UnifiedLog#localLogStartOffset})
 * @param localRetentionMs the local tier's retention time with remote storage ({@code -2} resolved); -1 = unlimited
 * @param localRetentionBytes the local tier's retained bytes with remote storage ({@code -2} resolved); -1 = unlimited
 */
public record LogConfig(
        int segmentBytes,
        long segmentMs,
        long retentionMs,
        long retentionBytes,
        int indexIntervalBytes,
        int maxIndexSize,
        int maxMessageBytes,
        long flushMessages,
        long flushMs,
        long fileDeleteDelayMs,
        boolean compact,
        boolean delete,
        long deleteRetentionMs,
        long minCompactionLagMs,
        long maxCompactionLagMs,
        double minCleanableDirtyRatio,
        boolean remoteStorageEnable,
        long localRetentionMs,
        long localRetentionBytes) {

    /** Kafka's default {@code log.segment.bytes}: 1 GiB. */
    public static final int DEFAULT_SEGMENT_BYTES = 1024 * 1024 * 1024;
    /** Kafka's default {@code log.roll.hours}: 7 days. */
    public static final long DEFAULT_SEGMENT_MS = 7L * 24 * 60 * 60 * 1000;
    /** Kafka's default {@code log.retention.hours}: 7 days. */
    public static final long DEFAULT_RETENTION_MS = 7L * 24 * 60 * 60 * 1000;
    /** Kafka's default {@code log.index.interval.bytes}. */
    public static final int DEFAULT_INDEX_INTERVAL_BYTES = 4096;
    /** Kafka's default {@code log.index.size.max.bytes}: 10 MiB. */
    public static final int DEFAULT_MAX_INDEX_SIZE = 10 * 1024 * 1024;
    /** Kafka's default {@code message.max.bytes}. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024 + 12;
    /** Kafka's default {@code file.delete.delay.ms}. */
    public static final long DEFAULT_FILE_DELETE_DELAY_MS = 60_000L;
    /** Kafka's default {@code log.cleaner.delete.retention.ms}: 1 day. */
    public static final long DEFAULT_DELETE_RETENTION_MS = 24L * 60 * 60 * 1000;
    /** Kafka's default {@code log.cleaner.min.cleanable.ratio}. */
    public static final double DEFAULT_MIN_CLEANABLE_DIRTY_RATIO = 0.5;

    public LogConfig {
        if (segmentBytes < 14) {
            throw new IllegalArgumentException("segment.bytes must be at least 14, got " + segmentBytes);
        }
        if (segmentMs <= 0) {
            throw new IllegalArgumentException("segment.ms must be positive, got " + segmentMs);
        }
        if (retentionMs < -1 || retentionBytes < -1) {
            throw new IllegalArgumentException("retention must be -1 or non-negative");
        }
        if (indexIntervalBytes < 0) {
            throw new IllegalArgumentException("index.interval.bytes must be non-negative, got " + indexIntervalBytes);
        }
        if (maxIndexSize < 12 * 2) {
            throw new IllegalArgumentException(
                    "segment.index.bytes must hold at least two entries, got " + maxIndexSize);
        }
        if (maxMessageBytes < 0 || flushMessages < 1 || flushMs < 0 || fileDeleteDelayMs < 0) {
            throw new IllegalArgumentException("invalid log config " + maxMessageBytes + "/" + flushMessages + "/"
                    + flushMs + "/" + fileDeleteDelayMs);
        }
        if (!compact && !delete) {
            throw new IllegalArgumentException("cleanup.policy must contain delete or compact");
        }
        if (deleteRetentionMs < 0 || minCompactionLagMs < 0 || maxCompactionLagMs < 1) {
            throw new IllegalArgumentException("invalid compaction settings: delete.retention.ms " + deleteRetentionMs
                    + ", min.compaction.lag.ms " + minCompactionLagMs + ", max.compaction.lag.ms "
                    + maxCompactionLagMs);
        }
        if (minCompactionLagMs > maxCompactionLagMs) {
            throw new IllegalArgumentException("min.compaction.lag.ms " + minCompactionLagMs
                    + " exceeds max.compaction.lag.ms " + maxCompactionLagMs);
        }
        if (!(minCleanableDirtyRatio >= 0 && minCleanableDirtyRatio <= 1)) {
            throw new IllegalArgumentException(
                    "min.cleanable.dirty.ratio must be in [0, 1], got " + minCleanableDirtyRatio);
        }
        if (localRetentionMs < -1 || localRetentionBytes < -1) {
            throw new IllegalArgumentException("local retention must be -1 or non-negative");
        }
    }

    /** A config without remote storage (local retention = total retention). */
    public LogConfig(
            int segmentBytes,
            long segmentMs,
            long retentionMs,
            long retentionBytes,
            int indexIntervalBytes,
            int maxIndexSize,
            int maxMessageBytes,
            long flushMessages,
            long flushMs,
            long fileDeleteDelayMs,
            boolean compact,
            boolean delete,
            long deleteRetentionMs,
            long minCompactionLagMs,
            long maxCompactionLagMs,
            double minCleanableDirtyRatio) {
        this(
                segmentBytes,
                segmentMs,
                retentionMs,
                retentionBytes,
                indexIntervalBytes,
                maxIndexSize,
                maxMessageBytes,
                flushMessages,
                flushMs,
                fileDeleteDelayMs,
                compact,
                delete,
                deleteRetentionMs,
                minCompactionLagMs,
                maxCompactionLagMs,
                minCleanableDirtyRatio,
                false,
                retentionMs,
                retentionBytes);
    }

    /** A {@code cleanup.policy=delete} config with Kafka's default compaction settings. */
    public LogConfig(
            int segmentBytes,
            long segmentMs,
            long retentionMs,
            long retentionBytes,
            int indexIntervalBytes,
            int maxIndexSize,
            int maxMessageBytes,
            long flushMessages,
            long flushMs,
            long fileDeleteDelayMs) {
        this(
                segmentBytes,
                segmentMs,
                retentionMs,
                retentionBytes,
                indexIntervalBytes,
                maxIndexSize,
                maxMessageBytes,
                flushMessages,
                flushMs,
                fileDeleteDelayMs,
                false,
                true,
                DEFAULT_DELETE_RETENTION_MS,
                0L,
                Long.MAX_VALUE,
                DEFAULT_MIN_CLEANABLE_DIRTY_RATIO);
    }

    /** Kafka's broker defaults. */
    public static LogConfig defaults() {
        return new LogConfig(
                DEFAULT_SEGMENT_BYTES,
                DEFAULT_SEGMENT_MS,
                DEFAULT_RETENTION_MS,
                -1L,
                DEFAULT_INDEX_INTERVAL_BYTES,
                DEFAULT_MAX_INDEX_SIZE,
                DEFAULT_MAX_MESSAGE_BYTES,
                Long.MAX_VALUE,
                Long.MAX_VALUE,
                DEFAULT_FILE_DELETE_DELAY_MS);
    }

    /**
     * The age at which the active segment rolls: {@code segment.ms}, and for a compacted log at most
     * {@code max.compaction.lag.ms} (as Kafka), since the cleaner never touches the active segment.
     */
    public long maxSegmentMs() {
        return compact ? Math.min(segmentMs, maxCompactionLagMs) : segmentMs;
    }

    public LogConfig withSegmentBytes(int value) {
        Builder b = toBuilder();
        b.segmentBytes = value;
        return b.build();
    }

    public LogConfig withSegmentMs(long value) {
        Builder b = toBuilder();
        b.segmentMs = value;
        return b.build();
    }

    public LogConfig withRetentionMs(long value) {
        Builder b = toBuilder();
        b.retentionMs = value;
        return b.build();
    }

    public LogConfig withRetentionBytes(long value) {
        Builder b = toBuilder();
        b.retentionBytes = value;
        return b.build();
    }

    public LogConfig withIndexIntervalBytes(int value) {
        Builder b = toBuilder();
        b.indexIntervalBytes = value;
        return b.build();
    }

    public LogConfig withMaxIndexSize(int value) {
        Builder b = toBuilder();
        b.maxIndexSize = value;
        return b.build();
    }

    public LogConfig withMaxMessageBytes(int value) {
        Builder b = toBuilder();
        b.maxMessageBytes = value;
        return b.build();
    }

    public LogConfig withFlushMessages(long value) {
        Builder b = toBuilder();
        b.flushMessages = value;
        return b.build();
    }

    public LogConfig withFlushMs(long value) {
        Builder b = toBuilder();
        b.flushMs = value;
        return b.build();
    }

    public LogConfig withFileDeleteDelayMs(long value) {
        Builder b = toBuilder();
        b.fileDeleteDelayMs = value;
        return b.build();
    }

    /** The cleanup policy: {@code compact}, {@code delete}, or both. */
    public LogConfig withCleanupPolicy(boolean compactPolicy, boolean deletePolicy) {
        Builder b = toBuilder();
        b.compact = compactPolicy;
        b.delete = deletePolicy;
        return b.build();
    }

    public LogConfig withDeleteRetentionMs(long value) {
        Builder b = toBuilder();
        b.deleteRetentionMs = value;
        return b.build();
    }

    public LogConfig withMinCompactionLagMs(long value) {
        Builder b = toBuilder();
        b.minCompactionLagMs = value;
        return b.build();
    }

    public LogConfig withMaxCompactionLagMs(long value) {
        Builder b = toBuilder();
        b.maxCompactionLagMs = value;
        return b.build();
    }

    /** With remote storage on and these local-tier retention limits (-1 = unlimited). */
    public LogConfig withRemoteStorage(long localRetentionMsValue, long localRetentionBytesValue) {
        Builder b = toBuilder();
        b.remoteStorageEnable = true;
        b.localRetentionMs = localRetentionMsValue;
        b.localRetentionBytes = localRetentionBytesValue;
        return b.build();
    }

    public LogConfig withMinCleanableDirtyRatio(double value) {
        Builder b = toBuilder();
        b.minCleanableDirtyRatio = value;
        return b.build();
    }

    private Builder toBuilder() {
        return new Builder(this);
    }

    /** Mutable copy used by the {@code with*} methods. */
    private static final class Builder {
        private int segmentBytes;
        private long segmentMs;
        private long retentionMs;
        private long retentionBytes;
        private int indexIntervalBytes;
        private int maxIndexSize;
        private int maxMessageBytes;
        private long flushMessages;
        private long flushMs;
        private long fileDeleteDelayMs;
        private boolean compact;
        private boolean delete;
        private long deleteRetentionMs;
        private long minCompactionLagMs;
        private long maxCompactionLagMs;
        private double minCleanableDirtyRatio;
        private boolean remoteStorageEnable;
        private long localRetentionMs;
        private long localRetentionBytes;

        private Builder(LogConfig c) {
            segmentBytes = c.segmentBytes;
            segmentMs = c.segmentMs;
            retentionMs = c.retentionMs;
            retentionBytes = c.retentionBytes;
            indexIntervalBytes = c.indexIntervalBytes;
            maxIndexSize = c.maxIndexSize;
            maxMessageBytes = c.maxMessageBytes;
            flushMessages = c.flushMessages;
            flushMs = c.flushMs;
            fileDeleteDelayMs = c.fileDeleteDelayMs;
            compact = c.compact;
            delete = c.delete;
            deleteRetentionMs = c.deleteRetentionMs;
            minCompactionLagMs = c.minCompactionLagMs;
            maxCompactionLagMs = c.maxCompactionLagMs;
            minCleanableDirtyRatio = c.minCleanableDirtyRatio;
            remoteStorageEnable = c.remoteStorageEnable;
            localRetentionMs = c.localRetentionMs;
            localRetentionBytes = c.localRetentionBytes;
        }

        private LogConfig build() {
            return new LogConfig(
                    segmentBytes,
                    segmentMs,
                    retentionMs,
                    retentionBytes,
                    indexIntervalBytes,
                    maxIndexSize,
                    maxMessageBytes,
                    flushMessages,
                    flushMs,
                    fileDeleteDelayMs,
                    compact,
                    delete,
                    deleteRetentionMs,
                    minCompactionLagMs,
                    maxCompactionLagMs,
                    minCleanableDirtyRatio,
                    remoteStorageEnable,
                    localRetentionMs,
                    localRetentionBytes);
        }
    }
}
