package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The high watermark gates reads: with one ISR follower not fetching, acks=1 records are on the leader (and the other
 * follower) but invisible to consumers, whose end offset stays at the high watermark; once the follower fetches again
 * the high watermark covers them and they become visible, unchanged.
 *
 * <p>{@code replica.lag.time.max.ms} is 30 s here so that the paused follower stays in the ISR for the whole test.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SluiceCluster(
        brokers = 3,
        overrides = "replica.lag.time.max.ms=30000",
        topic = ReplicationHighWatermarkIT.TOPIC,
        partitions = 1,
        topicConfigs = {"min.insync.replicas=2"})
class ReplicationHighWatermarkIT {
    static final String TOPIC = "hw";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    private InJvmCluster cluster;

    @Test
    void acksOneRecordsStayInvisibleUntilTheHighWatermarkCoversThem() throws Exception {
        ReplicationChecker checker = new ReplicationChecker(TOPIC);
        try (KafkaProducer<byte[], byte[]> acksAll = Clients.producer(cluster.bootstrapServers(), Map.of())) {
            for (int i = 0; i < 10; i++) {
                checker.send(acksAll, 0).get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(ReplicationReplicas.awaitIdenticalReplicas(cluster, TP)).isEqualTo(10);
        int leader = cluster.awaitLeader(TP);
        List<Integer> followers =
                cluster.brokerIds().stream().filter(id -> id != leader).toList();
        int paused = followers.get(0);
        int fetching = followers.get(1);
        ReplicationReplicas.pauseFetching(cluster.broker(paused), List.of(TP));

        try (KafkaProducer<byte[], byte[]> acksOne =
                Clients.producer(cluster.bootstrapServers(), Map.of(ProducerConfig.ACKS_CONFIG, "1"))) {
            for (int i = 0; i < 5; i++) {
                assertThat(checker.send(acksOne, 0).get(30, TimeUnit.SECONDS).offset())
                        .isEqualTo(10 + i);
            }
        }
        // the fetching follower has them; the paused one, still in the ISR, holds the HW back
        await().atMost(InJvmCluster.WAIT)
                .until(() -> ReplicationReplicas.logEndOffset(cluster.broker(fetching), TP) == 15);
        assertThat(cluster.isr(TP)).contains(paused);
        assertThat(ReplicationReplicas.logEndOffset(cluster.broker(leader), TP)).isEqualTo(15);
        assertThat(ReplicationReplicas.highWatermark(cluster.broker(leader), TP))
                .isEqualTo(10);

        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            assertThat(consumer.endOffsets(List.of(TP), Duration.ofSeconds(30))).containsEntry(TP, 10L);
            List<ConsumerRecord<byte[], byte[]>> visible =
                    ReplicationChecker.readToEnd(consumer, TP, Duration.ofSeconds(30));
            assertThat(visible)
                    .extracting(ConsumerRecord::offset)
                    .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
            // a fetch between the HW and the log end is answered empty, not out of range
            assertThat(consumer.poll(Duration.ofMillis(1_500)).records(TP)).isEmpty();
            assertThat(consumer.position(TP)).isEqualTo(10);
            assertThat(ReplicationReplicas.highWatermark(cluster.broker(leader), TP))
                    .isEqualTo(10);

            ReplicationReplicas.resumeFetching(cluster.broker(paused), List.of(TP));
            List<ConsumerRecord<byte[], byte[]>> later = new ArrayList<>();
            await().atMost(InJvmCluster.WAIT).until(() -> {
                later.addAll(consumer.poll(Duration.ofMillis(200)).records(TP));
                return later.size() >= 5;
            });
            assertThat(later).extracting(ConsumerRecord::offset).containsExactly(10L, 11L, 12L, 13L, 14L);
        }
        assertThat(ReplicationReplicas.awaitIdenticalReplicas(cluster, TP)).isEqualTo(15);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            checker.verify(consumer, Duration.ofSeconds(30));
        }
    }
}
