package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.security.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS on one in-JVM broker: an {@code SSL} listener with {@code ssl.client.auth=required} authenticates clients
 * by their certificates. The principal is the certificate's subject, mapped through {@code ssl.principal.mapping.rules}
 * (a rule turns {@code CN=Alice,OU=payments,...} into {@code User:alice}; {@code DEFAULT} keeps the whole name, Kafka's
 * {@code User:CN=...,OU=...} form), and the ACLs name that principal. A client without a certificate is refused.
 * ADMIN (PLAINTEXT, {@link ListenerPrincipalBuilder}) is the super user that grants the ACLs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MutualTlsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TOPIC = "payments";
    private static final String BOB_DN = "CN=bob,OU=ops,O=Sluice";

    @TempDir
    static Path dir;

    private TestCertificates certs;
    private Path aliceStore;
    private Path bobStore;
    private InJvmCluster cluster;
    private Admin admin;

    @BeforeAll
    void start() throws Exception {
        certs = TestCertificates.generate(dir);
        aliceStore = certs.clientKeyStore("alice", "CN=Alice,OU=payments,O=Sluice");
        bobStore = certs.clientKeyStore("bob", BOB_DN);
        Map<String, String> overrides = new HashMap<>();
        certs.brokerStores().forEach((k, v) -> overrides.put("listener.name.ssl." + k, v));
        overrides.put("listeners", "BROKER://127.0.0.1:0,ADMIN://127.0.0.1:0,SSL://127.0.0.1:0");
        overrides.put("listener.security.protocol.map", "BROKER:PLAINTEXT,ADMIN:PLAINTEXT,SSL:SSL");
        overrides.put("inter.broker.listener.name", "BROKER");
        overrides.put("listener.name.ssl.ssl.client.auth", "required");
        overrides.put(
                "listener.name.ssl.ssl.principal.mapping.rules",
                "RULE:^CN=([a-zA-Z0-9.-]+),OU=payments,.*$/$1/L,DEFAULT");
        overrides.put("authorizer.class.name", "kafka.security.authorizer.AclAuthorizer");
        overrides.put("super.users", "User:broker;User:admin");
        overrides.put("principal.builder.class", ListenerPrincipalBuilder.class.getName());
        overrides.put("offsets.topic.replication.factor", "1");
        overrides.put("offsets.topic.num.partitions", "1");
        cluster = InJvmCluster.start(1, overrides);
        admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + cluster.broker(1).boundPort("ADMIN"),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                "20000",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                "10000"));
        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        cluster.awaitLeader(new TopicPartition(TOPIC, 0));
    }

    @AfterAll
    void stop() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** TLS client properties, with the key store of {@code keyStore} or none. */
    private Map<String, Object> tlsClient(Path keyStore) {
        Map<String, Object> props = new HashMap<>(certs.trustingClient());
        props.put("bootstrap.servers", "127.0.0.1:" + cluster.broker(1).boundPort("SSL"));
        props.put("security.protocol", "SSL");
        if (keyStore != null) {
            props.put("ssl.keystore.location", keyStore.toString());
            props.put("ssl.keystore.password", certs.password());
            props.put("ssl.keystore.type", "PKCS12");
            props.put("ssl.key.password", certs.password());
        }
        return props;
    }

    /** One record to {@link #TOPIC} (not idempotent: only the topic's WRITE is in question). */
    private void send(Path keyStore) throws Exception {
        Map<String, Object> props = tlsClient(keyStore);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(TOPIC, "k", "v")).get(20, TimeUnit.SECONDS);
        }
    }

    private void acl(String principal, AclPermissionType permission) throws Exception {
        admin.createAcls(List.of(new AclBinding(
                        new ResourcePattern(ResourceType.TOPIC, TOPIC, PatternType.LITERAL),
                        new AccessControlEntry(principal, "*", AclOperation.WRITE, permission))))
                .all()
                .get(20, TimeUnit.SECONDS);
    }

    @Test
    void theMappedPrincipalOfTheCertificateIsWhatTheAclsName() throws Exception {
        assertThatThrownBy(() -> send(aliceStore)).hasCauseInstanceOf(TopicAuthorizationException.class);
        acl("User:alice", AclPermissionType.ALLOW);
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> send(aliceStore));

        // bob's subject matches no rule: DEFAULT keeps the whole distinguished name
        assertThatThrownBy(() -> send(bobStore)).hasCauseInstanceOf(TopicAuthorizationException.class);
        acl("User:" + BOB_DN, AclPermissionType.ALLOW);
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> send(bobStore));

        // a DENY on the principal wins over its ALLOW
        acl("User:" + BOB_DN, AclPermissionType.DENY);
        await().atMost(WAIT)
                .untilAsserted(() ->
                        assertThatThrownBy(() -> send(bobStore)).hasCauseInstanceOf(TopicAuthorizationException.class));
    }

    @Test
    void aClientWithoutACertificateIsRefusedAndTheBrokerKeepsServing() throws Exception {
        Map<String, Object> props = tlsClient(null);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        try (Admin anonymous = Admin.create(props)) {
            assertThatThrownBy(() -> anonymous.describeCluster().nodes().get(15, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SslAuthenticationException.class);
        }
        Map<String, Object> alice = tlsClient(aliceStore);
        try (Admin withCertificate = Admin.create(alice)) {
            assertThat(withCertificate.describeCluster().nodes().get(15, TimeUnit.SECONDS))
                    .hasSize(1);
        }
    }
}
