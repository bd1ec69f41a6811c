package io.sluice.broker.api.handlers;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.config.BrokerLoggers;
import io.sluice.broker.config.ConfigDescriber;
import io.sluice.broker.config.ConfigDescriber.Entry;
import io.sluice.broker.config.ConfigEntityStore;
import io.sluice.broker.config.ConfigManager;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.ConfigException;
import io.sluice.metadata.config.ConfigSource;
import io.sluice.metadata.config.ConfigType;
import io.sluice.metadata.config.DynamicBrokerConfig;
import io.sluice.metadata.model.TopicNames;
import io.sluice.metadata.zk.ConfigEntityZNode;
import io.sluice.metadata.zk.ZkDataException;
import io.sluice.metadata.zk.ZkStoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers DescribeConfigs v1-v4 (AdminClient's {@code describeConfigs}, {@code kafka-configs --describe}) as a
 * ZooKeeper-mode Kafka broker does; v0 (deprecated, with {@code IsDefault} instead of a source) is not offered.
 *
 * <ul>
 *   <li>{@code TOPIC}: every topic key with its effective value, source ({@code DYNAMIC_TOPIC_CONFIG},
 *       {@code DYNAMIC_DEFAULT_BROKER_CONFIG}, {@code STATIC_BROKER_CONFIG}, {@code DEFAULT_CONFIG}) and synonyms (see
 *       {@link ConfigDescriber}). An illegal name is {@code INVALID_TOPIC_EXCEPTION}, a topic the broker does not
 *       know {@code UNKNOWN_TOPIC_OR_PARTITION}.
 *   <li>{@code BROKER} with this broker's id: every broker key. With an empty name: the cluster-wide dynamic
 *       defaults only. Another broker's id is {@code INVALID_REQUEST}: like Kafka, a broker describes only itself
 *       (the AdminClient sends a broker resource to that broker). A name that is not an integer is
 *       {@code INVALID_REQUEST}.
 *   <li>{@code BROKER_LOGGER} with this broker's id: every logger with its effective level
 *       ({@code DYNAMIC_BROKER_LOGGER_CONFIG}, {@link BrokerLoggers}); another id or an empty one is
 *       {@code INVALID_REQUEST}.
 *   <li>Other resource types ({@code CLIENT_METRICS}, ...) are {@code INVALID_REQUEST}.
 * </ul>
 *
 * <p>{@code ConfigurationKeys} filters the entries (null or empty means all; unknown names are skipped). Synonyms are
 * returned only with {@code IncludeSynonyms}, documentation only with {@code IncludeDocumentation}, the config type
 * from v3. Sensitive values are never returned.
 *
 * <p>The topic overrides and dynamic defaults are read from ZooKeeper on each request, so an admin sees its own
 * writes at once on any broker (Kafka reads topic configs from ZooKeeper too); if ZooKeeper fails or a znode is
 * malformed, the values in effect on this broker ({@link ConfigManager}) are described instead.
 *
 * <p>Concurrency: stateless; blocking (ZooKeeper reads), so it runs on the request handler pool.
 */
public final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequestData> {
    private static final Logger log = LoggerFactory.getLogger(DescribeConfigsHandler.class);
    private static final String DEFAULTS_PATH = ConfigEntityZNode.brokerDefaultPath();

    private final ConfigManager configs;
    private final ConfigEntityStore entities;
    private final Predicate<String> topicExists;
    private final int brokerId;
    private final String logPrefix;
    private final BrokerLoggers loggers = BrokerLoggers.current();

    /**
     * @param configs the config manager (static broker config and the configs in effect)
     * @param entities reads of the config znodes
     * @param topicExists whether a topic exists (the broker's metadata cache)
     */
    public DescribeConfigsHandler(ConfigManager configs, ConfigEntityStore entities, Predicate<String> topicExists) {
        this.configs = Objects.requireNonNull(configs, "configs");
        this.entities = Objects.requireNonNull(entities, "entities");
        this.topicExists = Objects.requireNonNull(topicExists, "topicExists");
        this.brokerId = configs.staticBrokerConfig().brokerId();
        this.logPrefix = "[DescribeConfigs broker=" + brokerId + "]";
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_CONFIGS;
    }

    @Override
    public short minVersion() {
        return 1;
    }

    @Override
    public short maxVersion() {
        return 4;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, DescribeConfigsRequestData request) {
        DescribeConfigsResponseData response = new DescribeConfigsResponseData().setThrottleTimeMs(0);
        for (DescribeConfigsResource resource : request.resources()) {
            response.results().add(describe(resource, request, context.apiVersion()));
        }
        return CompletableFuture.completedFuture(ApiResponse.of(response));
    }

    private DescribeConfigsResult describe(
            DescribeConfigsResource resource, DescribeConfigsRequestData request, short version) {
        DescribeConfigsResult result = new DescribeConfigsResult()
                .setResourceType(resource.resourceType())
                .setResourceName(resource.resourceName());
        try {
            List<Entry> entries = switch (ConfigResource.Type.forId(resource.resourceType())) {
                case TOPIC -> describeTopic(resource.resourceName());
                case BROKER -> describeBroker(resource.resourceName());
                case BROKER_LOGGER -> describeLoggers(resource.resourceName());
                default ->
                    throw new ResourceException(
                            Errors.INVALID_REQUEST,
                            "Unsupported resource type " + resource.resourceType()
                                    + "; Sluice describes TOPIC, BROKER and BROKER_LOGGER configs");
            };
            List<String> keys = resource.configurationKeys();
            for (Entry entry : entries) {
                if (keys == null || keys.isEmpty() || keys.contains(entry.name())) {
                    result.configs().add(toWire(entry, request, version));
                }
            }
            return result.setErrorCode(Errors.NONE.code()).setErrorMessage(null);
        } catch (ResourceException e) {
            return result.setErrorCode(e.error.code()).setErrorMessage(e.getMessage());
        } catch (ConfigException e) {
            log.warn("{} cannot describe {}: {}", logPrefix, resource.resourceName(), e.getMessage());
            return result.setErrorCode(Errors.INVALID_CONFIG.code()).setErrorMessage(e.getMessage());
        }
    }

    private List<Entry> describeTopic(String topic) {
        Optional<String> invalid = TopicNames.invalidReason(topic);
        if (invalid.isPresent()) {
            throw new ResourceException(Errors.INVALID_TOPIC_EXCEPTION, invalid.get());
        }
        if (!topicExists.test(topic)) {
            throw new ResourceException(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + topic + "' does not exist");
        }
        BrokerConfig staticConfig = configs.staticBrokerConfig();
        Map<String, String> defaults = read(DEFAULTS_PATH, configs::dynamicBrokerDefaults);
        Map<String, String> perBroker = read(
                ConfigEntityZNode.brokerPath(brokerId),
                () -> configs.dynamicBrokerConfig().perBroker());
        Map<String, String> overrides = read(ConfigEntityZNode.topicPath(topic), () -> configs.topicOverrides(topic));
        try {
            return ConfigDescriber.topic(staticConfig, new DynamicBrokerConfig(perBroker, defaults), overrides);
        } catch (ConfigException e) {
            log.warn(
                    "{} the stored config of topic {} is invalid ({}); describing the config in effect",
                    logPrefix,
                    topic,
                    e.getMessage());
            return ConfigDescriber.topic(staticConfig, configs.dynamicBrokerConfig(), configs.topicOverrides(topic));
        }
    }

    private List<Entry> describeBroker(String name) {
        Map<String, String> defaults = read(DEFAULTS_PATH, configs::dynamicBrokerDefaults);
        if (name == null || name.isEmpty()) {
            return ConfigDescriber.clusterDefaults(defaults);
        }
        int id;
        try {
            id = Integer.parseInt(name);
        } catch (NumberFormatException e) {
            throw new ResourceException(Errors.INVALID_REQUEST, "Broker id must be an integer, but it is: " + name);
        }
        if (id != brokerId) {
            throw new ResourceException(
                    Errors.INVALID_REQUEST,
                    "Unexpected broker id, expected " + brokerId + " or empty string, but received " + name);
        }
        Map<String, String> perBroker = read(
                ConfigEntityZNode.brokerPath(brokerId),
                () -> configs.dynamicBrokerConfig().perBroker());
        try {
            return ConfigDescriber.broker(configs.staticBrokerConfig(), new DynamicBrokerConfig(perBroker, defaults));
        } catch (ConfigException e) {
            log.warn(
                    "{} the stored dynamic broker values are invalid ({}); describing the config in effect",
                    logPrefix,
                    e.getMessage());
            return ConfigDescriber.broker(configs.staticBrokerConfig(), configs.dynamicBrokerConfig());
        }
    }

    /** This broker's loggers with their effective levels (Kafka's answer for BROKER_LOGGER). */
    private List<Entry> describeLoggers(String name) {
        requireThisBroker(name);
        if (!loggers.available()) {
            throw new ResourceException(
                    Errors.INVALID_REQUEST, "Broker loggers cannot be described: the logging binding is not logback");
        }
        List<Entry> out = new ArrayList<>();
        loggers.levels()
                .forEach((logger, level) -> out.add(new Entry(
                        logger,
                        level,
                        ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG,
                        false,
                        false,
                        ConfigType.STRING,
                        "",
                        List.of())));
        return out;
    }

    private void requireThisBroker(String name) {
        if (name == null || name.isEmpty()) {
            throw new ResourceException(Errors.INVALID_REQUEST, "Broker id must not be empty");
        }
        int id;
        try {
            id = Integer.parseInt(name);
        } catch (NumberFormatException e) {
            throw new ResourceException(Errors.INVALID_REQUEST, "Broker id must be an integer, but it is: " + name);
        }
        if (id != brokerId) {
            throw new ResourceException(
                    Errors.INVALID_REQUEST, "Unexpected broker id, expected " + brokerId + " but received " + name);
        }
    }

    /** The overrides at {@code path} as stored now, or the ones in effect if they cannot be read. */
    private Map<String, String> read(String path, Supplier<Map<String, String>> inEffect) {
        try {
            return entities.read(path).value();
        } catch (ZkDataException | ZkStoreException e) {
            log.warn("{} cannot read {} ({}); describing the config in effect", logPrefix, path, e.getMessage());
            return inEffect.get();
        }
    }

    private static DescribeConfigsResourceResult toWire(
            Entry entry, DescribeConfigsRequestData request, short version) {
        DescribeConfigsResourceResult out = new DescribeConfigsResourceResult()
                .setName(entry.name())
                .setValue(entry.value())
                .setReadOnly(entry.readOnly())
                .setConfigSource(entry.source().wireId())
                .setIsSensitive(entry.sensitive());
        if (version >= 3) {
            out.setConfigType(entry.type().wireId())
                    .setDocumentation(request.includeDocumentation() ? entry.documentation() : null);
        } else {
            out.setDocumentation(null);
        }
        if (request.includeSynonyms()) {
            for (ConfigDescriber.Synonym synonym : entry.synonyms()) {
                out.synonyms()
                        .add(new DescribeConfigsSynonym()
                                .setName(synonym.name())
                                .setValue(synonym.value())
                                .setSource(synonym.source().wireId()));
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
