package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.broker.security.TestCertificates;
import io.sluice.metadata.zk.ZkNode;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three brokers with only a SASL_SSL listener, which is also the inter-broker listener (brokers authenticate to each
 * other with PLAIN over TLS; clients with SCRAM). Users are created through the admin API (AlterUserScramCredentials,
 * as {@code kafka-configs.sh --bootstrap-server --alter --add-config 'SCRAM-SHA-512=[password=…]'} sends it) and then
 * log in with the stock Java clients and kcat; wrong passwords, untrusted certificates and plaintext bytes on the TLS
 * port are refused without harming the brokers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SaslSslClusterIT {
    private static final String BROKER_PASSWORD = "broker-secret";
    private static final String ALICE_PASSWORD = "alice-secret";
    /** Records round-tripped with acks=all (the acceptance asks for 100,000; fewer keep the IT within its budget). */
    private static final int RECORDS = 20_000;
    /** The SASL session lifetime of SCRAM-SHA-512 connections. */
    private static final long SESSION_LIFETIME_MS = 3_000;

    @TempDir
    static Path dir;

    private TestCertificates certs;
    private InJvmCluster cluster;
    private Admin admin;

    @BeforeAll
    void startCluster() throws Exception {
        certs = TestCertificates.generate(dir);
        Map<String, String> overrides = new HashMap<>(certs.brokerStores());
        overrides.put("listeners", "SASL_SSL://127.0.0.1:0");
        overrides.put("security.inter.broker.protocol", "SASL_SSL");
        overrides.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
        overrides.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        overrides.put(
                "listener.name.sasl_ssl.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"broker\" password=\""
                        + BROKER_PASSWORD + "\" user_broker=\"" + BROKER_PASSWORD + "\";");
        overrides.put("offsets.topic.replication.factor", "3");
        // KIP-368 for SCRAM-SHA-512 sessions only: the Java clients below re-authenticate every ~2 s; kcat
        // (SCRAM-SHA-256)
        // and the brokers' own PLAIN connections keep sessions without an end.
        overrides.put(
                "listener.name.sasl_ssl.scram-sha-512.connections.max.reauth.ms", Long.toString(SESSION_LIFETIME_MS));
        cluster = InJvmCluster.start(3, overrides);
        admin = Admin.create(clientProps("PLAIN", "broker", BROKER_PASSWORD, certs.trustingClient()));
        admin.alterUserScramCredentials(List.of(
                        new UserScramCredentialUpsertion(
                                "alice", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), ALICE_PASSWORD),
                        new UserScramCredentialUpsertion(
                                "alice", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), ALICE_PASSWORD)))
                .all()
                .get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    void stopCluster() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private Map<String, Object> clientProps(String mechanism, String user, String password, Map<String, Object> trust) {
        Map<String, Object> props = new HashMap<>(trust);
        props.put("bootstrap.servers", cluster.bootstrapServers());
        props.put("security.protocol", "SASL_SSL");
        props.put("sasl.mechanism", mechanism);
        String module = mechanism.equals("PLAIN")
                ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        props.put("sasl.jaas.config", module + " required username=\"" + user + "\" password=\"" + password + "\";");
        return props;
    }

    @Test
    void scramUserCreatedThroughTheAdminApiRoundTripsRecordsWithAcksAll() throws Exception {
        assertThat(admin.describeUserScramCredentials(List.of("alice"))
                        .description("alice")
                        .get(10, TimeUnit.SECONDS)
                        .credentialInfos())
                .extracting(ScramCredentialInfo::mechanism, ScramCredentialInfo::iterations)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(ScramMechanism.SCRAM_SHA_512, 8192),
                        org.assertj.core.groups.Tuple.tuple(ScramMechanism.SCRAM_SHA_256, 4096));
        ZkNode stored = cluster.zooKeeper().get("/config/users/alice").orElseThrow();
        assertThat(new String(stored.data(), StandardCharsets.UTF_8))
                .contains("\"version\":1")
                .containsPattern("\"SCRAM-SHA-512\":\"salt=[^,]+,stored_key=[^,]+,server_key=[^,]+,iterations=8192\"");
        assertThat(cluster.zooKeeper().children("/config/changes")).anyMatch(c -> c.startsWith("config_change_"));

        String topic = "secured";
        admin.createTopics(List.of(new NewTopic(topic, 3, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                .all()
                .get(30, TimeUnit.SECONDS);
        Map<String, Object> producerProps =
                clientProps("SCRAM-SHA-512", "alice", ALICE_PASSWORD, certs.trustingClient());
        producerProps.put("acks", "all");
        producerProps.put("linger.ms", "5");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, Integer.toString(i), "value-" + i));
            }
            producer.flush();
            producer.send(new ProducerRecord<>(topic, "last", "last")).get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> consumerProps =
                clientProps("SCRAM-SHA-512", "alice", ALICE_PASSWORD, certs.trustingClient());
        consumerProps.put("group.id", "secured-readers");
        consumerProps.put("auto.offset.reset", "earliest");
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<String> values = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                return values.size() >= RECORDS + 1;
            });
            assertThat(values).hasSize(RECORDS + 1).doesNotHaveDuplicates().contains("value-0", "last");
        }
    }

    @Test
    void javaClientsReauthenticateOnTheirConnectionsWhileTheyWorkThroughSeveralSessionLifetimes() throws Exception {
        String topic = "reauthenticated";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                .all()
                .get(30, TimeUnit.SECONDS);
        double before = reauthentications("success");
        Map<String, Object> producerProps =
                clientProps("SCRAM-SHA-512", "alice", ALICE_PASSWORD, certs.trustingClient());
        producerProps.put("acks", "all");
        Map<String, Object> consumerProps =
                clientProps("SCRAM-SHA-512", "alice", ALICE_PASSWORD, certs.trustingClient());
        consumerProps.put("auto.offset.reset", "earliest");
        List<String> sent = new ArrayList<>();
        List<String> read = new ArrayList<>();
        try (KafkaProducer<String, String> producer =
                        new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer());
                KafkaConsumer<String, String> consumer =
                        new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(new org.apache.kafka.common.TopicPartition(topic, 0)));
            // Work through at least two session lifetimes, and on until four renewals were seen (a loaded machine
            // starts the clients late), within a bound.
            long start = System.nanoTime();
            long minimum = TimeUnit.MILLISECONDS.toNanos(2 * SESSION_LIFETIME_MS + 1_000);
            long bound = TimeUnit.SECONDS.toNanos(60);
            for (int i = 0;
                    System.nanoTime() - start < minimum
                            || (reauthentications("success") - before < 4 && System.nanoTime() - start < bound);
                    i++) {
                String value = "v" + i;
                // Each write waits for its acknowledgement: a connection closed for an expired session would show
                // here as an error or a stall, not as a silent retry hidden in a batch.
                producer.send(new ProducerRecord<>(topic, value)).get(10, TimeUnit.SECONDS);
                sent.add(value);
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(50))) {
                    read.add(record.value());
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                    read.add(record.value());
                }
                return read.size() >= sent.size();
            });
        }
        assertThat(read).isEqualTo(sent);
        // Producer and consumer renew their leader connections at 85-95 % of every 3 s session, and the followers
        // their fetch connections, which never idle.
        assertThat(reauthentications("success") - before).isGreaterThanOrEqualTo(4);
        assertThat(reauthentications("failure")).isZero();
        // Every client here re-authenticates before its session ends, the brokers' replica fetchers included: none
        // of their connections was closed for an ended session.
        assertThat(brokerCounters("sluice.sasl.expired.connections.killed")).isZero();
    }

    private double reauthentications(String result) {
        return cluster.brokerIds().stream()
                .mapToDouble(id ->
                        cluster
                                .registry(id)
                                .find("sluice.sasl.reauthentications")
                                .tag("result", result)
                                .counters()
                                .stream()
                                .mapToDouble(io.micrometer.core.instrument.Counter::count)
                                .sum())
                .sum();
    }

    private double brokerCounters(String name) {
        return cluster.brokerIds().stream()
                .mapToDouble(id -> cluster.registry(id).find(name).counters().stream()
                        .mapToDouble(io.micrometer.core.instrument.Counter::count)
                        .sum())
                .sum();
    }

    @Test
    void aWrongPasswordIsASaslAuthenticationFailure() {
        Map<String, Object> props = clientProps("SCRAM-SHA-512", "alice", "not-her-password", certs.trustingClient());
        try (Admin wrong = Admin.create(props)) {
            assertThatThrownBy(() -> wrong.describeCluster().nodes().get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(SaslAuthenticationException.class)
                    .hasMessageContaining("invalid credentials with SASL mechanism SCRAM-SHA-512");
        }
        Map<String, Object> unknown = clientProps("PLAIN", "mallory", "guess", certs.trustingClient());
        try (Admin stranger = Admin.create(unknown)) {
            assertThatThrownBy(() -> stranger.describeCluster().nodes().get(20, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    void aClientThatDoesNotTrustTheBrokerCertificateFailsTheHandshake() {
        Map<String, Object> untrusted = Map.of(
                "ssl.truststore.location", certs.untrustedTrustStore().toString(),
                "ssl.truststore.password", certs.password(),
                "ssl.truststore.type", "PKCS12");
        try (Admin admin = Admin.create(clientProps("SCRAM-SHA-512", "alice", ALICE_PASSWORD, untrusted))) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOf(SslAuthenticationException.class);
        }
    }

    @Test
    void plaintextBytesOnTheTlsPortCloseTheConnectionAndTheBrokerServesOn() throws Exception {
        int port = cluster.broker(1).boundPort();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            // An ApiVersions v0 request in plaintext: size, api key 18, version 0, correlation id 1, client id "x".
            out.write(new byte[] {0, 0, 0, 11, 0, 18, 0, 0, 0, 0, 0, 1, 0, 1, 'x'});
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[512];
            int read;
            do {
                read = in.read(buffer);
            } while (read > 0);
            assertThat(read).as("the broker closed the connection").isEqualTo(-1);
        }
        assertThat(admin.describeCluster().nodes().get(20, TimeUnit.SECONDS)).hasSize(3);
    }

    @Test
    void kcatProducesAndConsumesWithScramSha256OverTls() throws Exception {
        assumeTrue(onPath("kcat"), "kcat is not installed (Debian package kcat); librdkafka over SASL_SSL not checked");
        String topic = "kcat-secured";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3))).all().get(30, TimeUnit.SECONDS);
        List<String> common = List.of(
                "kcat",
                "-b",
                cluster.bootstrapServers(),
                "-X",
                "security.protocol=SASL_SSL",
                "-X",
                "sasl.mechanisms=SCRAM-SHA-256",
                "-X",
                "sasl.username=alice",
                "-X",
                "sasl.password=" + ALICE_PASSWORD,
                "-X",
                "ssl.ca.location=" + certs.caPem(),
                "-t",
                topic);
        List<String> produce = new ArrayList<>(common);
        produce.addAll(List.of("-P", "-X", "acks=all"));
        assertThat(run("one\ntwo\nthree\n", produce)).isEmpty();
        List<String> consume = new ArrayList<>(common);
        consume.addAll(List.of("-C", "-o", "beginning", "-c", "3", "-e", "-q"));
        assertThat(run("", consume).lines().toList()).containsExactly("one", "two", "three");
    }

    /** The command's stdout; fails the test with the command's stderr unless it exits 0 within 60 s. */
    private String run(String stdin, List<String> command) throws Exception {
        Path out = Files.createTempFile(dir, "kcat", ".out");
        Path err = Files.createTempFile(dir, "kcat", ".err");
        Process process = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        boolean exited = process.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (!exited || process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command.subList(command.size() - 4, command.size()))
                    + (exited ? " exited " + process.exitValue() : " did not exit within 60 s") + "; stderr:\n"
                    + Files.readString(err, StandardCharsets.UTF_8));
        }
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static boolean onPath(String command) {
        for (String path : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(path, command))) {
                return true;
            }
        }
        return false;
    }
}
