package io.sluice.broker.security;

import io.sluice.broker.api.ApiResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The per-topic gates: Produce (WRITE; WRITE on the transactional id for transactional produce), Fetch (READ;
 * CLUSTER_ACTION for a follower's fetch), Metadata (DESCRIBE, CREATE for auto-creation), CreateTopics (CREATE on the
 * cluster or the topic) and DeleteTopics (DELETE). A denied topic is left out of what the handler sees and answered
 * {@code TOPIC_AUTHORIZATION_FAILED} beside the handler's answer for the rest, as Kafka answers.
 */
final class TopicGates {
    private TopicGates() {}

    static void register(Map<ApiKeys, GatedHandler.Gate<?>> gates, RequestAuthorizer auth, RequestGates.Topics topics) {
        gates.put(ApiKeys.PRODUCE, produce(auth));
        gates.put(ApiKeys.FETCH, fetch(auth, topics));
        gates.put(ApiKeys.METADATA, metadata(auth, topics));
        gates.put(ApiKeys.CREATE_TOPICS, createTopics(auth));
        gates.put(ApiKeys.DELETE_TOPICS, deleteTopics(auth, topics));
    }

    private static <T extends ApiMessage> CompletionStage<ApiResponse> merge(
            CompletionStage<ApiResponse> answer, Class<T> type, java.util.function.Consumer<T> addDenied) {
        return answer.thenApply(response -> {
            if (response instanceof ApiResponse.Send send && type.isInstance(send.message())) {
                addDenied.accept(type.cast(send.message()));
            }
            return response;
        });
    }

