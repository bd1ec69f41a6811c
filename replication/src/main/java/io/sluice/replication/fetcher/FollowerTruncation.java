package io.sluice.replication.fetcher;

import io.sluice.replication.epoch.EpochEndOffset;

/**
 * Pure truncation decisions of a follower, separated from the fetch loop so that they can be tested on their own.
 *
 * <p>Diverging epoch (Kafka's {@code AbstractFetcherThread.getOffsetTruncationState}): the leader answered a fetch
 * with (epoch E, end offset L), meaning "my log ends epoch E (the largest epoch &lt;= your last fetched epoch) at L".
 * The follower looks up where E ends locally and truncates to the smaller offset. If the follower does not know E
 * itself it truncates to the end of its own largest epoch &lt;= E; the next fetch sends that epoch and the leader
 * answers again, until both agree.
 *
 * <p>Offset out of range without ListOffsets: a Sluice leader fills {@code logStartOffset} and {@code highWatermark}
 * of the partition even in an {@code OFFSET_OUT_OF_RANGE} answer, so the follower decides from the fetch response
 * alone. Its log end offset is below the leader's log start → restart the log at the leader's start (Kafka's
 * {@code truncateFullyAndStartAt}). It is above the leader's high watermark → the leader's log ends before ours (only
 * after an unclean election, since epochs catch every other divergence); the leader's log end offset is not in the
 * response, but its high watermark is a known offset &lt;= it, so truncating there is safe and the next fetches refill
 * whatever the leader has beyond it. Anything else (unknown values, or a range that moved while the answer was built) →
 * retry after the backoff.
 *
 * <p>Concurrency: stateless; all methods are pure functions.
 */
final class FollowerTruncation {

    /** What to do with a partition after {@code OFFSET_OUT_OF_RANGE}. */
    enum OutOfRangeAction {
        /** Remove the whole local log and start it at {@link OutOfRangeDecision#offset()}. */
        TRUNCATE_FULLY,
        /** Truncate the local log to {@link OutOfRangeDecision#offset()}. */
        TRUNCATE,
        /** Keep the log, back off and fetch again. */
        RETRY
    }

    /**
     * The decision after {@code OFFSET_OUT_OF_RANGE}.
     *
     * @param action what to do
     * @param offset the new log start ({@link OutOfRangeAction#TRUNCATE_FULLY}) or end ({@link
     *     OutOfRangeAction#TRUNCATE}); -1 for {@link OutOfRangeAction#RETRY}
     */
    record OutOfRangeDecision(OutOfRangeAction action, long offset) {}

    private FollowerTruncation() {}

    /**
     * The offset a follower truncates to after a fetch answered with a diverging epoch.
     *
     * @param localLogEndOffset the follower's log end offset
     * @param localEpochEnd the follower's {@code endOffsetForEpoch(divergingEpoch)}
     * @param divergingEpoch the epoch in the leader's answer
     * @param divergingEndOffset the end offset of that epoch in the leader's log
     * @return the truncation offset, never above {@code localLogEndOffset}
     */
    static long offsetForDivergingEpoch(
            long localLogEndOffset, EpochEndOffset localEpochEnd, int divergingEpoch, long divergingEndOffset) {
        if (divergingEndOffset < 0) {
            // The leader knows no end for the epoch: nothing to compare with, keep the log.
            return localLogEndOffset;
        }
        if (localEpochEnd.endOffset() == EpochEndOffset.UNDEFINED_EPOCH_OFFSET) {
            // The follower tracks no epoch <= the leader's: the leader's end offset is the only reference.
            return Math.min(divergingEndOffset, localLogEndOffset);
        }
        if (localEpochEnd.epoch() != divergingEpoch) {
            // The follower does not know the leader's epoch: truncate to the end of its own largest epoch below it;
            // the next fetch carries that epoch and the leader answers again if needed.
            return Math.min(localEpochEnd.endOffset(), localLogEndOffset);
        }
        return Math.min(Math.min(localEpochEnd.endOffset(), divergingEndOffset), localLogEndOffset);
    }

    /**
     * The decision after {@code OFFSET_OUT_OF_RANGE}.
     *
     * @param localLogEndOffset the follower's log end offset (its fetch offset)
     * @param leaderLogStartOffset the leader's log start offset from the response, -1 if unknown
     * @param leaderHighWatermark the leader's high watermark from the response, -1 if unknown
     */
    static OutOfRangeDecision onOffsetOutOfRange(
            long localLogEndOffset, long leaderLogStartOffset, long leaderHighWatermark) {
        if (leaderLogStartOffset >= 0 && localLogEndOffset < leaderLogStartOffset) {
            return new OutOfRangeDecision(OutOfRangeAction.TRUNCATE_FULLY, leaderLogStartOffset);
        }
        if (leaderHighWatermark >= 0 && localLogEndOffset > leaderHighWatermark) {
            return new OutOfRangeDecision(OutOfRangeAction.TRUNCATE, leaderHighWatermark);
        }
        return new OutOfRangeDecision(OutOfRangeAction.RETRY, -1L);
    }
}
