package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.server.BrokerServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stopping a whole cluster broker by broker, as {@code sluice-cluster down} does: every clean stop, including those
 * of the last live brokers whose leaderships cannot move anywhere, returns within the controlled-shutdown bound
 * ({@code controlled.shutdown.max.retries} × ({@code request.timeout.ms} + {@code controlled.shutdown.retry.backoff.ms}))
 * plus the time the components take to stop; the last one, which knows that no partition can move, does not wait out
 * the retries.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ControlledShutdownBoundIT {
    private static final Logger log = LoggerFactory.getLogger(ControlledShutdownBoundIT.class);
    private static final String TOPIC = "bounded";
    private static final int RETRIES = 2;
    // long enough that waiting it out once cannot be mistaken for a slow stop of the components on a loaded machine
    private static final long BACKOFF_MS = 15_000;
    private static final long REQUEST_TIMEOUT_MS = 3_000;
    /** Stopping the components after the controlled shutdown (network drain, fetchers, logs, ZooKeeper session). */
    private static final Duration COMPONENT_STOP_ALLOWANCE = Duration.ofSeconds(10);

    @Test
    void everyBrokerOfAStoppingClusterStopsWithinTheControlledShutdownBound() throws Exception {
        Duration bound =
                Duration.ofMillis(RETRIES * (REQUEST_TIMEOUT_MS + BACKOFF_MS)).plus(COMPONENT_STOP_ALLOWANCE);
        Map<String, String> overrides = Map.of(
                "controlled.shutdown.max.retries", Integer.toString(RETRIES),
                "controlled.shutdown.retry.backoff.ms", Long.toString(BACKOFF_MS),
                "request.timeout.ms", Long.toString(REQUEST_TIMEOUT_MS),
                "offsets.topic.replication.factor", "3",
                "min.insync.replicas", "2");
        try (InJvmCluster cluster = InJvmCluster.start(3, overrides)) {
            cluster.createTopicAndAwaitFullIsr(TOPIC, 6, 3, Map.of());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    cluster.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG,
                    "all",
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                    StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                    StringSerializer.class))) {
                List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
                for (int i = 0; i < 600; i++) {
                    sent.add(producer.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i)));
                }
                for (java.util.concurrent.Future<?> f : sent) {
                    f.get(30, TimeUnit.SECONDS);
                }
            }
            int controller = cluster.controllerId();
            Map<Integer, Duration> took = new LinkedHashMap<>();
            // The hardest order: the controller first (the others must find its successor), then the rest one
            // right after the other, as 'sluice-cluster down' does.
            List<Integer> order = new ArrayList<>(List.of(controller));
            for (int id = 3; id >= 1; id--) {
                if (id != controller) {
                    order.add(id);
                }
            }
            for (int id : order) {
                if (id == order.get(order.size() - 1)) {
                    // Once its metadata names no other live broker, the last broker knows no partition can move.
                    BrokerServer last = cluster.broker(id);
                    await().atMost(InJvmCluster.WAIT)
                            .until(() -> last.metadataCache().aliveBrokers().stream()
                                    .allMatch(b -> b.id() == last.brokerId()));
                }
                long start = System.nanoTime();
                cluster.stop(id);
                Duration d = Duration.ofNanos(System.nanoTime() - start);
                took.put(id, d);
                log.info("broker {} (controller: {}) stopped in {} ms", id, id == controller, d.toMillis());
                assertThat(cluster.broker(id).isRunning()).isFalse();
            }
            assertThat(took)
                    .as("stop times with broker %d as the controller; bound %d ms", controller, bound.toMillis())
                    .allSatisfy((id, d) -> assertThat(d).isLessThan(bound));
            assertThat(took.get(order.get(order.size() - 1)))
                    .as("the last live broker gives up without waiting out the retry backoff")
                    .isLessThan(Duration.ofMillis(BACKOFF_MS));
        }
    }
}
