package io.sluice.replication.epoch;

/**
 * The answer to "where does epoch E end in this log": the largest known epoch &lt;= E and the offset just past its
 * last record, as in the OffsetForLeaderEpoch response and a fetch response's diverging epoch.
 *
 * @param epoch the epoch found, or {@link #UNDEFINED_EPOCH}
 * @param endOffset the exclusive end offset, or {@link #UNDEFINED_EPOCH_OFFSET}
 */
public record EpochEndOffset(int epoch, long endOffset) {
    /** Kafka's undefined epoch. */
    public static final int UNDEFINED_EPOCH = -1;
    /** Kafka's undefined end offset. */
    public static final long UNDEFINED_EPOCH_OFFSET = -1L;
    /** No answer: the epoch is unknown or newer than any known epoch. */
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);

    /** Whether this is {@link #UNDEFINED}. */
    public boolean isUndefined() {
        return epoch == UNDEFINED_EPOCH || endOffset == UNDEFINED_EPOCH_OFFSET;
    }
}
