package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.model.LeaderAndIsr;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brokers leaving and coming back, on three real brokers with stock clients: a killed leader's partition moves to an
 * ISR member with the next leader epoch; a partition whose whole ISR is gone stays offline rather than electing an
 * out-of-sync replica; a broker whose ZooKeeper session expires re-registers and gets its partitions back; a
 * controlled shutdown moves every leadership away before it returns, unnoticed by a producer.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BrokerLifecycleIT {
    private static final Logger log = LoggerFactory.getLogger(BrokerLifecycleIT.class);
    private static final long SESSION_TIMEOUT_MS = 6_000;

    @Test
    void aKilledLeaderIsReplacedFromTheIsrAndALostIsrWaitsForAnIsrMember() throws Exception {
        // broker 4 holds no replica of the partition and stays up, so a controller survives the replicas' deaths
        try (InJvmCluster cluster = InJvmCluster.start(4, Map.of())) {
            TopicPartition tp = new TopicPartition("lifecycle", 0);
            cluster.admin()
                    .createTopics(List.of(new NewTopic(tp.topic(), Map.of(0, List.of(1, 2, 3)))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            assertThat(cluster.awaitLeader(tp)).isEqualTo(1);
            cluster.awaitIsr(tp, 3);
            LeaderAndIsr before = state(cluster, tp);

            // the leader dies: the first live ISR member in assignment order takes over with the next leader epoch
            long killedAt = System.nanoTime();
            cluster.crash(1);
            int leader = cluster.awaitNewLeader(tp, 1);
            long failoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            log.info("leader failover of {} took {} ms", tp, failoverMs);
            assertThat(failoverMs).isLessThan(SESSION_TIMEOUT_MS + 2_000);
            LeaderAndIsr after = state(cluster, tp);
            assertThat(leader).isEqualTo(2);
            assertThat(before.isr()).contains(leader);
            assertThat(after.leaderEpoch()).isEqualTo(before.leaderEpoch() + 1);
            assertThat(after.isr()).containsExactlyInAnyOrder(2, 3);

            // broker 3 falls out of the ISR and misses acknowledged writes
            cluster.kill(3);
            await().atMost(InJvmCluster.WAIT).until(() -> cluster.isr(tp).equals(List.of(2)));
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrapServers(), Map.of())) {
                List<Future<RecordMetadata>> sends = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    sends.add(producer.send(Clients.record(tp.topic(), 0, i, System.currentTimeMillis())));
                }
                Clients.awaitAll(sends);
            }

            // the last ISR member dies: no leader, and the ISR keeps it
            cluster.kill(2);
            await().atMost(InJvmCluster.WAIT).until(() -> cluster.leaderOf(tp) == LeaderAndIsr.NO_LEADER);
            assertThat(cluster.isr(tp)).containsExactly(2);
            int offlineEpoch = state(cluster, tp).leaderEpoch();

            // the out-of-sync replica returns: unclean election is off, so the partition stays offline
            cluster.restart(3);
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> cluster.leaderOf(tp) == LeaderAndIsr.NO_LEADER
                            && cluster.isr(tp).equals(List.of(2)));
            TopicDescription offline = cluster.admin()
                    .describeTopics(List.of(tp.topic()))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(tp.topic());
            assertThat(offline.partitions().get(0).leader())
                    .as("clients see no leader")
                    .satisfiesAnyOf(
                            n -> assertThat(n).isNull(),
                            n -> assertThat(n.isEmpty()).isTrue());

            // an ISR member returns: it leads again, and every acknowledged record is there
            cluster.restart(2);
            assertThat(cluster.awaitLeader(tp)).isEqualTo(2);
            assertThat(state(cluster, tp).leaderEpoch()).isGreaterThan(offlineEpoch);
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
                assertThat(Clients.readAll(consumer, tp, 100, Duration.ofSeconds(30)))
                        .hasSize(100);
            }
            await().atMost(InJvmCluster.WAIT).until(() -> cluster.isr(tp).containsAll(List.of(2, 3)));
        }
    }

    @Test
    void aBrokerWhoseSessionExpiredReRegistersAndGetsItsPartitionsBack() throws Exception {
        try (InJvmCluster cluster = InJvmCluster.start(
                3, Map.of("auto.leader.rebalance.enable", "true", "leader.imbalance.check.interval.seconds", "2"))) {
            String topic = "expiry";
            cluster.admin()
                    .createTopics(List.of(new NewTopic(topic, 6, (short) 3)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            int controller = cluster.controllerId();
            int victim = cluster.brokerIds().stream()
                    .filter(id -> id != controller)
                    .findFirst()
                    .orElseThrow();
            List<TopicPartition> led = new ArrayList<>();
            for (int p = 0; p < 6; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                cluster.awaitIsr(tp, 3);
                if (cluster.awaitLeader(tp) == victim) {
                    led.add(tp);
                }
            }
            assertThat(led).as("partitions led by broker %d", victim).isNotEmpty();
            long oldEpoch = cluster.broker(victim).brokerEpoch();

            cluster.expireSession(victim);

            // a new registration (new czxid), the controller moves the leaderships away and later gives them back
            await().atMost(InJvmCluster.WAIT).until(() -> cluster.broker(victim).brokerEpoch() > oldEpoch);
            assertThat(cluster.broker(victim).isRunning()).isTrue();
            await().atMost(InJvmCluster.WAIT)
                    .until(() -> cluster.zooKeeper()
                            .broker(victim)
                            .map(b -> b.brokerEpoch() == cluster.broker(victim).brokerEpoch())
                            .orElse(false));
            for (int p = 0; p < 6; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                assertThat(cluster.awaitIsr(tp, 3)).as("ISR of %s", tp).contains(victim);
            }
            for (TopicPartition tp : led) {
                await().atMost(InJvmCluster.WAIT)
                        .alias("preferred leader " + victim + " restored for " + tp)
                        .until(() -> cluster.leaderOf(tp) == victim
                                && cluster.broker(victim).replicaManager().isLeader(tp));
            }
            // and it serves writes as leader again
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrapServers(), Map.of())) {
                producer.send(new ProducerRecord<>(
                                topic, led.get(0).partition(), null, "v".getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aControlledShutdownMovesEveryLeadershipAwayUnnoticedByAProducer() throws Exception {
        try (InJvmCluster cluster = InJvmCluster.start(3, Map.of())) {
            String topic = "controlled";
            int partitions = 6;
            cluster.admin()
                    .createTopics(List.of(
                            new NewTopic(topic, partitions, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            for (int p = 0; p < partitions; p++) {
                cluster.awaitIsr(new TopicPartition(topic, p), 3);
            }
            int controller = cluster.controllerId();
            int leaving = cluster.brokerIds().stream()
                    .filter(id -> id != controller)
                    .findFirst()
                    .orElseThrow();

            assertThat(IntStream.range(0, partitions)
                            .filter(p -> cluster.leaderOf(new TopicPartition(topic, p)) == leaving)
                            .count())
                    .as("partitions led by broker %d before its shutdown", leaving)
                    .isPositive();

            AtomicInteger errors = new AtomicInteger();
            AtomicInteger acked = new AtomicInteger();
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger sent = new AtomicInteger();
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrapServers(), Map.of())) {
                CompletableFuture<Void> background = CompletableFuture.runAsync(() -> {
                    while (!stop.get()) {
                        int i = sent.getAndIncrement();
                        producer.send(Clients.record(topic, i % partitions, i, System.currentTimeMillis()), (m, e) -> {
                            if (e != null) {
                                errors.incrementAndGet();
                                failures.add(e);
                            } else {
                                acked.incrementAndGet();
                            }
                        });
                        if (i % 200 == 0) {
                            producer.flush();
                        }
                    }
                });
                await().atMost(Duration.ofSeconds(30)).until(() -> acked.get() > 2_000);

                cluster.stop(leaving);
                // every leadership moved before shutdown returned
                for (int p = 0; p < partitions; p++) {
                    TopicPartition tp = new TopicPartition(topic, p);
                    LeaderAndIsr s = state(cluster, tp);
                    assertThat(s.leader())
                            .as("leader of %s right after the shutdown", tp)
                            .isNotEqualTo(leaving);
                    assertThat(s.leader()).as("leader of %s", tp).isNotEqualTo(LeaderAndIsr.NO_LEADER);
                }

                int ackedAtShutdown = acked.get();
                await().atMost(Duration.ofSeconds(60)).until(() -> acked.get() > ackedAtShutdown + 2_000);
                stop.set(true);
                background.get(30, TimeUnit.SECONDS);
                producer.flush();
            }
            log.info("controlled shutdown of broker {}: {} sent, {} acknowledged", leaving, sent.get(), acked.get());
            assertThat(failures)
                    .as("producer errors during the controlled shutdown")
                    .isEmpty();
            assertThat(errors.get()).isZero();
            assertThat(acked.get()).isEqualTo(sent.get());
        }
    }

    private static LeaderAndIsr state(InJvmCluster cluster, TopicPartition tp) {
        return cluster.zooKeeper().partitionState(tp).orElseThrow();
    }
}
