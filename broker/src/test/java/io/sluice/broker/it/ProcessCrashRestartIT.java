package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testsupport.EmbeddedZooKeeper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker as a real process ({@code BrokerMain}) against an embedded ZooKeeper: SIGTERM exits 0 and a restart
 * serves every record at its offset; SIGKILL followed by an immediate restart (the broker waits for its dead
 * incarnation's session by itself) keeps every acknowledged record and the idempotent producers' state, so a re-sent
 * batch gets its original offset and is not written twice; a second process with the same {@code broker.id} exits 1.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ProcessCrashRestartIT {
    private static final Logger log = LoggerFactory.getLogger(ProcessCrashRestartIT.class);
    private static final String TOPIC = "crash";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final int RECORDS = 2_000;
    private static final int BROKER_ID = 1;
    private static final int EXIT_OK = 0;
    private static final int EXIT_STARTUP_FAILED = 1;
    private static final int EXIT_SIGKILL = 128 + 9;
    private static final Duration START_WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private EmbeddedZooKeeper zooKeeper;
    private int port;
    private final List<BrokerProcess> processes = new ArrayList<>();
    private final List<AutoCloseable> clients = new ArrayList<>();
    private boolean passed;

    @BeforeEach
    void startZooKeeper() throws Exception {
        zooKeeper = EmbeddedZooKeeper.start(dir.resolve("zookeeper"));
        port = freePort();
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
        for (BrokerProcess process : processes) {
            process.close();
            if (!passed) {
                log.error("Output of broker process {}:\n{}", process.pid(), process.output());
            }
        }
        if (zooKeeper != null) {
            zooKeeper.close();
        }
    }

    @Test
    void sigtermExitsZeroAndARestartServesEveryRecordWhileADuplicateIdFailsFast() throws Exception {
        BrokerProcess broker = startBroker("broker", port, dir.resolve("logs"));
        awaitController(broker);
        createTopic(broker);

        BrokerProcess duplicate = startBroker("duplicate", freePort(), dir.resolve("duplicate-logs"));
        assertThat(duplicate.awaitExit())
                .as("duplicate broker.id: %s", duplicate.output())
                .isEqualTo(EXIT_STARTUP_FAILED);
        assertThat(duplicate.output())
                .contains("Broker " + BROKER_ID + " failed to start")
                .contains("Broker id " + BROKER_ID + " is already registered");
        assertThat(broker.isAlive()).as("the first broker keeps running").isTrue();

        List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
        List<RecordMetadata> acked = produce(sent, RECORDS);

        assertThat(broker.terminate()).as("exit code after SIGTERM").isEqualTo(EXIT_OK);
        assertThat(broker.output()).contains("shut down");

        BrokerProcess restarted = startBroker("broker", port, dir.resolve("logs"));
        awaitLeader(restarted);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap(), Map.of())) {
            Clients.assertSameRecords(sent, acked, Clients.readAll(consumer, TP, RECORDS, Duration.ofSeconds(30)));
        }
        assertThat(restarted.terminate()).isEqualTo(EXIT_OK);
        passed = true;
    }

    @Test
    void sigkillAndAnImmediateRestartKeepAcknowledgedRecordsAndProducerState() throws Exception {
        BrokerProcess broker = startBroker("broker", port, dir.resolve("logs"));
        awaitController(broker);
        createTopic(broker);
        awaitLeader(broker);

        MemoryRecords idempotentBatch;
        long originalBaseOffset;
        try (RawKafkaConnection connection = new RawKafkaConnection(port)) {
            InitProducerIdResponse producerId = RawRequests.initProducerId(connection);
            idempotentBatch = MemoryRecords.withIdempotentRecords(
                    Compression.NONE,
                    producerId.data().producerId(),
                    producerId.data().producerEpoch(),
                    0,
                    new SimpleRecord(1L, bytes("raw-key-0"), bytes("raw-0")),
                    new SimpleRecord(2L, bytes("raw-key-1"), bytes("raw-1")),
                    new SimpleRecord(3L, bytes("raw-key-2"), bytes("raw-2")));
            ProduceResponseData.PartitionProduceResponse first = RawRequests.produce(connection, TP, idempotentBatch);
            assertThat(Errors.forCode(first.errorCode())).isEqualTo(Errors.NONE);
            originalBaseOffset = first.baseOffset();
        }
        List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
        List<RecordMetadata> acked = produce(sent, RECORDS);
        long endBeforeKill = acked.get(acked.size() - 1).offset() + 1;

        assertThat(broker.kill()).as("exit code after SIGKILL").isEqualTo(EXIT_SIGKILL);
        BrokerProcess restarted = startBroker("broker", port, dir.resolve("logs"));
        awaitLeader(restarted);

        try (RawKafkaConnection connection = new RawKafkaConnection(port)) {
            ProduceResponseData.PartitionProduceResponse again = await().atMost(START_WAIT)
                    .until(
                            () -> RawRequests.produce(connection, TP, idempotentBatch),
                            r -> !(Errors.forCode(r.errorCode()).exception() instanceof RetriableException));
            assertThat(Errors.forCode(again.errorCode())).as("re-sent batch").isEqualTo(Errors.NONE);
            assertThat(again.baseOffset()).as("the original offset").isEqualTo(originalBaseOffset);
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap(), Map.of())) {
            assertThat(consumer.endOffsets(List.of(TP), Duration.ofSeconds(30)).get(TP))
                    .as("log end offset: nothing written twice, nothing lost")
                    .isEqualTo(endBeforeKill);
            List<ConsumerRecord<byte[], byte[]>> read =
                    Clients.readAll(consumer, TP, RECORDS + 3, Duration.ofSeconds(30));
            assertThat(read).hasSize(RECORDS + 3);
            for (int i = 0; i < 3; i++) {
                assertThat(read.get(i).offset()).isEqualTo(originalBaseOffset + i);
                assertThat(new String(read.get(i).value(), StandardCharsets.UTF_8))
                        .isEqualTo("raw-" + i);
            }
            Clients.assertSameRecords(sent, acked, read.subList(3, read.size()));
        }
        passed = true;
    }

    // ------------------------------------------------------------------ helpers

    private BrokerProcess startBroker(String name, int listenerPort, Path logDir) throws IOException {
        Map<String, String> settings = new HashMap<>();
        settings.put("broker.id", Integer.toString(BROKER_ID));
        settings.put("listeners", "PLAINTEXT://127.0.0.1:" + listenerPort);
        settings.put("zookeeper.connect", zooKeeper.connectString() + "/sluice");
        settings.put("log.dirs", logDir.toString());
        settings.put("metrics.port", "0");
        settings.put("zookeeper.session.timeout.ms", "6000");
        settings.put("group.initial.rebalance.delay.ms", "0");
        settings.put("num.io.threads", "2");
        settings.put("num.network.threads", "1");
        int incarnation = processes.size();
        BrokerProcess process = BrokerProcess.start(
                dir.resolve(name + "-" + incarnation + ".properties"),
                settings,
                dir.resolve(name + "-" + incarnation + ".out"));
        processes.add(process);
        log.info("Started broker process {} ({}, port {})", process.pid(), name, listenerPort);
        return process;
    }

    private String bootstrap() {
        return "127.0.0.1:" + port;
    }

    private Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        Admin admin = Admin.create(props);
        clients.add(admin);
        return admin;
    }

    /** Waits until {@code process} is the active controller; fails at once, with its output, if it exits. */
    private void awaitController(BrokerProcess process) {
        Admin admin = admin();
        await().atMost(START_WAIT).pollInterval(Duration.ofMillis(250)).until(() -> {
            assertAlive(process);
            try {
                return admin.describeCluster()
                                .controller()
                                .get(5, TimeUnit.SECONDS)
                                .id()
                        == BROKER_ID;
            } catch (Exception notYet) {
                return false;
            }
        });
    }

    /** Waits until {@code process} leads {@link #TP}; fails at once, with its output, if it exits. */
    private void awaitLeader(BrokerProcess process) {
        Admin admin = admin();
        await().atMost(START_WAIT).pollInterval(Duration.ofMillis(250)).until(() -> {
            assertAlive(process);
            try {
                TopicDescription description = admin.describeTopics(List.of(TOPIC))
                        .allTopicNames()
                        .get(5, TimeUnit.SECONDS)
                        .get(TOPIC);
                return description.partitions().get(0).leader() != null
                        && description.partitions().get(0).leader().id() == BROKER_ID;
            } catch (Exception notYet) {
                return false;
            }
        });
    }

    private static void assertAlive(BrokerProcess process) {
        if (!process.isAlive()) {
            throw new AssertionError("broker process " + process.pid() + " exited:\n" + process.output());
        }
    }

    private void createTopic(BrokerProcess process) throws Exception {
        assertAlive(process);
        admin().createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    /** Sends {@code count} records with the default (idempotent, acks=all) producer; returns the acknowledgements. */
    private List<RecordMetadata> produce(List<ProducerRecord<byte[], byte[]>> sent, int count) throws Exception {
        List<Future<RecordMetadata>> sends = new ArrayList<>(count);
        try (KafkaProducer<byte[], byte[]> producer =
                Clients.producer(bootstrap(), Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            long now = System.currentTimeMillis();
            for (int i = 0; i < count; i++) {
                ProducerRecord<byte[], byte[]> record = Clients.record(TOPIC, 0, i, now + i);
                sent.add(record);
                sends.add(producer.send(record));
            }
            producer.flush();
            return Clients.awaitAll(sends);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
