package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.group.OffsetsTopic;
import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.metadata.MetadataSnapshot;
import io.sluice.broker.txn.TransactionStateTopic;
import io.sluice.metadata.model.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.function.ToIntBiFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers FindCoordinator v0-v6: v0-v3 carry one key (v0 always a group, v1+ with a key type) and answer at the top
 * level (error message from v1); v4+ carry a batch of keys ({@code coordinatorKeys}) and answer one
 * {@link Coordinator} per key; v6 adds the share key type.
 *
 * <p>A group's coordinator is the leader of partition {@link OffsetsTopic#partitionFor} of {@value OffsetsTopic#NAME}
 * (with the topic's partition count), named by its endpoint on the listener the request came in on. While the topic
 * does not exist its creation is started (concurrent requests share one creation) and the answer is
 * {@code COORDINATOR_NOT_AVAILABLE}, as it is while the partition has no live leader or the leader has no endpoint on
 * that listener; the client retries.
 *
 * <p>A transactional id's coordinator is found the same way over {@value TransactionStateTopic#NAME} (created on
 * first use with the {@code transaction.state.log.*} settings). Share keys are answered with {@code INVALID_REQUEST}
 * and the message "{@value #NO_SHARE_COORDINATOR}".
 *
 * <p>Concurrency: stateless over one metadata snapshot per request; never blocks (the creation runs asynchronously),
 * so it runs inline on event loops.
 */
public final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequestData> {
    private static final Logger log = LoggerFactory.getLogger(FindCoordinatorHandler.class);
    static final short MIN_VERSION = 0;
    static final short MAX_VERSION = 6;
    static final short FIRST_BATCHED_VERSION = 4;

    static final byte GROUP = 0;
    static final byte TRANSACTION = 1;
    static final byte SHARE = 2;

    static final String NO_SHARE_COORDINATOR = "Sluice has no share group coordinator";

    private static final int NO_NODE = -1;

    private final MetadataCache cache;
    private final Supplier<CompletionStage<Errors>> createOffsetsTopic;
    private final Supplier<CompletionStage<Errors>> createTransactionStateTopic;

    /**
     * @param createOffsetsTopic starts (or joins) the creation of {@value OffsetsTopic#NAME}; must not block
     * @param createTransactionStateTopic the same for {@value TransactionStateTopic#NAME}
     */
    public FindCoordinatorHandler(
            MetadataCache cache,
            Supplier<CompletionStage<Errors>> createOffsetsTopic,
            Supplier<CompletionStage<Errors>> createTransactionStateTopic) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.createOffsetsTopic = Objects.requireNonNull(createOffsetsTopic, "createOffsetsTopic");
        this.createTransactionStateTopic =
                Objects.requireNonNull(createTransactionStateTopic, "createTransactionStateTopic");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.FIND_COORDINATOR;
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
    public boolean mayBlock() {
        return false;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, FindCoordinatorRequestData request) {
        short version = context.apiVersion();
        byte keyType = version == 0 ? GROUP : request.keyType();
        MetadataSnapshot snapshot = cache.snapshot();
        FindCoordinatorResponseData response = new FindCoordinatorResponseData().setThrottleTimeMs(0);
        if (version < FIRST_BATCHED_VERSION) {
            Coordinator answer = find(snapshot, keyType, request.key(), context);
            response.setErrorCode(answer.errorCode())
                    .setErrorMessage(version >= 1 ? answer.errorMessage() : null)
                    .setNodeId(answer.nodeId())
                    .setHost(answer.host())
                    .setPort(answer.port());
        } else {
            List<Coordinator> coordinators =
                    new ArrayList<>(request.coordinatorKeys().size());
            for (String key : request.coordinatorKeys()) {
                coordinators.add(find(snapshot, keyType, key, context));
            }
            response.setCoordinators(coordinators);
        }
        return CompletableFuture.completedFuture(ApiResponse.of(response));
    }

    private Coordinator find(MetadataSnapshot snapshot, byte keyType, String key, RequestContext context) {
        return switch (keyType) {
            case GROUP ->
                coordinator(snapshot, key, context, OffsetsTopic.NAME, OffsetsTopic::partitionFor, createOffsetsTopic);
            case TRANSACTION ->
                coordinator(
                        snapshot,
                        key,
                        context,
                        TransactionStateTopic.NAME,
                        TransactionStateTopic::partitionFor,
                        createTransactionStateTopic);
            case SHARE -> error(key, Errors.INVALID_REQUEST, NO_SHARE_COORDINATOR);
            default -> error(key, Errors.INVALID_REQUEST, "Unknown coordinator key type " + keyType);
        };
    }

    private Coordinator coordinator(
            MetadataSnapshot snapshot,
            String groupId,
            RequestContext context,
            String topic,
            ToIntBiFunction<String, Integer> partitionFor,
            Supplier<CompletionStage<Errors>> create) {
        if (groupId == null) {
            return error(null, Errors.INVALID_REQUEST, "The group id is null");
        }
        if (groupId.isEmpty() && topic.equals(TransactionStateTopic.NAME)) {
            return error(groupId, Errors.INVALID_REQUEST, "The transactional id is empty");
        }
        OptionalInt partitions = snapshot.numPartitions(topic);
        if (partitions.isEmpty()) {
            startCreation(context, topic, create);
            return error(groupId, Errors.COORDINATOR_NOT_AVAILABLE, "The coordinator is not available");
        }
        TopicPartition tp = new TopicPartition(topic, partitionFor.applyAsInt(groupId, partitions.getAsInt()));
        Optional<Endpoint> endpoint = snapshot.leaderEndpoint(tp, context.listenerName());
        if (endpoint.isEmpty()) {
            log.debug(
                    "No coordinator for '{}': {} has no live leader with a {} endpoint",
                    groupId,
                    tp,
                    context.listenerName());
            return error(groupId, Errors.COORDINATOR_NOT_AVAILABLE, "The coordinator is not available");
        }
        Endpoint e = endpoint.get();
        return new Coordinator()
                .setKey(groupId)
                .setErrorCode(Errors.NONE.code())
                .setErrorMessage(null)
                .setNodeId(snapshot.partitionState(tp).orElseThrow().leader())
                .setHost(e.host())
                .setPort(e.port());
    }

    private void startCreation(RequestContext context, String topic, Supplier<CompletionStage<Errors>> create) {
        log.debug("{} does not exist; creating it for FindCoordinator from client '{}'", topic, context.clientId());
        try {
            create.get().whenComplete((error, failure) -> {
                if (failure != null) {
                    log.warn("Creating {} failed: {}", topic, failure.toString());
                } else if (error != Errors.NONE) {
                    log.warn("Creating {} refused: {}", topic, error);
                }
            });
        } catch (RuntimeException e) {
            log.warn("Creating {} failed: {}", topic, e.toString());
        }
    }

    private static Coordinator error(String key, Errors error, String message) {
        return new Coordinator()
                .setKey(key == null ? "" : key)
                .setErrorCode(error.code())
                .setErrorMessage(message)
                .setNodeId(NO_NODE)
                .setHost("")
                .setPort(NO_NODE);
    }
}
