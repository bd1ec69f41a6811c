package io.sluice.broker.group.api;

import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.group.CommittedOffset;
import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.group.GroupResults.FetchResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * OffsetFetch v0-v9. v0-v7 fetch one group (v2+ with a group-level error and all partitions when topics is null;
 * v0-v1 carry a group error in every partition), v8+ several groups. A partition without a committed offset gets
 * offset -1 and no error; v5+ carry the committed leader epoch. With {@code requireStable} (v7+) a partition whose
 * commit is still being written gets {@code UNSTABLE_OFFSET_COMMIT} (the client retries), as Kafka does.
 */
public final class OffsetFetchHandler extends GroupApiHandler<OffsetFetchRequestData> {
    private static final short TOP_LEVEL_ERROR_VERSION = 2;
    private static final short LEADER_EPOCH_VERSION = 5;
    private static final short REQUIRE_STABLE_VERSION = 7;
    private static final short MULTI_GROUP_VERSION = 8;

    public OffsetFetchHandler(GroupCoordinator coordinator) {
        super(coordinator, ApiKeys.OFFSET_FETCH, OffsetFetchRequestData.HIGHEST_SUPPORTED_VERSION);
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, OffsetFetchRequestData request) {
        short version = context.apiVersion();
        OffsetFetchResponseData response = new OffsetFetchResponseData().setThrottleTimeMs(0);
        if (version >= MULTI_GROUP_VERSION) {
            for (OffsetFetchRequestGroup group : request.groups()) {
                List<TopicPartition> partitions = group.topics() == null ? null : partitionsOf(group.topics());
                FetchResult result = coordinator.fetchOffsets(group.groupId(), partitions, request.requireStable());
                OffsetFetchResponseGroup answer = new OffsetFetchResponseGroup()
                        .setGroupId(group.groupId())
                        .setErrorCode(result.error().code());
                byTopic(result).forEach((topic, offsets) -> {
                    OffsetFetchResponseTopics topicAnswer = new OffsetFetchResponseTopics().setName(topic);
                    offsets.forEach((partition, offset) -> topicAnswer
                            .partitions()
                            .add(fill(
                                    new OffsetFetchResponsePartitions().setPartitionIndex(partition),
                                    offset,
                                    result.unstable().contains(new TopicPartition(topic, partition)))));
                    answer.topics().add(topicAnswer);
                });
                response.groups().add(answer);
            }
            return CompletableFuture.completedFuture(ApiResponse.of(response));
        }
        List<TopicPartition> partitions = null;
        if (request.topics() != null) {
            partitions = new ArrayList<>();
            for (OffsetFetchRequestTopic topic : request.topics()) {
                for (int partition : topic.partitionIndexes()) {
                    partitions.add(new TopicPartition(topic.name(), partition));
                }
            }
        }
        FetchResult result = coordinator.fetchOffsets(
                request.groupId(), partitions, version >= REQUIRE_STABLE_VERSION && request.requireStable());
        if (result.error() != Errors.NONE && partitions != null) {
            Map<TopicPartition, CommittedOffset> none = new LinkedHashMap<>();
            partitions.forEach(tp -> none.put(tp, null));
            result = new FetchResult(result.error(), none, Set.of());
        }
        Errors groupError = version < TOP_LEVEL_ERROR_VERSION ? result.error() : Errors.NONE;
        FetchResult fetched = result;
        byTopic(result).forEach((topic, offsets) -> {
            OffsetFetchResponseTopic topicAnswer = new OffsetFetchResponseTopic().setName(topic);
            offsets.forEach((partition, committed) -> {
                boolean unstable = fetched.unstable().contains(new TopicPartition(topic, partition));
                CommittedOffset offset = unstable ? null : committed;
                Errors partitionError = unstable ? Errors.UNSTABLE_OFFSET_COMMIT : groupError;
                OffsetFetchResponsePartition answer = new OffsetFetchResponsePartition().setPartitionIndex(partition);
                answer.setCommittedOffset(offset == null ? -1 : offset.offset())
                        .setCommittedLeaderEpoch(
                                offset == null || version < LEADER_EPOCH_VERSION ? -1 : offset.leaderEpoch())
                        .setMetadata(offset == null ? "" : offset.metadata())
                        .setErrorCode(partitionError.code());
                topicAnswer.partitions().add(answer);
            });
            response.topics().add(topicAnswer);
        });
        if (version >= TOP_LEVEL_ERROR_VERSION) {
            response.setErrorCode(result.error().code());
        }
        return CompletableFuture.completedFuture(ApiResponse.of(response));
    }

    private static OffsetFetchResponsePartitions fill(
            OffsetFetchResponsePartitions answer, CommittedOffset committed, boolean unstable) {
        CommittedOffset offset = unstable ? null : committed;
        return answer.setCommittedOffset(offset == null ? -1 : offset.offset())
                .setCommittedLeaderEpoch(offset == null ? -1 : offset.leaderEpoch())
                .setMetadata(offset == null ? "" : offset.metadata())
                .setErrorCode((unstable ? Errors.UNSTABLE_OFFSET_COMMIT : Errors.NONE).code());
    }

    private static List<TopicPartition> partitionsOf(List<OffsetFetchRequestTopics> topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (OffsetFetchRequestTopics topic : topics) {
            for (int partition : topic.partitionIndexes()) {
                partitions.add(new TopicPartition(topic.name(), partition));
            }
        }
        return partitions;
    }

    /** The result's partitions grouped by topic, keeping the order they came in. */
    private static Map<String, Map<Integer, CommittedOffset>> byTopic(FetchResult result) {
        Map<String, Map<Integer, CommittedOffset>> byTopic = new LinkedHashMap<>();
        result.offsets()
                .forEach((tp, offset) -> byTopic.computeIfAbsent(tp.topic(), t -> new LinkedHashMap<>())
                        .put(tp.partition(), offset));
        return byTopic;
    }
}
