package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
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
 * coordinator): the {@link GroupCoordinator} writes the offsets as a transactional batch of the producer to the
 * group's {@code __consumer_offsets} partition and answers once it is replicated; they count from the transaction's
 * COMMIT marker on (dropped on ABORT). Unknown partitions are
 * UNKNOWN_TOPIC_OR_PARTITION; a group this broker does not coordinate NOT_COORDINATOR. The member, group instance and
 * generation (v3) are checked as Kafka checks them (KIP-447): a stale generation is ILLEGAL_GENERATION.
 *
 * <p>Concurrency: stateless; never blocks (the answer completes when the write does).
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
        if (commits.isEmpty()) {
            return CompletableFuture.completedFuture(respond(request, errors));
        }
        return coordinator
                .bufferTransactionalOffsets(
                        request.groupId(),
                        request.producerId(),
                        request.producerEpoch(),
                        request.memberId(),
                        Optional.ofNullable(request.groupInstanceId()),
                        request.generationId(),
                        commits)
                .thenApply(written -> {
                    errors.putAll(written);
                    return respond(request, errors);
                });
    }

    private static ApiResponse respond(TxnOffsetCommitRequestData request, Map<TopicPartition, Errors> errors) {
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
        return ApiResponse.of(response);
    }
}
