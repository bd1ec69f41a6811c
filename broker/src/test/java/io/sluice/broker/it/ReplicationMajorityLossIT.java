package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three brokers, RF 3, {@code min.insync.replicas=2}, an idempotent acks=all producer writing without pause: two of the
 * three brokers are halted one after the other, so the ISR falls below the minimum and the survivor refuses acks=all
 * writes without appending them; the producer keeps retrying. Once the two are restarted, caught up and back in the
 * ISR, every record the producer was told about is where it should be: acknowledged ones exactly once, in order.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
@SluiceCluster(
        brokers = 3,
        overrides = "replica.lag.time.max.ms=8000",
        topic = ReplicationMajorityLossIT.TOPIC,
        partitions = ReplicationMajorityLossIT.PARTITIONS,
        topicConfigs = {"min.insync.replicas=2", "segment.bytes=" + ReplicationMajorityLossIT.SEGMENT_BYTES})
class ReplicationMajorityLossIT {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationMajorityLossIT.class);
    static final String TOPIC = "majority";
    static final int PARTITIONS = 3;
    /** Small segments, so that truncation and recovery cross segment boundaries. */
    static final String SEGMENT_BYTES = "65536";

    private InJvmCluster cluster;

    @Test
    void writesStallWithoutAppendingWhileTwoBrokersAreDownAndResumeAfterwards() throws Exception {
        ReplicationChecker checker = new ReplicationChecker(TOPIC);
        AtomicBoolean stop = new AtomicBoolean();
        TopicPartition first = new TopicPartition(TOPIC, 0);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(
                cluster.bootstrapServers(),
                Map.of(ProducerConfig.LINGER_MS_CONFIG, "2", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000"))) {
            CompletableFuture<Void> writer = checker.writeUntil(producer, PARTITIONS, stop);
            await().atMost(Duration.ofSeconds(30)).until(() -> checker.acked().size() > 3_000);
            int a = cluster.awaitLeader(first);
            cluster.kill(a);
            int b = cluster.awaitNewLeader(first, a);
            await().atMost(Duration.ofSeconds(30)).until(() -> checker.acked().size() > 6_000);
            cluster.kill(b);
            int survivor = cluster.awaitNewLeader(first, b);
            for (TopicPartition tp : partitions()) {
                assertThat(cluster.awaitIsr(tp, 1)).containsExactly(survivor);
                assertThat(cluster.awaitLeader(tp)).isEqualTo(survivor);
            }
            // below min.insync.replicas nothing is appended, however often the producer retries
            Map<TopicPartition, Long> ends = new HashMap<>();
            partitions().forEach(tp -> ends.put(tp, ReplicationReplicas.logEndOffset(cluster.broker(survivor), tp)));
            int ackedInOutage = checker.acked().size();
            // the writer is blocked in flush(); the producer retries the refused batches
            double retriesInOutage = retries(producer);
            await().atMost(Duration.ofSeconds(30)).until(() -> retries(producer) > retriesInOutage + 20);
            for (TopicPartition tp : partitions()) {
                assertThat(ReplicationReplicas.logEndOffset(cluster.broker(survivor), tp))
                        .as("log end of %s on the survivor", tp)
                        .isEqualTo(ends.get(tp));
            }
            assertThat(checker.acked()).hasSize(ackedInOutage);

            cluster.restart(a);
            cluster.restart(b);
            for (TopicPartition tp : partitions()) {
                cluster.awaitIsr(tp, 3);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> checker.acked().size() > ackedInOutage + 3_000);
            stop.set(true);
            writer.get(120, TimeUnit.SECONDS);
            producer.flush();
        }
        LOG.info("[{}] {}", TOPIC, checker.summary());
        for (TopicPartition tp : partitions()) {
            ReplicationReplicas.awaitIdenticalReplicas(cluster, tp);
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            checker.verify(consumer, Duration.ofSeconds(60));
        }
    }

    private static double retries(KafkaProducer<byte[], byte[]> producer) {
        return producer.metrics().entrySet().stream()
                .filter(e -> e.getKey().group().equals("producer-metrics")
                        && e.getKey().name().equals("record-retry-total"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
                .sum();
    }

    private static List<TopicPartition> partitions() {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            tps.add(new TopicPartition(TOPIC, p));
        }
        return tps;
    }
}
