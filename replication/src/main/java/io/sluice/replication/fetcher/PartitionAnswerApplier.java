package io.sluice.replication.fetcher;

import io.sluice.metadata.concurrent.Threads;
import io.sluice.replication.fetcher.FetcherMetrics.LeaderLag;
import io.sluice.replication.fetcher.FollowerTruncation.OutOfRangeDecision;
import java.util.OptionalInt;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the leader's answer for one partition to its follower replica: a diverging epoch truncates (and appends
 * nothing), data is appended with the leader's high watermark and log start offset (empty data too, so the high
 * watermark propagates), {@code OFFSET_OUT_OF_RANGE} restarts or truncates the log (see {@link FollowerTruncation}),
 * epoch and leadership errors delay the partition by the backoff, and a partition whose append or truncation throws
 * anything (an {@link Error} such as the {@link InternalError} of a faulting memory-mapped index included) is handed to
 * the failure handler. A heap exhaustion ({@link Threads#isResourceExhaustion}) is not blamed on the partition: it is
 * logged and the partition is fetched again in the next round.
 *
 * <p>Concurrency: holds no state of its own; called only by the owning {@link ReplicaFetcherThread} while it holds
 * its partition lock, which guards the {@link PartitionFetchState} passed in.
 */
final class PartitionAnswerApplier {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcherThread.class);

    /** Told about a partition whose answer could not be applied. */
    @FunctionalInterface
    interface FailureHandler {
        void failed(TopicPartition tp, PartitionFetchState state, String what, Throwable e);
    }

    private final String logPrefix;
    private final long backoffMs;
    private final LeaderLag lag;
    private final FailureHandler onFailure;

    PartitionAnswerApplier(String logPrefix, long backoffMs, LeaderLag lag, FailureHandler onFailure) {
        this.logPrefix = logPrefix;
        this.backoffMs = backoffMs;
        this.lag = lag;
        this.onFailure = onFailure;
    }

    /** Applies {@code data} to the partition of {@code state}; returns the record bytes received. */
    long apply(TopicPartition tp, PartitionFetchState state, FetchResponseData.PartitionData data, long now) {
        Errors error = Errors.forCode(data.errorCode());
        try {
            switch (error) {
                case NONE:
                    return applyData(tp, state, data, now);
                case OFFSET_OUT_OF_RANGE:
                    applyOutOfRange(tp, state, data, now);
                    return 0;
                case FENCED_LEADER_EPOCH:
                case UNKNOWN_LEADER_EPOCH:
                case NOT_LEADER_OR_FOLLOWER:
                case UNKNOWN_TOPIC_OR_PARTITION:
                    log.info(
                            "{}Leader answered {} for {} at leader epoch {}; backing off {} ms until the next"
                                    + " LeaderAndIsr moves or removes it",
                            logPrefix,
                            error,
                            tp,
                            state.leaderEpoch(),
                            backoffMs);
                    state.delay(now + backoffMs);
                    return 0;
                default:
                    log.warn(
                            "{}Leader answered {} for {} at leader epoch {}; backing off {} ms",
                            logPrefix,
                            error,
                            tp,
                            state.leaderEpoch(),
                            backoffMs);
                    state.delay(now + backoffMs);
                    return 0;
            }
        } catch (Throwable e) {
            if (Threads.isResourceExhaustion(e)) {
                log.error(
                        "{}Out of memory applying the leader's answer for {} at leader epoch {}; not blaming the"
                                + " partition, fetching it again next round",
                        logPrefix,
                        tp,
                        state.leaderEpoch(),
                        e);
            } else {
                onFailure.failed(tp, state, "applying the leader's answer", e);
            }
            return 0;
        }
    }

    private long applyData(
            TopicPartition tp, PartitionFetchState state, FetchResponseData.PartitionData data, long now) {
        FollowerPartition partition = state.partition();
        FetchResponseData.EpochEndOffset diverging = data.divergingEpoch();
        if (diverging != null && (diverging.epoch() >= 0 || diverging.endOffset() >= 0)) {
            truncateOnDivergingEpoch(tp, state, diverging, now);
            return 0;
        }
        MemoryRecords records = memoryRecords(data.records());
        long logEndOffset = partition.appendRecordsFromLeader(records, data.highWatermark(), data.logStartOffset());
        lag.update(tp, data.highWatermark(), logEndOffset);
        state.updateLag(data.highWatermark(), logEndOffset);
        return records.sizeInBytes();
    }

    private void truncateOnDivergingEpoch(
            TopicPartition tp, PartitionFetchState state, FetchResponseData.EpochEndOffset diverging, long now) {
        FollowerPartition partition = state.partition();
        long logEndOffset = partition.logEndOffset();
        long target = FollowerTruncation.offsetForDivergingEpoch(
                logEndOffset, partition.endOffsetForEpoch(diverging.epoch()), diverging.epoch(), diverging.endOffset());
        if (target >= logEndOffset) {
            // No record to remove; the truncation still drops epochs that start at the log end (led here without
            // appending), so that the next fetch carries the last epoch the leader knows.
            OptionalInt latestBefore = partition.latestEpoch();
            partition.truncateTo(logEndOffset);
            if (!partition.latestEpoch().equals(latestBefore)) {
                log.info(
                        "{}Leader reported {} diverging at epoch {} (end offset {}) at the local log end {}; dropped"
                                + " the local epochs starting there, latest local epoch now {}",
                        logPrefix,
                        tp,
                        diverging.epoch(),
                        diverging.endOffset(),
                        logEndOffset,
                        partition.latestEpoch().orElse(-1));
                return;
            }
            // Nothing changed; fetching again at once would get the same answer.
            log.warn(
                    "{}Leader reported {} diverging at epoch {} (end offset {}), but the local log ends at {};"
                            + " backing off {} ms",
                    logPrefix,
                    tp,
                    diverging.epoch(),
                    diverging.endOffset(),
                    logEndOffset,
                    backoffMs);
            state.delay(now + backoffMs);
            return;
        }
        log.info(
                "{}Truncating {} from {} to {} after the leader reported divergence at epoch {} (leader end offset {}),"
                        + " removing {} offsets",
                logPrefix,
                tp,
                logEndOffset,
                target,
                diverging.epoch(),
                diverging.endOffset(),
                logEndOffset - target);
        partition.truncateTo(target);
    }

    private void applyOutOfRange(
            TopicPartition tp, PartitionFetchState state, FetchResponseData.PartitionData data, long now) {
        FollowerPartition partition = state.partition();
        long logEndOffset = partition.logEndOffset();
        OutOfRangeDecision decision =
                FollowerTruncation.onOffsetOutOfRange(logEndOffset, data.logStartOffset(), data.highWatermark());
        switch (decision.action()) {
            case TRUNCATE_FULLY:
                log.warn(
                        "{}Fetch offset {} of {} is below the leader's log start offset {}; removing the local log"
                                + " and restarting it there",
                        logPrefix,
                        logEndOffset,
                        tp,
                        decision.offset());
                partition.truncateFullyAndStartAt(decision.offset());
                break;
            case TRUNCATE:
                log.warn(
                        "{}Fetch offset {} of {} is beyond the leader's log (leader high watermark {});"
                                + " truncating to {} and fetching again, removing {} offsets",
                        logPrefix,
                        logEndOffset,
                        tp,
                        data.highWatermark(),
                        decision.offset(),
                        logEndOffset - decision.offset());
                partition.truncateTo(decision.offset());
                break;
            case RETRY:
                log.warn(
                        "{}Fetch offset {} of {} is out of range (leader log start {}, high watermark {});"
                                + " backing off {} ms",
                        logPrefix,
                        logEndOffset,
                        tp,
                        data.logStartOffset(),
                        data.highWatermark(),
                        backoffMs);
                state.delay(now + backoffMs);
                break;
        }
    }

    private static MemoryRecords memoryRecords(BaseRecords records) {
        if (records == null) {
            return MemoryRecords.EMPTY;
        }
        if (records instanceof MemoryRecords memoryRecords) {
            return memoryRecords;
        }
        throw new IllegalStateException("Unsupported records type in a fetch answer: "
                + records.getClass().getName());
    }
}
