package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.replication.partition.Partition;
import io.sluice.replication.producer.ActiveProducer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.ProducerState;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Answers DescribeProducers v0 ({@code kafka-transactions.sh describe-producers}): per partition this broker leads,
 * the producers in its producer state with epoch, last sequence, last timestamp, the coordinator epoch of their last
 * marker and the start offset of their open transaction; NOT_LEADER_OR_FOLLOWER for partitions it does not lead,
 * UNKNOWN_TOPIC_OR_PARTITION for partitions the cluster does not have.
 *
 * <p>Concurrency: stateless; reads each partition's producer state under its log lock (short).
 */
public final class DescribeProducersHandler implements ApiHandler<DescribeProducersRequestData> {
    private final Function<TopicPartition, Optional<Partition>> partitions;
    private final Predicate<TopicPartition> known;

    /**
     * @param partitions the partitions hosted here
     * @param known whether the cluster has a partition
     */
    public DescribeProducersHandler(
            Function<TopicPartition, Optional<Partition>> partitions, Predicate<TopicPartition> known) {
        this.partitions = Objects.requireNonNull(partitions, "partitions");
        this.known = Objects.requireNonNull(known, "known");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_PRODUCERS;
    }

    @Override
    public short minVersion() {
        return 0;
    }

    @Override
    public short maxVersion() {
        return 0;
    }

    @Override
    public boolean mayBlock() {
        return false;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, DescribeProducersRequestData request) {
        List<TopicResponse> topics = new ArrayList<>();
        for (DescribeProducersRequestData.TopicRequest topic : request.topics()) {
            List<PartitionResponse> results = new ArrayList<>();
            for (int index : topic.partitionIndexes()) {
                results.add(describe(new TopicPartition(topic.name(), index)));
            }
            topics.add(new TopicResponse().setName(topic.name()).setPartitions(results));
        }
        return CompletableFuture.completedFuture(ApiResponse.of(
                new DescribeProducersResponseData().setThrottleTimeMs(0).setTopics(topics)));
    }

    private PartitionResponse describe(TopicPartition tp) {
        PartitionResponse response = new PartitionResponse().setPartitionIndex(tp.partition());
        Optional<Partition> hosted = partitions.apply(tp);
        if (hosted.isEmpty() || !hosted.get().isLeader()) {
            Errors error = hosted.isPresent() || known.test(tp)
                    ? Errors.NOT_LEADER_OR_FOLLOWER
                    : Errors.UNKNOWN_TOPIC_OR_PARTITION;
            return response.setErrorCode(error.code()).setErrorMessage(error.message());
        }
        List<ProducerState> producers = new ArrayList<>();
        for (ActiveProducer p : hosted.get().activeProducers()) {
            producers.add(new ProducerState()
                    .setProducerId(p.producerId())
                    .setProducerEpoch(p.producerEpoch())
                    .setLastSequence(p.lastSequence())
                    .setLastTimestamp(p.lastTimestamp())
                    .setCoordinatorEpoch(p.coordinatorEpoch())
                    .setCurrentTxnStartOffset(p.currentTxnStartOffset()));
        }
        return response.setErrorCode(Errors.NONE.code()).setActiveProducers(producers);
    }
}
