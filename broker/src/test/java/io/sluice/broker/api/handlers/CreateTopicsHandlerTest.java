package io.sluice.broker.api.handlers;

import static io.sluice.broker.api.handlers.CreateTopicsTestCluster.call;
import static io.sluice.broker.api.handlers.CreateTopicsTestCluster.overWire;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.api.ApiHandlerRegistry;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.testing.ControlRequests;
import io.sluice.controller.Controller;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.ConfigSource;
import io.sluice.metadata.config.PartitionLimits;
import io.sluice.metadata.model.TopicMetadata;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class CreateTopicsHandlerTest extends ThreeBrokerClusterTest {
    private static final short LATEST = CreateTopicsHandler.MAX_VERSION;
    private static final BrokerConfig BROKER = BrokerConfig.fromMap(
            Map.of(
                    "broker.id", "1",
                    "zookeeper.connect", "127.0.0.1:2181",
                    "listeners", "PLAINTEXT://127.0.0.1:9092",
                    "log.retention.hours", "24"),
            () -> "127.0.0.1");

    /** The handler on the active controller, with defaults of 2 partitions and replication factor 2. */
    private static CreateTopicsHandler onController() {
        return new CreateTopicsHandler(
                cluster.active(),
                2,
                (short) 2,
                overrides -> io.sluice.metadata.config.TopicConfig.describe(BROKER, Map.of(), overrides));
    }

    private static CreatableTopic topic(String name, int partitions, int rf, Map<String, String> configs) {
        CreatableTopic t =
                new CreatableTopic().setName(name).setNumPartitions(partitions).setReplicationFactor((short) rf);
        configs.forEach(
                (k, v) -> t.configs().add(new CreatableTopicConfig().setName(k).setValue(v)));
        return t;
    }

    private static CreateTopicsResponse create(
            CreateTopicsHandler handler, short version, boolean validateOnly, int timeoutMs, CreatableTopic... topics)
            throws Exception {
        CreateTopicsRequestData data =
                new CreateTopicsRequestData().setTimeoutMs(timeoutMs).setValidateOnly(validateOnly);
        for (CreatableTopic t : topics) {
            data.topics().add(t);
        }
        return call(handler, version, overWire(new CreateTopicsRequest.Builder(data), version));
    }

    private static CreatableTopicResult createOne(CreatableTopic topic) throws Exception {
        return create(onController(), LATEST, false, 30_000, topic)
                .data()
                .topics()
                .find(topic.name());
    }

    @Test
    void answersOnlyOnceTheNewTopicsLeadersReachedThisBrokersMetadata() throws Exception {
        CompletableFuture<Boolean> leadersSeen = new CompletableFuture<>();
        Map<String, Integer> awaited = new ConcurrentHashMap<>();
        CreateTopicsHandler handler = new CreateTopicsHandler(
                cluster.active(),
                2,
                (short) 2,
                overrides -> io.sluice.metadata.config.TopicConfig.describe(BROKER, Map.of(), overrides),
                (topics, timeoutMs) -> {
                    awaited.putAll(topics);
                    return leadersSeen;
                });
        CreateTopicsRequestData data = new CreateTopicsRequestData()
                .setTimeoutMs(30_000)
                .setTopics(new CreateTopicsRequestData.CreatableTopicCollection(
                        List.of(topic("awaited", 3, 2, Map.of())).iterator()));

        CompletableFuture<ApiResponse> answer = handler.handle(
                        ControlRequests.context(ApiKeys.CREATE_TOPICS, LATEST), data)
                .toCompletableFuture();

        await().atMost(Duration.ofSeconds(20)).until(() -> !awaited.isEmpty());
        assertThat(awaited).isEqualTo(Map.of("awaited", 3));
        assertThat(answer).as("held until the leaders are known here").isNotDone();
        leadersSeen.complete(true);
        CreateTopicsResponseData response =
                (CreateTopicsResponseData) ((ApiResponse.Send) answer.get(10, TimeUnit.SECONDS)).message();
        assertThat(response.topics().find("awaited").errorCode()).isEqualTo(Errors.NONE.code());
    }

    @Test
    void createsATopicAndReturnsItsIdAndEffectiveConfigs() throws Exception {
        CreatableTopicResult result = createOne(topic("orders", 3, 3, Map.of("retention.ms", "3600000")));

        assertThat(result.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(result.errorMessage()).isNull();
        assertThat(result.numPartitions()).isEqualTo(3);
        assertThat(result.replicationFactor()).isEqualTo((short) 3);
        TopicMetadata stored = cluster.zk().topic("orders").orElseThrow().value();
        assertThat(result.topicId()).isNotEqualTo(Uuid.ZERO_UUID).isEqualTo(stored.topicId());
        assertThat(stored.assignment()).hasSize(3);
        assertThat(stored.assignment().values())
                .allSatisfy(r -> assertThat(Set.copyOf(r)).containsExactlyInAnyOrder(1, 2, 3));
        assertThat(cluster.zk().topicConfig("orders")).containsEntry("retention.ms", "3600000");
        Map<String, CreatableTopicConfigs> configs =
                result.configs().stream().collect(Collectors.toMap(CreatableTopicConfigs::name, c -> c));
        assertThat(configs.get("retention.ms").value()).isEqualTo("3600000");
        assertThat(configs.get("retention.ms").configSource()).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG.wireId());
        assertThat(configs.get("cleanup.policy").value()).isEqualTo("delete");
        assertThat(configs.get("cleanup.policy").configSource()).isEqualTo(ConfigSource.DEFAULT_CONFIG.wireId());
        assertThat(configs.get("min.insync.replicas").value()).isEqualTo("1");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> cluster.zk()
                        .partitionState(new org.apache.kafka.common.TopicPartition("orders", 2))
                        .isPresent());
    }

    @Test
    void minusOneTakesTheBrokerDefaults() throws Exception {
        CreatableTopicResult result = createOne(topic("defaults", -1, -1, Map.of()));

        assertThat(result.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(result.numPartitions()).isEqualTo(2);
        assertThat(result.replicationFactor()).isEqualTo((short) 2);
        TopicMetadata stored = cluster.zk().topic("defaults").orElseThrow().value();
        assertThat(stored.partitionCount()).isEqualTo(2);
        assertThat(stored.replicationFactor()).isEqualTo(2);
    }

    @Test
    void aReplicationFactorAboveTheLiveBrokersIsRefusedWithAMessage() throws Exception {
        CreatableTopicResult result = createOne(topic("too-wide", 1, 4, Map.of()));

        assertThat(result.errorCode()).isEqualTo(Errors.INVALID_REPLICATION_FACTOR.code());
        assertThat(result.errorMessage()).contains("4").contains("larger than available brokers: 3");
        assertThat(cluster.zk().topic("too-wide")).isEmpty();
    }

    @Test
    void anUnknownConfigKeyIsAnInvalidConfigNamingIt() throws Exception {
        CreatableTopicResult result = createOne(topic("bad-key", 1, 1, Map.of("retention.bogus", "1")));

        assertThat(result.errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(result.errorMessage()).contains("retention.bogus");
        assertThat(cluster.zk().topic("bad-key")).isEmpty();
    }

    @Test
    void anInvalidConfigValueIsAnInvalidConfigNamingTheKey() throws Exception {
        CreatableTopicResult result = createOne(topic("bad-value", 1, 1, Map.of("retention.ms", "soon")));
        CreatableTopicResult nullValue = createOne(topic("null-value", 1, 1, Map.of("segment.ms", "1"))
                .setConfigs(new CreateTopicsRequestData.CreatableTopicConfigCollection(
                        List.of(new CreatableTopicConfig().setName("segment.ms").setValue(null))
                                .iterator())));

        assertThat(result.errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(result.errorMessage()).contains("retention.ms");
        assertThat(nullValue.errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(nullValue.errorMessage()).contains("segment.ms");
        assertThat(cluster.zk().topic("bad-value")).isEmpty();
        assertThat(cluster.zk().topic("null-value")).isEmpty();
    }

    @Test
    void anExistingTopicIsTopicAlreadyExists() throws Exception {
        assertThat(createOne(topic("twice", 1, 1, Map.of())).errorCode()).isEqualTo(Errors.NONE.code());
        Uuid id = cluster.zk().topic("twice").orElseThrow().value().topicId();

        CreatableTopicResult again = createOne(topic("twice", 2, 1, Map.of()));

        assertThat(again.errorCode()).isEqualTo(Errors.TOPIC_ALREADY_EXISTS.code());
        assertThat(again.errorMessage()).contains("twice");
        assertThat(cluster.zk().topic("twice").orElseThrow().value().topicId()).isEqualTo(id);
    }

    @Test
    void validateOnlyAnswersAsACreationWouldButWritesNothing() throws Exception {
        CreatableTopicResult result = create(
                        onController(), LATEST, true, 30_000, topic("dry-run", 4, 3, Map.of("retention.ms", "1000")))
                .data()
                .topics()
                .find("dry-run");
        CreatableTopicResult refused = create(
                        onController(), LATEST, true, 30_000, topic("dry-run-bad", 1, 5, Map.of()))
                .data()
                .topics()
                .find("dry-run-bad");

        assertThat(result.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(result.numPartitions()).isEqualTo(4);
        assertThat(result.replicationFactor()).isEqualTo((short) 3);
        assertThat(result.configs()).anySatisfy(c -> {
            assertThat(c.name()).isEqualTo("retention.ms");
            assertThat(c.value()).isEqualTo("1000");
        });
        assertThat(refused.errorCode()).isEqualTo(Errors.INVALID_REPLICATION_FACTOR.code());
        assertThat(cluster.zk().topic("dry-run")).isEmpty();
        assertThat(cluster.zk().topicConfig("dry-run")).isEmpty();
    }

    @Test
    void aBrokerThatIsNotTheControllerAnswersNotControllerForEveryTopic() throws Exception {
        CreateTopicsHandler handler = new CreateTopicsHandler(cluster.standby(), 1, (short) 1, overrides -> List.of());

        CreateTopicsResponse response = create(
                handler,
                LATEST,
                false,
                30_000,
                topic("elsewhere-1", 1, 1, Map.of()),
                topic("elsewhere-2", 1, 1, Map.of()));

        assertThat(response.data().topics())
                .hasSize(2)
                .allSatisfy(r -> assertThat(r.errorCode()).isEqualTo(Errors.NOT_CONTROLLER.code()));
        assertThat(cluster.zk().topic("elsewhere-1")).isEmpty();
    }

    @Test
    void illegalNamesAndDuplicatesAreRefusedWhileTheRestIsCreated() throws Exception {
        CreateTopicsResponse response = create(
                onController(),
                LATEST,
                false,
                30_000,
                topic("has space", 1, 1, Map.of()),
                topic("..", 1, 1, Map.of()),
                topic("x".repeat(250), 1, 1, Map.of()),
                topic("dup", 1, 1, Map.of()),
                topic("dup", 2, 1, Map.of()),
                topic("fine_name-1.0", 1, 1, Map.of()));

        Map<String, Short> errors = response.data().topics().stream()
                .collect(Collectors.toMap(CreatableTopicResult::name, CreatableTopicResult::errorCode));
        assertThat(errors)
                .hasSize(5)
                .containsEntry("has space", Errors.INVALID_TOPIC_EXCEPTION.code())
                .containsEntry("..", Errors.INVALID_TOPIC_EXCEPTION.code())
                .containsEntry("x".repeat(250), Errors.INVALID_TOPIC_EXCEPTION.code())
                .containsEntry("dup", Errors.INVALID_REQUEST.code())
                .containsEntry("fine_name-1.0", Errors.NONE.code());
        assertThat(cluster.zk().topic("dup")).isEmpty();
        assertThat(cluster.zk().topic("fine_name-1.0")).isPresent();
    }

    @Test
    void aTopicAboveThePerRequestLimitIsRefusedBeforeTheController() throws Exception {
        // the controller's own limit is the default (10,000): a topic of 6 reaching it would be created
        CreateTopicsHandler handler = new CreateTopicsHandler(
                cluster.active(),
                2,
                (short) 2,
                overrides -> io.sluice.metadata.config.TopicConfig.describe(BROKER, Map.of(), overrides),
                CreateTopicsHandler.LeadersWait.NONE,
                () -> new PartitionLimits(5, 1_000));
        CreateTopicsResponse response = create(
                handler,
                LATEST,
                false,
                30_000,
                topic("limit-six", 6, 1, Map.of()),
                topic("limit-max", Integer.MAX_VALUE, 3, Map.of()),
                topic("limit-five", 5, 1, Map.of()));

        CreatableTopicResult six = response.data().topics().find("limit-six");
        assertThat(six.errorCode()).isEqualTo(Errors.INVALID_PARTITIONS.code());
        assertThat(six.errorMessage()).contains("max.partitions.per.request").contains("5");
        assertThat(response.data().topics().find("limit-max").errorCode()).isEqualTo(Errors.INVALID_PARTITIONS.code());
        assertThat(response.data().topics().find("limit-five").errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(cluster.zk().topic("limit-six")).isEmpty();
        assertThat(cluster.zk().topic("limit-five")).isPresent();
    }

    @Test
    void aNameCollidingWithAnExistingTopicIsInvalidTopic() throws Exception {
        assertThat(createOne(topic("metrics.collide", 1, 1, Map.of())).errorCode())
                .isEqualTo(Errors.NONE.code());
        CreatableTopicResult colliding = createOne(topic("metrics_collide", 1, 1, Map.of()));
        assertThat(colliding.errorCode()).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION.code());
        assertThat(colliding.errorMessage()).contains("metrics.collide");
        assertThat(cluster.zk().topic("metrics_collide")).isEmpty();
    }

    @Test
    void aFailureToDescribeConfigsIsReportedAsTheTopicConfigError() throws Exception {
        CreateTopicsHandler handler = new CreateTopicsHandler(cluster.active(), 1, (short) 1, overrides -> {
            throw new IllegalStateException("ZooKeeper unavailable");
        });

        CreatableTopicResult result = create(handler, LATEST, false, 30_000, topic("undescribed", 1, 1, Map.of()))
                .data()
                .topics()
                .find("undescribed");

        assertThat(result.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(result.topicConfigErrorCode()).isEqualTo(Errors.UNKNOWN_SERVER_ERROR.code());
        assertThat(result.configs()).isNull();
        assertThat(cluster.zk().topic("undescribed")).isPresent();
    }

    @Test
    void aControllerSlowerThanTheTimeoutIsRequestTimedOut() throws Exception {
        CreateTopicsHandler handler = onController();
        cluster.holdChannel();
        try {
            CreatableTopicResult result = create(handler, LATEST, false, 300, topic("slow", 1, 1, Map.of()))
                    .data()
                    .topics()
                    .find("slow");

            assertThat(result.errorCode()).isEqualTo(Errors.REQUEST_TIMED_OUT.code());
        } finally {
            cluster.releaseChannel();
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> cluster.zk().topic("slow").isPresent());
    }

    @Test
    void theControllerApisRegisterWithTheVersionsTheAdminClientAndBrokersUse() {
        Controller controller = cluster.active();
        ApiHandlerRegistry registry = ApiHandlerRegistry.of(List.of(
                onController(),
                new DeleteTopicsHandler(controller, true, id -> Optional.empty()),
                new CreatePartitionsHandler(controller),
                new ElectLeadersHandler(controller),
                new AlterPartitionHandler(controller),
                new ControlledShutdownHandler(controller)));

        Map<ApiKeys, String> ranges = registry.apiVersions().stream()
                .collect(Collectors.toMap(v -> ApiKeys.forId(v.apiKey()), v -> v.minVersion() + "-" + v.maxVersion()));
        assertThat(ranges)
                .containsEntry(ApiKeys.CREATE_TOPICS, "2-7")
                .containsEntry(ApiKeys.DELETE_TOPICS, "1-6")
                .containsEntry(ApiKeys.CREATE_PARTITIONS, "0-3")
                .containsEntry(ApiKeys.ELECT_LEADERS, "0-2")
                .containsEntry(ApiKeys.ALTER_PARTITION, "0-3")
                .containsEntry(ApiKeys.CONTROLLED_SHUTDOWN, "1-3");
        assertThat(ApiKeys.CREATE_TOPICS.latestVersion()).isEqualTo(CreateTopicsHandler.MAX_VERSION);
        assertThat(ApiKeys.DELETE_TOPICS.latestVersion()).isEqualTo(DeleteTopicsHandler.MAX_VERSION);
        assertThat(ApiKeys.ELECT_LEADERS.latestVersion()).isEqualTo(ElectLeadersHandler.MAX_VERSION);
        assertThat(ApiKeys.ALTER_PARTITION.latestVersion()).isEqualTo(AlterPartitionHandler.MAX_VERSION);
    }

    @ParameterizedTest
    @ValueSource(shorts = {2, 3, 4, 5, 6, 7})
    void everyDeclaredVersionRoundTrips(short version) throws Exception {
        String name = "wire-v" + version;
        CreatableTopicResult result = create(
                        onController(), version, false, 30_000, topic(name, 2, 2, Map.of("segment.ms", "600000")))
                .data()
                .topics()
                .find(name);

        assertThat(result.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(cluster.zk().topic(name)).isPresent();
        if (version >= 5) {
            assertThat(result.numPartitions()).isEqualTo(2);
            assertThat(result.replicationFactor()).isEqualTo((short) 2);
            assertThat(result.configs()).anySatisfy(c -> assertThat(c.name()).isEqualTo("segment.ms"));
        } else {
            assertThat(result.numPartitions()).isEqualTo(-1);
        }
        if (version >= 7) {
            assertThat(result.topicId())
                    .isEqualTo(cluster.zk().topic(name).orElseThrow().value().topicId());
        } else {
            assertThat(result.topicId()).isEqualTo(Uuid.ZERO_UUID);
        }
    }
}
