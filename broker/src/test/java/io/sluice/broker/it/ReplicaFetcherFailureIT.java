package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.broker.server.BrokerServer;
import io.sluice.metadata.concurrent.ThreadStatus;
import io.sluice.replication.fetcher.ReplicaFetcherManager;
import io.sluice.replication.partition.PartitionFaults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * An {@link InternalError} (what a faulting memory-mapped index throws) in one partition's follower append on one
 * broker: that broker's fetcher thread lives on, the partition shows in {@code
 * sluice_replica_fetcher_failed_partitions} and in an ERROR line, and every other partition fetched by the same
 * thread keeps its full ISR while acks=all produces to it keep succeeding for longer than {@code
 * replica.lag.time.max.ms}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReplicaFetcherFailureIT {
    private static final String TOPIC = "fetch-fault";
    private static final int PARTITIONS = 6;
    /** The harness's {@code replica.lag.time.max.ms}; a partition out of fetching for longer leaves the ISR. */
    private static final Duration LAG_MAX = Duration.ofSeconds(10);

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger fetcherLogger = (Logger) LoggerFactory.getLogger("io.sluice.replication.fetcher");
    private InJvmCluster cluster;

    @BeforeEach
    void captureFetcherLogs() {
        logs.start();
        fetcherLogger.addAppender(logs);
    }

    @AfterEach
    void stop() {
        fetcherLogger.detachAppender(logs);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void anErrorInOnePartitionsFollowerAppendFailsOnlyThatPartition() throws Exception {
        cluster = InJvmCluster.start(3, Map.of());
        cluster.createTopicAndAwaitFullIsr(TOPIC, PARTITIONS, 3, Map.of());

        // a leader with at least two partitions (6 over 3 brokers guarantees one): the victim and its neighbours
        Map<Integer, List<TopicPartition>> byLeader = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            TopicPartition tp = new TopicPartition(TOPIC, p);
            byLeader.computeIfAbsent(cluster.awaitLeader(tp), l -> new ArrayList<>())
                    .add(tp);
        }
        int leader = byLeader.entrySet().stream()
                .filter(e -> e.getValue().size() >= 2)
                .findFirst()
                .orElseThrow()
                .getKey();
        TopicPartition victim = byLeader.get(leader).get(0);
        List<TopicPartition> others = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            if (p != victim.partition()) {
                others.add(new TopicPartition(TOPIC, p));
            }
        }
        int follower = cluster.brokerIds().stream()
                .filter(id -> id != leader)
                .findFirst()
                .orElseThrow();
        BrokerServer broker = cluster.broker(follower);
        ReplicaFetcherManager fetchers = broker.replicaManager().fetcherManager();
        String fetcherThread = "ReplicaFetcherThread-0-" + leader;

        PartitionFaults.failFollowerAppends(
                broker.replicaManager().partition(victim).orElseThrow(),
                new InternalError("a fault occurred in a recent unsafe memory access operation"));

        // the victim fails when the follower next appends to it: a fetch session sends a partition only when it has
        // something new, so give the leader a record for it
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(
                cluster.bootstrapServers(),
                Map.of(ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false"))) {
            producer.send(Clients.record(TOPIC, victim.partition(), 0, System.currentTimeMillis()))
                    .get(10, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> fetchers.failedPartitions().equals(Set.of(victim)));
        assertThat(cluster.registry(follower).scrape())
                .contains("sluice_replica_fetcher_failed_partitions 1.0")
                .contains("sluice_thread_dead{kind=\"replica_fetcher\"} 0.0");
        assertThat(errorLines())
                .anySatisfy(line -> assertThat(line)
                        .contains("broker=" + follower, "leader=" + leader, "Partition " + victim, "leader epoch")
                        .contains("InternalError", "(storage fault)"));
        assertThat(fetchers.threadStatuses()).contains(new ThreadStatus(fetcherThread, true));

        // for longer than the lag time, the same thread keeps every other partition in sync and acks=all succeeds
        AtomicInteger acked = new AtomicInteger();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(
                cluster.bootstrapServers(),
                Map.of(
                        ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000",
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "8000"))) {
            await().during(LAG_MAX.plusSeconds(3))
                    .atMost(LAG_MAX.plusSeconds(40))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        for (TopicPartition tp : others) {
                            producer.send(Clients.record(
                                            TOPIC, tp.partition(), acked.get(), System.currentTimeMillis()))
                                    .get(10, TimeUnit.SECONDS);
                            acked.incrementAndGet();
                        }
                        return others.stream().allMatch(tp -> cluster.isr(tp).size() == 3)
                                && fetchers.threadStatuses().contains(new ThreadStatus(fetcherThread, true));
                    });
        }
        assertThat(acked.get()).isGreaterThan(others.size() * 10);

        // the failed partition is not fetched any more: once the leader has records it lacks, it leaves the ISR, and
        // the broker says so on /health
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(
                cluster.bootstrapServers(),
                Map.of(ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false"))) {
            producer.send(Clients.record(TOPIC, victim.partition(), 0, System.currentTimeMillis()))
                    .get(10, TimeUnit.SECONDS);
        }
        await().atMost(LAG_MAX.plusSeconds(30)).until(() -> !cluster.isr(victim).contains(follower));
        // the follower learns the shrunk ISR from the controller's next LeaderAndIsr
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(broker.healthProblem())
                        .hasValueSatisfying(problem -> assertThat(problem)
                                .contains("not yet in the ISR of 1 partition(s)", victim.toString())
                                .doesNotContain("is dead", "has not completed a fetch")));
        assertThat(fetchers.failedPartitions()).containsExactly(victim);
    }

    private List<String> errorLines() {
        synchronized (logs.list) {
            return logs.list.stream()
                    .filter(e -> e.getLevel() == Level.ERROR)
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }
    }
}
