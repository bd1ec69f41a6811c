package io.sluice.broker.control;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.LeaderAndIsrRequestData;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrTopicState;
import org.apache.kafka.common.message.LeaderAndIsrResponseData;
import org.apache.kafka.common.message.LeaderAndIsrResponseData.LeaderAndIsrPartitionError;
import org.apache.kafka.common.message.LeaderAndIsrResponseData.LeaderAndIsrTopicError;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers LeaderAndIsr v5-v7 (topic ids, errors grouped by topic id; v6 adds the leader recovery state, v7 the KRaft
 * flag, which Sluice ignores). An accepted request goes to {@link ReplicaControl#becomeLeaderOrFollower}; a fenced
 * one is answered with the fencing error at the top level and for every partition, and nothing is applied.
 *
 * <p>Concurrency: stateless; serialized with the other control requests by the tracker's lock. May block (the
 * replica side may touch the disk).
 */
public final class LeaderAndIsrHandler implements ApiHandler<LeaderAndIsrRequestData> {
    private static final Logger log = LoggerFactory.getLogger(LeaderAndIsrHandler.class);
    static final short MIN_VERSION = 5;
    static final short MAX_VERSION = 7;

    private final ControllerEpochTracker tracker;
    private final ReplicaControl replicas;

    public LeaderAndIsrHandler(ControllerEpochTracker tracker, ReplicaControl replicas) {
        this.tracker = Objects.requireNonNull(tracker, "tracker");
        this.replicas = Objects.requireNonNull(replicas, "replicas");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LEADER_AND_ISR;
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
    public CompletionStage<ApiResponse> handle(RequestContext context, LeaderAndIsrRequestData request) {
        List<LeaderAndIsrPartitionState> states = new ArrayList<>();
        Map<String, Uuid> topicIds = new HashMap<>();
        for (LeaderAndIsrTopicState topic : request.topicStates()) {
            topicIds.put(topic.topicName(), topic.topicId());
            for (LeaderAndIsrPartitionState state : topic.partitionStates()) {
                states.add(state.setTopicName(topic.topicName()));
            }
        }
        LeaderAndIsrResponseData response = tracker.fenced(
                "LeaderAndIsr",
                request.controllerId(),
                request.controllerEpoch(),
                request.brokerEpoch(),
                () -> {
                    Map<TopicPartition, Errors> errors = replicas.becomeLeaderOrFollower(
                            request.controllerId(), request.controllerEpoch(), states, topicIds);
                    return response(request, Errors.NONE, tp -> errorFor(errors, tp));
                },
                error -> response(request, error, tp -> error));
        return CompletableFuture.completedFuture(ApiResponse.of(response));
    }

    private static Errors errorFor(Map<TopicPartition, Errors> errors, TopicPartition tp) {
        Errors error = errors.get(tp);
        if (error == null) {
            log.error("Replica control returned no result for {}; answering UNKNOWN_SERVER_ERROR", tp);
            return Errors.UNKNOWN_SERVER_ERROR;
        }
        return error;
    }

    private static LeaderAndIsrResponseData response(
            LeaderAndIsrRequestData request, Errors topLevel, Function<TopicPartition, Errors> partitionError) {
        LeaderAndIsrResponseData response = new LeaderAndIsrResponseData().setErrorCode(topLevel.code());
        for (LeaderAndIsrTopicState topic : request.topicStates()) {
            LeaderAndIsrTopicError topicError = new LeaderAndIsrTopicError().setTopicId(topic.topicId());
            for (LeaderAndIsrPartitionState state : topic.partitionStates()) {
                TopicPartition tp = new TopicPartition(topic.topicName(), state.partitionIndex());
                topicError
                        .partitionErrors()
                        .add(new LeaderAndIsrPartitionError()
                                .setTopicName(topic.topicName())
                                .setPartitionIndex(state.partitionIndex())
                                .setErrorCode(partitionError.apply(tp).code()));
            }
            response.topics().add(topicError);
        }
        return response;
    }
}
