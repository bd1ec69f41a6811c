package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kafka Streams (the release of the pinned kafka-clients) runs a word count on three brokers while the leader of an
 * input partition is killed and restarted: with {@code exactly_once_v2} (transactions, read_committed) and with
 * {@code at_least_once} the final counts, read with read_committed, equal the counts computed from the input.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class StreamsWordCountIT {
    private static final List<String> WORDS =
            List.of("sluice", "kafka", "stream", "count", "exactly", "once", "log", "broker");
    private static final int LINES = 400;

    private InJvmCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(
                3,
                Map.of(
                        "transaction.state.log.num.partitions", "3",
                        "offsets.topic.num.partitions", "3",
                        "min.insync.replicas", "2"));
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE})
    void finalCountsEqualTheInputsCountsAcrossABrokerRestart(String guarantee, @TempDir Path stateDir)
            throws Exception {
        String suffix = guarantee.replace('_', '-');
        String input = "wc-input-" + suffix;
        String output = "wc-output-" + suffix;
        cluster.createTopicAndAwaitFullIsr(input, 2, 3, Map.of());
        cluster.createTopicAndAwaitFullIsr(output, 2, 3, Map.of());

        Random random = new Random(guarantee.hashCode());
        Map<String, Long> expected = new HashMap<>();
        List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < LINES; i++) {
            StringBuilder line = new StringBuilder();
            for (int w = 0; w < 1 + random.nextInt(4); w++) {
                String word = WORDS.get(random.nextInt(WORDS.size()));
                expected.merge(word, 1L, Long::sum);
                line.append(w == 0 ? "" : " ").append(word.toUpperCase(Locale.ROOT));
            }
            lines.add(line.toString());
        }

        try (KafkaStreams streams = wordCount(guarantee, input, output, stateDir);
                KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrapServers(), Map.of());
                KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(
                        cluster.bootstrapServers(), Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            streams.start();
            Map<String, Long> latest = new HashMap<>();
            List<TopicPartition> outputs = List.of(new TopicPartition(output, 0), new TopicPartition(output, 1));
            consumer.assign(outputs);
            consumer.seekToBeginning(outputs);

            send(producer, input, lines.subList(0, LINES / 2));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                poll(consumer, latest);
                return !latest.isEmpty();
            });

            int victim = cluster.leaderOf(new TopicPartition(input, 0));
            cluster.kill(victim);
            send(producer, input, lines.subList(LINES / 2, LINES));
            cluster.restart(victim);

            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        poll(consumer, latest);
                        return latest.equals(expected);
                    });
            // nothing beyond: no count overshoots later
            poll(consumer, latest);
            assertThat(latest).isEqualTo(expected);
        }
    }

    private KafkaStreams wordCount(String guarantee, String input, String output, Path stateDir) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.String()))
                .flatMapValues(line -> List.of(line.toLowerCase(Locale.ROOT).split(" ")))
                .map((key, word) -> KeyValue.pair(word, word))
                .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
                .count(Materialized.<String, Long>as(Stores.inMemoryKeyValueStore("counts"))
                        .withKeySerde(Serdes.String())
                        .withValueSerde(Serdes.Long()))
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "wc-" + guarantee.replace('_', '-'));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 3);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1_000);
        return new KafkaStreams(builder.build(), props);
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, List<String> lines)
            throws Exception {
        List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
        for (String line : lines) {
            sent.add(producer.send(new ProducerRecord<>(topic, line.getBytes(StandardCharsets.UTF_8))));
        }
        for (java.util.concurrent.Future<?> f : sent) {
            f.get(60, TimeUnit.SECONDS);
        }
    }

    private static void poll(KafkaConsumer<byte[], byte[]> consumer, Map<String, Long> latest) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            latest.put(
                    new String(r.key(), StandardCharsets.UTF_8),
                    Serdes.Long().deserializer().deserialize("", r.value()));
        }
    }
}
