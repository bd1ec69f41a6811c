package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.replication.partition.DeleteRecordsResult;
import io.sluice.replication.purgatory.Cancellable;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Answers DeleteRecords v0-v2 ({@code Admin#deleteRecords}, {@code kafka-delete-records.sh}, Kafka Streams purging
 * its repartition topics) on partition leaders, as Kafka does: each partition's log start offset (low watermark) is
 * raised to the requested offset ({@code -1}: the high watermark) on the leader, and the answer waits, up to the
 * request's timeout, until every in-sync follower has raised its own through the fetch protocol. Per partition:
 * NONE with the low watermark; {@code UNKNOWN_TOPIC_OR_PARTITION} for a partition the metadata does not know;
 * {@code NOT_LEADER_OR_FOLLOWER} on a broker that does not lead it; {@code OFFSET_OUT_OF_RANGE} for an offset above
 * the high watermark or below -1; {@code POLICY_VIOLATION} on a topic without the {@code delete} cleanup policy;
 * {@code REQUEST_TIMED_OUT} when the followers did not follow in time; a partition named twice is
 * {@code INVALID_REQUEST}.
 *
 * <p>Concurrency: stateless apart from its immutable collaborators; runs concurrently on request threads; the
 * answer completes on the calling thread or on the thread that handled the follower fetch that completed it.
 */
public final class DeleteRecordsHandler implements ApiHandler<DeleteRecordsRequestData> {

    /** Port onto {@code ReplicaManager#deleteRecords}; the callback runs exactly once. */
    @FunctionalInterface
    public interface RecordsDeleter {
        Cancellable deleteRecords(
                long timeoutMs,
                Map<TopicPartition, Long> offsets,
                Consumer<Map<TopicPartition, DeleteRecordsResult>> callback);
    }

    private final RecordsDeleter deleter;
    private final Predicate<TopicPartition> knownPartition;

    /**
     * @param deleter the replica manager's DeleteRecords
     * @param knownPartition whether the cluster metadata knows the partition
     */
    public DeleteRecordsHandler(RecordsDeleter deleter, Predicate<TopicPartition> knownPartition) {
        this.deleter = Objects.requireNonNull(deleter, "deleter");
        this.knownPartition = Objects.requireNonNull(knownPartition, "knownPartition");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_RECORDS;
    }

    @Override
    public short minVersion() {
        return 0;
    }

    @Override
    public short maxVersion() {
        return 2;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, DeleteRecordsRequestData request) {
        Map<TopicPartition, DeleteRecordsPartitionResult> early = new LinkedHashMap<>();
        Map<TopicPartition, Long> toDelete = new LinkedHashMap<>();
        Set<TopicPartition> seen = new HashSet<>();
        Set<TopicPartition> duplicated = new HashSet<>();
        for (DeleteRecordsTopic topic : request.topics()) {
            for (DeleteRecordsPartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                if (!seen.add(tp)) {
                    duplicated.add(tp);
                }
            }
        }
        for (DeleteRecordsTopic topic : request.topics()) {
            for (DeleteRecordsPartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                if (duplicated.contains(tp)) {
                    early.put(tp, result(tp, Errors.INVALID_REQUEST, -1L));
                } else if (!knownPartition.test(tp)) {
                    early.put(tp, result(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION, -1L));
                } else {
                    toDelete.put(tp, p.offset());
                }
            }
        }
        if (toDelete.isEmpty()) {
            return CompletableFuture.completedFuture(respond(request, early));
        }
        CompletableFuture<ApiResponse> answer = new CompletableFuture<>();
        Cancellable wait = deleter.deleteRecords(request.timeoutMs(), toDelete, results -> {
            Map<TopicPartition, DeleteRecordsPartitionResult> all = new LinkedHashMap<>(early);
            toDelete.keySet().forEach(tp -> {
                DeleteRecordsResult r = results.get(tp);
                all.put(
                        tp,
                        r == null
                                ? result(tp, Errors.NOT_LEADER_OR_FOLLOWER, -1L)
                                : result(tp, r.error(), r.error() == Errors.NONE ? r.lowWatermark() : -1L));
            });
            answer.complete(respond(request, all));
        });
        context.cancellation().onCancel(wait::cancel);
        return answer;
    }

    private static DeleteRecordsPartitionResult result(TopicPartition tp, Errors error, long lowWatermark) {
        return new DeleteRecordsPartitionResult()
                .setPartitionIndex(tp.partition())
                .setErrorCode(error.code())
                .setLowWatermark(lowWatermark);
    }

    private static ApiResponse respond(
            DeleteRecordsRequestData request, Map<TopicPartition, DeleteRecordsPartitionResult> byPartition) {
        DeleteRecordsResponseData response = new DeleteRecordsResponseData().setThrottleTimeMs(0);
        for (DeleteRecordsTopic topic : request.topics()) {
            DeleteRecordsTopicResult topicResult = response.topics().find(topic.name());
            if (topicResult == null) {
                topicResult = new DeleteRecordsTopicResult().setName(topic.name());
                response.topics().add(topicResult);
            }
            for (DeleteRecordsPartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                if (topicResult.partitions().find(p.partitionIndex()) == null) {
                    topicResult.partitions().add(byPartition.get(tp).duplicate());
                }
            }
        }
        return ApiResponse.of(response);
    }
}
