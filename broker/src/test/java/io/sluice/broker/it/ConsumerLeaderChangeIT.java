package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.LogTruncationException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stock consumer validates its position with OffsetForLeaderEpoch when its partition's leader changes (KIP-320),
 * and goes on reading exactly where it was (three brokers, RF 3, the leader killed while the consumer is half-way);
 * when an unclean election truncated the log under its position, it learns so from the new leader
 * ({@code LogTruncationException} with the divergent offset) instead of an out-of-range reset.
 */
@Timeout(180)
class ConsumerLeaderChangeIT {
    private static final String TOPIC = "validated";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final int HALF = 200;

    private InJvmCluster cluster;

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aConsumerHalfWayThroughValidatesItsPositionOnTheNewLeaderAndReadsOnExactlyOnce() throws Exception {
        cluster = InJvmCluster.start(3, Map.of());
        cluster.createTopicAndAwaitFullIsr(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
        List<Integer> read = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrapServers(), Map.of());
                KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(
                        cluster.bootstrapServers(), Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "25"))) {
            produce(producer, 0, HALF);
            consumer.assign(List.of(TP));
            consumer.seekToBeginning(List.of(TP));
            await().atMost(InJvmCluster.WAIT).until(() -> poll(consumer, read) >= HALF / 2);
            assertThat(read).hasSizeLessThan(HALF);

            int leader = cluster.awaitLeader(TP);
            cluster.kill(leader);
            int newLeader = cluster.awaitNewLeader(TP, leader);
            produce(producer, HALF, 2 * HALF);

            await().atMost(InJvmCluster.WAIT).until(() -> poll(consumer, read) >= 2 * HALF);
            assertThat(validations(newLeader))
                    .as("OffsetForLeaderEpoch requests answered by the new leader %d", newLeader)
                    .isPositive();
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 2 * HALF; i++) {
            expected.add(i);
        }
        assertThat(read).as("every record once, in order").isEqualTo(expected);
    }

    @Test
    void aConsumerPastTheEndOfAnUncleanlyElectedLeaderSeesLogTruncationNotAnOutOfRangeReset() throws Exception {
        // a follower that stops fetching leaves the ISR once it lags writes by this long; the sole replica left
        // cannot hand its partition over at shutdown, so one controlled-shutdown attempt is enough
        cluster = InJvmCluster.start(
                3, Map.of("replica.lag.time.max.ms", "3000", "controlled.shutdown.max.retries", "1"));
        String topic = "truncated";
        TopicPartition tp = new TopicPartition(topic, 0);
        cluster.createTopicAndAwaitFullIsr(
                topic, 1, 2, Map.of("min.insync.replicas", "1", "unclean.leader.election.enable", "true"));
        int leader = cluster.awaitLeader(tp);
        int lagging =
                cluster.isr(tp).stream().filter(id -> id != leader).findFirst().orElseThrow();
        ReplicationReplicas.pauseFetching(cluster.broker(lagging), List.of(tp));
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrapServers(), Map.of());
                KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(
                        cluster.bootstrapServers(), Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
            // acknowledged once the leader has dropped the silent follower from the ISR: the leader alone holds them
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < HALF; i++) {
                sends.add(producer.send(Clients.record(topic, 0, i, 1_000L + i)));
            }
            Clients.awaitAll(sends);
            await().atMost(InJvmCluster.WAIT).until(() -> cluster.isr(tp).equals(List.of(leader)));
            long laggingEnd = ReplicationReplicas.logEndOffset(cluster.broker(lagging), tp);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<Integer> read = new ArrayList<>();
            await().atMost(InJvmCluster.WAIT).until(() -> poll(consumer, read) >= HALF);

            cluster.kill(leader);
            assertThat(cluster.awaitNewLeader(tp, leader))
                    .as("the unclean election")
                    .isEqualTo(lagging);

            AtomicReference<LogTruncationException> truncation = new AtomicReference<>();
            await().atMost(InJvmCluster.WAIT).until(() -> {
                try {
                    poll(consumer, read);
                    return false;
                } catch (LogTruncationException e) {
                    truncation.set(e);
                    return true;
                }
            });
            assertThat(truncation.get().divergentOffsets().get(tp).offset())
                    .as("where the new leader's log diverges")
                    .isEqualTo(laggingEnd)
                    .isLessThan(HALF);
            assertThat(read).hasSize(HALF);
        }
    }

    private static void produce(KafkaProducer<byte[], byte[]> producer, int from, int to) throws Exception {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        for (int i = from; i < to; i++) {
            sends.add(producer.send(Clients.record(TOPIC, 0, i, 1_000L + i)));
        }
        Clients.awaitAll(sends);
    }

    private static int poll(KafkaConsumer<byte[], byte[]> consumer, List<Integer> read) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            read.add(Integer.parseInt(new String(r.headers().lastHeader("seq").value(), StandardCharsets.UTF_8)));
        }
        return read.size();
    }

    private long validations(int broker) {
        Timer timer = cluster.registry(broker)
                .find("sluice.network.request.latency")
                .tag("api", "OffsetForLeaderEpoch")
                .timer();
        return timer == null ? 0 : timer.count();
    }
}
