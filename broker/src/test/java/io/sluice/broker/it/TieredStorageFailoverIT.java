package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.remote.ZkRemoteLogMetadataManager;
import io.sluice.replication.log.UnifiedLog;
import io.sluice.replication.partition.Partition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, acceptance 2, on 2 in-JVM brokers: the leader is killed while it copies a segment (its data written, its
 * metadata still {@code COPY_SEGMENT_STARTED}); the new leader deletes that partial copy, continues after the highest
 * finished one, and the remote tier ends up with contiguous segments, every offset in exactly one of them.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TieredStorageFailoverIT {
    private static final String TOPIC = "tiered-failover";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final int SEGMENT_BYTES = 64 * 1024;
    private static final int VALUE_BYTES = 1024;

    @TempDir
    Path remoteDir;

    private InJvmCluster cluster;

    @AfterEach
    void stop() {
        GatedRemoteStorageManager.reset();
        if (cluster != null) {
            cluster.close();
        }
    }

    private void produce(int from, int count) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(16 * 1024));
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = from; i < from + count; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, new byte[VALUE_BYTES]));
            }
            producer.flush();
        }
    }

    private UnifiedLog log(int broker) {
        return cluster.broker(broker)
                .replicaManager()
                .partition(TP)
                .map(Partition::log)
                .orElseThrow();
    }

    private static long remoteSegmentFiles(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log"))
                    .count();
        }
    }

    /** The remote segments as the metadata in ZooKeeper lists them, read through the harness's own session. */
    private List<RemoteLogSegmentMetadata> remoteSegments(Uuid topicId) throws Exception {
        ZkRemoteLogMetadataManager rlmm = new ZkRemoteLogMetadataManager();
        rlmm.useClient(cluster.zooKeeper().curator());
        rlmm.configure(Map.of());
        List<RemoteLogSegmentMetadata> out = new ArrayList<>();
        rlmm.listRemoteLogSegments(new TopicIdPartition(topicId, TP)).forEachRemaining(out::add);
        return out;
    }

    @Test
    void aNewLeaderFinishesTheCopyOfAKilledOneWithoutGapsOrDuplicates() throws Exception {
        cluster = InJvmCluster.start(
                2,
                Map.of(
                        "remote.log.storage.system.enable", "true",
                        "remote.log.storage.manager.class.name", GatedRemoteStorageManager.class.getName(),
                        "rsm.config.dir", remoteDir.toString(),
                        "remote.log.manager.task.interval.ms", "200",
                        "log.retention.check.interval.ms", "200"));
        cluster.createTopicAndAwaitFullIsr(
                TOPIC,
                1,
                2,
                Map.of(
                        "remote.storage.enable", "true",
                        "segment.bytes", String.valueOf(SEGMENT_BYTES),
                        "local.retention.bytes", String.valueOf(2 * SEGMENT_BYTES),
                        "retention.bytes", "-1",
                        "file.delete.delay.ms", "100",
                        "min.insync.replicas", "1"));
        int leader = cluster.awaitLeader(TP);
        Uuid topicId = cluster.broker(leader).replicaManager().topicId(TOPIC).orElseThrow();

        // the leader copies 4 segments; the 5th is written to the remote tier but never marked finished
        GatedRemoteStorageManager.holdAfter(leader, 4);
        produce(0, 1200);
        await().atMost(InJvmCluster.WAIT).until(GatedRemoteStorageManager::holding);
        List<RemoteLogSegmentMetadata> before = remoteSegments(topicId);
        assertThat(before)
                .filteredOn(m -> m.state() == RemoteLogSegmentState.COPY_SEGMENT_FINISHED)
                .hasSize(4);
        assertThat(before)
                .filteredOn(m -> m.state() == RemoteLogSegmentState.COPY_SEGMENT_STARTED)
                .hasSize(1);

        cluster.kill(leader);
        int newLeader = cluster.awaitNewLeader(TP, leader);
        produce(1200, 600);

        // the new leader copies every rolled segment (local retention then keeps only the last ones); the listing is
        // taken when no copy is in flight
        List<RemoteLogSegmentMetadata> after = new ArrayList<>();
        await().atMost(InJvmCluster.WAIT).untilAsserted(() -> {
            UnifiedLog log = log(newLeader);
            assertThat(log.highestOffsetInRemoteStorage()).isGreaterThan(1200);
            assertThat(log.localLogStartOffset()).isGreaterThan(1200);
            List<RemoteLogSegmentMetadata> listed = remoteSegments(topicId);
            assertThat(listed)
                    .extracting(RemoteLogSegmentMetadata::state)
                    .containsOnly(RemoteLogSegmentState.COPY_SEGMENT_FINISHED);
            // the partial copy's bytes are gone from the remote tier: one segment file per listed segment
            assertThat(remoteSegmentFiles(remoteDir)).isEqualTo(listed.size());
            after.clear();
            after.addAll(listed);
        });
        assertThat(after.get(0).startOffset()).isZero();
        for (int i = 1; i < after.size(); i++) {
            assertThat(after.get(i).startOffset())
                    .as("segment %d starts right after segment %d (no gap, no offset twice)", i, i - 1)
                    .isEqualTo(after.get(i - 1).endOffset() + 1);
        }
        assertThat(after.get(after.size() - 1).endOffset()).isGreaterThan(1200);
        assertThat(after).extracting(RemoteLogSegmentMetadata::brokerId).contains(leader, newLeader);
    }
}
