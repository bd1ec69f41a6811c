package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.quota.ClientQuotaMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client quotas end to end on one broker: set and described through the stock Admin client, enforced on a produce
 * quota of 1 MiB/s for one client id while another client id produces unthrottled at the same time. The rate is
 * measured from the acknowledgements the throttled producer receives over time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientQuotasIT {
    private static final Logger log = LoggerFactory.getLogger(ClientQuotasIT.class);
    private static final double QUOTA = 1024 * 1024;
    private static final int RECORD_BYTES = 10_000;
    private static final String TOPIC = "quota-data";

    private InJvmCluster cluster;
    private Admin admin;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(1, Map.of());
        admin = cluster.admin();
        cluster.createTopicAndAwaitFullIsr(TOPIC, 1, 1, Map.of());
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void adminSetsDescribesAndRemovesQuotasAndNamesAnUnknownKey() throws Exception {
        ClientQuotaEntity alice = new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, "alice"));
        java.util.HashMap<String, String> defaultClientOfAlice = new java.util.HashMap<>();
        defaultClientOfAlice.put(ClientQuotaEntity.USER, "alice");
        defaultClientOfAlice.put(ClientQuotaEntity.CLIENT_ID, null);
        ClientQuotaEntity aliceDefaultClient = new ClientQuotaEntity(defaultClientOfAlice);
        admin.alterClientQuotas(List.of(
                        new ClientQuotaAlteration(
                                alice, List.of(new ClientQuotaAlteration.Op("consumer_byte_rate", 2_000_000.0))),
                        new ClientQuotaAlteration(
                                aliceDefaultClient, List.of(new ClientQuotaAlteration.Op("request_percentage", 50.0)))))
                .all()
                .get(30, TimeUnit.SECONDS);

        Map<ClientQuotaEntity, Map<String, Double>> described = admin.describeClientQuotas(ClientQuotaFilter.contains(
                        List.of(ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "alice"))))
                .entities()
                .get(30, TimeUnit.SECONDS);
        assertThat(described)
                .containsEntry(alice, Map.of("consumer_byte_rate", 2_000_000.0))
                .containsEntry(aliceDefaultClient, Map.of("request_percentage", 50.0));
        // stored where Kafka keeps them
        assertThat(cluster.zooKeeper().entityConfig("/config/users/alice"))
                .containsEntry("consumer_byte_rate", "2000000");
        assertThat(cluster.zooKeeper().children("/config/changes")).isNotEmpty();

        assertThatThrownBy(() -> admin.alterClientQuotas(List.of(new ClientQuotaAlteration(
                                alice, List.of(new ClientQuotaAlteration.Op("producer_byte_rat", 10.0)))))
                        .all()
                        .get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("producer_byte_rat");

        admin.alterClientQuotas(List.of(new ClientQuotaAlteration(
                        alice, List.of(new ClientQuotaAlteration.Op("consumer_byte_rate", null)))))
                .all()
                .get(30, TimeUnit.SECONDS);
        assertThat(admin.describeClientQuotas(ClientQuotaFilter.containsOnly(
                                List.of(ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "alice"))))
                        .entities()
                        .get(30, TimeUnit.SECONDS))
                .isEmpty();
    }

    @Test
    void aProduceQuotaHoldsOneClientToItsRateWhileAnotherRunsFree() throws Exception {
        ClientQuotaEntity slow = new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "slow-producer"));
        admin.alterClientQuotas(List.of(new ClientQuotaAlteration(
                        slow, List.of(new ClientQuotaAlteration.Op("producer_byte_rate", QUOTA)))))
                .all()
                .get(30, TimeUnit.SECONDS);
        assertThat(admin.describeClientQuotas(ClientQuotaFilter.containsOnly(List.of(
                                ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.CLIENT_ID, "slow-producer"))))
                        .entities()
                        .get(30, TimeUnit.SECONDS))
                .containsEntry(slow, Map.of("producer_byte_rate", QUOTA));

        long measureMs = 8_000;
        long warmupMs = 2_000;
        try (Flow slowFlow = new Flow("slow-producer");
                Flow fastFlow = new Flow("fast-producer")) {
            slowFlow.start();
            fastFlow.start();
            // the measurement ends once the throttled producer has been acknowledged for warmup + measure
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> slowFlow.spanMs() >= warmupMs + measureMs);
            slowFlow.stop();
            fastFlow.stop();
            double slowRate = slowFlow.rate(warmupMs, warmupMs + measureMs);
            double fastRate = fastFlow.rate(warmupMs, Math.max(warmupMs + 1_000, fastFlow.spanMs()));
            log.info(
                    "Throttled producer: {} bytes/s ({} of the quota); unthrottled: {} bytes/s; throttle max {} ms",
                    Math.round(slowRate),
                    String.format("%.3f", slowRate / QUOTA),
                    Math.round(fastRate),
                    slowFlow.throttleMax());
            assertThat(slowRate).isBetween(0.8 * QUOTA, 1.2 * QUOTA);
            assertThat(slowFlow.throttleMax()).isPositive();
            assertThat(fastFlow.throttleMax()).isZero();
            assertThat(fastRate).isGreaterThan(1.5 * QUOTA);
        }
        assertThat(cluster.registry(1)
                        .get(ClientQuotaMetrics.THROTTLE)
                        .tags("type", "produce", "entity", "clients/slow-producer")
                        .summary()
                        .max())
                .isPositive();
    }

    /** One producer sending records as fast as its acknowledgements allow, with at most 1 MB unacknowledged. */
    private final class Flow implements AutoCloseable {
        private final String clientId;
        private final KafkaProducer<byte[], byte[]> producer;
        private final Semaphore window = new Semaphore(100);
        /** Acknowledgement times (ms since the first one) of the records, each {@link #RECORD_BYTES} long. */
        private final ConcurrentLinkedQueue<Long> acks = new ConcurrentLinkedQueue<>();

        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile long firstAckNanos;
        private volatile boolean running = true;
        private Thread thread;

        Flow(String clientId) {
            this.clientId = clientId;
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
            props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
            props.put(ProducerConfig.ACKS_CONFIG, "1");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            props.put(ProducerConfig.BATCH_SIZE_CONFIG, "65536");
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            producer = new KafkaProducer<>(props);
        }

        void start() {
            byte[] value = new byte[RECORD_BYTES];
            thread = new Thread(
                    () -> {
                        try {
                            while (running) {
                                if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                                    continue;
                                }
                                producer.send(new ProducerRecord<>(TOPIC, value), (metadata, error) -> {
                                    window.release();
                                    if (error != null) {
                                        failure.compareAndSet(null, error);
                                        return;
                                    }
                                    long now = System.nanoTime();
                                    if (firstAckNanos == 0) {
                                        firstAckNanos = now;
                                    }
                                    acks.add(TimeUnit.NANOSECONDS.toMillis(now - firstAckNanos));
                                });
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    },
                    "quota-flow-" + clientId);
            thread.start();
        }

        /** Milliseconds from the first acknowledgement to now (0 before it). */
        long spanMs() {
            assertThat(failure.get()).as("send failure of " + clientId).isNull();
            long first = firstAckNanos;
            return first == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - first);
        }

        /** Bytes/s of the records acknowledged between {@code fromMs} and {@code toMs} after the first ack. */
        double rate(long fromMs, long toMs) {
            long count = acks.stream().filter(t -> t >= fromMs && t < toMs).count();
            return count * (double) RECORD_BYTES * 1000.0 / (toMs - fromMs);
        }

        double throttleMax() {
            return producer.metrics().entrySet().stream()
                    .filter(e -> e.getKey().name().equals("produce-throttle-time-max")
                            && e.getKey().group().equals("producer-metrics"))
                    .mapToDouble(e -> {
                        Object v = e.getValue().metricValue();
                        return v instanceof Double d && !d.isNaN() ? d : 0.0;
                    })
                    .max()
                    .orElse(0.0);
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(10_000);
        }

        @Override
        public void close() throws InterruptedException {
            stop();
            producer.close(Duration.ofSeconds(5));
        }
    }
}
