package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.metadata.MetadataSnapshot;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.TopicNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers Metadata v1-v12 from one {@link MetadataSnapshot}: cluster id, the real controller id (AdminClient sends
 * CreateTopics and DeleteTopics there; {@code -1} before the first UpdateMetadata), the live brokers with racks that
 * have an endpoint on the request's listener, and the requested topics (all of them when {@code topics} is null).
 *
 * <p>Per topic: partitions with leader, leader epoch, replicas, ISR and offline replicas ({@code LEADER_NOT_AVAILABLE}
 * without a live leader; {@code LISTENER_NOT_FOUND} from v6 when the leader has no endpoint on the listener); topic
 * ids from v10. An unknown topic is {@code INVALID_TOPIC_EXCEPTION} if its name is illegal; otherwise, when
 * {@code auto.create.topics.enable} is on and the request allows it ({@code allowAutoTopicCreation}, always below
 * v4), its creation is started through the {@link AutoTopicCreator} and the topic is answered with
 * {@code LEADER_NOT_AVAILABLE} (the client retries until leaders exist), or with the creation's error; else
 * {@code UNKNOWN_TOPIC_OR_PARTITION}. Topics requested by id (v12) that are unknown get {@code UNKNOWN_TOPIC_ID}.
 * Authorized operations (v8+) are all operations when asked for: Sluice has no authorizer.
 *
 * <p>Concurrency: stateless over the cache snapshot; never blocks (auto-creation completes the response
 * asynchronously), so it runs inline on event loops.
 */
public final class MetadataHandler implements ApiHandler<MetadataRequestData> {
    private static final Logger log = LoggerFactory.getLogger(MetadataHandler.class);
    static final short MIN_VERSION = 1;
    static final short MAX_VERSION = 12;

    private final MetadataCache cache;
    private final boolean autoCreateTopicsEnable;
    private final AutoTopicCreator creator;
    private final Duration creationWait;

