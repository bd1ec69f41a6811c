package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.replication.log.UnifiedLog;
import io.sluice.replication.partition.Partition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tiered storage on 2 in-JVM brokers with the built-in filesystem RemoteStorageManager (a shared directory) and the
 * ZooKeeper metadata manager, scaled down from the acceptance criteria: 64 KiB segments, local retention of 2 segments,
 * 3 MiB produced with acks=all. Local disk stays bounded on both replicas while the remote tier holds the history; a
 * consumer from the beginning reads every record byte-identical (most from the remote tier); ListOffsets earliest is
 * 0 while earliest-local is higher; then total retention deletes remote segments and a read below the new log start
 * gets OFFSET_OUT_OF_RANGE.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TieredStorageIT {
    private static final String TOPIC = "tiered";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final int SEGMENT_BYTES = 64 * 1024;
    private static final int RECORDS = 3000;
    private static final int VALUE_BYTES = 1024;

    @TempDir
    Path remoteDir;

    private InJvmCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static byte[] value(int i) {
        byte[] v = new byte[VALUE_BYTES];
        long x = i * 0x9E3779B97F4A7C15L + 1;
        for (int b = 0; b < v.length; b++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            v[b] = (byte) x;
        }
        return v;
    }

    private UnifiedLog log(int broker) {
        return cluster.broker(broker)
                .replicaManager()
                .partition(TP)
                .map(Partition::log)
                .orElseThrow();
    }

    private static long localSegmentFiles(UnifiedLog log) throws Exception {
        try (Stream<Path> files = Files.list(log.dir().toPath())) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log"))
                    .count();
        }
    }

    private static long remoteSegmentFiles(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log"))
                    .count();
        }
    }

    private long offset(OffsetSpec spec) throws Exception {
        return cluster.admin()
                .listOffsets(Map.of(TP, spec))
                .partitionResult(TP)
                .get(30, TimeUnit.SECONDS)
                .offset();
    }

    private KafkaConsumer<byte[], byte[]> consumer(String reset) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(256 * 1024));
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Test
    void historyMovesToTheRemoteTierAndIsReadBackUntilTotalRetentionDeletesIt() throws Exception {
        cluster = InJvmCluster.start(
                2,
                Map.of(
                        "remote.log.storage.system.enable", "true",
                        "rsm.config.dir", remoteDir.toString(),
                        "remote.log.manager.task.interval.ms", "200",
                        "log.retention.check.interval.ms", "200",
                        "remote.fetch.max.wait.ms", "2000"));
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
                        "min.insync.replicas", "2"));

        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(16 * 1024));
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, value(i)));
            }
            producer.flush();
        }

        int leader = cluster.awaitLeader(TP);
        // the leader copies, both replicas then drop what is remote: local disk stays within the local retention
        // (2 segments) plus the active one and the one being copied
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (int id : cluster.brokerIds()) {
                assertThat(localSegmentFiles(log(id)))
                        .as("segments on broker %d", id)
                        .isLessThanOrEqualTo(4);
                assertThat(log(id).localLogStartOffset())
                        .as("local start on %d", id)
                        .isPositive();
            }
        });
        assertThat(remoteSegmentFiles(remoteDir)).isGreaterThan(30);
        assertThat(offset(OffsetSpec.earliest())).isZero();
        long earliestLocal = offset(OffsetSpec.earliestLocal());
        assertThat(earliestLocal).isEqualTo(log(leader).localLogStartOffset()).isPositive();
        assertThat(offset(OffsetSpec.latestTiered())).isGreaterThanOrEqualTo(earliestLocal - 1);

        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer("earliest")) {
            consumer.assign(List.of(TP));
            consumer.seekToBeginning(List.of(TP));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
                return read.size() >= RECORDS;
            });
        }
        assertThat(read).hasSize(RECORDS);
        for (int i = 0; i < RECORDS; i++) {
            assertThat(read.get(i).offset()).isEqualTo(i);
            assertThat(read.get(i).value()).as("record %d", i).isEqualTo(value(i));
        }
        assertThat(cluster.registry(leader)
                        .get("kafka.server.remote.fetch.bytes")
                        .tag("topic", TOPIC)
                        .counter()
                        .count())
                .as("bytes read from the remote tier")
                .isGreaterThan((double) earliestLocal * VALUE_BYTES / 2);

        // total retention: 1 MiB of the ~3 MiB remain; the log start offset moves past deleted remote segments
        long remoteBefore = remoteSegmentFiles(remoteDir);
        cluster.admin()
                .incrementalAlterConfigs(Map.of(
                        new ConfigResource(ConfigResource.Type.TOPIC, TOPIC),
                        List.of(new AlterConfigOp(
                                new ConfigEntry("retention.bytes", String.valueOf(1024 * 1024)),
                                AlterConfigOp.OpType.SET))))
                .all()
                .get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(60)).until(() -> offset(OffsetSpec.earliest()) > 0);
        long newStart = offset(OffsetSpec.earliest());
        assertThat(newStart).isLessThan(earliestLocal);
        await().atMost(Duration.ofSeconds(30)).until(() -> remoteSegmentFiles(remoteDir) < remoteBefore);

        try (KafkaConsumer<byte[], byte[]> consumer = consumer("none")) {
            consumer.assign(List.of(TP));
            consumer.seek(TP, 0);
            assertThatThrownBy(() -> {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                        while (System.nanoTime() < deadline) {
                            consumer.poll(Duration.ofMillis(200));
                        }
                    })
                    .isInstanceOf(OffsetOutOfRangeException.class);
            // from the new log start the remote tier still serves the records, byte-identical
            consumer.seek(TP, newStart);
            List<ConsumerRecord<byte[], byte[]>> tail = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(tail::add);
                return !tail.isEmpty();
            });
            assertThat(tail.get(0).offset()).isEqualTo(newStart);
            assertThat(tail.get(0).value()).isEqualTo(value((int) newStart));
        }
    }
}
