package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * A leader takes acks=1 writes its followers never fetched, then dies. A follower from the ISR becomes leader and
 * takes new writes; the old leader comes back as a follower, learns from the new leader that its log diverges at the
 * old epoch, truncates the unreplicated records away (and says so in its log), and all replicas end byte-identical.
 * A consumer polling throughout never sees a record that is later truncated.
 *
 * <p>{@code replica.lag.time.max.ms} is 30 s so that the followers whose fetching is paused stay in the ISR.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReplicationDivergenceIT {
    private static final String TOPIC = "diverge";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final String UNREPLICATED = "unreplicated-";

    private InJvmCluster cluster;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger fetcherLogger = (Logger) LoggerFactory.getLogger("io.sluice.replication.fetcher");

    @BeforeEach
    void startCluster() throws Exception {
        logs.start();
        fetcherLogger.addAppender(logs);
        cluster = InJvmCluster.start(3, Map.of("replica.lag.time.max.ms", "30000"));
        NewTopic topic = new NewTopic(TOPIC, 1, (short) 3).configs(Map.of("min.insync.replicas", "2"));
        cluster.admin().createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        cluster.awaitLeader(TP);
        cluster.awaitIsr(TP, 3);
    }

    @AfterEach
    void stopCluster() {
        fetcherLogger.detachAppender(logs);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aLeaderThatDiedWithUnreplicatedWritesTruncatesThemAsFollower() throws Exception {
        ReplicationChecker checker = new ReplicationChecker(TOPIC);
        ReplicationObserver observer = null;
        try (KafkaProducer<byte[], byte[]> acksAll = Clients.producer(
                cluster.bootstrapServers(), Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000"))) {
            for (int i = 0; i < 20; i++) {
                checker.send(acksAll, 0).get(30, TimeUnit.SECONDS);
            }
            assertThat(ReplicationReplicas.awaitIdenticalReplicas(cluster, TP)).isEqualTo(20);
            observer = new ReplicationObserver(cluster.bootstrapServers(), List.of(TP));

            int oldLeader = cluster.awaitLeader(TP);
            int oldEpoch = ReplicationReplicas.leaderEpoch(cluster.broker(oldLeader), TP);
            List<Integer> followers =
                    cluster.brokerIds().stream().filter(id -> id != oldLeader).toList();
            followers.forEach(f -> ReplicationReplicas.pauseFetching(cluster.broker(f), List.of(TP)));
            try (KafkaProducer<byte[], byte[]> acksOne = Clients.producer(
                    cluster.broker(oldLeader).bootstrapServers(), Map.of(ProducerConfig.ACKS_CONFIG, "1"))) {
                for (int i = 0; i < 5; i++) {
                    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                            TOPIC,
                            0,
                            System.currentTimeMillis(),
                            ("key" + i).getBytes(StandardCharsets.UTF_8),
                            (UNREPLICATED + i).getBytes(StandardCharsets.UTF_8),
                            List.of(new RecordHeader(
                                    "seq", Integer.toString(-1 - i).getBytes(StandardCharsets.UTF_8))));
                    assertThat(acksOne.send(record).get(30, TimeUnit.SECONDS).offset())
                            .isEqualTo(20 + i);
                }
            }
            assertThat(ReplicationReplicas.logEndOffset(cluster.broker(oldLeader), TP))
                    .isEqualTo(25);
            assertThat(ReplicationReplicas.highWatermark(cluster.broker(oldLeader), TP))
                    .isEqualTo(20);
            assertThat(cluster.isr(TP)).containsExactlyInAnyOrder(1, 2, 3);

            cluster.kill(oldLeader);
            int newLeader = cluster.awaitNewLeader(TP, oldLeader);
            assertThat(ReplicationReplicas.leaderEpoch(cluster.broker(newLeader), TP))
                    .isGreaterThan(oldEpoch);
            for (int i = 0; i < 10; i++) {
                assertThat(checker.send(acksAll, 0).get(60, TimeUnit.SECONDS).offset())
                        .isEqualTo(20 + i);
            }

            cluster.restart(oldLeader);
            assertThat(cluster.awaitIsr(TP, 3)).contains(oldLeader);
            assertThat(ReplicationReplicas.awaitIdenticalReplicas(cluster, TP)).isEqualTo(30);
            ReplicationObserver reading = observer;
            await().atMost(InJvmCluster.WAIT).until(() -> reading.count() >= 30);
        } finally {
            if (observer != null) {
                observer.close();
            }
        }

        List<ILoggingEvent> events;
        synchronized (logs) {
            events = List.copyOf(logs.list);
        }
        assertThat(events)
                .as("the old leader reports the offsets it truncated")
                .anySatisfy(e -> assertThat(e.getFormattedMessage())
                        .contains("Truncating " + TP + " from 25 to 20 after the leader reported divergence")
                        .contains("removing 5 offsets"));
        assertThat(observer.observed().get(TP).values())
                .as("no consumer saw the dead leader's unreplicated writes")
                .allMatch(seq -> seq >= 0);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            assertThat(ReplicationChecker.readToEnd(consumer, TP, Duration.ofSeconds(30)))
                    .hasSize(30);
            ReplicationChecker.assertNothingObservedDisappeared(
                    observer.observed(), checker.verify(consumer, Duration.ofSeconds(30)));
        }
    }
}
