package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.broker.fetch.FetchSessionMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Incremental fetch sessions (KIP-227) on a 2-broker cluster: the stock consumer of many partitions gets a session
 * from each broker and then sends incremental fetches that name only the partitions whose position moved; it reads
 * every record exactly once. The followers fetch in sessions too, and replicate every acks=all write.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SluiceCluster(
        brokers = 2,
        topic = FetchSessionsIT.TOPIC,
        partitions = FetchSessionsIT.PARTITIONS,
        topicConfigs = "min.insync.replicas=2")
class FetchSessionsIT {
    static final String TOPIC = "many";
    static final int PARTITIONS = 60;
    private static final int RECORDS_PER_PARTITION = 5;

    private InJvmCluster cluster;

    @Test
    void aConsumerOfManyPartitionsFetchesIncrementallyAndReadsEverything() throws Exception {
        produce();

        Map<TopicPartition, List<String>> read = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = consumer()) {
            List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                all.add(new TopicPartition(TOPIC, p));
            }
            consumer.assign(all);
            consumer.seekToBeginning(all);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    read.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), tp -> new ArrayList<>())
                            .add(r.value());
                }
                return total(read) >= PARTITIONS * RECORDS_PER_PARTITION;
            });
            // keep polling idle partitions: incremental fetches that name nothing
            double incrementalBefore = sum(FetchSessionMetrics.REQUESTS, "incremental", "consumer");
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                assertThat(consumer.poll(Duration.ofMillis(100))).isEmpty();
                return sum(FetchSessionMetrics.REQUESTS, "incremental", "consumer") >= incrementalBefore + 40;
            });
        }

        assertThat(total(read)).isEqualTo(PARTITIONS * RECORDS_PER_PARTITION);
        for (int p = 0; p < PARTITIONS; p++) {
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < RECORDS_PER_PARTITION; i++) {
                expected.add(p + "-" + i);
            }
            assertThat(read.get(new TopicPartition(TOPIC, p)))
                    .as("partition %d", p)
                    .isEqualTo(expected);
        }

        // the consumer's full fetches named every partition a broker leads; its incremental ones, on average, a
        // small fraction
        double full = sum(FetchSessionMetrics.REQUESTS, "full", "consumer");
        double incremental = sum(FetchSessionMetrics.REQUESTS, "incremental", "consumer");
        double incrementalPartitions = sum(FetchSessionMetrics.REQUEST_PARTITIONS, "incremental", "consumer");
        assertThat(full).as("one session per broker (and none refused)").isBetween(2.0, 4.0);
        assertThat(incremental).isGreaterThan(20);
        assertThat(incrementalPartitions / incremental)
                .as("partitions named per incremental fetch")
                .isLessThan(PARTITIONS / 2.0 / 10);
        assertThat(sum(FetchSessionMetrics.REQUESTS, "error", "consumer")).isZero();

        // followers replicated every acks=all write through incremental sessions too
        assertThat(sum(FetchSessionMetrics.REQUESTS, "incremental", "follower")).isGreaterThan(0);
        assertThat(gauge(FetchSessionMetrics.SESSIONS))
                .as("a follower session per broker, at least")
                .isGreaterThanOrEqualTo(2);
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(cluster.isr(new TopicPartition(TOPIC, p))).hasSize(2);
        }
    }

    private void produce() throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < RECORDS_PER_PARTITION; i++) {
                for (int p = 0; p < PARTITIONS; p++) {
                    sent.add(producer.send(new ProducerRecord<>(TOPIC, p, null, p + "-" + i)));
                }
            }
            for (java.util.concurrent.Future<?> f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
    }

    private KafkaConsumer<String, String> consumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
        // small fetches, so reading takes several rounds
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "1024");
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, "4096");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    private static int total(Map<TopicPartition, List<String>> read) {
        return read.values().stream().mapToInt(List::size).sum();
    }

    private double sum(String name, String kind, String fetcher) {
        double total = 0;
        for (int id : cluster.brokerIds()) {
            MeterRegistry registry = cluster.registry(id);
            Counter c = registry.find(name)
                    .tag("kind", kind)
                    .tag("fetcher", fetcher)
                    .counter();
            total += c == null ? 0 : c.count();
        }
        return total;
    }

    private double gauge(String name) {
        double total = 0;
        for (int id : cluster.brokerIds()) {
            Gauge g = cluster.registry(id).find(name).gauge();
            total += g == null ? 0 : g.value();
        }
        return total;
    }
}
