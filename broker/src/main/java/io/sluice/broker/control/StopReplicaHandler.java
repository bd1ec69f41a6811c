package io.sluice.broker.control;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.StopReplicaRequestData;
import org.apache.kafka.common.message.StopReplicaRequestData.StopReplicaPartitionState;
import org.apache.kafka.common.message.StopReplicaRequestData.StopReplicaTopicState;
import org.apache.kafka.common.message.StopReplicaResponseData;
import org.apache.kafka.common.message.StopReplicaResponseData.StopReplicaPartitionError;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers StopReplica v3-v4 (per-partition leader epoch and delete flag; v4 adds the KRaft flag, which Sluice
 * ignores). An accepted request goes to {@link ReplicaControl#stopReplicas}; a fenced one is answered with the fencing
 * error at the top level and for every partition, and nothing is stopped.
 *
 * <p>Concurrency: stateless; serialized with the other control requests by the tracker's lock. May block.
 */
public final class StopReplicaHandler implements ApiHandler<StopReplicaRequestData> {
    private static final Logger log = LoggerFactory.getLogger(StopReplicaHandler.class);
    static final short MIN_VERSION = 3;
    static final short MAX_VERSION = 4;

    private final ControllerEpochTracker tracker;
    private final ReplicaControl replicas;

    public StopReplicaHandler(ControllerEpochTracker tracker, ReplicaControl replicas) {
        this.tracker = Objects.requireNonNull(tracker, "tracker");
        this.replicas = Objects.requireNonNull(replicas, "replicas");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.STOP_REPLICA;
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
    public CompletionStage<ApiResponse> handle(RequestContext context, StopReplicaRequestData request) {
        List<StopReplicaPartition> partitions = new ArrayList<>();
        for (StopReplicaTopicState topic : request.topicStates()) {
            for (StopReplicaPartitionState p : topic.partitionStates()) {
                partitions.add(new StopReplicaPartition(
                        new TopicPartition(topic.topicName(), p.partitionIndex()),
                        p.leaderEpoch(),
                        p.deletePartition()));
            }
        }
        StopReplicaResponseData response = tracker.fenced(
                "StopReplica",
                request.controllerId(),
                request.controllerEpoch(),
                request.brokerEpoch(),
                () -> {
                    Map<TopicPartition, Errors> errors = replicas.stopReplicas(request.controllerEpoch(), partitions);
                    return response(partitions, Errors.NONE, tp -> {
                        Errors error = errors.get(tp);
                        if (error == null) {
                            log.error("Replica control returned no result for {}; answering UNKNOWN_SERVER_ERROR", tp);
                            return Errors.UNKNOWN_SERVER_ERROR;
                        }
                        return error;
                    });
                },
                error -> response(partitions, error, tp -> error));
        return CompletableFuture.completedFuture(ApiResponse.of(response));
    }

    private static StopReplicaResponseData response(
            List<StopReplicaPartition> partitions, Errors topLevel, Function<TopicPartition, Errors> partitionError) {
        StopReplicaResponseData response = new StopReplicaResponseData().setErrorCode(topLevel.code());
        for (StopReplicaPartition p : partitions) {
            TopicPartition tp = p.topicPartition();
            response.partitionErrors()
                    .add(new StopReplicaPartitionError()
                            .setTopicName(tp.topic())
                            .setPartitionIndex(tp.partition())
                            .setErrorCode(partitionError.apply(tp).code()));
        }
        return response;
    }
}
