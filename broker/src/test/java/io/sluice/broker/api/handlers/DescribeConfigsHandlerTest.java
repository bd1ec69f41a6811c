package io.sluice.broker.api.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.config.ConfigEntityStore;
import io.sluice.broker.config.ConfigManager;
import io.sluice.broker.config.ConfigTestFixture;
import io.sluice.metadata.config.BrokerConfigKeys;
import io.sluice.metadata.config.TopicConfig;
import io.sluice.metadata.zk.ConfigEntityZNode;
import io.sluice.metadata.zk.TopicZNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class DescribeConfigsHandlerTest {
    @TempDir
    Path dataDir;

    private ConfigTestFixture fixture;
    private ConfigManager manager;
    private DescribeConfigsHandler handler;
    /** The version the AdminClient negotiates: its latest, capped by what the broker advertises. */
    private short negotiated;

    @BeforeEach
    void start() throws Exception {
        fixture = new ConfigTestFixture(dataDir.toFile());
        fixture.createTopic("orders");
        fixture.setTopicConfig("orders", Map.of("retention.ms", "1000"));
        fixture.setBrokerDefaults(Map.of("message.max.bytes", "2000000"));
        manager = fixture.startConfigManager(ConfigTestFixture.brokerConfig());
        handler = new DescribeConfigsHandler(
                manager,
                new ConfigEntityStore(fixture.store()),
                t -> fixture.store().exists(TopicZNode.path(t)).isPresent());
        negotiated = (short) Math.min(ApiKeys.DESCRIBE_CONFIGS.latestVersion(), handler.maxVersion());
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    static DescribeConfigsResource resource(ConfigResource.Type type, String name, String... keys) {
        return new DescribeConfigsResource()
                .setResourceType(type.id())
                .setResourceName(name)
                .setConfigurationKeys(keys.length == 0 ? null : Arrays.asList(keys));
    }

    /** As AdminClient's describeConfigs builds it, sent and answered as bytes at {@code version}. */
    static DescribeConfigsResponse describe(
            DescribeConfigsHandler handler,
            short version,
            boolean synonyms,
            boolean documentation,
            DescribeConfigsResource... resources)
            throws Exception {
        DescribeConfigsRequest request = new DescribeConfigsRequest.Builder(new DescribeConfigsRequestData()
                        .setResources(List.of(resources))
                        .setIncludeSynonyms(synonyms)
                        .setIncludeDocumentation(documentation))
                .build(version);
        return ConfigTestFixture.roundTrip(
                handler, request, DescribeConfigsRequest::parse, DescribeConfigsResponse::parse);
    }

    static DescribeConfigsResourceResult entry(DescribeConfigsResult result, String name) {
        return result.configs().stream()
                .filter(c -> c.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no entry " + name + " in " + result));
    }

    static ConfigEntry.ConfigSource source(byte id) {
        return DescribeConfigsResponse.ConfigSource.forId(id).source();
    }

    private DescribeConfigsResult only(DescribeConfigsResponse response) {
        assertThat(response.data().results()).hasSize(1);
        return response.data().results().get(0);
    }

    @Test
    void aTopicWithOneOverrideShowsEverySourceAndTheSynonyms() throws Exception {
        DescribeConfigsResult result =
                only(describe(handler, negotiated, true, true, resource(ConfigResource.Type.TOPIC, "orders")));

        assertThat(negotiated).isEqualTo((short) 4);
        assertThat(result.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(result.configs()).hasSameSizeAs(TopicConfig.DEFINITION.keys());

        DescribeConfigsResourceResult retention = entry(result, "retention.ms");
        assertThat(retention.value()).isEqualTo("1000");
        assertThat(source(retention.configSource())).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(retention.readOnly()).isFalse();
        assertThat(retention.isSensitive()).isFalse();
        assertThat(DescribeConfigsResponse.ConfigType.forId(retention.configType())
                        .type())
                .isEqualTo(ConfigEntry.ConfigType.LONG);
        assertThat(retention.documentation()).isNotBlank();
        assertThat(retention.synonyms())
                .extracting(s -> s.name() + "=" + s.value() + "@" + source(s.source()))
                .containsExactly("retention.ms=1000@DYNAMIC_TOPIC_CONFIG", "log.retention.hours=168@DEFAULT_CONFIG");

        DescribeConfigsResourceResult maxMessage = entry(result, "max.message.bytes");
        assertThat(maxMessage.value()).isEqualTo("2000000");
        assertThat(source(maxMessage.configSource())).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        assertThat(maxMessage.synonyms())
                .extracting(s -> s.name() + "=" + s.value() + "@" + source(s.source()))
                .containsExactly(
                        "message.max.bytes=2000000@DYNAMIC_DEFAULT_BROKER_CONFIG",
                        "message.max.bytes=1048588@DEFAULT_CONFIG");

        DescribeConfigsResourceResult segment = entry(result, "segment.bytes");
        assertThat(segment.value()).isEqualTo("536870912");
        assertThat(source(segment.configSource())).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);

        DescribeConfigsResourceResult minIsr = entry(result, "min.insync.replicas");
        assertThat(minIsr.value()).isEqualTo("1");
        assertThat(source(minIsr.configSource())).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
    }

    @Test
    void olderVersionsAndUnrequestedPartsAreLeftOut() throws Exception {
        DescribeConfigsResult v4 =
                only(describe(handler, (short) 4, false, false, resource(ConfigResource.Type.TOPIC, "orders")));
        assertThat(entry(v4, "retention.ms").synonyms()).isEmpty();
        assertThat(entry(v4, "retention.ms").documentation()).isNull();

        DescribeConfigsResult v1 =
                only(describe(handler, (short) 1, true, false, resource(ConfigResource.Type.TOPIC, "orders")));
        DescribeConfigsResourceResult retention = entry(v1, "retention.ms");
        assertThat(retention.value()).isEqualTo("1000");
        assertThat(source(retention.configSource())).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(retention.synonyms()).hasSize(2);
        assertThat(retention.configType()).isZero(); // not in v1
    }

    @Test
    void configurationKeysFilterTheEntries() throws Exception {
        DescribeConfigsResult result = only(describe(
                handler,
                negotiated,
                false,
                false,
                resource(ConfigResource.Type.TOPIC, "orders", "retention.ms", "cleanup.policy", "no.such.key")));

        assertThat(result.configs())
                .extracting(DescribeConfigsResourceResult::name)
                .containsExactlyInAnyOrder("retention.ms", "cleanup.policy");
    }

    @Test
    void brokerResourcesDescribeThisBrokerOrTheClusterDefaults() throws Exception {
        DescribeConfigsResponse response = describe(
                handler,
                negotiated,
                true,
                false,
                resource(ConfigResource.Type.BROKER, "1"),
                resource(ConfigResource.Type.BROKER, ""),
                resource(ConfigResource.Type.BROKER, "2"),
                resource(ConfigResource.Type.BROKER, "one"));
        List<DescribeConfigsResult> results = response.data().results();

        DescribeConfigsResult self = results.get(0);
        assertThat(self.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(self.configs()).hasSameSizeAs(BrokerConfigKeys.DEFINITION.keys());
        DescribeConfigsResourceResult brokerId = entry(self, "broker.id");
        assertThat(brokerId.value()).isEqualTo("1");
        assertThat(brokerId.readOnly()).isTrue();
        assertThat(source(brokerId.configSource())).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(source(entry(self, "message.max.bytes").configSource()))
                .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);

        DescribeConfigsResult defaults = results.get(1);
        assertThat(defaults.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(defaults.configs())
                .extracting(DescribeConfigsResourceResult::name)
                .containsExactly("message.max.bytes");

        assertThat(results.get(2).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(results.get(2).errorMessage()).contains("expected 1");
        assertThat(results.get(3).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(results.get(3).errorMessage()).contains("must be an integer");
    }

    @Test
    void unknownTopicsIllegalNamesAndOtherResourceTypesAreErrorsPerResource() throws Exception {
        DescribeConfigsResponse response = describe(
                handler,
                negotiated,
                false,
                false,
                resource(ConfigResource.Type.TOPIC, "missing"),
                resource(ConfigResource.Type.TOPIC, "../brokers"),
                resource(ConfigResource.Type.CLIENT_METRICS, "metrics"),
                resource(ConfigResource.Type.TOPIC, "orders"));

        Map<ConfigResource, DescribeConfigsResult> results = response.resultMap();
        assertThat(results.get(new ConfigResource(ConfigResource.Type.TOPIC, "missing"))
                        .errorCode())
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(results.get(new ConfigResource(ConfigResource.Type.TOPIC, "../brokers"))
                        .errorCode())
                .isEqualTo(Errors.INVALID_TOPIC_EXCEPTION.code());
        assertThat(results.get(new ConfigResource(ConfigResource.Type.CLIENT_METRICS, "metrics"))
                        .errorCode())
                .isEqualTo(Errors.INVALID_REQUEST.code());
        DescribeConfigsResult orders = results.get(new ConfigResource(ConfigResource.Type.TOPIC, "orders"));
        assertThat(orders.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(orders.configs()).isNotEmpty();
    }

    @Test
    void describesWhatIsStoredNowAndFallsBackToTheConfigInEffectWhenItIsMalformed() throws Exception {
        manager.close(); // stops following ZooKeeper: its config in effect stays retention.ms=1000
        DescribeConfigsResource retentionOfOrders = resource(ConfigResource.Type.TOPIC, "orders", "retention.ms");

        fixture.setTopicConfig("orders", Map.of("retention.ms", "2000"));
        DescribeConfigsResult fresh = only(describe(handler, negotiated, false, false, retentionOfOrders));
        assertThat(entry(fresh, "retention.ms").value()).isEqualTo("2000");

        fixture.writeRaw(ConfigEntityZNode.topicPath("orders"), "{\"version\":1,\"config\":{\"retention.ms\":\"x\"}}");
        DescribeConfigsResult invalid = only(describe(handler, negotiated, false, false, retentionOfOrders));
        assertThat(invalid.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(entry(invalid, "retention.ms").value()).isEqualTo("1000");

        fixture.writeRaw(ConfigEntityZNode.topicPath("orders"), "not json");
        DescribeConfigsResult malformed = only(describe(handler, negotiated, false, false, retentionOfOrders));
        assertThat(entry(malformed, "retention.ms").value()).isEqualTo("1000");
    }
}
