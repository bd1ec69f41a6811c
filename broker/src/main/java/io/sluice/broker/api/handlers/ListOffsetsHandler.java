package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.replication.partition.FetchIsolation;
import io.sluice.replication.partition.OffsetLookup;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListOffsetsRequest;

/**
 * Answers ListOffsets v1-v9 on partition leaders (docs/design.md#reads-below-hw). Per partition, by the requested timestamp:
 *
 * <ul>
 *   <li>{@code -2} (earliest) → the log start offset, below the first local segment for a topic with remote
 *       storage; {@code -4} (earliest local, v8+) → the first offset on local disk (the same without remote storage);
 *   <li>{@code -1} (latest) → the high watermark for read_uncommitted consumers, the last stable offset for
 *       read_committed ones, the log end for replicas;
 *   <li>{@code -3} (max timestamp, v7+) → the record with the largest timestamp;
 *   <li>{@code -5} (latest tiered, v9+) → the highest offset copied to the remote tier, -1 if none (as Kafka
 *       answers without tiered storage);
 *   <li>any other → the first offset whose timestamp is at or after it, offset -1 if none.
 * </ul>
 *
 * Consumers ({@code replicaId -1}) see only offsets below the high watermark (READ_UNCOMMITTED) or the last stable
 * offset (READ_COMMITTED, v2+); a new leader answers them {@code OFFSET_NOT_AVAILABLE}
 * until its high watermark reaches its epoch start. {@code currentLeaderEpoch} (v4+) fences: lower →
 * {@code FENCED_LEADER_EPOCH}, higher → {@code UNKNOWN_LEADER_EPOCH}. A partition this broker does not lead is
 * {@code NOT_LEADER_OR_FOLLOWER}, or {@code UNKNOWN_TOPIC_OR_PARTITION} when the metadata does not know it either;
 * a partition named twice is {@code INVALID_REQUEST}. v0 (several offsets per partition) is not served.
 *
 * <p>Concurrency: stateless apart from its immutable collaborators; runs concurrently on request threads
 * ({@link #mayBlock()} is true: lookups take partition locks and read index files).
 */
public final class ListOffsetsHandler implements ApiHandler<ListOffsetsRequestData> {
    static final short MIN_VERSION = 1;
    static final short MAX_VERSION = 9;
    private static final short LEADER_EPOCH_VERSION = 4;

    /** Port onto {@code ReplicaManager#listOffsets}. */
    @FunctionalInterface
    public interface OffsetLister {
        OffsetLookup listOffsets(TopicPartition tp, long timestamp, FetchIsolation isolation, int currentLeaderEpoch);
    }

    private final OffsetLister lister;
    private final Predicate<TopicPartition> knownPartition;

    /**
     * @param lister the replica manager's lookup ({@code replicaManager::listOffsets})
     * @param knownPartition whether the cluster metadata knows the partition
     */
    public ListOffsetsHandler(OffsetLister lister, Predicate<TopicPartition> knownPartition) {
        this.lister = Objects.requireNonNull(lister, "lister");
        this.knownPartition = Objects.requireNonNull(knownPartition, "knownPartition");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_OFFSETS;
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
    public CompletionStage<ApiResponse> handle(RequestContext context, ListOffsetsRequestData request) {
        short version = context.apiVersion();
        FetchIsolation isolation = request.replicaId() != ListOffsetsRequest.CONSUMER_REPLICA_ID
                ? FetchIsolation.LOG_END
                : request.isolationLevel() == IsolationLevel.READ_COMMITTED.id()
                        ? FetchIsolation.TXN_COMMITTED
                        : FetchIsolation.HIGH_WATERMARK;
        Set<TopicPartition> seen = new HashSet<>();
        Set<TopicPartition> duplicates = new HashSet<>();
        for (ListOffsetsTopic topic : request.topics()) {
            for (ListOffsetsPartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                if (!seen.add(tp)) {
                    duplicates.add(tp);
                }
            }
        }
        ListOffsetsResponseData response = new ListOffsetsResponseData().setThrottleTimeMs(0);
        for (ListOffsetsTopic topic : request.topics()) {
            ListOffsetsTopicResponse topicResponse = new ListOffsetsTopicResponse().setName(topic.name());
            for (ListOffsetsPartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                OffsetLookup lookup = duplicates.contains(tp)
                        ? OffsetLookup.error(Errors.INVALID_REQUEST)
                        : lookup(tp, p.timestamp(), isolation, p.currentLeaderEpoch());
                ListOffsetsPartitionResponse answer = new ListOffsetsPartitionResponse()
                        .setPartitionIndex(p.partitionIndex())
                        .setErrorCode(lookup.error().code())
                        .setTimestamp(lookup.timestamp())
                        .setOffset(lookup.offset());
                if (version >= LEADER_EPOCH_VERSION) {
                    answer.setLeaderEpoch(lookup.leaderEpoch());
                }
                topicResponse.partitions().add(answer);
            }
            response.topics().add(topicResponse);
        }
        return CompletableFuture.completedFuture(ApiResponse.of(response));
    }

    private OffsetLookup lookup(TopicPartition tp, long timestamp, FetchIsolation isolation, int currentLeaderEpoch) {
        OffsetLookup lookup = lister.listOffsets(tp, timestamp, isolation, currentLeaderEpoch);
        if (lookup.error() == Errors.NOT_LEADER_OR_FOLLOWER && !knownPartition.test(tp)) {
            return OffsetLookup.error(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        }
        if (lookup.error() != Errors.NONE) {
            return OffsetLookup.error(lookup.error());
        }
        return lookup;
    }
}
