package io.sluice.replication.producer;

/**
 * What is remembered of one appended idempotent batch.
 *
 * @param firstSeq the batch's base sequence
 * @param lastSeq the batch's last sequence (wraps from {@link Integer#MAX_VALUE} to 0)
 * @param firstOffset the offset assigned to its first record
 * @param lastOffset the offset assigned to its last record
 * @param timestamp the batch's max timestamp (the log append time for LogAppendTime topics)
 */
public record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset, long timestamp) {
    public BatchMetadata {
        if (lastOffset < firstOffset) {
            throw new IllegalArgumentException(
                    "Batch last offset " + lastOffset + " is below its first offset " + firstOffset);
        }
    }

    /** Whether this batch has exactly the sequence range {@code [firstSeq, lastSeq]}. */
    public boolean hasSequenceRange(int first, int last) {
        return firstSeq == first && lastSeq == last;
    }
}
