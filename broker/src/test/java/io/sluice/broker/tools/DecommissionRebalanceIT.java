package io.sluice.broker.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.broker.it.InJvmCluster;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sluice-admin decommission} and {@code rebalance} end to end on in-JVM brokers on racks a, a, b, b, through the
 * CLI's entry point, while an {@code acks=all} producer writes a 12-partition RF 3 topic: {@code decommission --broker
 * 4 --throttle} empties broker 4 with progress output and removes its throttles; broker 4 is then stopped and broker 5
 * (rack b) added, and {@code rebalance} leaves 9 replicas and 3 leaders on each of the four brokers, every partition on
 * both racks. Every acknowledged record is read back at its offset.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DecommissionRebalanceIT {
    private static final String TOPIC = "fleet";
    private static final int PARTITIONS = 12;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger log = LoggerFactory.getLogger(DecommissionRebalanceIT.class);

    private InJvmCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private record Result(int code, String out, String err) {}

    private Result cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = AdminCli.run(
                args,
                InputStream.nullInputStream(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                KafkaClusterAdmin::connect,
                Map.of(AdminCli.BOOTSTRAP_ENV, cluster.bootstrapServers()));
        Result result = new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        log.info("sluice-admin {} exited {}:\n{}{}", String.join(" ", args), code, result.out(), result.err());
        return result;
    }

    @Test
    void decommissionEmptiesABrokerAndRebalanceEvensOutAnAddedOneWhileAProducerWrites() throws Exception {
        cluster = InJvmCluster.start(4, Map.of("offsets.topic.num.partitions", "1"), List.of("a", "a", "b", "b"));
        cluster.createTopicAndAwaitFullIsr(TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
        Admin admin = cluster.admin();

        try (AckedProducer producer = new AckedProducer(cluster.bootstrapServers())) {
            await().atMost(InJvmCluster.WAIT).until(() -> producer.acked.size() >= 100);

            Result decommissioned =
                    cli("decommission", "--broker", "4", "--throttle", "50000000", "--progress-interval-ms", "200");
            assertThat(decommissioned.code())
                    .as(decommissioned.out() + decommissioned.err())
                    .isZero();
            assertThat(decommissioned.out())
                    .contains("Plan (decommission)")
                    .contains("Throttled replication to 50000000 B/s")
                    .containsPattern("Moving: \\d+ of \\d+ partitions remaining")
                    .contains("Moving: 0 of")
                    .contains("Removed the replication throttles.")
                    .contains("Decommissioned broker 4: no replica left on it.");
            Map<Integer, TopicPartitionInfo> afterDecommission = describe(admin);
            for (TopicPartitionInfo p : afterDecommission.values()) {
                assertThat(ids(p.replicas())).as("partition %d", p.partition()).doesNotContain(4);
            }
            assertNoThrottles(admin, List.of(1, 2, 3, 4));

            int ackedBefore = producer.acked.size();
            await().atMost(InJvmCluster.WAIT).until(() -> producer.acked.size() >= ackedBefore + 50);

            // broker 4 leaves, broker 5 (rack b) joins empty
            cluster.stop(4);
            cluster.addBroker(5, "b");
            await().atMost(InJvmCluster.WAIT)
                    .until(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream()
                            .map(Node::id)
                            .toList()
                            .containsAll(List.of(1, 2, 3, 5)));

            Result rebalanced = cli("rebalance", "--json", "--progress-interval-ms", "200");
            assertThat(rebalanced.code())
                    .as(rebalanced.out() + rebalanced.err())
                    .isZero();
            JsonNode doc = JSON.readTree(rebalanced.out());
            assertThat(doc.get("result").asText()).isEqualTo("completed");
            assertThat(doc.get("replicasMoved").asInt()).isEqualTo(9);
            assertThat(rebalanced.err()).contains("Moving: 0 of");

            Map<Integer, TopicPartitionInfo> balanced = describe(admin);
            Map<Integer, Integer> replicas = new TreeMap<>();
            Map<Integer, Integer> leaders = new TreeMap<>();
            Map<Integer, String> racks = Map.of(1, "a", 2, "a", 3, "b", 5, "b");
            for (TopicPartitionInfo p : balanced.values()) {
                List<Integer> rs = ids(p.replicas());
                rs.forEach(b -> replicas.merge(b, 1, Integer::sum));
                leaders.merge(p.leader().id(), 1, Integer::sum);
                Set<String> spanned = new HashSet<>();
                rs.forEach(b -> spanned.add(racks.get(b)));
                assertThat(spanned)
                        .as("racks of partition %d %s", p.partition(), rs)
                        .containsExactlyInAnyOrder("a", "b");
                assertThat(p.isr()).as("ISR of partition %d", p.partition()).hasSize(3);
            }
            assertThat(replicas).isEqualTo(Map.of(1, 9, 2, 9, 3, 9, 5, 9));
            assertThat(leaders).isEqualTo(Map.of(1, 3, 2, 3, 3, 3, 5, 3));

            int ackedAfter = producer.acked.size();
            await().atMost(InJvmCluster.WAIT).until(() -> producer.acked.size() >= ackedAfter + 50);
            producer.stopAndAwait();
            assertThat(producer.failure.get()).as("producer failure").isNull();
            assertEveryAckedRecordIsThere(cluster.bootstrapServers(), producer.acked);
        }
    }

    private static Map<Integer, TopicPartitionInfo> describe(Admin admin) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(TOPIC))
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .get(TOPIC);
        Map<Integer, TopicPartitionInfo> out = new TreeMap<>();
        d.partitions().forEach(p -> out.put(p.partition(), p));
        return out;
    }

    private static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).toList();
    }

    private static void assertNoThrottles(Admin admin, List<Integer> brokers) throws Exception {
        List<ConfigResource> resources = new ArrayList<>();
        resources.add(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC));
        brokers.forEach(b -> resources.add(new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(b))));
        Map<ConfigResource, Config> configs =
                admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
        configs.forEach((resource, config) -> config.entries().stream()
                .filter(e -> e.name().contains("replication.throttled"))
                .filter(e -> e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG
                        || e.source() == ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG)
                .forEach(
                        e -> assertThat(e.value()).as(resource + " " + e.name()).isNullOrEmpty()));
    }

    private static void assertEveryAckedRecordIsThere(String bootstrap, Map<String, TopicPartitionOffset> acked) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Map<String, TopicPartitionOffset> found = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(TOPIC, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            await().atMost(InJvmCluster.WAIT).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    found.put(
                            r.value(),
                            new TopicPartitionOffset(new TopicPartition(r.topic(), r.partition()), r.offset()));
                }
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
            });
        }
        assertThat(acked).isNotEmpty();
        acked.forEach((value, where) -> assertThat(found.get(value)).as(value).isEqualTo(where));
    }

    private record TopicPartitionOffset(TopicPartition tp, long offset) {}

    /** An {@code acks=all} idempotent producer sending one record at a time (each waits for its acknowledgement). */
    private static final class AckedProducer implements AutoCloseable {
        final Map<String, TopicPartitionOffset> acked = new ConcurrentHashMap<>();
        final AtomicReference<Exception> failure = new AtomicReference<>();
        private final KafkaProducer<String, String> producer;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        AckedProducer(String bootstrap) {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            producer = new KafkaProducer<>(props);
            thread = new Thread(
                    () -> {
                        for (int i = 0; running.get(); i++) {
                            String value = "value-" + i;
                            try {
                                RecordMetadata md = producer.send(new ProducerRecord<>(TOPIC, value))
                                        .get(60, TimeUnit.SECONDS);
                                acked.put(
                                        value,
                                        new TopicPartitionOffset(
                                                new TopicPartition(md.topic(), md.partition()), md.offset()));
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                return;
                            } catch (Exception e) {
                                failure.compareAndSet(null, e);
                                return;
                            }
                        }
                    },
                    "acked-producer");
            thread.setDaemon(true);
            thread.start();
        }

        void stopAndAwait() throws InterruptedException {
            running.set(false);
            thread.join(70_000);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(70_000);
            producer.close(Duration.ofSeconds(5));
        }
    }
}
