package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three brokers, RF 3, {@code min.insync.replicas=2}, at rest: an idempotent acks=all stream over six partitions
 * leaves every replica's log byte-identical below the high watermark with full ISRs; the replication meters follow a
 * follower going away and coming back.
 */
// a bound against hanging, with room for a second test JVM sharing the two cores
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReplicationSteadyStateIT {
    private static final String TOPIC = "steady";
    private static final int PARTITIONS = 6;
    /** The count; about 30 s of this class on a shared two-core machine. */
    private static final int RECORDS = 500_000;

    private static final String UNDER_REPLICATED = "sluice.replica.manager.under.replicated.partitions";
    private static final String ISR_SHRINKS = "sluice.replica.manager.isr.shrinks";
    private static final String ISR_EXPANDS = "sluice.replica.manager.isr.expands";

    private InJvmCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(3, Map.of("replica.lag.time.max.ms", "8000"));
        NewTopic topic = new NewTopic(TOPIC, PARTITIONS, (short) 3).configs(Map.of("min.insync.replicas", "2"));
        cluster.admin().createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        for (TopicPartition tp : partitions()) {
            cluster.awaitLeader(tp);
        }
    }

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyReplicaHoldsTheSameBytesBelowTheHighWatermark() throws Exception {
        ReplicationChecker checker = new ReplicationChecker(TOPIC);
        try (KafkaProducer<byte[], byte[]> producer =
                Clients.producer(cluster.bootstrapServers(), Map.of(ProducerConfig.LINGER_MS_CONFIG, "5"))) {
            List<Future<RecordMetadata>> sends = new ArrayList<>(RECORDS);
            for (int i = 0; i < RECORDS; i++) {
                sends.add(checker.send(producer, i % PARTITIONS));
            }
            Clients.awaitAll(sends);
        }
        assertThat(checker.count(ReplicationChecker.Outcome.ACKED)).isEqualTo(RECORDS);

        for (TopicPartition tp : partitions()) {
            assertThat(cluster.awaitIsr(tp, 3)).containsExactlyInAnyOrder(1, 2, 3);
            long expected = RECORDS / PARTITIONS + (tp.partition() < RECORDS % PARTITIONS ? 1 : 0);
            assertThat(ReplicationReplicas.awaitIdenticalReplicas(cluster, tp)).isEqualTo(expected);
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            checker.verify(consumer, Duration.ofSeconds(60));
        }
    }

    @Test
    void underReplicatedGaugeAndIsrCountersFollowLaggingAndDeadFollowers() throws Exception {
        for (TopicPartition tp : partitions()) {
            cluster.awaitIsr(tp, 3);
        }
        assertThat(sum(UNDER_REPLICATED)).isZero();
        double shrinksBefore = sum(ISR_SHRINKS);
        double expandsBefore = sum(ISR_EXPANDS);

        int victim = 1 + cluster.leaderOf(new TopicPartition(TOPIC, 0)) % 3;
        List<TopicPartition> followed = partitions().stream()
                .filter(tp -> cluster.leaderOf(tp) != victim)
                .toList();
        assertThat(followed).isNotEmpty();
        ReplicationReplicas.pauseFetching(cluster.broker(victim), followed);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrapServers(), Map.of())) {
            ReplicationChecker checker = new ReplicationChecker(TOPIC);
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                sends.add(checker.send(producer, i % PARTITIONS));
            }
            // acks=all completes once the leaders drop the lagging follower (replica.lag.time.max.ms)
            Clients.awaitAll(sends);
        }
        for (TopicPartition tp : followed) {
            assertThat(cluster.awaitIsr(tp, 2)).doesNotContain(victim);
        }
        await().atMost(InJvmCluster.WAIT).until(() -> sum(UNDER_REPLICATED) == followed.size());
        assertThat(sum(ISR_SHRINKS)).as("ISR shrinks").isGreaterThanOrEqualTo(shrinksBefore + followed.size());

        ReplicationReplicas.resumeFetching(cluster.broker(victim), followed);
        for (TopicPartition tp : followed) {
            assertThat(cluster.awaitIsr(tp, 3)).contains(victim);
        }
        await().atMost(InJvmCluster.WAIT).until(() -> sum(UNDER_REPLICATED) == 0);
        assertThat(sum(ISR_EXPANDS)).as("ISR expansions").isGreaterThanOrEqualTo(expandsBefore + followed.size());

        // a follower that is down: every partition has a replica on it, so every partition is under-replicated
        cluster.kill(victim);
        for (TopicPartition tp : partitions()) {
            assertThat(cluster.awaitIsr(tp, 2)).doesNotContain(victim);
        }
        await().atMost(InJvmCluster.WAIT).until(() -> sum(UNDER_REPLICATED) == PARTITIONS);
        cluster.restart(victim);
        for (TopicPartition tp : partitions()) {
            assertThat(cluster.awaitIsr(tp, 3)).contains(victim);
        }
        await().atMost(InJvmCluster.WAIT).until(() -> sum(UNDER_REPLICATED) == 0);
    }

    /** The sum of a gauge or counter over the running brokers' registries. */
    private double sum(String name) {
        double total = 0;
        for (int id : cluster.brokerIds()) {
            if (!cluster.broker(id).isRunning()) {
                continue;
            }
            MeterRegistry registry = cluster.registry(id);
            Gauge gauge = registry.find(name).gauge();
            Counter counter = registry.find(name).counter();
            assertThat(gauge != null || counter != null)
                    .as("meter %s on broker %d", name, id)
                    .isTrue();
            total += gauge != null ? gauge.value() : counter.count();
        }
        return total;
    }

    private static List<TopicPartition> partitions() {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            tps.add(new TopicPartition(TOPIC, p));
        }
        return tps;
    }
}
