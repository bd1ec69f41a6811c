package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.model.LeaderAndIsr;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
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
 * All three brokers halted mid-stream (no flush: logs are recovered on the next start) and restarted: every acks=all
 * acknowledged record is still readable at its offset, the replicas converge to identical bytes, and neither the
 * leader epochs nor the end offsets consumers see went backwards.
 *
 * <p>An in-JVM halt cannot lose page-cache data the way {@code kill -9} on a machine whose OS then crashes can: what
 * was written to the files survives. This test therefore checks recovery and the replication protocol around a full
 * cluster restart, not the loss of unflushed bytes (durability there comes from replication, docs/design.md#durability).
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
@SluiceCluster(
        brokers = 3,
        overrides = "replica.lag.time.max.ms=8000",
        topic = DurabilityRestartIT.TOPIC,
        partitions = DurabilityRestartIT.PARTITIONS,
        topicConfigs = {"min.insync.replicas=2", "segment.bytes=" + DurabilityRestartIT.SEGMENT_BYTES})
class DurabilityRestartIT {
    private static final Logger LOG = LoggerFactory.getLogger(DurabilityRestartIT.class);
    static final String TOPIC = "durability";
    static final int PARTITIONS = 3;
    /** Small segments, so that truncation and recovery cross segment boundaries. */
    static final String SEGMENT_BYTES = "65536";

    private InJvmCluster cluster;

    @Test
    void everyAcknowledgedRecordSurvivesHaltingTheWholeClusterMidStream() throws Exception {
        ReplicationChecker checker = new ReplicationChecker(TOPIC);
        AtomicBoolean stop = new AtomicBoolean();
        Map<TopicPartition, Integer> epochsBefore = new HashMap<>();
        Map<TopicPartition, Long> endsBefore;
        Map<TopicPartition, Long> watermarksBefore = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(
                cluster.bootstrapServers(),
                Map.of(ProducerConfig.LINGER_MS_CONFIG, "2", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "90000"))) {
            CompletableFuture<Void> writer = checker.writeUntil(producer, PARTITIONS, stop);
            await().atMost(Duration.ofSeconds(30)).until(() -> checker.acked().size() > 6_000);
            try (KafkaConsumer<byte[], byte[]> probe = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
                endsBefore = probe.endOffsets(partitions(), Duration.ofSeconds(30));
            }
            for (TopicPartition tp : partitions()) {
                epochsBefore.put(tp, zkLeaderEpoch(tp));
                for (int id : cluster.brokerIds()) {
                    watermarksBefore.merge(tp, ReplicationReplicas.highWatermark(cluster.broker(id), tp), Math::max);
                }
            }
            int ackedAtHalt = checker.acked().size();
            cluster.brokerIds().forEach(cluster::kill);
            cluster.brokerIds().forEach(cluster::restart);
            for (TopicPartition tp : partitions()) {
                cluster.awaitLeader(tp);
                cluster.awaitIsr(tp, 3);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> checker.acked().size() > ackedAtHalt + 3_000);
            stop.set(true);
            writer.get(90, TimeUnit.SECONDS);
            producer.flush();
        }
        LOG.info("[{}] {}", TOPIC, checker.summary());

        for (TopicPartition tp : partitions()) {
            long end = ReplicationReplicas.awaitIdenticalReplicas(cluster, tp);
            assertThat(end).as("converged end of %s", tp).isGreaterThanOrEqualTo(watermarksBefore.get(tp));
            assertThat(zkLeaderEpoch(tp)).as("leader epoch of %s", tp).isGreaterThanOrEqualTo(epochsBefore.get(tp));
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            Map<TopicPartition, Long> endsAfter = consumer.endOffsets(partitions(), Duration.ofSeconds(30));
            for (TopicPartition tp : partitions()) {
                assertThat(endsAfter.get(tp)).as("end offset of %s", tp).isGreaterThanOrEqualTo(endsBefore.get(tp));
            }
            checker.verify(consumer, Duration.ofSeconds(60));
        }
    }

    @Test
    void aFollowerWhoseLastWriteWasTornRecoversAndCatchesUp() throws Exception {
        ReplicationChecker checker = new ReplicationChecker(TOPIC);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrapServers(), Map.of())) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < 3_000; i++) {
                sends.add(checker.send(producer, i % PARTITIONS));
            }
            Clients.awaitAll(sends);
            int victim = cluster.awaitLeader(new TopicPartition(TOPIC, 0)) % 3 + 1;
            cluster.kill(victim);
            // the page cache lost the end of the last write: every partition's active segment ends mid-batch
            for (TopicPartition tp : partitions()) {
                Path segment = activeSegment(cluster.dataDir(victim).resolve(tp.topic() + "-" + tp.partition()));
                try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
                    channel.truncate(channel.size() - 7);
                }
            }
            sends.clear();
            for (int i = 0; i < 600; i++) {
                sends.add(checker.send(producer, i % PARTITIONS));
            }
            Clients.awaitAll(sends);
            cluster.restart(victim);
            for (TopicPartition tp : partitions()) {
                assertThat(cluster.awaitIsr(tp, 3)).contains(victim);
                assertThat(ReplicationReplicas.awaitIdenticalReplicas(cluster, tp))
                        .isEqualTo(3_600 / PARTITIONS);
            }
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            checker.verify(consumer, Duration.ofSeconds(60));
        }
    }

    /** The segment file with the largest base offset in a partition directory. */
    private static Path activeSegment(Path partitionDir) throws IOException {
        try (Stream<Path> files = Files.list(partitionDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log"))
                    .max(Comparator.comparing(f -> f.getFileName().toString()))
                    .orElseThrow(() -> new IllegalStateException("no segment in " + partitionDir));
        }
    }

    private int zkLeaderEpoch(TopicPartition tp) {
        return cluster.zooKeeper()
                .partitionState(tp)
                .map(LeaderAndIsr::leaderEpoch)
                .orElseThrow();
    }

    private static List<TopicPartition> partitions() {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            tps.add(new TopicPartition(TOPIC, p));
        }
        return tps;
    }
}