    private static GatedHandler.Gate<ProduceRequestData> produce(RequestAuthorizer auth) {
        return (ctx, request, next) -> {
            if (request.transactionalId() != null
                    && !auth.authorize(
                            ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId())) {
                return GatedHandler.refuse(ctx, request, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
            }
            List<String> names = request.topicData().stream()
                    .map(ProduceRequestData.TopicProduceData::name)
                    .toList();
            Set<String> allowed = auth.authorized(ctx, AclOperation.WRITE, ResourceType.TOPIC, names, true);
            if (allowed.containsAll(names)) {
                return next.handle(ctx, request);
            }
            List<ProduceRequestData.TopicProduceData> denied = new ArrayList<>();
            ProduceRequestData.TopicProduceDataCollection kept = new ProduceRequestData.TopicProduceDataCollection();
            for (ProduceRequestData.TopicProduceData topic : new ArrayList<>(request.topicData())) {
                if (allowed.contains(topic.name())) {
                    kept.add(topic.duplicate());
                } else {
                    denied.add(topic);
                }
            }
            ProduceRequestData narrowed = new ProduceRequestData()
                    .setAcks(request.acks())
                    .setTimeoutMs(request.timeoutMs())
                    .setTransactionalId(request.transactionalId())
                    .setTopicData(kept);
            return merge(next.handle(ctx, narrowed), ProduceResponseData.class, response -> {
                for (ProduceRequestData.TopicProduceData topic : denied) {
                    ProduceResponseData.TopicProduceResponse answer =
                            new ProduceResponseData.TopicProduceResponse().setName(topic.name());
                    topic.partitionData()
                            .forEach(p -> answer.partitionResponses()
                                    .add(new ProduceResponseData.PartitionProduceResponse()
                                            .setIndex(p.index())
                                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                                            .setBaseOffset(-1)
                                            .setLogAppendTimeMs(-1)
                                            .setLogStartOffset(-1)));
                    response.responses().add(answer);
                }
            });
        };
    }

    private static GatedHandler.Gate<FetchRequestData> fetch(RequestAuthorizer auth, RequestGates.Topics topics) {
        return (ctx, request, next) -> {
            boolean byId = ctx.apiVersion() >= 13;
            int replicaId = Math.max(request.replicaId(), request.replicaState().replicaId());
            boolean follower = replicaId >= 0;
            boolean clusterAction = follower && auth.authorizeCluster(ctx, AclOperation.CLUSTER_ACTION);
            List<String> names = new ArrayList<>();
            for (FetchRequestData.FetchTopic topic : request.topics()) {
                nameOf(topic, byId, topics).ifPresent(names::add);
            }
            Set<String> allowed = follower
                    ? (clusterAction ? Set.copyOf(names) : Set.of())
                    : auth.authorized(ctx, AclOperation.READ, ResourceType.TOPIC, names, true);
            List<FetchRequestData.FetchTopic> kept = new ArrayList<>();
            List<FetchRequestData.FetchTopic> denied = new ArrayList<>();
            for (FetchRequestData.FetchTopic topic : request.topics()) {
                Optional<String> name = nameOf(topic, byId, topics);
                // an unknown topic id is the handler's to answer (UNKNOWN_TOPIC_ID) unless the fetcher is refused
                boolean ok = name.isPresent() ? allowed.contains(name.get()) : !follower || clusterAction;
                (ok ? kept : denied).add(topic);
            }
            if (denied.isEmpty()) {
                return next.handle(ctx, request);
            }
            java.util.function.Consumer<FetchResponseData> addDenied = response -> {
                for (FetchRequestData.FetchTopic topic : denied) {
                    FetchResponseData.FetchableTopicResponse answer = new FetchResponseData.FetchableTopicResponse()
                            .setTopic(byId ? "" : topic.topic())
                            .setTopicId(topic.topicId());
                    topic.partitions()
                            .forEach(p -> answer.partitions()
                                    .add(new FetchResponseData.PartitionData()
                                            .setPartitionIndex(p.partition())
                                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                                            .setHighWatermark(-1)
                                            .setLastStableOffset(-1)
                                            .setLogStartOffset(-1)
                                            .setRecords(MemoryRecords.EMPTY)));
                    response.responses().add(answer);
                }
            };
            if (kept.isEmpty()) {
                FetchResponseData response = new FetchResponseData().setSessionId(request.sessionId());
                addDenied.accept(response);
                return CompletableFuture.completedFuture(ApiResponse.of(response));
            }
            FetchRequestData narrowed = request.duplicate().setTopics(kept);
            return merge(next.handle(ctx, narrowed), FetchResponseData.class, addDenied);
        };
    }

    private static Optional<String> nameOf(
            FetchRequestData.FetchTopic topic, boolean byId, RequestGates.Topics topics) {
        if (!byId) {
            return Optional.ofNullable(topic.topic());
        }
        return topics.topicName().apply(topic.topicId());
    }

    private static GatedHandler.Gate<MetadataRequestData> metadata(RequestAuthorizer auth, RequestGates.Topics topics) {
        return (ctx, request, next) -> {
            if (request.topics() == null) {
                return next.handle(ctx, request).thenApply(response -> filterMetadata(ctx, auth, response, Set.of()));
            }
            List<String> requested = request.topics().stream()
                    .map(MetadataRequestData.MetadataRequestTopic::name)
                    .filter(java.util.Objects::nonNull)
                    .toList();
            Set<String> describable = auth.authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, requested, true);
            Set<String> refused = new java.util.LinkedHashSet<>(requested);
            refused.removeAll(describable);
            if (request.allowAutoTopicCreation()) {
                List<String> missing = describable.stream()
                        .filter(t -> !topics.topicExists().test(t))
                        .toList();
                if (!missing.isEmpty()
                        && !auth.authorize(
                                ctx, AclOperation.CREATE, ResourceType.CLUSTER, AclRules.CLUSTER_NAME, false)) {
                    Set<String> creatable =
                            auth.authorized(ctx, AclOperation.CREATE, ResourceType.TOPIC, missing, true);
                    missing.stream().filter(t -> !creatable.contains(t)).forEach(refused::add);
                }
            }
            MetadataRequestData narrowed = request.duplicate();
            narrowed.topics().removeIf(t -> t.name() != null && refused.contains(t.name()));
            if (narrowed.topics().isEmpty() && ctx.apiVersion() == 0) {
                // v0 reads an empty list as "every topic"; the filter below keeps only what was asked for
                return next.handle(ctx, narrowed).thenApply(response -> {
                    filterMetadata(ctx, auth, response, refused);
                    if (response instanceof ApiResponse.Send send
                            && send.message() instanceof MetadataResponseData data) {
                        data.topics().removeIf(t -> !requested.contains(t.name()));
                        addRefused(data, refused);
                    }
                    return response;
                });
            }
            return next.handle(ctx, narrowed).thenApply(response -> {
                if (response instanceof ApiResponse.Send send && send.message() instanceof MetadataResponseData data) {
                    addRefused(data, refused);
                }
                return response;
            });
        };
    }

