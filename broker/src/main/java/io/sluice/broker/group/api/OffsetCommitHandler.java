package io.sluice.broker.group.api;

import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.group.CommittedOffset;
import io.sluice.broker.group.GroupCoordinator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;

/**
 * OffsetCommit v0-v9, answered once the offsets are stored. v0 and commits with generation -1 are simple (admin)
 * commits, accepted only for an Empty group; v1 may carry a commit timestamp (the offset then expires
 * {@code offsets.retention.minutes} after it), v2-v4 a retention time; v6+ the leader epoch; v7+ the static instance
 * id. Partitions of unknown topics get {@code UNKNOWN_TOPIC_OR_PARTITION} and are not stored.
 */
public final class OffsetCommitHandler extends GroupApiHandler<OffsetCommitRequestData> {
    private static final short COMMIT_TIMESTAMP_VERSION = 1;
    private static final short LAST_RETENTION_TIME_VERSION = 4;

    private final Predicate<TopicPartition> knownPartition;
    private final long retentionMs;

    /** @param knownPartition whether the cluster metadata knows the partition */
    public OffsetCommitHandler(GroupCoordinator coordinator, Predicate<TopicPartition> knownPartition) {
        super(coordinator, ApiKeys.OFFSET_COMMIT, OffsetCommitRequestData.HIGHEST_SUPPORTED_VERSION);
        this.knownPartition = Objects.requireNonNull(knownPartition, "knownPartition");
        this.retentionMs = coordinator.config().offsetsRetentionMs();
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, OffsetCommitRequestData request) {
        short version = context.apiVersion();
        long now = context.receiveTimeMs();
        Map<TopicPartition, Errors> unknown = new LinkedHashMap<>();
        Map<TopicPartition, CommittedOffset> commits = new LinkedHashMap<>();
        for (OffsetCommitRequestTopic topic : request.topics()) {
            for (OffsetCommitRequestPartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                if (!knownPartition.test(tp)) {
                    unknown.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                    continue;
                }
                long commitTimestamp = now;
                long expireTimestamp = -1;
                if (version == COMMIT_TIMESTAMP_VERSION && p.commitTimestamp() != RecordBatch.NO_TIMESTAMP) {
                    commitTimestamp = p.commitTimestamp();
                    expireTimestamp = commitTimestamp + retentionMs;
                } else if (version > COMMIT_TIMESTAMP_VERSION
                        && version <= LAST_RETENTION_TIME_VERSION
                        && request.retentionTimeMs() != -1) {
                    expireTimestamp = now + request.retentionTimeMs();
                }
                commits.put(
                        tp,
                        new CommittedOffset(
                                p.committedOffset(),
                                p.committedLeaderEpoch(),
                                p.committedMetadata() == null ? "" : p.committedMetadata(),
                                commitTimestamp,
                                expireTimestamp));
            }
        }
        CompletableFuture<Map<TopicPartition, Errors>> stored = commits.isEmpty()
                ? CompletableFuture.completedFuture(Map.of())
                : coordinator.commitOffsets(
                        request.groupId(),
                        request.memberId(),
                        Optional.ofNullable(request.groupInstanceId()),
                        version == 0 ? -1 : request.generationIdOrMemberEpoch(),
                        commits);
        return stored.thenApply(errors -> {
            OffsetCommitResponseData response = new OffsetCommitResponseData().setThrottleTimeMs(0);
            for (OffsetCommitRequestTopic topic : request.topics()) {
                OffsetCommitResponseTopic answer = new OffsetCommitResponseTopic().setName(topic.name());
                for (OffsetCommitRequestPartition p : topic.partitions()) {
                    TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                    Errors error = unknown.getOrDefault(tp, errors.getOrDefault(tp, Errors.UNKNOWN_SERVER_ERROR));
                    answer.partitions()
                            .add(new OffsetCommitResponsePartition()
                                    .setPartitionIndex(p.partitionIndex())
                                    .setErrorCode(error.code()));
                }
                response.topics().add(answer);
            }
            return ApiResponse.of(response);
        });
    }
}
