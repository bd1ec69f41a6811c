package io.sluice.replication.log;

/**
 * The outcome of one append.
 *
 * @param firstOffset base offset of the first appended batch
 * @param lastOffset last offset of the last appended batch
 * @param maxTimestamp largest batch max timestamp among the appended batches (-1 when none carries one)
 * @param offsetOfMaxTimestamp last offset of the batch that carries {@code maxTimestamp} (batch granularity)
 * @param validBytes bytes appended
 * @param numBatches batches appended
 * @param logStartOffset the log start offset after the append
 */
public record LogAppendInfo(
        long firstOffset,
        long lastOffset,
        long maxTimestamp,
        long offsetOfMaxTimestamp,
        int validBytes,
        int numBatches,
        long logStartOffset) {}
