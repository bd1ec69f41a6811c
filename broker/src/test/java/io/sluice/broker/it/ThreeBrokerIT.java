package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three brokers, RF 3, {@code min.insync.replicas=2}: replication to a full ISR, failover of a killed leader while an
 * idempotent producer keeps sending, and the killed broker catching up after its restart.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ThreeBrokerIT {
    private static final String TOPIC = "replicated";
    private static final int PARTITIONS = 6;
    private static final long SESSION_TIMEOUT_MS = 6_000;

    private InJvmCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(3, Map.of());
        NewTopic topic = new NewTopic(TOPIC, PARTITIONS, (short) 3).configs(Map.of("min.insync.replicas", "2"));
        cluster.admin().createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        for (TopicPartition tp : partitions()) {
            cluster.awaitLeader(tp);
        }
    }

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void acknowledgedRecordsSurviveALeaderKillAndTheBrokerRejoinsAfterRestart() throws Exception {
        List<List<Integer>> sent = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            sent.add(Collections.synchronizedList(new ArrayList<>()));
        }
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrapServers(), Map.of())) {
            // 50,000 acks=all records, then every ISR is full and everything reads back
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < 50_000; i++) {
                sends.add(send(producer, sent, i));
            }
            Clients.awaitAll(sends);
            for (TopicPartition tp : partitions()) {
                assertThat(cluster.awaitIsr(tp, 3)).containsExactlyInAnyOrder(1, 2, 3);
            }
            assertReadBackExactlyOnceInOrder(sent);

            // kill the leader of partition 0 while the producer keeps sending
            TopicPartition victimPartition = new TopicPartition(TOPIC, 0);
            int victim = cluster.leaderOf(victimPartition);
            List<Integer> isrBeforeKill = cluster.isr(victimPartition);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger next = new AtomicInteger(50_000);
            List<Future<RecordMetadata>> during = Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<Void> background = CompletableFuture.runAsync(() -> {
                while (!stop.get()) {
                    during.add(send(producer, sent, next.getAndIncrement()));
                    if (during.size() % 100 == 0) {
                        producer.flush();
                    }
                }
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> during.size() > 1_000);
            long killedAt = System.nanoTime();
            cluster.kill(victim);
            int newLeader = cluster.awaitNewLeader(victimPartition, victim);
            long failoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            assertThat(failoverMs).isLessThan(SESSION_TIMEOUT_MS + 5_000);
            assertThat(newLeader).isNotEqualTo(victim);
            assertThat(isrBeforeKill)
                    .as("a clean election picks the new leader from the ISR")
                    .contains(newLeader);
            int sentAtFailover = next.get();
            await().atMost(Duration.ofSeconds(60)).until(() -> next.get() > sentAtFailover + 2_000);
            stop.set(true);
            background.get(30, TimeUnit.SECONDS);
            producer.flush();
            Clients.awaitAll(new ArrayList<>(during));
            assertReadBackExactlyOnceInOrder(sent);

            // the killed broker catches up and rejoins every ISR
            cluster.restart(victim);
            for (TopicPartition tp : partitions()) {
                assertThat(cluster.awaitIsr(tp, 3)).contains(victim);
            }
        }
    }

    @Test
    void aTopicIsAutoCreatedThroughABrokerThatIsNotTheController() throws Exception {
        int controller = cluster.controllerId();
        int other = cluster.brokerIds().stream()
                .filter(id -> id != controller)
                .findFirst()
                .orElseThrow();
        try (KafkaProducer<byte[], byte[]> producer =
                Clients.producer(cluster.broker(other).bootstrapServers(), Map.of())) {
            RecordMetadata acked = producer.send(
                            new ProducerRecord<>("auto-remote", "v".getBytes(StandardCharsets.UTF_8)))
                    .get(60, TimeUnit.SECONDS);
            assertThat(acked.offset()).isZero();
        }
        assertThat(cluster.zooKeeper().topic("auto-remote")).isPresent();
    }

    private static Future<RecordMetadata> send(
            KafkaProducer<byte[], byte[]> producer, List<List<Integer>> sent, int i) {
        int p = i % PARTITIONS;
        ProducerRecord<byte[], byte[]> record = Clients.record(TOPIC, p, i, System.currentTimeMillis());
        sent.get(p).add(i);
        return producer.send(record);
    }

    /** Every partition holds exactly the records sent to it, each once, in send order. */
    private void assertReadBackExactlyOnceInOrder(List<List<Integer>> sent) {
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            for (int p = 0; p < PARTITIONS; p++) {
                TopicPartition tp = new TopicPartition(TOPIC, p);
                List<Integer> expected = List.copyOf(sent.get(p));
                List<ConsumerRecord<byte[], byte[]>> read =
                        Clients.readAll(consumer, tp, expected.size(), Duration.ofSeconds(60));
                List<Integer> seqs = read.stream()
                        .map(r -> Integer.parseInt(
                                new String(r.headers().lastHeader("seq").value(), StandardCharsets.UTF_8)))
                        .toList();
                assertThat(seqs).as("records of %s", tp).isEqualTo(expected);
                for (int i = 0; i < read.size(); i++) {
                    assertThat(read.get(i).offset())
                            .as("offset %d of %s", i, tp)
                            .isEqualTo(i);
                }
            }
        }
    }

    private static List<TopicPartition> partitions() {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            tps.add(new TopicPartition(TOPIC, p));
        }
        return tps;
    }
}
