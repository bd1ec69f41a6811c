package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stock consumer validates its position with OffsetForLeaderEpoch when its partition's leader changes (KIP-320),
 * and goes on reading exactly where it was: three brokers, RF 3, the leader killed while the consumer is half-way.
 */
@Timeout(180)
class ConsumerLeaderChangeIT {
    private static final String TOPIC = "validated";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final int HALF = 200;

    private InJvmCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(3, Map.of());
        cluster.createTopicAndAwaitFullIsr(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
    }

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aConsumerHalfWayThroughValidatesItsPositionOnTheNewLeaderAndReadsOnExactlyOnce() throws Exception {
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

    private static void produce(KafkaProducer<byte[], byte[]> producer, int from, int to) throws Exception {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        for (int i = from; i < to; i++) {
            sends.add(producer.send(Clients.record(TOPIC, 0, i, 1_000L + i)));
        }
        Clients.awaitAll(sends);
    }

    private static int poll(KafkaConsumer<byte[], byte[]> consumer, List<Integer> read) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            read.add(Integer.parseInt(new String(r.headers().lastHeader("seq").value())));
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
