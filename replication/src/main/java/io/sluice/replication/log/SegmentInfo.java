package io.sluice.replication.log;

/**
 * What the cleaner needs to know about one segment, taken from the log at one moment. Immutable.
 *
 * @param baseOffset the segment's base offset
 * @param nextOffset the offset after its last batch (the base offset when empty)
 * @param sizeInBytes bytes of whole batches in its {@code .log} file
 * @param largestTimestamp the largest batch timestamp, or the file's modification time when no batch has one
 * @param firstBatchTimestamp the first batch's max timestamp, {@code -1} when empty or without timestamps
 * @param lastModifiedMs the {@code .log} file's modification time
 * @param logGeneration the log's truncation count when this was taken; a swap checks that it did not change
 */
public record SegmentInfo(
        long baseOffset,
        long nextOffset,
        int sizeInBytes,
        long largestTimestamp,
        long firstBatchTimestamp,
        long lastModifiedMs,
        long logGeneration) {}
