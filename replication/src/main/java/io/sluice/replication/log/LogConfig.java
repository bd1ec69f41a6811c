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
        long fileDeleteDelayMs) {

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

    public LogConfig withSegmentBytes(int value) {
        return new LogConfig(
                value,
                segmentMs,
                retentionMs,
                retentionBytes,
                indexIntervalBytes,
                maxIndexSize,
                maxMessageBytes,
                flushMessages,
                flushMs,
                fileDeleteDelayMs);
    }

    public LogConfig withSegmentMs(long value) {
        return new LogConfig(
                segmentBytes,
                value,
                retentionMs,
                retentionBytes,
                indexIntervalBytes,
                maxIndexSize,
                maxMessageBytes,
                flushMessages,
                flushMs,
                fileDeleteDelayMs);
    }

    public LogConfig withRetentionMs(long value) {
        return new LogConfig(
                segmentBytes,
                segmentMs,
                value,
                retentionBytes,
                indexIntervalBytes,
                maxIndexSize,
                maxMessageBytes,
                flushMessages,
                flushMs,
                fileDeleteDelayMs);
    }

    public LogConfig withRetentionBytes(long value) {
        return new LogConfig(
                segmentBytes,
                segmentMs,
                retentionMs,
                value,
                indexIntervalBytes,
                maxIndexSize,
                maxMessageBytes,
                flushMessages,
                flushMs,
                fileDeleteDelayMs);
    }

    public LogConfig withIndexIntervalBytes(int value) {
        return new LogConfig(
                segmentBytes,
                segmentMs,
                retentionMs,
                retentionBytes,
                value,
                maxIndexSize,
                maxMessageBytes,
                flushMessages,
                flushMs,
                fileDeleteDelayMs);
    }

    public LogConfig withMaxIndexSize(int value) {
        return new LogConfig(
                segmentBytes,
                segmentMs,
                retentionMs,
                retentionBytes,
                indexIntervalBytes,
                value,
                maxMessageBytes,
                flushMessages,
                flushMs,
                fileDeleteDelayMs);
    }

    public LogConfig withMaxMessageBytes(int value) {
        return new LogConfig(
                segmentBytes,
                segmentMs,
                retentionMs,
                retentionBytes,
                indexIntervalBytes,
                maxIndexSize,
                value,
                flushMessages,
                flushMs,
                fileDeleteDelayMs);
    }

    public LogConfig withFlushMessages(long value) {
        return new LogConfig(
                segmentBytes,
                segmentMs,
                retentionMs,
                retentionBytes,
                indexIntervalBytes,
                maxIndexSize,
                maxMessageBytes,
                value,
                flushMs,
                fileDeleteDelayMs);
    }

    public LogConfig withFlushMs(long value) {
        return new LogConfig(
                segmentBytes,
                segmentMs,
                retentionMs,
                retentionBytes,
                indexIntervalBytes,
                maxIndexSize,
                maxMessageBytes,
                flushMessages,
                value,
                fileDeleteDelayMs);
    }

    public LogConfig withFileDeleteDelayMs(long value) {
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
                value);
    }
}
