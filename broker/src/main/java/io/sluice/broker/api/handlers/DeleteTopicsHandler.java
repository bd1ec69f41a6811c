package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.controller.Controller;
import io.sluice.metadata.model.TopicNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers DeleteTopics v1-v6 ({@code AdminClient.deleteTopics}, {@code kafka-topics --delete}) by forwarding to the
 * controller this broker runs, as a ZooKeeper-mode Kafka broker does:
 *
 * <ul>
 *   <li>not the active controller: {@code NOT_CONTROLLER} for every topic (the client retries at the controller);
 *   <li>{@code delete.topic.enable=false}: {@code TOPIC_DELETION_DISABLED} for every topic ({@code INVALID_REQUEST}
 *       below v3, whose clients do not know that error);
 *   <li>v6 addresses topics by name or by id; an id is resolved through this broker's metadata, an unknown one is
 *       {@code UNKNOWN_TOPIC_ID}, and an entry with both a name and an id is {@code INVALID_REQUEST};
 *   <li>an illegal name ({@link TopicNames}: no topic can have it) is {@code INVALID_TOPIC_EXCEPTION};
 *   <li>the rest is queued for deletion by the controller, which answers per topic {@code NONE} once the topic is
 *       gone, {@code UNKNOWN_TOPIC_OR_PARTITION} for a topic it does not know, or {@code REQUEST_TIMED_OUT} if the
 *       deletion is not complete within {@code timeoutMs}.
 * </ul>
 *
 * With {@code timeoutMs <= 0} the answer does not wait for the deletion: a topic queued for deletion is answered
 * {@code NONE} at once, as Kafka does. A topic named twice gets one result per entry, with the same outcome.
 *
 * <p>Concurrency: immutable; the controller's answer is composed, never waited for.
 */
public final class DeleteTopicsHandler implements ApiHandler<DeleteTopicsRequestData> {
    private static final Logger log = LoggerFactory.getLogger(DeleteTopicsHandler.class);

    static final short MIN_VERSION = 1;
    static final short MAX_VERSION = 6;

    /** Extra wait beyond {@code timeoutMs} for the controller's own deadline to fire before this handler gives up. */
    static final long GRACE_MS = 5_000L;

    private static final short FIRST_VERSION_WITH_DELETION_DISABLED_ERROR = 3;

    private final Controller controller;
    private final boolean deleteTopicEnable;
    private final Function<Uuid, Optional<String>> topicNames;

    /**
     * @param controller this broker's controller candidate
     * @param deleteTopicEnable {@code delete.topic.enable}
     * @param topicNames resolves a topic id to its name (this broker's metadata), empty if unknown
     */
    public DeleteTopicsHandler(
            Controller controller, boolean deleteTopicEnable, Function<Uuid, Optional<String>> topicNames) {
        this.controller = Objects.requireNonNull(controller, "controller");
        this.deleteTopicEnable = deleteTopicEnable;
        this.topicNames = Objects.requireNonNull(topicNames, "topicNames");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_TOPICS;
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
    public CompletionStage<ApiResponse> handle(RequestContext context, DeleteTopicsRequestData request) {
        List<DeleteTopicState> entries = new ArrayList<>(request.topics());
        request.topicNames().forEach(n -> entries.add(new DeleteTopicState().setName(n)));
        List<DeletableTopicResult> results = new ArrayList<>();
        for (DeleteTopicState e : entries) {
            results.add(new DeletableTopicResult().setName(e.name()).setTopicId(e.topicId()));
        }
        if (!controller.isActive()) {
            String message = "Broker " + controller.brokerId() + " is not the active controller";
            results.forEach(r -> r.setErrorCode(Errors.NOT_CONTROLLER.code()).setErrorMessage(message));
            return respond(results);
        }
        if (!deleteTopicEnable) {
            Errors error = context.apiVersion() < FIRST_VERSION_WITH_DELETION_DISABLED_ERROR
                    ? Errors.INVALID_REQUEST
                    : Errors.TOPIC_DELETION_DISABLED;
            results.forEach(r -> r.setErrorCode(error.code()).setErrorMessage("Topic deletion is disabled."));
            return respond(results);
        }
        Set<String> toDelete = new LinkedHashSet<>();
        List<DeletableTopicResult> forwarded = new ArrayList<>();
        for (DeletableTopicResult r : results) {
            boolean byId = !Uuid.ZERO_UUID.equals(r.topicId());
            if (byId && r.name() != null) {
                r.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Topic name and topic ID can not both be specified.");
                continue;
            }
            if (byId) {
                Optional<String> name = topicNames.apply(r.topicId());
                if (name.isEmpty()) {
                    r.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())
                            .setErrorMessage("Topic id " + r.topicId() + " is not known.");
                    continue;
                }
                r.setName(name.get());
            }
            if (r.name() == null) {
                r.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                continue;
            }
            Optional<String> invalidName = TopicNames.invalidReason(r.name());
            if (invalidName.isPresent()) {
                r.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code()).setErrorMessage(invalidName.get());
                continue;
            }
            toDelete.add(r.name());
            forwarded.add(r);
        }
        if (toDelete.isEmpty()) {
            return respond(results);
        }
        int timeoutMs = request.timeoutMs();
        log.info(
                "[DeleteTopics broker={}] deleting {} for client {} (timeout {} ms)",
                controller.brokerId(),
                toDelete,
                context.clientId(),
                timeoutMs);
        return controller
                .deleteTopics(toDelete, Duration.ofMillis(Math.max(0, timeoutMs)))
                .toCompletableFuture()
                .thenApply(Optional::of)
                .completeOnTimeout(Optional.empty(), Math.max(0, timeoutMs) + GRACE_MS, TimeUnit.MILLISECONDS)
                .thenApply(answer -> {
                    Map<String, Errors> errors = answer.orElse(Map.of());
                    for (DeletableTopicResult r : forwarded) {
                        Errors error = errors.getOrDefault(r.name(), Errors.REQUEST_TIMED_OUT);
                        if (error == Errors.REQUEST_TIMED_OUT && timeoutMs <= 0 && answer.isPresent()) {
                            error = Errors.NONE; // queued for deletion; the client asked not to wait
                        }
                        r.setErrorCode(error.code()).setErrorMessage(error == Errors.NONE ? null : error.message());
                    }
                    return ApiResponse.of(new DeleteTopicsResponseData().setResponses(collection(results)));
                });
    }

    private static CompletionStage<ApiResponse> respond(List<DeletableTopicResult> results) {
        return CompletableFuture.completedFuture(
                ApiResponse.of(new DeleteTopicsResponseData().setResponses(collection(results))));
    }

    private static DeleteTopicsResponseData.DeletableTopicResultCollection collection(
            List<DeletableTopicResult> results) {
        DeleteTopicsResponseData.DeletableTopicResultCollection out =
                new DeleteTopicsResponseData.DeletableTopicResultCollection(results.size());
        out.addAll(results);
        return out;
    }
}