    private static ApiResponse filterMetadata(
            io.sluice.broker.api.RequestContext ctx, RequestAuthorizer auth, ApiResponse response, Set<String> keep) {
        if (response instanceof ApiResponse.Send send && send.message() instanceof MetadataResponseData data) {
            List<String> names = data.topics().stream()
                    .map(MetadataResponseData.MetadataResponseTopic::name)
                    .toList();
            Set<String> visible = auth.authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, names, false);
            data.topics().removeIf(t -> !visible.contains(t.name()) && !keep.contains(t.name()));
        }
        return response;
    }

    private static void addRefused(MetadataResponseData data, Set<String> refused) {
        for (String name : refused) {
            data.topics().removeIf(t -> name.equals(t.name()));
            data.topics()
                    .add(new MetadataResponseData.MetadataResponseTopic()
                            .setName(name)
                            .setTopicId(Uuid.ZERO_UUID)
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                            .setIsInternal(false));
        }
    }

    private static GatedHandler.Gate<CreateTopicsRequestData> createTopics(RequestAuthorizer auth) {
        return (ctx, request, next) -> {
            if (auth.authorize(ctx, AclOperation.CREATE, ResourceType.CLUSTER, AclRules.CLUSTER_NAME, false)) {
                return next.handle(ctx, request);
            }
            List<String> names = request.topics().stream()
                    .map(CreateTopicsRequestData.CreatableTopic::name)
                    .toList();
            Set<String> allowed = auth.authorized(ctx, AclOperation.CREATE, ResourceType.TOPIC, names, true);
            if (allowed.containsAll(names)) {
                return next.handle(ctx, request);
            }
            CreateTopicsRequestData narrowed = request.duplicate();
            narrowed.topics().removeIf(t -> !allowed.contains(t.name()));
            List<String> denied =
                    names.stream().filter(n -> !allowed.contains(n)).distinct().toList();
            return merge(next.handle(ctx, narrowed), CreateTopicsResponseData.class, response -> {
                for (String name : denied) {
                    response.topics()
                            .add(new CreateTopicsResponseData.CreatableTopicResult()
                                    .setName(name)
                                    .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                                    .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message())
                                    .setNumPartitions(-1)
                                    .setReplicationFactor((short) -1)
                                    .setTopicConfigErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
                }
            });
        };
    }

    private static GatedHandler.Gate<DeleteTopicsRequestData> deleteTopics(
            RequestAuthorizer auth, RequestGates.Topics topics) {
        return (ctx, request, next) -> {
            // v0-5 name topics in topicNames; v6 in topics, by name or by id
            List<DeleteTopicsRequestData.DeleteTopicState> states = new ArrayList<>(request.topics());
            request.topicNames().forEach(n -> states.add(new DeleteTopicsRequestData.DeleteTopicState().setName(n)));
            List<String> names = new ArrayList<>();
            for (DeleteTopicsRequestData.DeleteTopicState state : states) {
                deleteName(state, topics).ifPresent(names::add);
            }
            Set<String> allowed = auth.authorized(ctx, AclOperation.DELETE, ResourceType.TOPIC, names, true);
            if (allowed.containsAll(names)) {
                return next.handle(ctx, request);
            }
            DeleteTopicsRequestData narrowed = request.duplicate();
            narrowed.topicNames().removeIf(n -> !allowed.contains(n));
            narrowed.topics()
                    .removeIf(s -> deleteName(s, topics)
                            .filter(n -> !allowed.contains(n))
                            .isPresent());
            List<DeleteTopicsRequestData.DeleteTopicState> denied = states.stream()
                    .filter(s -> deleteName(s, topics)
                            .filter(n -> !allowed.contains(n))
                            .isPresent())
                    .collect(Collectors.toList());
            return merge(next.handle(ctx, narrowed), DeleteTopicsResponseData.class, response -> {
                for (DeleteTopicsRequestData.DeleteTopicState state : denied) {
                    response.responses()
                            .add(new DeleteTopicsResponseData.DeletableTopicResult()
                                    .setName(state.name())
                                    .setTopicId(state.topicId())
                                    .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
                }
            });
        };
    }

    private static Optional<String> deleteName(
            DeleteTopicsRequestData.DeleteTopicState state, RequestGates.Topics topics) {
        if (state.name() != null) {
            return Optional.of(state.name());
        }
        return state.topicId() == null || Uuid.ZERO_UUID.equals(state.topicId())
                ? Optional.empty()
                : topics.topicName().apply(state.topicId());
    }
}
