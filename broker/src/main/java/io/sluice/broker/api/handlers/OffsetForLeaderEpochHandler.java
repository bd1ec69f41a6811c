package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.replication.partition.EpochLookup;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Answers OffsetForLeaderEpoch v0-v4 on partition leaders, as Kafka does: per partition, the largest leader epoch
 * &lt;= the requested one that this log knows and the offset where it ends (the log end offset for the current
 * epoch). The stock consumer sends it after a leader change to validate its position (KIP-320): an end offset below
 * its position means the log was truncated under it, and it resets or raises {@code LogTruncationException} instead
 * of silently skipping or re-reading records.
 *
 * <p>Per partition: {@code currentLeaderEpoch} (v2+) fences, lower → {@code FENCED_LEADER_EPOCH}, higher →
 * {@code UNKNOWN_LEADER_EPOCH}, {@code -1} no check; an epoch the log does not know → epoch and end offset -1 with
 * NONE; a partition this broker does not lead → {@code NOT_LEADER_OR_FOLLOWER}, or
 * {@code UNKNOWN_TOPIC_OR_PARTITION} when the metadata does not know it either; a partition named twice →
 * {@code INVALID_REQUEST}. Followers of this cluster find their divergence through the fetch protocol (diverging
 * epoch) and do not send this request; a follower's {@code replicaId} (v3+) is answered like a consumer's.
 *
 * <p>Concurrency: stateless apart from its immutable collaborators; runs concurrently on request threads
 * ({@link #mayBlock()} is true: lookups take the partition's leadership lock).
 */
public final class OffsetForLeaderEpochHandler implements ApiHandler<OffsetForLeaderEpochRequestData> {
    static final short MIN_VERSION = 0;
    static final short MAX_VERSION = 4;

    /** Port onto {@code ReplicaManager#lastOffsetForLeaderEpoch}. */
    @FunctionalInterface
    public interface EpochLookups {
        EpochLookup lastOffsetForLeaderEpoch(TopicPartition tp, int currentLeaderEpoch, int leaderEpoch);
    }

    private final EpochLookups lookups;
    private final Predicate<TopicPartition> knownPartition;

    /**
     * @param lookups the replica manager's lookup ({@code replicaManager::lastOffsetForLeaderEpoch})
     * @param knownPartition whether the cluster metadata knows the partition
     */
    public OffsetForLeaderEpochHandler(EpochLookups lookups, Predicate<TopicPartition> knownPartition) {
        this.lookups = Objects.requireNonNull(lookups, "lookups");
        this.knownPartition = Objects.requireNonNull(knownPartition, "knownPartition");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_FOR_LEADER_EPOCH;
    }

    @Override
    public short minVersion() {
        return MIN_VERSION;
    }

    @Override
    public short maxVersion() {
        return MAX_VERSION;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, OffsetForLeaderEpochRequestData request) {
        Set<TopicPartition> seen = new HashSet<>();
        Set<TopicPartition> duplicates = new HashSet<>();
        for (OffsetForLeaderTopic topic : request.topics()) {
            for (OffsetForLeaderPartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.topic(), p.partition());
                if (!seen.add(tp)) {
                    duplicates.add(tp);
                }
            }
        }
        OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData().setThrottleTimeMs(0);
        for (OffsetForLeaderTopic topic : request.topics()) {
            OffsetForLeaderTopicResult result = new OffsetForLeaderTopicResult().setTopic(topic.topic());
            for (OffsetForLeaderPartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.topic(), p.partition());
                EpochLookup lookup = duplicates.contains(tp)
                        ? EpochLookup.error(Errors.INVALID_REQUEST)
                        : lookup(tp, p.currentLeaderEpoch(), p.leaderEpoch());
                result.partitions()
                        .add(new EpochEndOffset()
                                .setPartition(p.partition())
                                .setErrorCode(lookup.error().code())
                                .setLeaderEpoch(lookup.endOffset().epoch())
                                .setEndOffset(lookup.endOffset().endOffset()));
            }
            response.topics().add(result);
        }
        return CompletableFuture.completedFuture(ApiResponse.of(response));
    }

    private EpochLookup lookup(TopicPartition tp, int currentLeaderEpoch, int leaderEpoch) {
        EpochLookup lookup = lookups.lastOffsetForLeaderEpoch(tp, currentLeaderEpoch, leaderEpoch);
        if (lookup.error() == Errors.NOT_LEADER_OR_FOLLOWER && !knownPartition.test(tp)) {
            return EpochLookup.error(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        }
        return lookup;
    }
}