    /**
     * @param autoCreateTopicsEnable {@code auto.create.topics.enable}
     * @param creationWait how long a response waits for the creator's answer before reporting
     *     {@code LEADER_NOT_AVAILABLE} anyway (the creation carries on)
     */
    public MetadataHandler(
            MetadataCache cache, boolean autoCreateTopicsEnable, AutoTopicCreator creator, Duration creationWait) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.autoCreateTopicsEnable = autoCreateTopicsEnable;
        this.creator = Objects.requireNonNull(creator, "creator");
        this.creationWait = Objects.requireNonNull(creationWait, "creationWait");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.METADATA;
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
    public CompletionStage<ApiResponse> handle(RequestContext context, MetadataRequestData request) {
        short version = context.apiVersion();
        String listener = context.listenerName();
        boolean errorUnavailableListeners = version >= 6;
        MetadataSnapshot snapshot = cache.snapshot();
        MetadataResponseData response = new MetadataResponseData()
                .setThrottleTimeMs(0)
                .setClusterId(snapshot.clusterId())
                .setControllerId(snapshot.controllerId().orElse(-1))
                .setClusterAuthorizedOperations(
                        version >= 8 && version <= 10 && request.includeClusterAuthorizedOperations()
                                ? AuthorizedOperations.CLUSTER
                                : AuthorizedOperations.NOT_REQUESTED);
        for (BrokerInfo broker : snapshot.aliveBrokers()) {
            broker.endpoint(listener)
                    .ifPresent(e -> response.brokers()
                            .add(new MetadataResponseBroker()
                                    .setNodeId(broker.id())
                                    .setHost(e.host())
                                    .setPort(e.port())
                                    .setRack(broker.rack().orElse(null))));
        }
        int topicOperations = request.includeTopicAuthorizedOperations()
                ? AuthorizedOperations.TOPIC
                : AuthorizedOperations.NOT_REQUESTED;

        if (request.topics() == null) {
            for (MetadataResponseTopic topic :
                    snapshot.topicMetadata(new TreeSet<>(snapshot.topicNames()), listener, errorUnavailableListeners)) {
                response.topics().add(topic.setTopicAuthorizedOperations(topicOperations));
            }
            return CompletableFuture.completedFuture(ApiResponse.of(response));
        }

        boolean mayCreate = autoCreateTopicsEnable && (version < 4 || request.allowAutoTopicCreation());
        Map<String, CompletableFuture<MetadataResponseTopic>> answers = new LinkedHashMap<>();
        List<MetadataResponseTopic> byId = new ArrayList<>();
        for (MetadataRequestTopic requested : request.topics()) {
            String name = requested.name();
            if (name == null) {
                byId.add(topicById(snapshot, requested.topicId(), version, listener, topicOperations));
                continue;
            }
            if (answers.containsKey(name)) {
                continue;
            }
            List<MetadataResponseTopic> known =
                    snapshot.topicMetadata(List.of(name), listener, errorUnavailableListeners);
            if (!known.isEmpty()) {
                answers.put(
                        name,
                        CompletableFuture.completedFuture(known.get(0).setTopicAuthorizedOperations(topicOperations)));
            } else if (!TopicNames.isValid(name)) {
                answers.put(name, CompletableFuture.completedFuture(errorTopic(name, Errors.INVALID_TOPIC_EXCEPTION)));
            } else if (mayCreate) {
                answers.put(name, autoCreate(name, context));
            } else {
                answers.put(
                        name, CompletableFuture.completedFuture(errorTopic(name, Errors.UNKNOWN_TOPIC_OR_PARTITION)));
            }
        }
        response.topics().addAll(byId);
        return CompletableFuture.allOf(answers.values().toArray(CompletableFuture[]::new))
                .thenApply(ignored -> {
                    for (CompletableFuture<MetadataResponseTopic> answer : answers.values()) {
                        response.topics().add(answer.join());
                    }
                    return ApiResponse.of(response);
                });
    }

    private MetadataResponseTopic topicById(
            MetadataSnapshot snapshot, Uuid topicId, short version, String listener, int topicOperations) {
        return snapshot.topicName(topicId)
                .flatMap(name -> snapshot.topicMetadata(List.of(name), listener, true).stream()
                        .findFirst())
                .map(t -> t.setTopicAuthorizedOperations(topicOperations))
                .orElseGet(() -> new MetadataResponseTopic()
                        .setName(version >= 12 ? null : "")
                        .setTopicId(topicId)
                        .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
    }

    private CompletableFuture<MetadataResponseTopic> autoCreate(String topic, RequestContext context) {
        log.info("Auto-creating topic '{}' requested by client '{}'", topic, context.clientId());
        CompletableFuture<Errors> created;
        try {
            created = creator.create(topic).toCompletableFuture().thenApply(e -> e);
        } catch (RuntimeException e) {
            created = CompletableFuture.failedFuture(e);
        }
        return created.completeOnTimeout(Errors.NONE, creationWait.toMillis(), TimeUnit.MILLISECONDS)
                .handle((error, failure) -> {
                    if (failure != null) {
                        log.warn("Auto-creation of topic '{}' failed: {}", topic, failure.toString());
                        return errorTopic(topic, Errors.LEADER_NOT_AVAILABLE);
                    }
                    if (error == Errors.NONE || error == Errors.TOPIC_ALREADY_EXISTS) {
                        return errorTopic(topic, Errors.LEADER_NOT_AVAILABLE);
                    }
                    log.warn("Auto-creation of topic '{}' refused: {}", topic, error);
                    return errorTopic(topic, error);
                });
    }

    private static MetadataResponseTopic errorTopic(String name, Errors error) {
        return new MetadataResponseTopic()
                .setName(name)
                .setErrorCode(error.code())
                .setIsInternal(TopicNames.isInternal(name));
    }
}
