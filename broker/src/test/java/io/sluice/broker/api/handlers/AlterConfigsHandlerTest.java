package io.sluice.broker.api.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.config.ConfigEntityStore;
import io.sluice.broker.config.ConfigManager;
import io.sluice.broker.config.ConfigTestFixture;
import io.sluice.metadata.zk.ConfigEntityZNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The legacy AlterConfigs: whole-set replacement of a resource's overrides, on IncrementalAlterConfigs' checks. */
@Timeout(60)
class AlterConfigsHandlerTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final ConfigResource ORDERS = new ConfigResource(ConfigResource.Type.TOPIC, "orders");
    private static final ConfigResource CLUSTER_DEFAULTS = new ConfigResource(ConfigResource.Type.BROKER, "");

    @TempDir
    Path dataDir;

    private ConfigTestFixture fixture;
    private ConfigManager manager;
    private IncrementalAlterConfigsHandler incremental;
    private AlterConfigsHandler legacy;

    @BeforeEach
    void start() throws Exception {
        fixture = new ConfigTestFixture(dataDir.toFile());
        fixture.createTopic("orders");
        manager = fixture.startConfigManager(ConfigTestFixture.brokerConfig());
        incremental = new IncrementalAlterConfigsHandler(manager, new ConfigEntityStore(fixture.store()));
        legacy = new AlterConfigsHandler(incremental);
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    /** As AdminClient's (deprecated) alterConfigs builds it, sent and answered as bytes at {@code version}. */
    private Map<ConfigResource, ApiError> replace(
            short version, boolean validateOnly, Map<ConfigResource, Map<String, String>> configs) throws Exception {
        Map<ConfigResource, AlterConfigsRequest.Config> request = new HashMap<>();
        configs.forEach((resource, entries) -> request.put(
                resource,
                new AlterConfigsRequest.Config(entries.entrySet().stream()
                        .map(e -> new AlterConfigsRequest.ConfigEntry(e.getKey(), e.getValue()))
                        .toList())));
        AlterConfigsResponse response = ConfigTestFixture.roundTrip(
                legacy,
                new AlterConfigsRequest.Builder(request, validateOnly).build(version),
                AlterConfigsRequest::parse,
                AlterConfigsResponse::parse);
        return response.errors();
    }

    private void set(ConfigResource resource, String name, String value) throws Exception {
        Map<ConfigResource, Collection<AlterConfigOp>> ops =
                Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry(name, value), OpType.SET)));
        IncrementalAlterConfigsResponse response = ConfigTestFixture.roundTrip(
                incremental,
                new IncrementalAlterConfigsRequest.Builder(ops, false).build((short) 1),
                IncrementalAlterConfigsRequest::parse,
                IncrementalAlterConfigsResponse::parse);
        assertThat(IncrementalAlterConfigsResponse.fromResponseData(response.data())
                        .get(resource)
                        .error())
                .isEqualTo(Errors.NONE);
    }

    @Test
    void theRequestsEntriesReplaceEveryTopicOverrideAtEveryVersion() throws Exception {
        for (short v = legacy.minVersion(); v <= legacy.maxVersion(); v++) {
            set(ORDERS, "retention.ms", "5000");
            set(ORDERS, "cleanup.policy", "compact");
            await().atMost(WAIT).until(() -> manager.topicConfig("orders").compact());

            String segmentBytes = Integer.toString(1_048_576 + v);
            ApiError replaced = replace(v, false, Map.of(ORDERS, Map.of("segment.bytes", segmentBytes)))
                    .get(ORDERS);

            assertThat(replaced.error()).as("v%d", v).isEqualTo(Errors.NONE);
            await().atMost(WAIT)
                    .until(() -> manager.topicOverrides("orders").equals(Map.of("segment.bytes", segmentBytes)));
            assertThat(manager.topicConfig("orders").compact()).isFalse();
        }
        assertThat(ApiKeys.ALTER_CONFIGS.latestVersion()).isEqualTo(legacy.maxVersion());
    }

    @Test
    void theClusterDefaultsAreReplacedAndAnEmptySetRemovesThemAll() throws Exception {
        set(CLUSTER_DEFAULTS, "log.retention.ms", "9000");
        await().atMost(WAIT).until(() -> manager.topicConfig("orders").retentionMs() == 9000L);

        ApiError replaced = replace((short) 2, false, Map.of(CLUSTER_DEFAULTS, Map.of("log.segment.bytes", "2097152")))
                .get(CLUSTER_DEFAULTS);
        assertThat(replaced.error()).isEqualTo(Errors.NONE);
        await().atMost(WAIT).until(() -> manager.topicConfig("orders").segmentBytes() == 2_097_152);
        assertThat(manager.topicConfig("orders").retentionMs())
                .as("the default not named in the request is gone")
                .isEqualTo(604_800_000L);

        assertThat(replace((short) 2, false, Map.of(CLUSTER_DEFAULTS, Map.of()))
                        .get(CLUSTER_DEFAULTS)
                        .error())
                .isEqualTo(Errors.NONE);
        await().atMost(WAIT).until(() -> manager.topicConfig("orders").segmentBytes() == 536_870_912);
    }

    @Test
    void badInputIsRefusedPerResourceNamingTheProblemAndNothingIsWritten() throws Exception {
        set(ORDERS, "retention.ms", "5000");
        ConfigResource broker2 = new ConfigResource(ConfigResource.Type.BROKER, "2");
        ConfigResource logger = new ConfigResource(ConfigResource.Type.BROKER_LOGGER, "1");

        Map<ConfigResource, ApiError> results = replace(
                (short) 2,
                false,
                Map.of(
                        ORDERS, Map.of("retention.msec", "1"),
                        broker2, Map.of("log.retention.ms", "1"),
                        logger, Map.of("io.sluice", "DEBUG")));

        assertThat(results.get(ORDERS).error()).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(results.get(ORDERS).message()).contains("retention.msec");
        assertThat(results.get(broker2).error()).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(results.get(broker2).message()).contains("Unexpected broker id, expected 1");
        assertThat(results.get(logger).error()).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(results.get(logger).message()).contains("AlterConfigs").contains("BROKER_LOGGER");
        assertThat(manager.topicOverrides("orders")).isEqualTo(Map.of("retention.ms", "5000"));

        ApiError validateOnly = replace((short) 2, true, Map.of(ORDERS, Map.of("retention.ms", "7000")))
                .get(ORDERS);
        assertThat(validateOnly.error()).isEqualTo(Errors.NONE);
        assertThat(fixture.store()
                        .get(ConfigEntityZNode.topicPath("orders"))
                        .map(n -> new String(n.data(), StandardCharsets.UTF_8)))
                .as("the znode a validate-only request must not touch")
                .hasValueSatisfying(json -> assertThat(json).contains("\"retention.ms\":\"5000\""));
    }
}
