package io.sluice.broker.api.handlers;

import static io.sluice.broker.api.handlers.DescribeConfigsHandlerTest.describe;
import static io.sluice.broker.api.handlers.DescribeConfigsHandlerTest.entry;
import static io.sluice.broker.api.handlers.DescribeConfigsHandlerTest.resource;
import static io.sluice.broker.api.handlers.DescribeConfigsHandlerTest.source;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.config.ConfigEntityStore;
import io.sluice.broker.config.ConfigManager;
import io.sluice.broker.config.ConfigTestFixture;
import io.sluice.metadata.zk.ConfigEntityZNode;
import io.sluice.metadata.zk.TopicZNode;
import io.sluice.metadata.zk.ZkNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.apache.kafka.server.policy.AlterConfigPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class IncrementalAlterConfigsHandlerTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final ConfigResource ORDERS = new ConfigResource(ConfigResource.Type.TOPIC, "orders");
    private static final ConfigResource CLUSTER_DEFAULTS = new ConfigResource(ConfigResource.Type.BROKER, "");

    @TempDir
    Path dataDir;

    private ConfigTestFixture fixture;
    private ConfigManager manager;
    private IncrementalAlterConfigsHandler alterHandler;
    private DescribeConfigsHandler describeHandler;
    /** The version the AdminClient negotiates: its latest, capped by what the broker advertises. */
    private short negotiated;

    @BeforeEach
    void start() throws Exception {
        fixture = new ConfigTestFixture(dataDir.toFile());
        fixture.createTopic("orders");
        manager = fixture.startConfigManager(ConfigTestFixture.brokerConfig());
        ConfigEntityStore entities = new ConfigEntityStore(fixture.store());
        alterHandler = new IncrementalAlterConfigsHandler(manager, entities);
        describeHandler = new DescribeConfigsHandler(
                manager,
                entities,
                t -> fixture.store().exists(TopicZNode.path(t)).isPresent());
        negotiated = (short) Math.min(ApiKeys.INCREMENTAL_ALTER_CONFIGS.latestVersion(), alterHandler.maxVersion());
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    private static AlterConfigOp op(OpType type, String name, String value) {
        return new AlterConfigOp(new ConfigEntry(name, value), type);
    }

    /** As AdminClient's incrementalAlterConfigs builds it, sent and answered as bytes at {@code version}. */
    private Map<ConfigResource, ApiError> alter(
            short version, boolean validateOnly, Map<ConfigResource, Collection<AlterConfigOp>> ops) throws Exception {
        IncrementalAlterConfigsRequest request =
                new IncrementalAlterConfigsRequest.Builder(ops, validateOnly).build(version);
        IncrementalAlterConfigsResponse response = ConfigTestFixture.roundTrip(
                alterHandler, request, IncrementalAlterConfigsRequest::parse, IncrementalAlterConfigsResponse::parse);
        return IncrementalAlterConfigsResponse.fromResponseData(response.data());
    }

    private ApiError alterOrders(AlterConfigOp... ops) throws Exception {
        return alter(negotiated, false, Map.of(ORDERS, List.of(ops))).get(ORDERS);
    }

    private DescribeConfigsResult describeOrders() throws Exception {
        return describe(describeHandler, (short) 4, false, false, resource(ConfigResource.Type.TOPIC, "orders"))
                .data()
                .results()
                .get(0);
    }

    private Optional<String> storedOrders() {
        return fixture.store()
                .get(ConfigEntityZNode.topicPath("orders"))
                .map(ZkNode::data)
                .map(d -> new String(d, StandardCharsets.UTF_8));
    }

    @Test
    void setDeleteAppendAndSubtractRoundTripThroughDescribeAndTheConfigManager() throws Exception {
        assertThat(negotiated).isEqualTo((short) 1);
        ApiError set = alterOrders(
                op(OpType.SET, "retention.ms", "5000"),
                op(OpType.SET, "segment.bytes", "1048576"),
                op(OpType.APPEND, "cleanup.policy", "compact"));
        assertThat(set.error()).isEqualTo(Errors.NONE);
        assertThat(storedOrders())
                .contains("{\"version\":1,\"config\":{\"cleanup.policy\":\"delete,compact\",\"retention.ms\":\"5000\","
                        + "\"segment.bytes\":\"1048576\"}}");
        DescribeConfigsResult described = describeOrders();
        assertThat(entry(described, "retention.ms").value()).isEqualTo("5000");
        assertThat(source(entry(described, "retention.ms").configSource()))
                .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(entry(described, "cleanup.policy").value()).isEqualTo("delete,compact");
        await().atMost(WAIT).until(() -> manager.topicConfig("orders").retentionMs() == 5000L);
        assertThat(manager.topicConfig("orders").compact()).isTrue();

        ApiError changed =
                alterOrders(op(OpType.DELETE, "segment.bytes", null), op(OpType.SUBTRACT, "cleanup.policy", "delete"));
        assertThat(changed.error()).isEqualTo(Errors.NONE);
        // appending a value that is there already adds no duplicate
        assertThat(alterOrders(op(OpType.APPEND, "cleanup.policy", "compact")).error())
                .isEqualTo(Errors.NONE);
        described = describeOrders();
        assertThat(entry(described, "segment.bytes").value()).isEqualTo("536870912");
        assertThat(source(entry(described, "segment.bytes").configSource()))
                .isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(entry(described, "cleanup.policy").value()).isEqualTo("compact");
        await().atMost(WAIT).until(() -> !manager.topicConfig("orders").delete());
        assertThat(manager.topicConfig("orders").segmentBytes()).isEqualTo(536870912);
        assertThat(manager.topicOverrides("orders"))
                .containsOnly(Map.entry("retention.ms", "5000"), Map.entry("cleanup.policy", "compact"));
    }

    @Test
    void anInvalidKeyOrValueIsInvalidConfigNamingTheKeyAndNothingIsWritten() throws Exception {
        ApiError unknownKey = alterOrders(op(OpType.SET, "retention.msec", "5000"));
        assertThat(unknownKey.error()).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(unknownKey.message()).contains("retention.msec");

        ApiError badValue = alterOrders(op(OpType.SET, "retention.ms", "5000"), op(OpType.SET, "segment.bytes", "big"));
        assertThat(badValue.error()).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(badValue.message()).contains("segment.bytes").contains("big");

        ApiError appendToScalar = alterOrders(op(OpType.APPEND, "retention.ms", "5"));
        assertThat(appendToScalar.error()).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(appendToScalar.message()).contains("retention.ms");

        ApiError emptiedList = alterOrders(op(OpType.SUBTRACT, "cleanup.policy", "delete"));
        assertThat(emptiedList.error()).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(emptiedList.message()).contains("cleanup.policy");

        assertThat(storedOrders()).isEmpty();

        // an existing znode keeps its content and version
        assertThat(alterOrders(op(OpType.SET, "retention.ms", "1000")).error()).isEqualTo(Errors.NONE);
        int version = fixture.store()
                .get(ConfigEntityZNode.topicPath("orders"))
                .orElseThrow()
                .zkVersion();
        assertThat(alterOrders(op(OpType.SET, "min.insync.replicas", "0")).error())
                .isEqualTo(Errors.INVALID_CONFIG);
        ZkNode after =
                fixture.store().get(ConfigEntityZNode.topicPath("orders")).orElseThrow();
        assertThat(after.zkVersion()).isEqualTo(version);
        assertThat(storedOrders()).contains("{\"version\":1,\"config\":{\"retention.ms\":\"1000\"}}");
    }

    @Test
    void validateOnlyChecksEverythingAndWritesNothing() throws Exception {
        Map<ConfigResource, ApiError> valid =
                alter(negotiated, true, Map.of(ORDERS, List.of(op(OpType.SET, "retention.ms", "5000"))));
        assertThat(valid.get(ORDERS).error()).isEqualTo(Errors.NONE);

        Map<ConfigResource, ApiError> invalid =
                alter(negotiated, true, Map.of(ORDERS, List.of(op(OpType.SET, "retention.ms", "-5"))));
        assertThat(invalid.get(ORDERS).error()).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(invalid.get(ORDERS).message()).contains("retention.ms");

        assertThat(storedOrders()).isEmpty();
        assertThat(entry(describeOrders(), "retention.ms").value()).isEqualTo(Long.toString(168L * 3600 * 1000));
    }

    @Test
    void thisBrokersDynamicValuesWinOverTheClusterDefaultsAndAreDescribedAsSuch() throws Exception {
        ConfigResource broker1 = new ConfigResource(ConfigResource.Type.BROKER, "1");
        Map<ConfigResource, ApiError> results = alter(
                negotiated,
                false,
                Map.of(
                        CLUSTER_DEFAULTS, List.of(op(OpType.SET, "log.retention.ms", "9000")),
                        broker1, List.of(op(OpType.SET, "log.retention.ms", "7000"))));
        assertThat(results.values()).extracting(ApiError::error).containsOnly(Errors.NONE);
        assertThat(fixture.store().exists(ConfigEntityZNode.brokerPath(1))).isPresent();

        await().atMost(WAIT).until(() -> manager.topicConfig("orders").retentionMs() == 7000L);
        assertThat(manager.dynamicBrokerConfig().perBroker()).containsExactly(Map.entry("log.retention.ms", "7000"));
        assertThat(manager.effectiveBrokerConfig().logRetentionMs()).isEqualTo(7000L);

        DescribeConfigsResult described = describe(
                        describeHandler, (short) 4, true, false, resource(ConfigResource.Type.BROKER, "1"))
                .data()
                .results()
                .get(0);
        var retention = entry(described, "log.retention.ms");
        assertThat(retention.value()).isEqualTo("7000");
        assertThat(source(retention.configSource())).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG);
        assertThat(retention.synonyms())
                .extracting(sy -> source(sy.source()) + "=" + sy.value())
                .startsWith("DYNAMIC_BROKER_CONFIG=7000", "DYNAMIC_DEFAULT_BROKER_CONFIG=9000");
        assertThat(source(entry(describeOrders(), "retention.ms").configSource()))
                .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG);

        ApiError readOnly = alter(negotiated, false, Map.of(broker1, List.of(op(OpType.SET, "broker.id", "5"))))
                .get(broker1);
        assertThat(readOnly.error()).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(readOnly.message()).contains("broker.id");

        assertThat(alter(negotiated, false, Map.of(broker1, List.of(op(OpType.DELETE, "log.retention.ms", null))))
                        .get(broker1)
                        .error())
                .isEqualTo(Errors.NONE);
        await().atMost(WAIT).until(() -> manager.topicConfig("orders").retentionMs() == 9000L);
        assertThat(manager.dynamicBrokerConfig().perBroker()).isEmpty();
    }

    @Test
    void clusterDefaultsAreAlterableAndAnotherBrokersConfigsAreNot() throws Exception {
        ConfigResource broker2 = new ConfigResource(ConfigResource.Type.BROKER, "2");
        ConfigResource logger = new ConfigResource(ConfigResource.Type.BROKER_LOGGER, "1");
        ConfigResource missing = new ConfigResource(ConfigResource.Type.TOPIC, "missing");
        Map<ConfigResource, ApiError> results = alter(
                (short) 0,
                false,
                Map.of(
                        CLUSTER_DEFAULTS, List.of(op(OpType.SET, "log.retention.ms", "9000")),
                        broker2, List.of(op(OpType.SET, "log.retention.ms", "1")),
                        logger, List.of(op(OpType.SET, "no.such.logger", "DEBUG")),
                        missing, List.of(op(OpType.SET, "retention.ms", "1"))));

        assertThat(results.get(CLUSTER_DEFAULTS).error()).isEqualTo(Errors.NONE);
        assertThat(results.get(broker2).error()).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(results.get(broker2).message()).contains("Unexpected broker id, expected 1");
        assertThat(fixture.store().exists(ConfigEntityZNode.brokerPath(2))).isEmpty();
        assertThat(results.get(logger).error()).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(results.get(logger).message()).contains("no.such.logger");
        assertThat(results.get(missing).error()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(fixture.store().exists(ConfigEntityZNode.topicPath("missing")))
                .isEmpty();

        await().atMost(WAIT).until(() -> manager.topicConfig("orders").retentionMs() == 9000L);
        DescribeConfigsResult defaults = describe(
                        describeHandler, (short) 4, false, false, resource(ConfigResource.Type.BROKER, ""))
                .data()
                .results()
                .get(0);
        assertThat(entry(defaults, "log.retention.ms").value()).isEqualTo("9000");
        assertThat(source(entry(describeOrders(), "retention.ms").configSource()))
                .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);

        ApiError readOnly = alter(
                        negotiated, false, Map.of(CLUSTER_DEFAULTS, List.of(op(OpType.SET, "broker.id", "5"))))
                .get(CLUSTER_DEFAULTS);
        assertThat(readOnly.error()).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(readOnly.message()).contains("broker.id");
        assertThat(manager.dynamicBrokerDefaults()).containsExactly(Map.entry("log.retention.ms", "9000"));
    }

    @Test
    void aKeyListedTwiceIsAnInvalidRequest() throws Exception {
        ApiError twice = alterOrders(op(OpType.SET, "retention.ms", "1"), op(OpType.DELETE, "retention.ms", null));

        assertThat(twice.error()).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(twice.message()).contains("retention.ms");
        assertThat(storedOrders()).isEmpty();
    }

    @Test
    void aResourceListedTwiceAndAnUnknownOperationAreInvalidRequests() throws Exception {
        IncrementalAlterConfigsRequestData data = new IncrementalAlterConfigsRequestData();
        for (int i = 0; i < 2; i++) {
            AlterConfigsResource orders = new AlterConfigsResource()
                    .setResourceType(ConfigResource.Type.TOPIC.id())
                    .setResourceName("orders");
            orders.configs()
                    .add(new AlterableConfig()
                            .setName("retention.ms")
                            .setConfigOperation(OpType.SET.id())
                            .setValue("1"));
            data.resources().mustAdd(orders);
        }
        AlterConfigsResource defaults = new AlterConfigsResource()
                .setResourceType(ConfigResource.Type.BROKER.id())
                .setResourceName("");
        defaults.configs()
                .add(new AlterableConfig()
                        .setName("log.retention.ms")
                        .setConfigOperation((byte) 9)
                        .setValue("1"));
        data.resources().add(defaults);

        IncrementalAlterConfigsResponse response = ConfigTestFixture.roundTrip(
                alterHandler,
                new IncrementalAlterConfigsRequest.Builder(data).build(negotiated),
                IncrementalAlterConfigsRequest::parse,
                IncrementalAlterConfigsResponse::parse);

        assertThat(response.data().responses())
                .extracting(r -> r.resourceName() + ":" + Errors.forCode(r.errorCode()))
                .containsExactly("orders:INVALID_REQUEST", "orders:INVALID_REQUEST", ":INVALID_REQUEST");
        assertThat(response.data().responses().get(2).errorMessage()).contains("operation 9");
        assertThat(storedOrders()).isEmpty();
        assertThat(fixture.store().exists(ConfigEntityZNode.brokerDefaultPath()))
                .isEmpty();
    }

    @Test
    void thePartitionLimitsAreClusterWideDynamicDefaults() throws Exception {
        ApiError raised = alter(
                        negotiated,
                        false,
                        Map.of(
                                CLUSTER_DEFAULTS,
                                List.of(
                                        op(OpType.SET, "max.partitions.per.cluster", "400000"),
                                        op(OpType.SET, "max.partitions.per.request", "20000"))))
                .get(CLUSTER_DEFAULTS);
        assertThat(raised.error()).isEqualTo(Errors.NONE);
        await().atMost(WAIT)
                .until(() -> manager.effectiveBrokerConfig().partitionLimits(), l -> l.maxPerCluster() == 400_000);
        assertThat(manager.effectiveBrokerConfig().partitionLimits().maxPerRequest())
                .isEqualTo(20_000);

        ApiError belowDefault = alter(
                        negotiated,
                        false,
                        Map.of(CLUSTER_DEFAULTS, List.of(op(OpType.SET, "max.partitions.per.request", "0"))))
                .get(CLUSTER_DEFAULTS);
        assertThat(belowDefault.error()).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(belowDefault.message()).contains("max.partitions.per.request");
    }

    /** Refuses any retention.ms below one hour; records what it was asked. */
    static final class MinimumRetentionPolicy implements AlterConfigPolicy {
        final List<RequestMetadata> seen = new CopyOnWriteArrayList<>();

        @Override
        public void configure(Map<String, ?> configs) {}

        @Override
        public void validate(RequestMetadata request) {
            seen.add(request);
            String retention = request.configs().get("retention.ms");
            if (retention != null && Long.parseLong(retention) < 3_600_000L) {
                throw new PolicyViolationException("retention.ms must be at least one hour, not " + retention);
            }
        }

        @Override
        public void close() {}
    }

    @Test
    void theAlterConfigPolicyDecidesAfterTheOwnChecksAndSeesTheRequestsEntries() throws Exception {
        MinimumRetentionPolicy policy = new MinimumRetentionPolicy();
        alterHandler = new IncrementalAlterConfigsHandler(
                manager, new ConfigEntityStore(fixture.store()), Optional.of(policy));

        ApiError refused = alterOrders(op(OpType.SET, "retention.ms", "1000"));
        assertThat(refused.error()).isEqualTo(Errors.POLICY_VIOLATION);
        assertThat(refused.message()).isEqualTo("retention.ms must be at least one hour, not 1000");
        ApiError dryRun = alter(negotiated, true, Map.of(ORDERS, List.of(op(OpType.SET, "retention.ms", "1000"))))
                .get(ORDERS);
        assertThat(dryRun.error()).as("validateOnly consults the policy too").isEqualTo(Errors.POLICY_VIOLATION);
        assertThat(storedOrders()).isEmpty();

        policy.seen.clear();
        assertThat(alterOrders(op(OpType.SET, "retention.ms", "soon")).error()).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(policy.seen).as("an invalid value never reaches the policy").isEmpty();

        assertThat(alterOrders(op(OpType.SET, "retention.ms", "7200000"), op(OpType.DELETE, "segment.bytes", null))
                        .error())
                .isEqualTo(Errors.NONE);
        assertThat(policy.seen).hasSize(1);
        AlterConfigPolicy.RequestMetadata seen = policy.seen.get(0);
        assertThat(seen.resource()).isEqualTo(ORDERS);
        assertThat(seen.configs()).containsEntry("retention.ms", "7200000").containsKey("segment.bytes");

        ApiError defaults = alter(
                        negotiated,
                        false,
                        Map.of(CLUSTER_DEFAULTS, List.of(op(OpType.SET, "log.retention.ms", "1000"))))
                .get(CLUSTER_DEFAULTS);
        assertThat(defaults.error()).isEqualTo(Errors.NONE);
        assertThat(policy.seen.get(1).resource()).isEqualTo(CLUSTER_DEFAULTS);
        assertThat(policy.seen.get(1).configs()).isEqualTo(Map.of("log.retention.ms", "1000"));
    }
}
