package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.server.BrokerServer;
import io.sluice.broker.testing.ControlRequests;
import io.sluice.metadata.model.LeaderAndIsr;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.ControlledShutdownRequestData;
import org.apache.kafka.common.message.LeaderAndIsrRequestData;
import org.apache.kafka.common.message.StopReplicaRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * ACL authorization on one in-JVM broker whose listeners stand for identities ({@link ListenerPrincipalBuilder}):
 * BROKER (inter-broker, {@code User:broker}) and ADMIN are super users; ALICE and BOB get what the ACLs give them.
 * The authorizer is configured through Kafka's class name, as a stock {@code server.properties} would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AuthorizationIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private InJvmCluster cluster;
    private Admin admin;
    private Admin aliceAdmin;

    @BeforeAll
    void start() throws Exception {
        cluster = InJvmCluster.start(
                1,
                Map.of(
                        "listeners",
                        "BROKER://127.0.0.1:0,ADMIN://127.0.0.1:0,ALICE://127.0.0.1:0,BOB://127.0.0.1:0",
                        "listener.security.protocol.map",
                        "BROKER:PLAINTEXT,ADMIN:PLAINTEXT,ALICE:PLAINTEXT,BOB:PLAINTEXT",
                        "inter.broker.listener.name",
                        "BROKER",
                        "authorizer.class.name",
                        "kafka.security.authorizer.AclAuthorizer",
                        "super.users",
                        "User:broker;User:admin",
                        "principal.builder.class",
                        ListenerPrincipalBuilder.class.getName(),
                        "offsets.topic.replication.factor",
                        "1",
                        "offsets.topic.num.partitions",
                        "2"));
        admin = admin("ADMIN");
        aliceAdmin = admin("ALICE");
        admin.createTopics(List.of(
                        new NewTopic("orders", 1, (short) 1),
                        new NewTopic("secret", 1, (short) 1),
                        new NewTopic("team-a.one", 1, (short) 1),
                        new NewTopic("team-a.two", 1, (short) 1),
                        new NewTopic("team-b.one", 1, (short) 1)))
                .all()
                .get(30, TimeUnit.SECONDS);
        for (String topic : List.of("orders", "secret", "team-a.one", "team-a.two", "team-b.one")) {
            cluster.awaitLeader(new TopicPartition(topic, 0));
        }
    }

    @AfterAll
    void stop() {
        if (aliceAdmin != null) {
            aliceAdmin.close(Duration.ofSeconds(5));
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private BrokerServer broker() {
        return cluster.broker(1);
    }

    private String bootstrap(String listener) {
        return "127.0.0.1:" + broker().boundPort(listener);
    }

    private Admin admin(String listener) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(listener));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        return Admin.create(props);
    }

    private KafkaProducer<String, String> producer(String listener) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(listener));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        return new KafkaProducer<>(props);
    }

    private void send(String listener, String topic) throws Exception {
        try (KafkaProducer<String, String> producer = producer(listener)) {
            producer.send(new ProducerRecord<>(topic, "k", "v")).get(20, TimeUnit.SECONDS);
        }
    }

    private static AclBinding allow(String principal, AclOperation op, ResourceType type, String name, PatternType p) {
        return new AclBinding(
                new ResourcePattern(type, name, p),
                new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
    }

    private void grant(AclBinding... bindings) throws Exception {
        admin.createAcls(List.of(bindings)).all().get(20, TimeUnit.SECONDS);
    }

    @Test
    void aclsAreAddedListedAndRemovedThroughTheAdminApiAndStoredAsKafkaStoresThem() throws Exception {
        AclBinding binding = allow("User:carol", AclOperation.READ, ResourceType.TOPIC, "ledger", PatternType.LITERAL);
        AclBinding prefixed =
                allow("User:carol", AclOperation.WRITE, ResourceType.GROUP, "carol-", PatternType.PREFIXED);
        grant(binding, prefixed);

        AclBindingFilter carols = new AclBindingFilter(
                ResourcePatternFilter.ANY,
                new AccessControlEntryFilter("User:carol", null, AclOperation.ANY, AclPermissionType.ANY));
        assertThat(admin.describeAcls(carols).values().get(20, TimeUnit.SECONDS))
                .containsExactlyInAnyOrder(binding, prefixed);
        byte[] literal = broker().zooKeeperClient().getData().forPath("/kafka-acl/Topic/ledger");
        assertThat(new String(literal, StandardCharsets.UTF_8))
                .isEqualTo("{\"version\":1,\"acls\":[{\"principal\":\"User:carol\",\"permissionType\":\"Allow\","
                        + "\"operation\":\"Read\",\"host\":\"*\"}]}");
        assertThat(broker().zooKeeperClient().checkExists().forPath("/kafka-acl-extended/prefixed/Group/carol-"))
                .isNotNull();
        assertThat(broker().zooKeeperClient().getChildren().forPath("/kafka-acl-changes"))
                .isNotEmpty();
        assertThat(broker().zooKeeperClient().getChildren().forPath("/kafka-acl-extended-changes"))
                .isNotEmpty();

        // alice may not manage ACLs
        assertThatThrownBy(() -> aliceAdmin.createAcls(List.of(binding)).all().get(20, TimeUnit.SECONDS))
                .hasCauseInstanceOf(ClusterAuthorizationException.class);
        assertThatThrownBy(() -> aliceAdmin.describeAcls(carols).values().get(20, TimeUnit.SECONDS))
                .hasCauseInstanceOf(ClusterAuthorizationException.class);

        assertThat(admin.deleteAcls(List.of(carols)).all().get(20, TimeUnit.SECONDS))
                .containsExactlyInAnyOrder(binding, prefixed);
        assertThat(admin.describeAcls(carols).values().get(20, TimeUnit.SECONDS))
                .isEmpty();
        assertThat(broker().zooKeeperClient().checkExists().forPath("/kafka-acl/Topic/ledger"))
                .isNull();
    }

    @Test
    void writeAndGroupReadAreRequired() throws Exception {
        // alice may write somewhere (so her idempotent producer gets a producer id) but not to orders
        grant(allow("User:alice", AclOperation.WRITE, ResourceType.TOPIC, "alice-only", PatternType.LITERAL));
        assertThatThrownBy(() -> send("ALICE", "orders")).hasCauseInstanceOf(TopicAuthorizationException.class);

        grant(allow("User:alice", AclOperation.WRITE, ResourceType.TOPIC, "orders", PatternType.LITERAL));
        send("ALICE", "orders");

        grant(allow("User:alice", AclOperation.READ, ResourceType.TOPIC, "orders", PatternType.LITERAL));
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap("ALICE"));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "alice-group");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of("orders"));
            assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(10)))
                    .isInstanceOf(GroupAuthorizationException.class);
        }
        grant(allow("User:alice", AclOperation.READ, ResourceType.GROUP, "alice-group", PatternType.LITERAL));
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of("orders"));
            List<String> values = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                records.forEach(r -> values.add(r.value()));
                return !values.isEmpty();
            });
            consumer.commitSync(Duration.ofSeconds(10));
        }
    }

    @Test
    void aPrefixedAclAllowsWritingToEveryMatchingTopic() throws Exception {
        grant(allow("User:bob", AclOperation.WRITE, ResourceType.TOPIC, "team-a.", PatternType.PREFIXED));
        send("BOB", "team-a.one");
        send("BOB", "team-a.two");
        assertThatThrownBy(() -> send("BOB", "team-b.one")).hasCauseInstanceOf(TopicAuthorizationException.class);
    }

    @Test
    void metadataHidesUndescribableTopicsAndSuperUsersSeeAndDoEverything() throws Exception {
        grant(allow("User:alice", AclOperation.DESCRIBE, ResourceType.TOPIC, "team-b.one", PatternType.LITERAL));
        Set<String> aliceSees = aliceAdmin.listTopics().names().get(20, TimeUnit.SECONDS);
        assertThat(aliceSees).contains("team-b.one").doesNotContain("secret", "team-a.one");
        assertThatThrownBy(() -> aliceAdmin
                        .describeTopics(List.of("secret"))
                        .allTopicNames()
                        .get(20, TimeUnit.SECONDS))
                .hasCauseInstanceOf(TopicAuthorizationException.class);

        assertThat(admin.listTopics().names().get(20, TimeUnit.SECONDS))
                .contains("secret", "team-a.one", "team-b.one", "orders");
        send("ADMIN", "secret");
    }

    @Test
    void interBrokerRequestsWithoutClusterActionAreRefusedAndChangeNothing() throws Exception {
        TopicPartition orders = new TopicPartition("orders", 0);
        LeaderAndIsr before = cluster.zooKeeper().partitionState(orders).orElseThrow();
        int localEpoch =
                broker().replicaManager().partition(orders).orElseThrow().leaderEpoch();
        int controllerEpoch = broker().controller().epoch();
        long brokerEpoch = broker().brokerEpoch();
        Uuid topicId = broker().metadataCache().snapshot().topicId("orders");

        try (RawKafkaConnection bob = new RawKafkaConnection(broker().boundPort("BOB"))) {
            LeaderAndIsrRequestData leaderAndIsr = new LeaderAndIsrRequestData()
                    .setControllerId(1)
                    .setControllerEpoch(controllerEpoch + 1)
                    .setBrokerEpoch(brokerEpoch);
            leaderAndIsr
                    .topicStates()
                    .add(new LeaderAndIsrRequestData.LeaderAndIsrTopicState()
                            .setTopicName("orders")
                            .setTopicId(topicId)
                            .setPartitionStates(List.of(new LeaderAndIsrRequestData.LeaderAndIsrPartitionState()
                                    .setTopicName("orders")
                                    .setPartitionIndex(0)
                                    .setControllerEpoch(controllerEpoch + 1)
                                    .setLeader(2)
                                    .setLeaderEpoch(localEpoch + 10)
                                    .setIsr(List.of(2))
                                    .setPartitionEpoch(before.partitionEpoch() + 10)
                                    .setReplicas(List.of(1, 2)))));
            assertRefused(bob, ApiKeys.LEADER_AND_ISR, (short) 5, leaderAndIsr);

            StopReplicaRequestData stopReplica = new StopReplicaRequestData()
                    .setControllerId(1)
                    .setControllerEpoch(controllerEpoch + 1)
                    .setBrokerEpoch(brokerEpoch);
            stopReplica
                    .topicStates()
                    .add(new StopReplicaRequestData.StopReplicaTopicState()
                            .setTopicName("orders")
                            .setPartitionStates(List.of(new StopReplicaRequestData.StopReplicaPartitionState()
                                    .setPartitionIndex(0)
                                    .setLeaderEpoch(localEpoch + 10)
                                    .setDeletePartition(true))));
            assertRefused(bob, ApiKeys.STOP_REPLICA, (short) 3, stopReplica);

            assertRefused(
                    bob,
                    ApiKeys.UPDATE_METADATA,
                    (short) 7,
                    ControlRequests.updateMetadata(1, controllerEpoch + 1)
                            .brokerEpoch(brokerEpoch)
                            .partition("ghost", Uuid.randomUuid(), 0, 1, List.of(1))
                            .build());

            assertRefused(
                    bob,
                    ApiKeys.CONTROLLED_SHUTDOWN,
                    (short) 3,
                    new ControlledShutdownRequestData().setBrokerId(1).setBrokerEpoch(brokerEpoch));

            AlterPartitionRequestData alterPartition =
                    new AlterPartitionRequestData().setBrokerId(1).setBrokerEpoch(brokerEpoch);
            alterPartition
                    .topics()
                    .add(new AlterPartitionRequestData.TopicData()
                            .setTopicName("orders")
                            .setPartitions(List.of(new AlterPartitionRequestData.PartitionData()
                                    .setPartitionIndex(0)
                                    .setLeaderEpoch(before.leaderEpoch())
                                    .setNewIsr(List.of(1, 2))
                                    .setPartitionEpoch(before.partitionEpoch()))));
            assertRefused(bob, ApiKeys.ALTER_PARTITION, (short) 1, alterPartition);
        }

        assertThat(cluster.zooKeeper().partitionState(orders)).contains(before);
        assertThat(broker().replicaManager().partition(orders).orElseThrow().leaderEpoch())
                .isEqualTo(localEpoch);
        assertThat(broker().replicaManager().partition(orders).orElseThrow().isLeader())
                .isTrue();
        assertThat(broker().metadataCache().contains("ghost")).isFalse();
        assertThat(broker().controller().epoch()).isEqualTo(controllerEpoch);
        assertThat(broker().isRunning()).isTrue();
        send("ADMIN", "orders");
    }

    private static void assertRefused(
            RawKafkaConnection connection,
            ApiKeys key,
            short version,
            org.apache.kafka.common.protocol.ApiMessage body) {
        AbstractResponse response = connection.call(connection.header(key, version), body);
        assertThat(response.errorCounts().keySet())
                .as("errors of %s from a principal without CLUSTER_ACTION", key)
                .containsExactly(Errors.CLUSTER_AUTHORIZATION_FAILED);
    }
}
