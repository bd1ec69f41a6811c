package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RetriableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code min.insync.replicas=2} with RF 3: with both followers gone an acks=all produce is refused before anything is
 * appended (retriable NOT_ENOUGH_REPLICAS) while acks=1 still works; once the followers are back, caught up and in
 * the ISR, the same acks=all client succeeds again, including the send it kept retrying.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
@SluiceCluster(
        brokers = 3,
        overrides = "replica.lag.time.max.ms=8000",
        topic = ReplicationMinIsrIT.TOPIC,
        partitions = 1,
        topicConfigs = {"min.insync.replicas=2"})
class ReplicationMinIsrIT {
    static final String TOPIC = "min-isr";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    private InJvmCluster cluster;

    @Test
    void acksAllIsRefusedBelowMinIsrAndWorksAgainOnceTheFollowersRejoin() throws Exception {
        ReplicationChecker checker = new ReplicationChecker(TOPIC);
        try (KafkaProducer<byte[], byte[]> acksAll = Clients.producer(
                cluster.bootstrapServers(), Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000"))) {
            for (int i = 0; i < 10; i++) {
                checker.send(acksAll, 0).get(30, TimeUnit.SECONDS);
            }
            int leader = cluster.awaitLeader(TP);
            List<Integer> followers =
                    cluster.brokerIds().stream().filter(id -> id != leader).toList();
            followers.forEach(cluster::kill);
            assertThat(cluster.awaitIsr(TP, 1)).containsExactly(leader);
            long endBefore = ReplicationReplicas.logEndOffset(cluster.broker(leader), TP);

            // acks=all, no retries: the definite, retriable refusal, and nothing appended
            try (KafkaProducer<byte[], byte[]> once = Clients.producer(
                    cluster.bootstrapServers(),
                    Map.of(
                            ProducerConfig.ACKS_CONFIG, "all",
                            ProducerConfig.RETRIES_CONFIG, "0",
                            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false"))) {
                Future<RecordMetadata> refused = checker.send(once, 0);
                assertThatThrownBy(() -> refused.get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .cause()
                        .isInstanceOf(NotEnoughReplicasException.class)
                        .isInstanceOf(RetriableException.class);
            }
            assertThat(ReplicationReplicas.logEndOffset(cluster.broker(leader), TP))
                    .as("log end offset after a refused acks=all produce")
                    .isEqualTo(endBefore);

            // acks=1 is not subject to min.insync.replicas
            try (KafkaProducer<byte[], byte[]> acksOne =
                    Clients.producer(cluster.bootstrapServers(), Map.of(ProducerConfig.ACKS_CONFIG, "1"))) {
                RecordMetadata one = checker.send(acksOne, 0).get(30, TimeUnit.SECONDS);
                assertThat(one.offset()).isEqualTo(endBefore);
            }

            // the long-lived acks=all client keeps retrying this one until the ISR is back
            Future<RecordMetadata> retried = checker.send(acksAll, 0);
            followers.forEach(cluster::restart);
            assertThat(cluster.awaitIsr(TP, 3)).containsExactlyInAnyOrder(1, 2, 3);
            assertThat(retried.get(60, TimeUnit.SECONDS).offset()).isEqualTo(endBefore + 1);
            for (int i = 0; i < 10; i++) {
                checker.send(acksAll, 0).get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(checker.count(ReplicationChecker.Outcome.FAILED)).isEqualTo(1);
        assertThat(checker.count(ReplicationChecker.Outcome.ACKED)).isEqualTo(22);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            checker.verify(consumer, Duration.ofSeconds(30));
        }
    }
}
