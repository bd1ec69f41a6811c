package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.controller.Controller;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.ConfigException;
import io.sluice.metadata.config.DescribedConfig;
import io.sluice.metadata.config.DynamicBrokerConfig;
import io.sluice.metadata.config.PartitionLimits;
import io.sluice.metadata.config.TopicConfig;
import io.sluice.metadata.model.TopicNames;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers CreateTopics v2-v7 ({@code AdminClient.createTopics}, {@code kafka-topics --create}) by forwarding to the
 * controller this broker runs. The AdminClient sends CreateTopics to the controller named in Metadata; any other
 * broker answers {@code NOT_CONTROLLER} for every topic, and the client refreshes its metadata and retries there.
 *
 * <p>Checked here, before the controller sees the request:
 *
 * <ul>
 *   <li>a name that appears more than once in the request gets one result, {@code INVALID_REQUEST};
 *   <li>an illegal name ({@link TopicNames}) is {@code INVALID_TOPIC_EXCEPTION};
 *   <li>a config with a null value is {@code INVALID_CONFIG};
 *   <li>a topic with more partitions (or manual assignments) than {@code max.partitions.per.request} is
 *       {@code INVALID_PARTITIONS}, so an absurd count never reaches the controller's queue;
 *   <li>{@code numPartitions = -1} and {@code replicationFactor = -1} (without a manual assignment) become this
 *       broker's {@code num.partitions} and {@code default.replication.factor}.
 * </ul>
 *
 * Everything else (existing and colliding topics, replication factor against live brokers, config keys and values,
 * manual assignments, the partition limits summed over the request and over the cluster, the create-topic policy) is
 * validated by the controller, whose per-topic error and message pass through unchanged.
 *
 * <p>Response: per topic the error and message, the number of partitions and replication factor (v5+), the topic id
 * (v7+; zero with {@code validateOnly}), and for topics without error the full effective configuration (v5+): every
 * topic key with its value and source, computed from the request's configs over the broker defaults, as Kafka
 * returns it (sensitive values are null). If describing fails, {@code TopicConfigErrorCode} carries the error
 * instead.
 *
 * <p>{@code timeoutMs}: the controller answers once the new partitions are initialized (state znodes written,
 * LeaderAndIsr and UpdateMetadata sent); if that takes longer than {@code timeoutMs}, the forwarded topics are
 * answered {@code REQUEST_TIMED_OUT} (the creation itself is not undone, as in Kafka). With {@code timeoutMs <= 0}
 * the answer waits for the controller, bounded by the protocol's default of 60 s.
 *
 * <p>Concurrency: immutable. Validation and config description run on the calling (request handler) thread; the
 * controller's answer is composed, never waited for, so no thread is held while ZooKeeper is written, and the
 * composition (which runs on the controller's event thread or the timeout timer) does no I/O.
 */
public final class CreateTopicsHandler implements ApiHandler<CreateTopicsRequestData> {
    private static final Logger log = LoggerFactory.getLogger(CreateTopicsHandler.class);

    static final short MIN_VERSION = 2;
    static final short MAX_VERSION = 7;

    /** The wait used when a request carries {@code timeoutMs <= 0}: the protocol's default timeout. */
    static final long UNBOUNDED_WAIT_MS = 60_000L;

    private static final short FIRST_VERSION_WITH_CONFIGS = 5;

    /** Describes a topic's effective configuration given its overrides (all topic keys, with their sources). */
    @FunctionalInterface
    public interface TopicConfigDescriber {
        List<DescribedConfig> describe(Map<String, String> overrides);
    }

    /**
     * Waits until this broker's metadata shows every partition of the given topics (name → partition count) with a
     * leader, or the timeout passes; completes with whether they were all led.
     */
    @FunctionalInterface
    public interface LeadersWait {
        /** No wait: answer as soon as the controller did. */
        LeadersWait NONE = (topics, timeoutMs) -> CompletableFuture.completedFuture(true);

        CompletionStage<Boolean> awaitLeaders(Map<String, Integer> partitionsByTopic, long timeoutMs);
    }

    /** A topic's described configs, the failure to describe them, or {@link #NONE} below v5. */
    private record Described(List<CreatableTopicConfigs> configs, RuntimeException failure) {
        static final Described NONE = new Described(List.of(), null);
    }

    private final Controller controller;
    private final int defaultNumPartitions;
    private final short defaultReplicationFactor;
    private final TopicConfigDescriber describer;
    private final LeadersWait leadersWait;
    private final Supplier<PartitionLimits> limits;

    /**
     * @param controller this broker's controller candidate
     * @param defaultNumPartitions {@code num.partitions}
     * @param defaultReplicationFactor {@code default.replication.factor}
     * @param describer the effective configuration of a topic with the given overrides
     */
    public CreateTopicsHandler(
            Controller controller,
            int defaultNumPartitions,
            short defaultReplicationFactor,
            TopicConfigDescriber describer) {
        this(controller, defaultNumPartitions, defaultReplicationFactor, describer, LeadersWait.NONE);
    }

    /**
     * As the other constructor, and created topics are answered only once {@code leadersWait} saw their leaders in
     * this broker's metadata (or the request's timeout passed), as Kafka does, so that a client's next Metadata
     * request to this broker finds the topic.
     */
    public CreateTopicsHandler(
            Controller controller,
            int defaultNumPartitions,
            short defaultReplicationFactor,
            TopicConfigDescriber describer,
            LeadersWait leadersWait) {
        this(
                controller,
                defaultNumPartitions,
                defaultReplicationFactor,
                describer,
                leadersWait,
                () -> PartitionLimits.DEFAULTS);
    }

    /** As the other constructors, with the partition limits in effect (read for every request). */
    public CreateTopicsHandler(
            Controller controller,
            int defaultNumPartitions,
            short defaultReplicationFactor,
            TopicConfigDescriber describer,
            LeadersWait leadersWait,
            Supplier<PartitionLimits> limits) {
        this.leadersWait = Objects.requireNonNull(leadersWait, "leadersWait");
        this.limits = Objects.requireNonNull(limits, "limits");
        if (defaultNumPartitions <= 0 || defaultReplicationFactor <= 0) {
            throw new IllegalArgumentException("defaults must be positive: num.partitions=" + defaultNumPartitions
                    + ", default.replication.factor=" + defaultReplicationFactor);
        }
        this.controller = Objects.requireNonNull(controller, "controller");
        this.defaultNumPartitions = defaultNumPartitions;
        this.defaultReplicationFactor = defaultReplicationFactor;
        this.describer = Objects.requireNonNull(describer, "describer");
    }

    /**
     * A handler with the defaults of {@code staticConfig}, describing configs over the broker's static configuration
     * and the cluster-wide dynamic defaults as they are when each request is answered.
     */
    public static CreateTopicsHandler forBroker(
            Controller controller,
            BrokerConfig staticConfig,
            Supplier<DynamicBrokerConfig> dynamicBrokerConfig,
            LeadersWait leadersWait,
            Supplier<PartitionLimits> limits) {
        return new CreateTopicsHandler(
                controller,
                staticConfig.numPartitions(),
                (short) staticConfig.defaultReplicationFactor(),
                overrides -> TopicConfig.describe(staticConfig, dynamicBrokerConfig.get(), overrides),
                leadersWait,
                limits);
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CREATE_TOPICS;
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
    public CompletionStage<ApiResponse> handle(RequestContext context, CreateTopicsRequestData request) {
        Map<String, CreatableTopicResult> results = new LinkedHashMap<>();
        Map<String, Integer> occurrences = new HashMap<>();
        for (CreatableTopic t : request.topics()) {
            occurrences.merge(t.name(), 1, Integer::sum);
            results.computeIfAbsent(t.name(), n -> new CreatableTopicResult().setName(n));
        }
        if (!controller.isActive()) {
            String message = "Broker " + controller.brokerId() + " is not the active controller";
            results.values()
                    .forEach(r -> r.setErrorCode(Errors.NOT_CONTROLLER.code()).setErrorMessage(message));
            return respond(results);
        }
        CreateTopicsRequestData forward =
                new CreateTopicsRequestData().setTimeoutMs(request.timeoutMs()).setValidateOnly(request.validateOnly());
        short version = context.apiVersion();
        PartitionLimits limitsNow = limits.get();
        Map<String, Described> described = new HashMap<>();
        for (CreatableTopic t : request.topics()) {
            CreatableTopicResult result = results.get(t.name());
            if (occurrences.get(t.name()) > 1) {
                result.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Create topics request from client `" + context.clientId()
                                + "` contains multiple entries for topic " + t.name());
                continue;
            }
            Optional<String> invalidName = TopicNames.invalidReason(t.name());
            if (invalidName.isPresent()) {
                result.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code()).setErrorMessage(invalidName.get());
                continue;
            }
            Optional<String> nullConfig = t.configs().stream()
                    .filter(c -> c.value() == null)
                    .map(CreatableTopicConfig::name)
                    .findFirst();
            if (nullConfig.isPresent()) {
                result.setErrorCode(Errors.INVALID_CONFIG.code())
                        .setErrorMessage("Null value not supported for topic configs: " + nullConfig.get());
                continue;
            }
            Optional<String> tooMany = limitsNow.requestLimitExceeded(0, partitionsAdded(t));
            if (tooMany.isPresent()) {
                result.setErrorCode(Errors.INVALID_PARTITIONS.code()).setErrorMessage(tooMany.get());
                continue;
            }
            Map<String, String> configs = new TreeMap<>();
            t.configs().forEach(c -> configs.put(c.name(), c.value()));
            Described effective = describe(configs);
            if (effective.failure() instanceof ConfigException e && isTieringCheck(e)) {
                // settings judged against this broker's config (remote.storage.enable needs the broker's tiered
                // storage), as Kafka's broker validates a new topic's config before creating it
                result.setErrorCode(Errors.INVALID_CONFIG.code()).setErrorMessage(e.getMessage());
                continue;
            }
            described.put(t.name(), version >= FIRST_VERSION_WITH_CONFIGS ? effective : Described.NONE);
            forward.topics().add(withDefaults(t));
            result.setErrorCode(Errors.REQUEST_TIMED_OUT.code())
                    .setErrorMessage("Timed out after " + request.timeoutMs()
                            + " ms waiting for the controller to create the topic");
        }
        if (forward.topics().isEmpty()) {
            return respond(results);
        }
        long waitMs = request.timeoutMs() > 0 ? request.timeoutMs() : UNBOUNDED_WAIT_MS;
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        return controller
                .createTopics(forward, request.validateOnly())
                .toCompletableFuture()
                .thenApply(Optional::of)
                .completeOnTimeout(Optional.empty(), waitMs, TimeUnit.MILLISECONDS)
                .thenCompose(answer -> {
                    if (answer.isEmpty()) {
                        log.warn(
                                "[CreateTopics broker={}] controller did not answer within {} ms for {}",
                                controller.brokerId(),
                                waitMs,
                                described.keySet());
                        return respond(results);
                    }
                    merge(answer.get(), results, described);
                    Map<String, Integer> created = new HashMap<>();
                    if (!request.validateOnly()) {
                        results.values().stream()
                                .filter(r -> r.errorCode() == Errors.NONE.code() && r.numPartitions() > 0)
                                .forEach(r -> created.put(r.name(), r.numPartitions()));
                    }
                    if (created.isEmpty()) {
                        return respond(results);
                    }
                    long leftMs = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
                    return leadersWait.awaitLeaders(created, leftMs).thenCompose(led -> {
                        if (!led) {
                            log.info(
                                    "[CreateTopics broker={}] created {} but not all leaders reached this broker's"
                                            + " metadata within the request timeout; answering anyway",
                                    controller.brokerId(),
                                    created.keySet());
                        }
                        return respond(results);
                    });
                });
    }

    /** The partitions {@code t} would add: its assignments, its count, or the default (0 for a count the controller refuses). */
    private long partitionsAdded(CreatableTopic t) {
        if (!t.assignments().isEmpty()) {
            return t.assignments().size();
        }
        return t.numPartitions() == -1 ? defaultNumPartitions : Math.max(0, t.numPartitions());
    }

    private CreatableTopic withDefaults(CreatableTopic t) {
        CreatableTopic copy = t.duplicate();
        if (copy.assignments().isEmpty()) {
            if (copy.numPartitions() == -1) {
                copy.setNumPartitions(defaultNumPartitions);
            }
            if (copy.replicationFactor() == -1) {
                copy.setReplicationFactor(defaultReplicationFactor);
            }
        }
        return copy;
    }

    // Described.NONE is compared by identity: it means "not described" (an old version), which a description that
    // found no configs must not be taken for.
    @SuppressWarnings("ReferenceEquality")
    private void merge(
            CreateTopicsResponseData answer,
            Map<String, CreatableTopicResult> results,
            Map<String, Described> described) {
        for (CreatableTopicResult r : answer.topics()) {
            CreatableTopicResult result = results.get(r.name());
            Described configs = described.get(r.name());
            if (result == null || configs == null) {
                continue;
            }
            boolean ok = r.errorCode() == Errors.NONE.code();
            result.setErrorCode(r.errorCode())
                    .setErrorMessage(ok ? null : r.errorMessage())
                    .setTopicId(r.topicId())
                    .setNumPartitions(r.numPartitions())
                    .setReplicationFactor(r.replicationFactor());
            if (!ok || configs == Described.NONE) {
                continue;
            }
            if (configs.failure() == null) {
                result.setConfigs(configs.configs());
            } else {
                log.warn(
                        "[CreateTopics broker={}] could not describe the configs of new topic {}",
                        controller.brokerId(),
                        r.name(),
                        configs.failure());
                result.setConfigs(null)
                        .setTopicConfigErrorCode(
                                Errors.forException(configs.failure()).code());
            }
        }
    }

    /**
     * Describes the configs up front, on the request handler thread: the describer may read ZooKeeper, and the
     * controller's answer is composed on the controller's event thread, which must not block.
     */
    /** The checks of a tiered topic's settings, which only the broker can make (they depend on its config). */
    private static boolean isTieringCheck(ConfigException e) {
        return e.key().equals(TopicConfig.REMOTE_STORAGE_ENABLE)
                || e.key().equals(TopicConfig.LOCAL_RETENTION_MS)
                || e.key().equals(TopicConfig.LOCAL_RETENTION_BYTES);
    }

    private Described describe(Map<String, String> overrides) {
        try {
            List<CreatableTopicConfigs> configs = describer.describe(overrides).stream()
                    .map(d -> new CreatableTopicConfigs()
                            .setName(d.name())
                            .setValue(d.sensitive() ? null : d.value())
                            .setReadOnly(d.readOnly())
                            .setConfigSource(d.source().wireId())
                            .setIsSensitive(d.sensitive()))
                    .toList();
            return new Described(configs, null);
        } catch (RuntimeException e) {
            // invalid overrides are answered by the controller; the failure matters only if the topic is created
            return new Described(null, e);
        }
    }

    private static CompletionStage<ApiResponse> respond(Map<String, CreatableTopicResult> results) {
        return CompletableFuture.completedFuture(
                ApiResponse.of(new CreateTopicsResponseData().setTopics(collection(results))));
    }

    private static CreateTopicsResponseData.CreatableTopicResultCollection collection(
            Map<String, CreatableTopicResult> results) {
        CreateTopicsResponseData.CreatableTopicResultCollection out =
                new CreateTopicsResponseData.CreatableTopicResultCollection(results.size());
        out.addAll(results.values());
        return out;
    }
}
