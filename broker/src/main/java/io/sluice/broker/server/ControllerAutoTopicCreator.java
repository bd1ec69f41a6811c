package io.sluice.broker.server;

import io.sluice.broker.api.handlers.AutoTopicCreator;
import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.network.client.BrokerClient;
import io.sluice.broker.network.client.BrokerClientPool;
import io.sluice.controller.Controller;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicCollection;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates topics for Metadata requests when {@code auto.create.topics.enable} is on, with {@code num.partitions} and
 * {@code default.replication.factor}. If this broker is the active controller the creation goes straight to
 * {@link Controller#createTopics}; otherwise a CreateTopics request goes to the controller broker (as named by the
 * metadata cache) over the broker client pool. Nothing here blocks: both paths answer with a stage.
 *
 * <p>Without a known controller, or when the controller moved while the request was in flight, the answer is
 * {@code NOT_CONTROLLER}; the Metadata handler then reports {@code LEADER_NOT_AVAILABLE} and the client asks again.
 * One creation per topic is in flight at a time: concurrent Metadata requests for the same topic share it.
 *
 * <p>Concurrency: thread-safe; the in-flight map is a concurrent map, entries are removed when their stage completes.
 */
final class ControllerAutoTopicCreator implements AutoTopicCreator {
    private static final Logger log = LoggerFactory.getLogger(ControllerAutoTopicCreator.class);
    private static final short MIN_CREATE_TOPICS_VERSION = 2;
    private static final short MAX_CREATE_TOPICS_VERSION = 7;

    private final int brokerId;
    private final Controller controller;
    private final MetadataCache cache;
    private final BrokerClientPool brokerPool;
    private final int numPartitions;
    private final short replicationFactor;
    private final Duration timeout;
    private final ConcurrentHashMap<String, CompletableFuture<Errors>> inFlight = new ConcurrentHashMap<>();

    ControllerAutoTopicCreator(
            int brokerId,
            Controller controller,
            MetadataCache cache,
            BrokerClientPool brokerPool,
            int numPartitions,
            short replicationFactor,
            Duration timeout) {
        this.brokerId = brokerId;
        this.controller = Objects.requireNonNull(controller, "controller");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.brokerPool = Objects.requireNonNull(brokerPool, "brokerPool");
        this.numPartitions = numPartitions;
        this.replicationFactor = replicationFactor;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    @Override
    public CompletionStage<Errors> create(String topic) {
        CompletableFuture<Errors> mine = new CompletableFuture<>();
        CompletableFuture<Errors> existing = inFlight.putIfAbsent(topic, mine);
        if (existing != null) {
            return existing;
        }
        start(topic).whenComplete((errors, failure) -> {
            inFlight.remove(topic, mine);
            if (failure != null) {
                log.info("[Broker {}] auto-creation of topic {} failed: {}", brokerId, topic, failure.toString());
                mine.complete(Errors.forException(failure));
            } else {
                mine.complete(errors);
            }
        });
        return mine;
    }

    private CompletionStage<Errors> start(String topic) {
        CreateTopicsRequestData request = request(topic);
        if (controller.isActive()) {
            log.info("[Broker {}] auto-creating topic {} as the active controller", brokerId, topic);
            return controller.createTopics(request, false).thenApply(r -> errorOf(r, topic));
        }
        OptionalInt controllerId = cache.controllerId();
        Optional<BrokerClient> client =
                controllerId.isPresent() ? brokerPool.client(controllerId.getAsInt()) : Optional.empty();
        if (client.isEmpty()) {
            return CompletableFuture.completedFuture(Errors.NOT_CONTROLLER);
        }
        log.info("[Broker {}] asking controller {} to auto-create topic {}", brokerId, controllerId.getAsInt(), topic);
        return client.get()
                .sendLatest(
                        ApiKeys.CREATE_TOPICS,
                        MIN_CREATE_TOPICS_VERSION,
                        MAX_CREATE_TOPICS_VERSION,
                        request,
                        timeout.plusSeconds(5))
                .thenApply(r -> errorOf((CreateTopicsResponseData) r, topic));
    }

    private CreateTopicsRequestData request(String topic) {
        CreatableTopic creatable = new CreatableTopic()
                .setName(topic)
                .setNumPartitions(numPartitions)
                .setReplicationFactor(replicationFactor);
        return new CreateTopicsRequestData()
                .setTimeoutMs((int) timeout.toMillis())
                .setValidateOnly(false)
                .setTopics(new CreatableTopicCollection(List.of(creatable).iterator()));
    }

    private static Errors errorOf(CreateTopicsResponseData response, String topic) {
        CreatableTopicResult result = response.topics().find(topic);
        return result == null ? Errors.UNKNOWN_SERVER_ERROR : Errors.forCode(result.errorCode());
    }
}
