package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.txn.TransactionCoordinator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResultCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Answers AddPartitionsToTxn v0-v3, the form producers send (one transactional id, its producer id and epoch, the
 * partitions). A partition the metadata does not know is {@code UNKNOWN_TOPIC_OR_PARTITION} and the others are then
 * {@code OPERATION_NOT_ATTEMPTED} (Kafka's rule); otherwise every partition gets the coordinator's answer. The batched
 * broker form (v4+, KIP-890 verification) is not served.
 *
 * <p>Concurrency: stateless; never blocks (the coordinator answers through a future).
 */
public final class AddPartitionsToTxnHandler implements ApiHandler<AddPartitionsToTxnRequestData> {
    private final TransactionCoordinator coordinator;
    private final Predicate<TopicPartition> knownPartition;

    public AddPartitionsToTxnHandler(TransactionCoordinator coordinator, Predicate<TopicPartition> knownPartition) {
        this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
        this.knownPartition = Objects.requireNonNull(knownPartition, "knownPartition");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ADD_PARTITIONS_TO_TXN;
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
    public CompletionStage<ApiResponse> handle(RequestContext context, AddPartitionsToTxnRequestData request) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (AddPartitionsToTxnTopic topic : request.v3AndBelowTopics()) {
            for (int p : topic.partitions()) {
                partitions.add(new TopicPartition(topic.name(), p));
            }
        }
        Map<TopicPartition, Errors> unknown = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            if (!knownPartition.test(tp)) {
                unknown.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
            }
        }
        if (!unknown.isEmpty()) {
            Map<TopicPartition, Errors> all = new LinkedHashMap<>();
            partitions.forEach(tp -> all.put(tp, unknown.getOrDefault(tp, Errors.OPERATION_NOT_ATTEMPTED)));
            return CompletableFuture.completedFuture(response(all));
        }
        return coordinator
                .addPartitions(
                        request.v3AndBelowTransactionalId(),
                        request.v3AndBelowProducerId(),
                        request.v3AndBelowProducerEpoch(),
                        partitions)
                .thenApply(error -> {
                    Map<TopicPartition, Errors> all = new LinkedHashMap<>();
                    partitions.forEach(tp -> all.put(tp, error));
                    return response(all);
                });
    }

    private static ApiResponse response(Map<TopicPartition, Errors> errors) {
        AddPartitionsToTxnTopicResultCollection topics = new AddPartitionsToTxnTopicResultCollection();
        errors.forEach((tp, error) -> {
            AddPartitionsToTxnTopicResult topic = topics.find(tp.topic());
            if (topic == null) {
                topic = new AddPartitionsToTxnTopicResult()
                        .setName(tp.topic())
                        .setResultsByPartition(new AddPartitionsToTxnPartitionResultCollection());
                topics.add(topic);
            }
            topic.resultsByPartition()
                    .add(new AddPartitionsToTxnPartitionResult()
                            .setPartitionIndex(tp.partition())
                            .setPartitionErrorCode(error.code()));
        });
        return ApiResponse.of(
                new AddPartitionsToTxnResponseData().setThrottleTimeMs(0).setResultsByTopicV3AndBelow(topics));
    }
}
