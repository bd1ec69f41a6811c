package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three brokers, RF 3, {@code min.insync.replicas=2}: an idempotent acks=all producer writes without pause while the
 * leader of each partition in turn is halted and restarted. Afterwards every acknowledged record is there exactly once
 * at its acknowledged offset and in send order, nothing refused is there, nothing unknown is there twice, the replicas
 * are byte-identical, and no partition's leader epoch or high watermark went backwards.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@SluiceCluster(
        brokers = 3,
        overrides = "replica.lag.time.max.ms=8000",
        topic = ReplicationFailoverIT.TOPIC,
        partitions = ReplicationFailoverIT.PARTITIONS,
        topicConfigs = {"min.insync.replicas=2", "segment.bytes=" + ReplicationFailoverIT.SEGMENT_BYTES})
class ReplicationFailoverIT {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationFailoverIT.class);
    static final String TOPIC = "failover";
    static final int PARTITIONS = 3;
    /** Records the dead leader holds alone, in one batch. */
    private static final int BURST = 200;
    /** Small segments, so that truncation and recovery cross segment boundaries. */
    static final String SEGMENT_BYTES = "65536";

    private InJvmCluster cluster;

    @Test
    void noAcknowledgedRecordIsLostOrDuplicatedWhileEachLeaderIsKilledInTurn() throws Exception {
        ReplicationChecker checker = new ReplicationChecker(TOPIC);
        AtomicBoolean stop = new AtomicBoolean();
        Map<TopicPartition, Integer> epochs = new HashMap<>();
        Map<TopicPartition, Long> ends = new HashMap<>();
        ReplicationObserver observer = new ReplicationObserver(cluster.bootstrapServers(), partitions());
        try (observer;
                KafkaConsumer<byte[], byte[]> probe = Clients.consumer(cluster.bootstrapServers(), Map.of());
                KafkaProducer<byte[], byte[]> producer = Clients.producer(
                        cluster.bootstrapServers(),
                        Map.of(
                                ProducerConfig.LINGER_MS_CONFIG,
                                "2",
                                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                                "90000"))) {
            CompletableFuture<Void> writer = checker.writeUntil(producer, PARTITIONS, stop);
            for (TopicPartition tp : partitions()) {
                int sentBefore = checker.sent();
                await().atMost(Duration.ofSeconds(30)).until(() -> checker.sent() > sentBefore + 2_000);
                int leader = cluster.awaitLeader(tp);
                sample(probe, epochs, ends);
                cluster.kill(leader);
                int next = cluster.awaitNewLeader(tp, leader);
                assertThat(next).isNotEqualTo(leader);
                int sentAtFailover = checker.sent();
                await().atMost(Duration.ofSeconds(60)).until(() -> checker.sent() > sentAtFailover + 2_000);
                cluster.restart(leader);
                for (TopicPartition p : partitions()) {
                    cluster.awaitIsr(p, 3);
                }
                sample(probe, epochs, ends);
            }
            int sentAfter = checker.sent();
            await().atMost(Duration.ofSeconds(30)).until(() -> checker.sent() > sentAfter + 2_000);
            stop.set(true);
            writer.get(120, TimeUnit.SECONDS);
            producer.flush();
        }
        LOG.info("[{}] {}", TOPIC, checker.summary());
        assertThat(checker.count(ReplicationChecker.Outcome.ACKED))
                .as(
                        "acknowledged records (sent %d, failed %d, unknown %d)",
                        checker.sent(),
                        checker.count(ReplicationChecker.Outcome.FAILED),
                        checker.count(ReplicationChecker.Outcome.UNKNOWN))
                .isGreaterThan(PARTITIONS * 4_000L);
        for (TopicPartition tp : partitions()) {
            ReplicationReplicas.awaitIdenticalReplicas(cluster, tp);
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            sample(consumer, epochs, ends);
            ReplicationChecker.assertNothingObservedDisappeared(
                    observer.observed(), checker.verify(consumer, Duration.ofSeconds(60)));
        }
    }

    @Test
    void batchesTheDeadLeaderNeverReplicatedAreRetriedAndLandExactlyOnce() throws Exception {
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        ReplicationChecker checker = new ReplicationChecker(TOPIC);
        ReplicationObserver observer = new ReplicationObserver(cluster.bootstrapServers(), partitions());
        Map<String, String> idempotent =
                Map.of(ProducerConfig.LINGER_MS_CONFIG, "2", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "90000");
        // the batch the leader will hold alone: one request of BURST records, lingering until all are in it
        Map<String, String> oneBatch = Map.of(
                ProducerConfig.LINGER_MS_CONFIG,
                "60000",
                ProducerConfig.BATCH_SIZE_CONFIG,
                "1048576",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                "150000",
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                "30000");
        try (observer;
                KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrapServers(), idempotent);
                KafkaProducer<byte[], byte[]> burst = Clients.producer(cluster.bootstrapServers(), oneBatch)) {
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Void> writer = checker.writeUntil(producer, PARTITIONS, stop);
            await().atMost(Duration.ofSeconds(30)).until(() -> checker.acked().size() > 3_000);
            // quiesce the writer so per-partition send order stays single-threaded while the burst is outstanding
            stop.set(true);
            writer.get(120, TimeUnit.SECONDS);
            producer.flush();
            int leader = cluster.awaitLeader(tp);
            for (int id : cluster.brokerIds()) {
                if (id != leader) {
                    ReplicationReplicas.pauseFetching(cluster.broker(id), List.of(tp));
                }
            }
            List<Future<RecordMetadata>> burstSends = new ArrayList<>();
            for (int i = 0; i < BURST; i++) {
                burstSends.add(checker.send(burst, tp.partition()));
            }
            // flush sends the lingering batch at once, then waits for an acknowledgement that cannot come before the
            // failover: it runs beside the test and is joined after the new leader has taken the batch
            CompletableFuture<Void> burstAcked = CompletableFuture.runAsync(burst::flush);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> ReplicationReplicas.logEndOffset(cluster.broker(leader), tp)
                            >= ReplicationReplicas.highWatermark(cluster.broker(leader), tp) + BURST);
            // the leader holds batches no follower has: appended, not committed, not acknowledged
            cluster.kill(leader);
            cluster.awaitNewLeader(tp, leader);
            cluster.restart(leader);
            for (TopicPartition p : partitions()) {
                cluster.awaitIsr(p, 3);
            }
            burstAcked.get(120, TimeUnit.SECONDS);
            for (Future<RecordMetadata> sent : burstSends) {
                assertThat(sent.get().offset())
                        .as("offset of a record the dead leader held alone")
                        .isNotNegative();
            }
            int ackedAfter = checker.acked().size();
            AtomicBoolean stopAgain = new AtomicBoolean();
            CompletableFuture<Void> again = checker.writeUntil(producer, PARTITIONS, stopAgain);
            await().atMost(Duration.ofSeconds(60)).until(() -> checker.acked().size() > ackedAfter + 3_000);
            stopAgain.set(true);
            again.get(120, TimeUnit.SECONDS);
            producer.flush();
        }
        LOG.info("[{}] {}", TOPIC, checker.summary());
        for (TopicPartition p : partitions()) {
            ReplicationReplicas.awaitIdenticalReplicas(cluster, p);
        }
        assertThat(observer.count()).isPositive();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            ReplicationChecker.assertNothingObservedDisappeared(
                    observer.observed(), checker.verify(consumer, Duration.ofSeconds(60)));
        }
    }

    /**
     * Samples each partition's leader epoch and the end offset consumers see (the high watermark, through ListOffsets)
     * and asserts that neither went below the previous sample.
     */
    private void sample(
            KafkaConsumer<byte[], byte[]> probe, Map<TopicPartition, Integer> epochs, Map<TopicPartition, Long> ends) {
        Map<TopicPartition, Long> now = probe.endOffsets(partitions(), Duration.ofSeconds(30));
        for (TopicPartition tp : partitions()) {
            int leader = cluster.awaitLeader(tp);
            int epoch = ReplicationReplicas.leaderEpoch(cluster.broker(leader), tp);
            assertThat(epoch).as("leader epoch of %s", tp).isGreaterThanOrEqualTo(epochs.getOrDefault(tp, 0));
            epochs.put(tp, epoch);
            assertThat(now.get(tp)).as("end offset of %s", tp).isGreaterThanOrEqualTo(ends.getOrDefault(tp, 0L));
            ends.put(tp, now.get(tp));
        }
    }

    private static List<TopicPartition> partitions() {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            tps.add(new TopicPartition(TOPIC, p));
        }
        return tps;
    }
}
