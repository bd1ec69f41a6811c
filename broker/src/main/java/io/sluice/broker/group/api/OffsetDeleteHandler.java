package io.sluice.broker.group.api;

import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.group.GroupCoordinator;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * OffsetDelete v0: deletes committed offsets of a group. Partitions of topics a consumer group with members
 * subscribes to get {@code GROUP_SUBSCRIBED_TO_TOPIC}, unknown partitions {@code UNKNOWN_TOPIC_OR_PARTITION}; a
 * non-consumer group with members is {@code NON_EMPTY_GROUP}.
 */
public final class OffsetDeleteHandler extends GroupApiHandler<OffsetDeleteRequestData> {
    private final Predicate<TopicPartition> knownPartition;

    public OffsetDeleteHandler(GroupCoordinator coordinator, Predicate<TopicPartition> knownPartition) {
        super(coordinator, ApiKeys.OFFSET_DELETE, OffsetDeleteRequestData.HIGHEST_SUPPORTED_VERSION);
        this.knownPartition = Objects.requireNonNull(knownPartition, "knownPartition");
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, OffsetDeleteRequestData request) {
        List<TopicPartition> known = new ArrayList<>();
        for (OffsetDeleteRequestTopic topic : request.topics()) {
            for (OffsetDeleteRequestPartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                if (knownPartition.test(tp)) {
                    known.add(tp);
                }
            }
        }
        return coordinator.deleteOffsets(request.groupId(), known).thenApply(result -> {
            OffsetDeleteResponseData response = new OffsetDeleteResponseData()
                    .setThrottleTimeMs(0)
                    .setErrorCode(result.error().code());
            if (result.error() == Errors.NONE) {
                for (OffsetDeleteRequestTopic topic : request.topics()) {
                    OffsetDeleteResponseTopic answer = new OffsetDeleteResponseTopic().setName(topic.name());
                    for (OffsetDeleteRequestPartition p : topic.partitions()) {
                        TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                        Errors error = result.partitions().getOrDefault(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                        answer.partitions()
                                .add(new OffsetDeleteResponsePartition()
                                        .setPartitionIndex(p.partitionIndex())
                                        .setErrorCode(error.code()));
                    }
                    response.topics().add(answer);
                }
            }
            return ApiResponse.of(response);
        });
    }
}
