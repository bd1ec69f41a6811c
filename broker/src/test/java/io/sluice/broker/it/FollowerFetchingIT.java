package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.sluice.broker.metrics.TopicMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
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
 * Follower fetching (KIP-392) on a 3-rack cluster with Kafka's {@code RackAwareReplicaSelector}: a consumer with
 * {@code client.rack=r2} reading a partition led by the r1 broker is sent to the r2 replica and reads every record
 * from it (the per-broker consumer fetch-bytes meters show where the bytes came from); when that replica dies, the
 * consumer falls back to the leader and goes on reading.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SluiceCluster(start = false)
class FollowerFetchingIT {
    private static final String TOPIC = "racked";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final int RECORDS = 200;

    private InJvmCluster cluster;

    @Test
    void aConsumerInRackR2ReadsFromTheR2ReplicaAndFallsBackToTheLeader() throws Exception {
        cluster = InJvmCluster.start(
                3,
                Map.of("replica.selector.class", "org.apache.kafka.common.replica.RackAwareReplicaSelector"),
                List.of("r1", "r2", "r3"));
        cluster.admin()
                .createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(1, 2, 3)))))
                .all()
                .get(30, TimeUnit.SECONDS);
        assertThat(cluster.awaitLeader(TP)).isEqualTo(1);
        cluster.awaitIsr(TP, 3);
        produce(0, RECORDS);

        List<String> read = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer()) {
            consumer.assign(List.of(TP));
            consumer.seekToBeginning(List.of(TP));
            await().atMost(Duration.ofSeconds(30)).until(() -> poll(consumer, read) >= RECORDS);

            assertThat(read).isEqualTo(expected(0, RECORDS));
            assertThat(consumerBytesOut(2)).as("bytes the r2 follower served").isGreaterThan(0);
            assertThat(consumerBytesOut(1)).as("bytes the r1 leader served").isZero();
            assertThat(consumerBytesOut(3)).isZero();

            // the r2 replica dies: the consumer goes back to the leader
            cluster.kill(2);
            produce(RECORDS, 2 * RECORDS);
            await().atMost(Duration.ofSeconds(60)).until(() -> poll(consumer, read) >= 2 * RECORDS);
        }
        assertThat(read).isEqualTo(expected(0, 2 * RECORDS));
        assertThat(consumerBytesOut(1))
                .as("bytes the leader served after the fallback")
                .isGreaterThan(0);
    }

    private static int poll(KafkaConsumer<String, String> consumer, List<String> read) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
            read.add(r.value());
        }
        return read.size();
    }

    private static List<String> expected(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add("v" + i);
        }
        return out;
    }

    private void produce(int from, int to) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = from; i < to; i++) {
                sent.add(producer.send(new ProducerRecord<>(TOPIC, 0, null, "v" + i)));
            }
            for (Future<?> f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
    }

    private KafkaConsumer<String, String> consumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.CLIENT_RACK_CONFIG, "r2");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "2048");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    private double consumerBytesOut(int broker) {
        Counter c = cluster.registry(broker)
                .find(TopicMetrics.BYTES_OUT)
                .tag("topic", TOPIC)
                .tag("fetcher", "consumer")
                .counter();
        return Optional.ofNullable(c).map(Counter::count).orElse(0.0);
    }
}
