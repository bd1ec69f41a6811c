package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One broker driven by the stock Admin, producer and consumer: topic administration, data round trips, long poll. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SingleBrokerIT {
    private InJvmCluster cluster;
    private Admin admin;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(1, Map.of());
        admin = cluster.admin();
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Timeout(60)
    void brokerElectsItselfController() {
        assertThat(cluster.controllerId()).isEqualTo(1);
    }

    @Test
    @Timeout(120)
    void adminCreatesDescribesListsGrowsAndDeletesATopic() throws Exception {
        NewTopic topic = new NewTopic("orders", 3, (short) 1).configs(Map.of("retention.ms", "3600000"));
        admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);

        TopicDescription description = await().atMost(Duration.ofSeconds(30))
                .until(() -> describe("orders"), d -> d.partitions().stream().allMatch(p -> p.leader() != null));
        assertThat(description.partitions()).hasSize(3);
        description.partitions().forEach(p -> {
            assertThat(p.leader().id()).isEqualTo(1);
            assertThat(p.replicas()).extracting(n -> n.id()).containsExactly(1);
            assertThat(p.isr()).extracting(n -> n.id()).containsExactly(1);
        });

        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "orders");
        Config config = admin.describeConfigs(List.of(resource))
                .all()
                .get(30, TimeUnit.SECONDS)
                .get(resource);
        ConfigEntry retention = config.get("retention.ms");
        assertThat(retention.value()).isEqualTo("3600000");
        assertThat(retention.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(config.get("segment.bytes").source()).isNotEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);

        assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("orders");

        admin.createPartitions(Map.of("orders", NewPartitions.increaseTo(6)))
                .all()
                .get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> describe("orders").partitions(),
                        ps -> ps.size() == 6
                                && ps.stream()
                                        .allMatch(p ->
                                                p.leader() != null && p.leader().id() == 1));
        TopicPartition added = new TopicPartition("orders", 5);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cluster.broker(1).replicaManager().isLeader(added));

        admin.deleteTopics(List.of("orders")).all().get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> admin.listTopics().names().get(10, TimeUnit.SECONDS), names -> !names.contains("orders"));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cluster.broker(1).logManager().getLog(added).isEmpty());
    }

    @Test
    @Timeout(60)
    void invalidTopicRequestsFailWithKafkaExceptions() {
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("rf3", 1, (short) 3)))
                        .all()
                        .get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(InvalidReplicationFactorException.class);
        assertThatThrownBy(() -> admin.createTopics(List.of(
                                new NewTopic("unknown-key", 1, (short) 1).configs(Map.of("no.such.config", "1"))))
                        .all()
                        .get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("no.such.config");
        assertThatThrownBy(() -> admin.createTopics(List.of(
                                new NewTopic("bad-value", 1, (short) 1).configs(Map.of("retention.ms", "soon"))))
                        .all()
                        .get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("retention.ms");
    }

    /** 200,000 uncompressed records (a few seconds here) and 20,000 per codec, over 3 partitions. */
    @ParameterizedTest(name = "compression={0}")
    @CsvSource({"none,200000", "gzip,20000", "snappy,20000", "lz4,20000", "zstd,20000"})
    @Timeout(180)
    void everyRecordComesBackInOrderWithKeyValueHeadersAndTimestamp(String compression, int count) throws Exception {
        String topic = "roundtrip-" + compression;
        int partitions = 3;
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                .all()
                .get(30, TimeUnit.SECONDS);
        for (int p = 0; p < partitions; p++) {
            cluster.awaitLeader(new TopicPartition(topic, p));
        }
        List<List<ProducerRecord<byte[], byte[]>>> sent = new ArrayList<>();
        List<List<Future<RecordMetadata>>> futures = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            sent.add(new ArrayList<>());
            futures.add(new ArrayList<>());
        }
        long base = System.currentTimeMillis() - 60_000;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(
                cluster.bootstrapServers(),
                Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression, ProducerConfig.LINGER_MS_CONFIG, "5"))) {
            for (int i = 0; i < count; i++) {
                int p = i % partitions;
                ProducerRecord<byte[], byte[]> record = Clients.record(topic, p, i, base + i);
                sent.get(p).add(record);
                futures.get(p).add(producer.send(record));
            }
            producer.flush();
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            for (int p = 0; p < partitions; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                List<RecordMetadata> acked = Clients.awaitAll(futures.get(p));
                List<ConsumerRecord<byte[], byte[]>> read =
                        Clients.readAll(consumer, tp, sent.get(p).size(), Duration.ofSeconds(60));
                Clients.assertSameRecords(sent.get(p), acked, read);
            }
        }
    }

    @Test
    @Timeout(60)
    void offsetsForTimesFindsTheFirstOffsetAtOrAfterATimestamp() throws Exception {
        String topic = "by-time";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        TopicPartition tp = new TopicPartition(topic, 0);
        cluster.awaitLeader(tp);
        long base = 1_700_000_000_000L;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrapServers(), Map.of())) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                sends.add(producer.send(Clients.record(topic, 0, i, base + 10L * i)));
            }
            Clients.awaitAll(sends);
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            Map<TopicPartition, OffsetAndTimestamp> exact =
                    consumer.offsetsForTimes(Map.of(tp, base + 250), Duration.ofSeconds(30));
            assertThat(exact.get(tp).offset()).isEqualTo(25);
            assertThat(exact.get(tp).timestamp()).isEqualTo(base + 250);
            Map<TopicPartition, OffsetAndTimestamp> between =
                    consumer.offsetsForTimes(Map.of(tp, base + 255), Duration.ofSeconds(30));
            assertThat(between.get(tp).offset()).isEqualTo(26);
            Map<TopicPartition, OffsetAndTimestamp> after =
                    consumer.offsetsForTimes(Map.of(tp, base + 10_000), Duration.ofSeconds(30));
            assertThat(after.get(tp)).isNull();
        }
    }

    @Test
    @Timeout(90)
    void anEmptyPartitionIsLongPolledAndARecordProducedMeanwhileArrivesPromptly() throws Exception {
        String topic = "long-poll";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        TopicPartition tp = new TopicPartition(topic, 0);
        cluster.awaitLeader(tp);
        int maxWaitMs = 500;
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(
                cluster.bootstrapServers(),
                Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Integer.toString(maxWaitMs)))) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            assertThat(consumer.poll(Duration.ofMillis(1_000)).isEmpty()).isTrue(); // connects, resets the position
            long fetchesBefore = fetchRequests();
            long start = System.nanoTime();
            ConsumerRecords<byte[], byte[]> none = consumer.poll(Duration.ofMillis(3_000));
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            long fetches = fetchRequests() - fetchesBefore;
            assertThat(none.isEmpty()).isTrue();
            // about one fetch per fetch.max.wait.ms: the broker holds each empty fetch instead of answering at once
            assertThat(fetches).isBetween(elapsedMs / maxWaitMs - 2, elapsedMs / maxWaitMs + 2);
        }

        int longWaitMs = 5_000;
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(
                        cluster.bootstrapServers(),
                        Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Integer.toString(longWaitMs)));
                KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrapServers(), Map.of())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            consumer.poll(Duration.ofMillis(1_000));
            long[] sentAt = new long[1];
            CompletableFuture<RecordMetadata> acked = CompletableFuture.supplyAsync(
                    () -> {
                        sentAt[0] = System.nanoTime();
                        try {
                            return producer.send(Clients.record(topic, 0, 1, System.currentTimeMillis()))
                                    .get(30, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    CompletableFuture.delayedExecutor(1_500, TimeUnit.MILLISECONDS));
            List<ConsumerRecord<byte[], byte[]>> received = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (received.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(10_000)).forEach(received::add);
            }
            long receivedAt = System.nanoTime();
            assertThat(received).hasSize(1);
            assertThat(acked.get(30, TimeUnit.SECONDS).offset())
                    .isEqualTo(received.get(0).offset());
            // delivered by the waiting fetch, long before its fetch.max.wait.ms ran out
            assertThat(TimeUnit.NANOSECONDS.toMillis(receivedAt - sentAt[0])).isLessThan(longWaitMs / 2);
        }
    }

    @Test
    @Timeout(60)
    void producingToAnUnknownTopicCreatesItWithTheBrokerDefaults() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrapServers(), Map.of())) {
            RecordMetadata acked = producer.send(
                            new ProducerRecord<>("auto-created", "v".getBytes(StandardCharsets.UTF_8)))
                    .get(30, TimeUnit.SECONDS);
            assertThat(acked.offset()).isZero();
        }
        TopicDescription description = describe("auto-created");
        assertThat(description.partitions()).hasSize(1); // num.partitions
        assertThat(description.partitions().get(0).replicas()).hasSize(1); // default.replication.factor
    }

    @Test
    @Timeout(60)
    void alteredTopicConfigReachesTheHostedLogsAndPartitions() throws Exception {
        String topic = "live-config";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        TopicPartition tp = new TopicPartition(topic, 0);
        cluster.awaitLeader(tp);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);

        admin.incrementalAlterConfigs(Map.of(
                        resource,
                        List.of(
                                new AlterConfigOp(new ConfigEntry("retention.ms", "120000"), AlterConfigOp.OpType.SET),
                                new AlterConfigOp(new ConfigEntry("segment.bytes", "65536"), AlterConfigOp.OpType.SET),
                                new AlterConfigOp(
                                        new ConfigEntry("min.insync.replicas", "2"), AlterConfigOp.OpType.SET))))
                .all()
                .get(30, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> cluster.broker(1)
                                .logManager()
                                .getLog(tp)
                                .orElseThrow()
                                .config(),
                        c -> c.retentionMs() == 120_000L && c.segmentBytes() == 65_536);
        // min.insync.replicas=2 on a single replica: min(2, RF) = 1, so acks=all still succeeds
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrapServers(), Map.of())) {
            assertThat(producer.send(new ProducerRecord<>(topic, 0, null, "v".getBytes(StandardCharsets.UTF_8)))
                            .get(30, TimeUnit.SECONDS)
                            .offset())
                    .isZero();
        }
    }

    @Test
    @Timeout(60)
    void changedClusterDefaultsReachTopicsWithoutOverrides() throws Exception {
        String plain = "defaults-follower";
        String pinned = "defaults-pinned";
        admin.createTopics(List.of(
                        new NewTopic(plain, 1, (short) 1),
                        new NewTopic(pinned, 1, (short) 1).configs(Map.of("retention.ms", "600000"))))
                .all()
                .get(30, TimeUnit.SECONDS);
        TopicPartition plainTp = new TopicPartition(plain, 0);
        TopicPartition pinnedTp = new TopicPartition(pinned, 0);
        cluster.awaitLeader(plainTp);
        cluster.awaitLeader(pinnedTp);
        ConfigResource clusterDefaults = new ConfigResource(ConfigResource.Type.BROKER, "");
        try {
            admin.incrementalAlterConfigs(Map.of(
                            clusterDefaults,
                            List.of(new AlterConfigOp(
                                    new ConfigEntry("log.retention.ms", "90000"), AlterConfigOp.OpType.SET))))
                    .all()
                    .get(30, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> cluster.broker(1)
                                    .logManager()
                                    .getLog(plainTp)
                                    .orElseThrow()
                                    .config()
                                    .retentionMs()
                            == 90_000L);
            assertThat(cluster.broker(1)
                            .logManager()
                            .getLog(pinnedTp)
                            .orElseThrow()
                            .config()
                            .retentionMs())
                    .as("a topic override wins over the cluster default")
                    .isEqualTo(600_000L);
        } finally {
            admin.incrementalAlterConfigs(Map.of(
                            clusterDefaults,
                            List.of(new AlterConfigOp(
                                    new ConfigEntry("log.retention.ms", ""), AlterConfigOp.OpType.DELETE))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    private long fetchRequests() {
        Timer timer = cluster.registry(1)
                .find("sluice.network.request.latency")
                .tag("api", "Fetch")
                .timer();
        return timer == null ? 0 : timer.count();
    }

    private TopicDescription describe(String topic) throws Exception {
        return admin.describeTopics(List.of(topic))
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .get(topic);
    }
}
