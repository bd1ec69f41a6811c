package io.sluice.broker.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Brings {@code docker-compose.yml} up (building the broker image) and runs a produce/consume round trip through the
 * host-facing listeners (localhost:9092-9094, as the compose file advertises them). Skipped, with a reason, when no
 * Docker engine is reachable. Needs a local engine: the advertised listeners name localhost.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(1200)
class DockerComposeRoundTripIT {
    private static final String BOOTSTRAP = "localhost:9092,localhost:9093,localhost:9094";
    private static final String TOPIC = "compose-round-trip";

    @Container
    static final ComposeContainer COMPOSE = new ComposeContainer(
                    RepoFiles.root().resolve("docker-compose.yml").toFile())
            .withBuild(true)
            .waitingFor("zookeeper", Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(5)))
            .waitingFor("broker-1", Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(15)))
            .waitingFor("broker-2", Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(15)))
            .waitingFor("broker-3", Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(15)));

    @Test
    void produceAndConsumeThroughTheHostListeners() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP))) {
            assertThat(admin.describeCluster().nodes().get()).hasSize(3);
            admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 3))).all().get();
        }

        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i)).get();
            }
        }

        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions =
                    List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1), new TopicPartition(TOPIC, 2));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
                return values.size() >= 100;
            });
        }
        assertThat(values).hasSize(100).contains("v0", "v99");
    }
}
