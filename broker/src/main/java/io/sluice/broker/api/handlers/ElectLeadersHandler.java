package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.controller.Controller;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers ElectLeaders v0-v2 ({@code AdminClient.electLeaders}, {@code kafka-leader-election}), which the AdminClient
 * sends to the controller: preferred (election type 0, the only type of v0) or unclean (1) elections, decided and
 * written by the controller, whose per-partition results ({@code ELECTION_NOT_NEEDED},
 * {@code PREFERRED_LEADER_NOT_AVAILABLE}, {@code UNKNOWN_TOPIC_OR_PARTITION}, ...) pass through. Null
 * {@code topicPartitions} means every partition.
 *
 * <p>A request-level error ({@code NOT_CONTROLLER} when this broker is not the active controller, or
 * {@code REQUEST_TIMED_OUT} when the controller does not answer within {@code timeoutMs}) is set as the top-level
 * error (v1+) and on every requested partition, as Kafka does, so that v0 clients, which have no top-level error, see
 * it too.
 *
 * <p>Concurrency: immutable; the controller's answer is composed, never waited for.
 */
public final class ElectLeadersHandler implements ApiHandler<ElectLeadersRequestData> {
    private static final Logger log = LoggerFactory.getLogger(ElectLeadersHandler.class);

    static final short MIN_VERSION = 0;
    static final short MAX_VERSION = 2;

    private static final short FIRST_VERSION_WITH_TOP_LEVEL_ERROR = 1;

    private final Controller controller;

    public ElectLeadersHandler(Controller controller) {
        this.controller = Objects.requireNonNull(controller, "controller");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ELECT_LEADERS;
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
    public CompletionStage<ApiResponse> handle(RequestContext context, ElectLeadersRequestData request) {
        if (!controller.isActive()) {
            return CompletableFuture.completedFuture(ApiResponse.of(failed(
                    request,
                    context.apiVersion(),
                    Errors.NOT_CONTROLLER,
                    "Broker " + controller.brokerId() + " is not the active controller")));
        }
        short version = context.apiVersion();
        long waitMs = request.timeoutMs() > 0 ? request.timeoutMs() : CreateTopicsHandler.UNBOUNDED_WAIT_MS;
        return controller
                .electLeaders(request)
                .toCompletableFuture()
                .thenApply(Optional::of)
                .completeOnTimeout(Optional.empty(), waitMs, TimeUnit.MILLISECONDS)
                .thenApply(answer -> {
                    if (answer.isEmpty()) {
                        log.warn(
                                "[ElectLeaders broker={}] controller did not answer within {} ms",
                                controller.brokerId(),
                                waitMs);
                        return ApiResponse.of(failed(
                                request,
                                version,
                                Errors.REQUEST_TIMED_OUT,
                                "Timed out after " + waitMs + " ms waiting for the elections"));
                    }
                    ElectLeadersResponseData response = answer.get();
                    Errors error = Errors.forCode(response.errorCode());
                    if (error != Errors.NONE
                            && response.replicaElectionResults().isEmpty()) {
                        return ApiResponse.of(failed(request, version, error, error.message()));
                    }
                    if (version < FIRST_VERSION_WITH_TOP_LEVEL_ERROR) {
                        response.setErrorCode(Errors.NONE.code());
                    }
                    return ApiResponse.of(response);
                });
    }

    /** The whole request failed with {@code error}: top level (v1+) and every named partition. */
    static ElectLeadersResponseData failed(
            ElectLeadersRequestData request, short version, Errors error, String message) {
        ElectLeadersResponseData response = new ElectLeadersResponseData();
        if (version >= FIRST_VERSION_WITH_TOP_LEVEL_ERROR) {
            response.setErrorCode(error.code());
        }
        if (request.topicPartitions() != null) {
            for (ElectLeadersRequestData.TopicPartitions t : request.topicPartitions()) {
                ReplicaElectionResult result = new ReplicaElectionResult().setTopic(t.topic());
                t.partitions()
                        .forEach(p -> result.partitionResult()
                                .add(new PartitionResult()
                                        .setPartitionId(p)
                                        .setErrorCode(error.code())
                                        .setErrorMessage(message)));
                response.replicaElectionResults().add(result);
            }
        }
        return response;
    }
}
