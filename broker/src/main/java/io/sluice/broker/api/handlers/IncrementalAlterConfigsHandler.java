package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.config.BrokerLoggers;
import io.sluice.broker.config.ConfigEntityStore;
import io.sluice.broker.config.ConfigEntityStore.ConcurrentConfigUpdateException;
import io.sluice.broker.config.ConfigManager;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.BrokerConfigKeys;
import io.sluice.metadata.config.ConfigException;
import io.sluice.metadata.config.ConfigKey;
import io.sluice.metadata.config.ConfigType;
import io.sluice.metadata.config.DynamicBrokerConfig;
import io.sluice.metadata.config.TopicConfig;
import io.sluice.metadata.model.TopicNames;
import io.sluice.metadata.zk.ConfigEntityZNode;
import io.sluice.metadata.zk.ZkDataException;
import io.sluice.metadata.zk.ZkStoreException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.server.policy.AlterConfigPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers IncrementalAlterConfigs v0-v1 (AdminClient's {@code incrementalAlterConfigs}, {@code kafka-configs
 * --alter}). As in Kafka's ZooKeeper mode, any broker handles it and writes ZooKeeper itself; every broker's
 * {@link ConfigManager} then picks the change up through its watches.
 *
 * <ul>
 *   <li>{@code TOPIC}: operations on the overrides in {@code /config/topics/T}: {@code SET} (0), {@code DELETE} (1),
 *       and for list keys ({@code cleanup.policy}) {@code APPEND} (2) and {@code SUBTRACT} (3), which start from the
 *       override or, without one, from the effective default. The result must pass {@link TopicConfig#validate} and
 *       resolve against the broker defaults; otherwise {@code INVALID_CONFIG} with a message naming the key, and
 *       nothing is written. The topic must exist in ZooKeeper ({@code UNKNOWN_TOPIC_OR_PARTITION}). Deleting an
 *       unknown key is allowed, so stray keys written by other tools can be removed.
 *   <li>{@code BROKER} with an empty name: the cluster-wide dynamic defaults in {@code /config/brokers/<default>}; with
 *       this broker's id: its own dynamic values in {@code /config/brokers/N}, which win over the defaults. Only
 *       dynamic broker keys ({@link BrokerConfig#validateDynamicDefaults}), and the static config with both dynamic
 *       levels must still validate. Another broker's id is {@code INVALID_REQUEST} (the admin client sends a broker's
 *       resource to that broker).
 *   <li>{@code BROKER_LOGGER} with this broker's id: {@code SET} a logger's level or {@code DELETE} it (the logger then
 *       inherits), applied at once in memory ({@link BrokerLoggers}); see {@link #alterLoggers}.
 *   <li>Anything else ({@code CLIENT_METRICS}, ...), an unknown operation, a missing value for a non-delete operation,
 *       a key listed twice in one resource or a resource listed twice: {@code INVALID_REQUEST}.
 * </ul>
 *
 * <p>{@code alter.config.policy.class.name}: after Sluice's own checks pass, the configured
 * {@link AlterConfigPolicy} is consulted (with {@code ValidateOnly} too), as a ZooKeeper-mode Kafka broker does, with
 * the resource and the request's entries ({@code name → value}, {@code null} for a delete); a
 * {@link org.apache.kafka.common.errors.PolicyViolationException} is answered {@code POLICY_VIOLATION} with its
 * message and nothing is written.
 *
 * <p>The legacy AlterConfigs ({@link AlterConfigsHandler}) runs through the same checks and writes, with the
 * request's entries replacing the whole set of overrides ({@link #replaceAll}).
 *
 * <p>Writes are read-modify-write with a compare-and-set on the znode version ({@link ConfigEntityStore}), so
 * concurrent alterations never lose keys; {@code ValidateOnly} runs every check and writes nothing.
 *
 * <p>Concurrency: stateless; blocking (ZooKeeper), so it runs on the request handler pool.
 */
public final class IncrementalAlterConfigsHandler implements ApiHandler<IncrementalAlterConfigsRequestData> {
    private static final Logger log = LoggerFactory.getLogger(IncrementalAlterConfigsHandler.class);

    /** The wire ids of Kafka's {@code AlterConfigOp.OpType}. */
    private enum Op {
        SET,
        DELETE,
        APPEND,
        SUBTRACT;

        static Optional<Op> forId(byte id) {
            return id >= 0 && id < values().length ? Optional.of(values()[id]) : Optional.empty();
        }
    }

    private record Operation(String name, Op op, String value) {}

    private final ConfigManager configs;
    private final ConfigEntityStore entities;
    private final Optional<AlterConfigPolicy> policy;
    private final String logPrefix;
    private final BrokerLoggers loggers = BrokerLoggers.current();

    /** Without an alter-config policy. */
    public IncrementalAlterConfigsHandler(ConfigManager configs, ConfigEntityStore entities) {
        this(configs, entities, Optional.empty());
    }

    /**
     * @param configs the config manager (static broker config and the dynamic defaults in effect)
     * @param entities reads and compare-and-set writes of the config znodes
     * @param policy the configured {@code alter.config.policy.class.name}, if any (owned by the caller)
     */
    public IncrementalAlterConfigsHandler(
            ConfigManager configs, ConfigEntityStore entities, Optional<AlterConfigPolicy> policy) {
        this.configs = Objects.requireNonNull(configs, "configs");
        this.entities = Objects.requireNonNull(entities, "entities");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.logPrefix = "[IncrementalAlterConfigs broker="
                + configs.staticBrokerConfig().brokerId() + "]";
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.INCREMENTAL_ALTER_CONFIGS;
    }

    @Override
    public short minVersion() {
        return 0;
    }

    @Override
    public short maxVersion() {
        return 1;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, IncrementalAlterConfigsRequestData request) {
        IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData().setThrottleTimeMs(0);
        Map<String, Integer> seen = new HashMap<>();
        for (AlterConfigsResource resource : request.resources()) {
            seen.merge(resource.resourceType() + "/" + resource.resourceName(), 1, Integer::sum);
        }
        for (AlterConfigsResource resource : request.resources()) {
            boolean duplicate = seen.get(resource.resourceType() + "/" + resource.resourceName()) > 1;
            Outcome outcome = outcome(resource.resourceName(), () -> {
                if (duplicate) {
                    throw new ResourceException(Errors.INVALID_REQUEST, "Duplicate resource in the request");
                }
                alter(context, resource, request.validateOnly());
            });
            response.responses()
                    .add(new AlterConfigsResourceResponse()
                            .setResourceType(resource.resourceType())
                            .setResourceName(resource.resourceName())
                            .setErrorCode(outcome.error().code())
                            .setErrorMessage(outcome.message()));
        }
        return CompletableFuture.completedFuture(ApiResponse.of(response));
    }

    /** A resource's answer: NONE, or the error and message its failure maps to. */
    record Outcome(Errors error, String message) {}

    /** Runs {@code alteration} for one resource and maps its failure to the resource's error, as Kafka answers it. */
    private Outcome outcome(String resourceName, Runnable alteration) {
        try {
            alteration.run();
            return new Outcome(Errors.NONE, null);
        } catch (ResourceException e) {
            return new Outcome(e.error, e.getMessage());
        } catch (ConfigException e) {
            return new Outcome(Errors.INVALID_CONFIG, e.getMessage());
        } catch (ZkDataException e) {
            return new Outcome(
                    Errors.INVALID_CONFIG, e.getMessage() + "; repair or remove the znode with ZooKeeper tools");
        } catch (ConcurrentConfigUpdateException e) {
            return new Outcome(Errors.UNKNOWN_SERVER_ERROR, e.getMessage());
        } catch (ApiException e) {
            // the policy's verdict (PolicyViolationException) or another client error it raised
            log.info("{} altering {} refused: {}", logPrefix, resourceName, e.getMessage());
            return new Outcome(Errors.forException(e), e.getMessage());
        } catch (ZkStoreException e) {
            if (e.isRejectedLocally()) {
                // refused before it was sent for its content (e.g. larger than jute.maxbuffer)
                return new Outcome(Errors.INVALID_REQUEST, e.getMessage());
            } else {
                log.warn("{} altering {} failed: {}", logPrefix, resourceName, e.getMessage());
                return new Outcome(Errors.UNKNOWN_SERVER_ERROR, "ZooKeeper failed: " + e.getMessage());
            }
        }
    }

    /**
     * The legacy AlterConfigs (API 33) on one resource: its dynamic overrides become exactly {@code entries}, with
     * the same checks, policy and compare-and-set write as an incremental SET of each entry, every other override
     * deleted. Used by {@link AlterConfigsHandler}.
     */
    Outcome replaceAll(
            RequestContext context, byte resourceType, String name, Map<String, String> entries, boolean validateOnly) {
        return outcome(name, () -> {
            List<Operation> ops = new ArrayList<>();
            entries.forEach((key, value) -> {
                if (value == null) {
                    throw new ResourceException(Errors.INVALID_REQUEST, "Null value not supported for config " + key);
                }
                ops.add(new Operation(key, Op.SET, value));
            });
            alter(context, resourceType, name, ops, true, validateOnly);
        });
    }

    private void alter(RequestContext context, AlterConfigsResource resource, boolean validateOnly) {
        alter(context, resource.resourceType(), resource.resourceName(), operations(resource), false, validateOnly);
    }

    /** @param replaceAll whether the result starts from no overrides (legacy AlterConfigs) instead of the current */
    private void alter(
            RequestContext context,
            byte resourceType,
            String name,
            List<Operation> ops,
            boolean replaceAll,
            boolean validateOnly) {
        ConfigResource.Type type = ConfigResource.Type.forId(resourceType);
        switch (type) {
            case TOPIC -> alterTopic(context, name, ops, replaceAll, validateOnly);
            case BROKER -> alterBroker(context, name, ops, replaceAll, validateOnly);
            case BROKER_LOGGER -> {
                if (replaceAll) {
                    throw new ResourceException(
                            Errors.INVALID_REQUEST,
                            "AlterConfigs is deprecated and does not support the resource type BROKER_LOGGER; use"
                                    + " IncrementalAlterConfigs");
                }
                alterLoggers(context, name, ops, validateOnly);
            }
            default ->
                throw new ResourceException(
                        Errors.INVALID_REQUEST,
                        (replaceAll ? "AlterConfigs" : "IncrementalAlterConfigs")
                                + " is only supported for topics and the cluster-wide broker defaults, but resource"
                                + " type is " + type);
        }
    }

    private void alterTopic(
            RequestContext context, String topic, List<Operation> ops, boolean replaceAll, boolean validateOnly) {
        Optional<String> invalid = TopicNames.invalidReason(topic);
        if (invalid.isPresent()) {
            throw new ResourceException(Errors.INVALID_TOPIC_EXCEPTION, invalid.get());
        }
        if (!entities.topicExists(topic)) {
            throw new ResourceException(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + topic + "' does not exist");
        }
        BrokerConfig broker = configs.effectiveBrokerConfig();
        TopicConfig defaults = TopicConfig.resolve(broker, Map.of());
        Runnable policyCheck = policyCheckOnce(ConfigResource.Type.TOPIC, topic, ops);
        String path = ConfigEntityZNode.topicPath(topic);
        Map<String, String> result = entities.update(
                path,
                current -> {
                    Map<String, String> next = apply(
                            ops,
                            replaceAll ? Map.of() : current,
                            key -> TopicConfig.DEFINITION
                                    .find(key)
                                    .orElseThrow(() -> new ConfigException(key, "Unknown topic config name: " + key)),
                            k -> k.render(defaults.values().get(k.name())));
                    TopicConfig.validate(next);
                    TopicConfig.resolve(broker, next);
                    policyCheck.run();
                    return next;
                },
                validateOnly);
        logOutcome(context, validateOnly, "topic " + topic, path, result);
    }

    /**
     * Alters the cluster-wide dynamic defaults (empty name) or this broker's own dynamic values (this broker's id; the
     * stock admin client sends a broker's resource to that broker). Every key must be a dynamic broker key, and the
     * result must combine with the static config and the other dynamic level.
     */
    private void alterBroker(
            RequestContext context, String name, List<Operation> ops, boolean replaceAll, boolean validateOnly) {
        boolean clusterDefault = name == null || name.isEmpty();
        if (!clusterDefault) {
            int id;
            try {
                id = Integer.parseInt(name);
            } catch (NumberFormatException e) {
                throw new ResourceException(Errors.INVALID_REQUEST, "Broker id must be an integer, but it is: " + name);
            }
            int brokerId = configs.staticBrokerConfig().brokerId();
            if (id != brokerId) {
                throw new ResourceException(
                        Errors.INVALID_REQUEST,
                        "Unexpected broker id, expected " + brokerId + " or empty string, but received " + name);
            }
        }
        BrokerConfig staticConfig = configs.staticBrokerConfig();
        DynamicBrokerConfig dynamic = configs.dynamicBrokerConfig();
        // APPEND/SUBTRACT on an unset key start from the value the level below gives it.
        BrokerConfig below = clusterDefault ? staticConfig : staticConfig.withOverrides(dynamic.clusterDefaults());
        String path = clusterDefault
                ? ConfigEntityZNode.brokerDefaultPath()
                : ConfigEntityZNode.brokerPath(staticConfig.brokerId());
        Runnable policyCheck = policyCheckOnce(ConfigResource.Type.BROKER, clusterDefault ? "" : name, ops);
        Map<String, String> result = entities.update(
                path,
                current -> {
                    Map<String, String> next = apply(
                            ops,
                            replaceAll ? Map.of() : current,
                            key -> BrokerConfigKeys.DEFINITION
                                    .find(key)
                                    .orElseThrow(() -> new ConfigException(key, "Unknown broker config name: " + key)),
                            k -> k.render(below.get(k)));
                    BrokerConfig.validateDynamicDefaults(next);
                    (clusterDefault ? dynamic.withClusterDefaults(next) : dynamic.withPerBroker(next))
                            .applyTo(staticConfig);
                    policyCheck.run();
                    return next;
                },
                validateOnly);
        logOutcome(
                context,
                validateOnly,
                clusterDefault ? "cluster-wide broker defaults" : "dynamic configs of broker " + name,
                path,
                result);
    }

    /**
     * Sets or removes log levels of this broker's loggers (Kafka's BROKER_LOGGER): every operation is checked before
     * any is applied; {@code APPEND}/{@code SUBTRACT} and removing the root logger's level are
     * {@code INVALID_REQUEST}, an unknown logger or level {@code INVALID_CONFIG}. Levels are not persisted.
     */
    private void alterLoggers(RequestContext context, String name, List<Operation> ops, boolean validateOnly) {
        int brokerId = configs.staticBrokerConfig().brokerId();
        if (!Integer.toString(brokerId).equals(name)) {
            throw new ResourceException(
                    Errors.INVALID_REQUEST,
                    name == null || name.isEmpty()
                            ? "Broker id must not be empty"
                            : "Unexpected broker id, expected " + brokerId + " but received " + name);
        }
        for (Operation op : ops) {
            switch (op.op()) {
                case SET -> loggers.checkSet(op.name(), op.value());
                case DELETE -> {
                    try {
                        loggers.checkUnset(op.name());
                    } catch (IllegalArgumentException e) {
                        throw new ResourceException(Errors.INVALID_REQUEST, e.getMessage());
                    }
                }
                case APPEND, SUBTRACT ->
                    throw new ResourceException(
                            Errors.INVALID_REQUEST,
                            op.op() + " operation is not allowed for the BROKER_LOGGER resource");
            }
        }
        if (validateOnly) {
            return;
        }
        for (Operation op : ops) {
            if (op.op() == Op.SET) {
                loggers.set(op.name(), op.value());
            } else {
                loggers.unset(op.name());
            }
            log.info(
                    "{} log level of {} {} for client {}",
                    logPrefix,
                    op.name(),
                    op.op() == Op.SET ? "set to " + op.value() : "removed (inherited)",
                    context.clientId());
        }
    }

    /**
     * Consults the policy (if any) the first time it runs: after the new overrides passed Sluice's own checks, and
     * once only even when a concurrent write makes the read-modify-write go round again.
     */
    private Runnable policyCheckOnce(ConfigResource.Type type, String name, List<Operation> ops) {
        if (policy.isEmpty()) {
            return () -> {};
        }
        Map<String, String> entries = new HashMap<>();
        ops.forEach(op -> entries.put(op.name(), op.value()));
        AlterConfigPolicy.RequestMetadata request =
                new AlterConfigPolicy.RequestMetadata(new ConfigResource(type, name), entries);
        AtomicBoolean checked = new AtomicBoolean();
        return () -> {
            if (checked.compareAndSet(false, true)) {
                policy.get().validate(request);
            }
        };
    }

    private void logOutcome(
            RequestContext context, boolean validateOnly, String what, String path, Map<String, String> result) {
        if (validateOnly) {
            log.debug("{} validated new {} for client {}: {}", logPrefix, what, context.clientId(), result);
        } else {
            log.info("{} {} now {} (written to {} for client {})", logPrefix, what, result, path, context.clientId());
        }
    }

    /** The operations of a resource, checked for structure (ids, values, duplicates). */
    private static List<Operation> operations(AlterConfigsResource resource) {
        List<Operation> ops = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (AlterableConfig config : resource.configs()) {
            Op op = Op.forId(config.configOperation())
                    .orElseThrow(() -> new ResourceException(
                            Errors.INVALID_REQUEST,
                            "Unknown config operation " + config.configOperation() + " for config " + config.name()));
            if (!names.add(config.name())) {
                throw new ResourceException(
                        Errors.INVALID_REQUEST, "Error due to duplicate config keys: " + config.name());
            }
            if (config.value() == null && op != Op.DELETE) {
                throw new ResourceException(
                        Errors.INVALID_REQUEST, "Null value not supported for " + op + " of config " + config.name());
            }
            ops.add(new Operation(config.name(), op, config.value()));
        }
        return ops;
    }

    /**
     * The overrides after {@code ops}.
     *
     * @param keyOf the definition of a key (throws {@link ConfigException} for an unknown one)
     * @param defaultOf the value a list key has without an override, rendered
     */
    private static Map<String, String> apply(
            List<Operation> ops,
            Map<String, String> current,
            Function<String, ConfigKey<?>> keyOf,
            Function<ConfigKey<?>, String> defaultOf) {
        Map<String, String> next = new HashMap<>(current);
        for (Operation op : ops) {
            switch (op.op()) {
                case SET -> next.put(op.name(), op.value());
                case DELETE -> next.remove(op.name());
                case APPEND, SUBTRACT -> {
                    ConfigKey<?> key = keyOf.apply(op.name());
                    if (key.type() != ConfigType.LIST) {
                        throw new ConfigException(
                                op.name(),
                                "Config value " + op.op().name().toLowerCase(Locale.ROOT)
                                        + " is not allowed for config key: " + op.name());
                    }
                    String base = next.containsKey(op.name()) ? next.get(op.name()) : defaultOf.apply(key);
                    List<String> values = new ArrayList<>(split(base));
                    if (op.op() == Op.APPEND) {
                        split(op.value()).stream()
                                .filter(v -> !values.contains(v))
                                .forEach(values::add);
                    } else {
                        values.removeAll(split(op.value()));
                    }
                    next.put(op.name(), String.join(",", values));
                }
            }
        }
        return next;
    }

    private static List<String> split(String list) {
        List<String> out = new ArrayList<>();
        if (list == null) {
            return out;
        }
        for (String part : list.split(",")) {
            String trimmed = part.trim();
            if (!trimmed.isEmpty()) {
                out.add(trimmed);
            }
        }
        return out;
    }

    /** A per-resource error. */
    private static final class ResourceException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Errors error;

        ResourceException(Errors error, String message) {
            super(message, null, false, false);
            this.error = error;
        }
    }
}
