package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code kafka-acls.sh} and {@code kafka-configs.sh} of Kafka 3.9 (Scala tools of Kafka's core jar, run one after
 * another in one child JVM on their own class path, {@link KafkaToolShell}) against one in-JVM broker with ACL authorization, whose
 * listeners stand for identities ({@link ListenerPrincipalBuilder}): the tools run as the super user {@code User:admin}
 * (listener ADMIN), {@code User:alice} (listener ALICE) gets what the ACLs give her. Every change is read back with
 * the tool and checked by its effect.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KafkaCoreCliIT {
    private static final Duration TOOL_LIMIT = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TOPIC = "cli-acl";

    @TempDir
    static Path dir;

    private InJvmCluster cluster;
    private Admin admin;
    private KafkaToolShell tools;

    @BeforeAll
    void start() throws Exception {
        cluster = InJvmCluster.start(
                1,
                Map.of(
                        "listeners",
                        "BROKER://127.0.0.1:0,ADMIN://127.0.0.1:0,ALICE://127.0.0.1:0",
                        "listener.security.protocol.map",
                        "BROKER:PLAINTEXT,ADMIN:PLAINTEXT,ALICE:PLAINTEXT",
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
                        "1"));
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap("ADMIN"));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        admin = Admin.create(props);
        tools = KafkaToolShell.start(dir, KafkaCli.coreClassPath());
        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        cluster.awaitLeader(new TopicPartition(TOPIC, 0));
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (tools != null) {
            tools.close();
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private String bootstrap(String listener) {
        return "127.0.0.1:" + cluster.broker(1).boundPort(listener);
    }

    private KafkaCli.Result acls(String... args) throws Exception {
        return tool(KafkaCli.ACLS, args);
    }

    private KafkaCli.Result configs(String... args) throws Exception {
        return tool(KafkaCli.CONFIGS, args);
    }

    private KafkaCli.Result tool(String tool, String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = bootstrap("ADMIN");
        System.arraycopy(args, 0, all, 2, args.length);
        return tools.run(TOOL_LIMIT, tool, all).assertSuccess();
    }

    /** One record from alice (not idempotent: only the topic's WRITE is in question). */
    private void aliceSends() throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap("ALICE"));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(TOPIC, "k", "v")).get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void kafkaAclsAddsListsAndRemovesAnAclThatDecidesWhetherAliceMayWrite() throws Exception {
        assertThatThrownBy(this::aliceSends).hasCauseInstanceOf(TopicAuthorizationException.class);

        acls("--add", "--allow-principal", "User:alice", "--operation", "Write", "--topic", TOPIC);
        assertThat(acls("--list", "--topic", TOPIC).stdout())
                .contains("ResourcePattern(resourceType=TOPIC, name=" + TOPIC + ", patternType=LITERAL)")
                .contains("(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)");
        await().atMost(WAIT).ignoreExceptions().untilAsserted(this::aliceSends);

        acls("--remove", "--force", "--allow-principal", "User:alice", "--operation", "Write", "--topic", TOPIC);
        assertThat(admin.describeAcls(AclBindingFilter.ANY).values().get(20, TimeUnit.SECONDS))
                .isEmpty();
        await().atMost(WAIT)
                .untilAsserted(() ->
                        assertThatThrownBy(this::aliceSends).hasCauseInstanceOf(TopicAuthorizationException.class));
    }

    @Test
    void kafkaConfigsAltersAndDeletesAPerBrokerDynamicConfig() throws Exception {
        configs(
                "--entity-type",
                "brokers",
                "--entity-name",
                "1",
                "--alter",
                "--add-config",
                "max.partitions.per.request=1,log.cleaner.min.cleanable.ratio=0.4");
        assertThat(describe("--entity-name", "1"))
                .contains("Dynamic configs for broker 1 are:")
                .contains("max.partitions.per.request=1 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:"
                        + "max.partitions.per.request=1")
                .contains("log.cleaner.min.cleanable.ratio=0.4 sensitive=false");
        await().atMost(WAIT).untilAsserted(() -> assertThat(wideTopicRefused(2)).isTrue());

        // AlterConfigs replaces the whole set: the tool sends every other override back
        configs(
                "--entity-type",
                "brokers",
                "--entity-name",
                "1",
                "--alter",
                "--delete-config",
                "max.partitions.per.request");
        assertThat(dynamicConfigs("1")).containsExactly(Map.entry("log.cleaner.min.cleanable.ratio", "0.4"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(wideTopicRefused(2)).isFalse());
    }

    @Test
    void kafkaConfigsAltersAndDeletesAClusterDefaultDynamicConfig() throws Exception {
        configs(
                "--entity-type",
                "brokers",
                "--entity-default",
                "--alter",
                "--add-config",
                "max.partitions.per.request=3");
        assertThat(describe("--entity-default"))
                .contains("Default configs for brokers in the cluster are:")
                .contains("max.partitions.per.request=3 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:"
                        + "max.partitions.per.request=3}");
        await().atMost(WAIT).untilAsserted(() -> assertThat(wideTopicRefused(4)).isTrue());

        configs(
                "--entity-type",
                "brokers",
                "--entity-default",
                "--alter",
                "--delete-config",
                "max.partitions.per.request");
        assertThat(dynamicConfigs("")).isEmpty();
        await().atMost(WAIT).untilAsserted(() -> assertThat(wideTopicRefused(4)).isFalse());
    }

    @Test
    void kafkaConfigsChangesABrokerLoggersLevel() throws Exception {
        String logger = "io.sluice.broker.api.handlers.IncrementalAlterConfigsHandler";
        org.slf4j.Logger slf4j = LoggerFactory.getLogger(logger);
        assertThat(slf4j.isDebugEnabled()).isFalse();

        configs("--entity-type", "broker-loggers", "--entity-name", "1", "--alter", "--add-config", logger + "=DEBUG");
        assertThat(configs("--describe", "--entity-type", "broker-loggers", "--entity-name", "1")
                        .stdout())
                .contains(logger + "=DEBUG sensitive=false");
        assertThat(slf4j.isDebugEnabled()).isTrue();

        configs("--entity-type", "broker-loggers", "--entity-name", "1", "--alter", "--delete-config", logger);
        ConfigResource loggers = new ConfigResource(ConfigResource.Type.BROKER_LOGGER, "1");
        assertThat(admin.describeConfigs(List.of(loggers))
                        .all()
                        .get(20, TimeUnit.SECONDS)
                        .get(loggers)
                        .get(logger)
                        .value())
                .isEqualTo("INFO");
        assertThat(slf4j.isDebugEnabled()).isFalse();
    }

    private String describe(String... entity) throws Exception {
        String[] args = new String[entity.length + 3];
        args[0] = "--describe";
        args[1] = "--entity-type";
        args[2] = "brokers";
        System.arraycopy(entity, 0, args, 3, entity.length);
        return configs(args).stdout();
    }

    /**
     * The dynamic values of broker {@code name} ({@code ""}: the cluster-wide defaults) as the admin API describes them
     * (what {@code kafka-configs.sh --describe} prints, without starting the tool again).
     */
    private Map<String, String> dynamicConfigs(String name) throws Exception {
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, name);
        ConfigEntry.ConfigSource source = name.isEmpty()
                ? ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG
                : ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG;
        Map<String, String> out = new TreeMap<>();
        admin.describeConfigs(List.of(broker)).all().get(20, TimeUnit.SECONDS).get(broker).entries().stream()
                .filter(e -> e.source() == source)
                .forEach(e -> out.put(e.name(), e.value()));
        return out;
    }

    /** Whether a (validate-only) topic of {@code partitions} partitions is refused for its partition count. */
    private boolean wideTopicRefused(int partitions) throws Exception {
        try {
            admin.createTopics(
                            List.of(new NewTopic("wide", partitions, (short) 1)),
                            new CreateTopicsOptions().validateOnly(true))
                    .all()
                    .get(20, TimeUnit.SECONDS);
            return false;
        } catch (ExecutionException e) {
            assertThat(e).hasCauseInstanceOf(InvalidPartitionsException.class);
            return true;
        }
    }
}
