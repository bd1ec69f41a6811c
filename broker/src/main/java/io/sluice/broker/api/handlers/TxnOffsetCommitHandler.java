package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.group.CommittedOffset;
import io.sluice.broker.group.GroupCoordinator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Answers TxnOffsetCommit v0-v3 (a transactional producer's {@code sendOffsetsToTransaction}, sent to the group
 * coordinator): the offsets are kept by the {@link GroupCoordinator} and stored only when the transaction's COMMIT
 * marker reaches the group's {@code __consumer_offsets} partition (dropped on ABORT). Unknown partitions are
 * UNKNOWN_TOPIC_OR_PARTITION; a group this broker does not coordinate NOT_COORDINATOR. The member and generation
 * (v3) are not checked.
 *
 * <p>Concurrency: stateless; never blocks.
 */
public final class TxnOffsetCommitHandler implements ApiHandler<TxnOffsetCommitRequestData> {
    private final GroupCoordinator coordinator;
    private final Predicate<TopicPartition> knownPartition;

    public TxnOffsetCommitHandler(GroupCoordinator coordinator, Predicate<TopicPartition> knownPartition) {
        this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
        this.knownPartition = Objects.requireNonNull(knownPartition, "knownPartition");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.TXN_OFFSET_COMMIT;
    }

    @Override
    public short minVersion() {
        return 0;
    }

    @Override
    public short maxVersion() {
        return 3;
    }

    @Override
    public boolean mayBlock() {
        return false;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, TxnOffsetCommitRequestData request) {
        Map<TopicPartition, Errors> errors = new LinkedHashMap<>();
        Map<TopicPartition, CommittedOffset> commits = new LinkedHashMap<>();
        long now = context.receiveTimeMs();
        for (TxnOffsetCommitRequestTopic topic : request.topics()) {
            for (TxnOffsetCommitRequestPartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                if (!knownPartition.test(tp)) {
                    errors.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                    continue;
                }
                commits.put(
                        tp,
                        new CommittedOffset(
                                p.committedOffset(),
                                p.committedLeaderEpoch(),
                                p.committedMetadata() == null ? "" : p.committedMetadata(),
                                now,
                                -1L));
            }
        }
        if (!commits.isEmpty()) {
            errors.putAll(coordinator.bufferTransactionalOffsets(request.groupId(), request.producerId(), commits));
        }
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData().setThrottleTimeMs(0);
        for (TxnOffsetCommitRequestTopic topic : request.topics()) {
            TxnOffsetCommitResponseTopic answer = new TxnOffsetCommitResponseTopic().setName(topic.name());
            for (TxnOffsetCommitRequestPartition p : topic.partitions()) {
                Errors error = errors.getOrDefault(
                        new TopicPartition(topic.name(), p.partitionIndex()), Errors.UNKNOWN_SERVER_ERROR);
                answer.partitions()
                        .add(new TxnOffsetCommitResponsePartition()
                                .setPartitionIndex(p.partitionIndex())
                                .setErrorCode(error.code()));
            }
            response.topics().add(answer);
        }
        return CompletableFuture.completedFuture(ApiResponse.of(response));
    }
}
