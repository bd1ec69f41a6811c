package io.sluice.broker.group.store;

import io.sluice.broker.group.OffsetsTopic;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.IntSupplier;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicCollection;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfigCollection;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates {@value OffsetsTopic#NAME} on first use, through the controller: {@code offsets.topic.num.partitions}
 * partitions, replication factor {@code min(offsets.topic.replication.factor, live brokers)}, and the topic configs
 * {@code cleanup.policy=compact} and {@code segment.bytes=offsets.topic.segment.bytes}.
 *
 * <p>Concurrent first uses share one creation: while a request to the controller is in flight every caller gets the
 * same stage; the next call after it completed starts a new one (the caller only asks while the topic is still
 * missing from its metadata). {@code TOPIC_ALREADY_EXISTS} counts as success.
 *
 * <p>Concurrency: thread-safe and non-blocking; the in-flight stage is an atomic reference cleared when it
 * completes.
 */
public final class OffsetsTopicCreator {
    private static final Logger log = LoggerFactory.getLogger(OffsetsTopicCreator.class);

    /** Sends a CreateTopics request to the active controller (directly or over the network) and answers its result. */
    @FunctionalInterface
    public interface ControllerCreateTopics
            extends Function<CreateTopicsRequestData, CompletionStage<CreateTopicsResponseData>> {}

    private final String logPrefix;
    private final int partitions;
    private final int replicationFactor;
    private final int segmentBytes;
    private final int timeoutMs;
    private final IntSupplier liveBrokers;
    private final ControllerCreateTopics controller;
    private final String topic;
    private final Map<String, String> extraConfigs;
    private final AtomicReference<CompletableFuture<Errors>> inFlight = new AtomicReference<>();

    /**
     * @param partitions {@code offsets.topic.num.partitions}
     * @param replicationFactor {@code offsets.topic.replication.factor}
     * @param segmentBytes {@code offsets.topic.segment.bytes}
     * @param timeoutMs the CreateTopics timeout
     * @param liveBrokers the number of live brokers as this broker's metadata knows them
     */
    public OffsetsTopicCreator(
            int brokerId,
            int partitions,
            int replicationFactor,
            int segmentBytes,
            int timeoutMs,
            IntSupplier liveBrokers,
            ControllerCreateTopics controller) {
        this(
                brokerId,
                OffsetsTopic.NAME,
                Map.of(),
                partitions,
                replicationFactor,
                segmentBytes,
                timeoutMs,
                liveBrokers,
                controller);
    }

    /**
     * A creator of another compacted internal topic ({@code __transaction_state}) with extra topic configs.
     */
    public OffsetsTopicCreator(
            int brokerId,
            String topic,
            Map<String, String> extraConfigs,
            int partitions,
            int replicationFactor,
            int segmentBytes,
            int timeoutMs,
            IntSupplier liveBrokers,
            ControllerCreateTopics controller) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.extraConfigs = Map.copyOf(extraConfigs);
        if (partitions <= 0 || replicationFactor <= 0 || segmentBytes <= 0) {
            throw new IllegalArgumentException("partitions, replication factor and segment bytes must be positive");
        }
        this.logPrefix = "[OffsetsTopicCreator broker=" + brokerId + " topic=" + topic + "]";
        this.partitions = partitions;
        this.replicationFactor = replicationFactor;
        this.segmentBytes = segmentBytes;
        this.timeoutMs = timeoutMs;
        this.liveBrokers = Objects.requireNonNull(liveBrokers, "liveBrokers");
        this.controller = Objects.requireNonNull(controller, "controller");
    }

    /**
     * Starts creating the topic, or joins the creation in flight. Never blocks.
     *
     * @return {@code NONE} once the controller created the topic (or it already existed),
     *     {@code COORDINATOR_NOT_AVAILABLE} when no broker is known to be alive yet, or the controller's error
     */
    public CompletionStage<Errors> create() {
        while (true) {
            CompletableFuture<Errors> current = inFlight.get();
            if (current != null) {
                return current;
            }
            CompletableFuture<Errors> mine = new CompletableFuture<>();
            if (inFlight.compareAndSet(null, mine)) {
                start().whenComplete((error, failure) -> {
                    inFlight.compareAndSet(mine, null);
                    if (failure != null) {
                        log.warn("{} creating {} failed: {}", logPrefix, topic, failure.toString());
                        mine.complete(Errors.forException(failure));
                    } else {
                        mine.complete(error);
                    }
                });
                return mine;
            }
        }
    }

    private CompletionStage<Errors> start() {
        int live = liveBrokers.getAsInt();
        if (live <= 0) {
            log.info("{} not creating {} yet: no live broker known", logPrefix, topic);
            return CompletableFuture.completedFuture(Errors.COORDINATOR_NOT_AVAILABLE);
        }
        CreateTopicsRequestData request = request(live);
        log.info(
                "{} creating {} with {} partitions and replication factor {}",
                logPrefix,
                topic,
                partitions,
                request.topics().find(topic).replicationFactor());
        CompletionStage<CreateTopicsResponseData> answer;
        try {
            answer = controller.apply(request);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return answer.thenApply(this::errorOf);
    }

    /** The CreateTopics request for {@code live} live brokers. */
    CreateTopicsRequestData request(int live) {
        CreatableTopicConfigCollection configs = new CreatableTopicConfigCollection();
        configs.add(new CreatableTopicConfig().setName("cleanup.policy").setValue("compact"));
        configs.add(new CreatableTopicConfig().setName("segment.bytes").setValue(Integer.toString(segmentBytes)));
        extraConfigs.forEach(
                (k, v) -> configs.add(new CreatableTopicConfig().setName(k).setValue(v)));
        CreatableTopic creatable = new CreatableTopic()
                .setName(topic)
                .setNumPartitions(partitions)
                .setReplicationFactor((short) Math.min(replicationFactor, live))
                .setConfigs(configs);
        return new CreateTopicsRequestData()
                .setTimeoutMs(timeoutMs)
                .setValidateOnly(false)
                .setTopics(new CreatableTopicCollection(List.of(creatable).iterator()));
    }

    private Errors errorOf(CreateTopicsResponseData response) {
        CreatableTopicResult result = response.topics().find(topic);
        if (result == null) {
            log.warn("{} the controller's answer names no {}", logPrefix, topic);
            return Errors.UNKNOWN_SERVER_ERROR;
        }
        Errors error = Errors.forCode(result.errorCode());
        if (error == Errors.NONE || error == Errors.TOPIC_ALREADY_EXISTS) {
            log.info("{} {} exists ({})", logPrefix, topic, error);
            return Errors.NONE;
        }
        log.warn("{} creating {} refused: {} {}", logPrefix, topic, error, result.errorMessage());
        return error;
    }
}
