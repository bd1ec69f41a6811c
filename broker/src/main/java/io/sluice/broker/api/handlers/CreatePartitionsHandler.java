package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.controller.Controller;
import io.sluice.metadata.model.TopicNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers CreatePartitions v0-v3 ({@code AdminClient.createPartitions}, {@code kafka-topics --alter --partitions}) by
 * forwarding to the controller this broker runs. Not the active controller: {@code NOT_CONTROLLER} for every topic. A
 * topic named twice gets one result, {@code INVALID_REQUEST} ("Duplicate topic in request."), as in Kafka; an illegal
 * name ({@link TopicNames}) is {@code INVALID_TOPIC_EXCEPTION} and never reaches the controller. The controller
 * validates the rest (unknown topic, a count not above the current one, the partition limits, manual assignments,
 * replication factor against live brokers) and its per-topic error and message pass through.
 *
 * <p>{@code timeoutMs}: the controller answers once the new partitions are initialized; if that takes longer, the
 * forwarded topics are answered {@code REQUEST_TIMED_OUT} (the change is not undone). With {@code timeoutMs <= 0} the
 * answer waits for the controller, bounded by 60 s.
 *
 * <p>Concurrency: immutable; the controller's answer is composed, never waited for.
 */
public final class CreatePartitionsHandler implements ApiHandler<CreatePartitionsRequestData> {
    private static final Logger log = LoggerFactory.getLogger(CreatePartitionsHandler.class);

    static final short MIN_VERSION = 0;
    static final short MAX_VERSION = 3;

    private final Controller controller;

    public CreatePartitionsHandler(Controller controller) {
        this.controller = Objects.requireNonNull(controller, "controller");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CREATE_PARTITIONS;
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
    public CompletionStage<ApiResponse> handle(RequestContext context, CreatePartitionsRequestData request) {
        Map<String, CreatePartitionsTopicResult> results = new LinkedHashMap<>();
        Map<String, Integer> occurrences = new HashMap<>();
        for (CreatePartitionsTopic t : request.topics()) {
            occurrences.merge(t.name(), 1, Integer::sum);
            results.computeIfAbsent(t.name(), n -> new CreatePartitionsTopicResult().setName(n));
        }
        if (!controller.isActive()) {
            String message = "Broker " + controller.brokerId() + " is not the active controller";
            results.values()
                    .forEach(r -> r.setErrorCode(Errors.NOT_CONTROLLER.code()).setErrorMessage(message));
            return respond(results);
        }
        CreatePartitionsRequestData forward = new CreatePartitionsRequestData()
                .setTimeoutMs(request.timeoutMs())
                .setValidateOnly(request.validateOnly());
        for (CreatePartitionsTopic t : request.topics()) {
            CreatePartitionsTopicResult result = results.get(t.name());
            if (occurrences.get(t.name()) > 1) {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Duplicate topic in request.");
                continue;
            }
            Optional<String> invalidName = TopicNames.invalidReason(t.name());
            if (invalidName.isPresent()) {
                result.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code()).setErrorMessage(invalidName.get());
                continue;
            }
            forward.topics().add(t.duplicate());
            result.setErrorCode(Errors.REQUEST_TIMED_OUT.code())
                    .setErrorMessage("Timed out after " + request.timeoutMs()
                            + " ms waiting for the controller to create the partitions");
        }
        if (forward.topics().isEmpty()) {
            return respond(results);
        }
        long waitMs = request.timeoutMs() > 0 ? request.timeoutMs() : CreateTopicsHandler.UNBOUNDED_WAIT_MS;
        return controller
                .createPartitions(forward, request.validateOnly())
                .toCompletableFuture()
                .thenApply(Optional::of)
                .completeOnTimeout(Optional.empty(), waitMs, TimeUnit.MILLISECONDS)
                .thenApply(answer -> {
                    if (answer.isEmpty()) {
                        log.warn(
                                "[CreatePartitions broker={}] controller did not answer within {} ms",
                                controller.brokerId(),
                                waitMs);
                    } else {
                        for (CreatePartitionsTopicResult r : answer.get().results()) {
                            CreatePartitionsTopicResult result = results.get(r.name());
                            if (result != null && occurrences.get(r.name()) == 1) {
                                boolean ok = r.errorCode() == Errors.NONE.code();
                                result.setErrorCode(r.errorCode()).setErrorMessage(ok ? null : r.errorMessage());
                            }
                        }
                    }
                    return ApiResponse.of(
                            new CreatePartitionsResponseData().setResults(new ArrayList<>(results.values())));
                });
    }

    private static CompletionStage<ApiResponse> respond(Map<String, CreatePartitionsTopicResult> results) {
        return CompletableFuture.completedFuture(
                ApiResponse.of(new CreatePartitionsResponseData().setResults(new ArrayList<>(results.values()))));
    }
}
