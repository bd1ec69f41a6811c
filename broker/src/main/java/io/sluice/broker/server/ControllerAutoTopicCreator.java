package io.sluice.broker.server;

import io.sluice.broker.api.handlers.AutoTopicCreator;
import io.sluice.broker.group.store.OffsetsTopicCreator;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicCollection;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates topics for Metadata requests when {@code auto.create.topics.enable} is on, with {@code num.partitions} and
 * {@code default.replication.factor}, through the route to the active controller (straight to the controller when it
 * runs on this broker, else a CreateTopics request to the controller broker). Nothing here blocks.
 *
 * <p>Without a known controller, or when the controller moved while the request was in flight, the answer is
 * {@code NOT_CONTROLLER}; the Metadata handler then reports {@code LEADER_NOT_AVAILABLE} and the client asks again.
 * One creation per topic is in flight at a time: concurrent Metadata requests for the same topic share it.
 *
 * <p>Concurrency: thread-safe; the in-flight map is a concurrent map, entries are removed when their stage completes.
 */
final class ControllerAutoTopicCreator implements AutoTopicCreator {
    private static final Logger log = LoggerFactory.getLogger(ControllerAutoTopicCreator.class);

    private final int brokerId;
    private final OffsetsTopicCreator.ControllerCreateTopics toController;
    private final int numPartitions;
    private final short replicationFactor;
    private final Duration timeout;
    private final ConcurrentHashMap<String, CompletableFuture<Errors>> inFlight = new ConcurrentHashMap<>();

    /** @param toController routes a CreateTopics request to the active controller (see BrokerApis#controllerCreateTopics) */
    ControllerAutoTopicCreator(
            int brokerId,
            OffsetsTopicCreator.ControllerCreateTopics toController,
            int numPartitions,
            short replicationFactor,
            Duration timeout) {
        this.brokerId = brokerId;
        this.toController = Objects.requireNonNull(toController, "toController");
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
        log.info("[Broker {}] auto-creating topic {}", brokerId, topic);
        toController.apply(request(topic)).whenComplete((response, failure) -> {
            inFlight.remove(topic, mine);
            if (failure != null) {
                log.info("[Broker {}] auto-creation of topic {} failed: {}", brokerId, topic, failure.toString());
                mine.complete(Errors.forException(failure));
            } else {
                mine.complete(errorOf(response, topic));
            }
        });
        return mine;
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
