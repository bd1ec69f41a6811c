package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.sluice.replication.partition.Partition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replication throttles as {@code kafka-reassign-partitions.sh --throttle} sets them, through the Admin client's
 * IncrementalAlterConfigs: a follower catching up 30 MB on a throttled partition copies at the set rate (±25 %,
 * measured from its log end offset over time), and deleting the throttle configs (what {@code --verify} does when a
 * move is done) lets it copy the rest at full speed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReplicationThrottleIT {
    private static final Logger log = LoggerFactory.getLogger(ReplicationThrottleIT.class);
    private static final String TOPIC = "moving";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final int VALUE_BYTES = 10_000;
    private static final int RECORDS = 3_000; // 30 MB
    private static final long RATE = 4_000_000; // bytes/s
    private static final String LEADER_RATE = "leader.replication.throttled.rate";
    private static final String FOLLOWER_RATE = "follower.replication.throttled.rate";
    private static final String LEADER_REPLICAS = "leader.replication.throttled.replicas";
    private static final String FOLLOWER_REPLICAS = "follower.replication.throttled.replicas";

    private InJvmCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = InJvmCluster.start(2, Map.of());
        cluster.admin()
                .createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(1, 2)))))
                .all()
                .get(30, TimeUnit.SECONDS);
        cluster.awaitIsr(TP, 2);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aThrottledFollowerCatchesUpAtTheSetRateAndAtFullSpeedOnceTheThrottleIsRemoved() throws Exception {
        // as kafka-reassign-partitions.sh --throttle: both rates on every broker of the move, the leader list naming
        // the replica that serves the partition, the follower list the one that copies it
        for (int broker : List.of(1, 2)) {
            alter(
                    new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(broker)),
                    List.of(set(LEADER_RATE, Long.toString(RATE)), set(FOLLOWER_RATE, Long.toString(RATE))));
        }
        alter(
                new ConfigResource(ConfigResource.Type.TOPIC, TOPIC),
                List.of(set(LEADER_REPLICAS, "0:1"), set(FOLLOWER_REPLICAS, "0:2")));

        cluster.stop(2);
        cluster.awaitIsr(TP, 1);
        produce(RECORDS);
        assertThat(cluster.broker(1)
                        .replicaManager()
                        .partition(TP)
                        .orElseThrow()
                        .logEndOffset())
                .isEqualTo(RECORDS);

        cluster.restart(2);
        // the throttled copy: from 10 % to 60 % of the backlog (past the one-sample burst a fresh window allows)
        Sample from = awaitFollowerAt(RECORDS / 10);
        Sample to = awaitFollowerAt(RECORDS * 6 / 10);
        double throttled = bytesPerSecond(from, to);
        log.info(
                "throttled copy: {} records in {} ms = {} bytes/s (limit {})",
                to.offset() - from.offset(),
                to.atMs() - from.atMs(),
                (long) throttled,
                RATE);
        assertThat(cluster.isr(TP))
                .as("a throttled follower is not in the ISR yet")
                .containsExactly(1);
        assertThat(throttled).isBetween(RATE * 0.75, RATE * 1.25);
        assertThat(throttledBytes(2, "follower")).isGreaterThan(0.0);
        assertThat(throttledBytes(1, "leader")).isGreaterThan(0.0);

        // what --verify does once the move is done: the throttle configs go
        Sample removed = follower();
        for (int broker : List.of(1, 2)) {
            alter(
                    new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(broker)),
                    List.of(delete(LEADER_RATE), delete(FOLLOWER_RATE)));
        }
        alter(
                new ConfigResource(ConfigResource.Type.TOPIC, TOPIC),
                List.of(delete(LEADER_REPLICAS), delete(FOLLOWER_REPLICAS)));
        Sample done = awaitFollowerAt(RECORDS);
        double unthrottled = bytesPerSecond(removed, done);
        log.info(
                "unthrottled copy: {} records in {} ms = {} bytes/s",
                done.offset() - removed.offset(),
                done.atMs() - removed.atMs(),
                (long) unthrottled);
        // full speed depends on the machine (on a quiet one it is many times the limit); it must at least leave the
        // throttle's band, and neither broker may still hold a limit
        assertThat(unthrottled).isGreaterThan(RATE * 1.25);
        for (int broker : List.of(1, 2)) {
            for (String side : List.of("leader", "follower")) {
                assertThat(cluster.registry(broker)
                                .get("sluice.replication.throttle.limit")
                                .tag("side", side)
                                .gauge()
                                .value())
                        .as("broker %d %s limit", broker, side)
                        .isEqualTo(-1.0);
            }
        }
        cluster.awaitIsr(TP, 2);
    }

    private void produce(int records) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        byte[] value = new byte[VALUE_BYTES];
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, value));
            }
            producer.flush();
        }
    }

    /** The follower's log end offset when it was read. */
    private record Sample(long offset, long atMs) {}

    private Sample follower() {
        long offset = cluster.broker(2)
                .replicaManager()
                .partition(TP)
                .map(Partition::logEndOffset)
                .orElse(-1L);
        return new Sample(offset, System.nanoTime() / 1_000_000);
    }

    /** Polls the follower's log end offset until it reaches {@code offset}; the first sample at or past it. */
    private Sample awaitFollowerAt(long offset) {
        List<Sample> reached = new ArrayList<>();
        await().atMost(InJvmCluster.WAIT).pollInterval(Duration.ofMillis(10)).until(() -> {
            Sample s = follower();
            if (s.offset() >= offset) {
                reached.add(s);
                return true;
            }
            return false;
        });
        return reached.get(0);
    }

    /** Record bytes per second between two samples (values only: batch and record headers add under 1 %). */
    private static double bytesPerSecond(Sample from, Sample to) {
        return (to.offset() - from.offset()) * (double) VALUE_BYTES * 1000.0 / Math.max(1, to.atMs() - from.atMs());
    }

    /** Broker {@code broker}'s {@code sluice_replication_throttled_bytes_total} of one side. */
    private double throttledBytes(int broker, String side) {
        return Optional.ofNullable(cluster.registry(broker)
                        .find("sluice.replication.throttled")
                        .tag("side", side)
                        .counter())
                .map(Counter::count)
                .orElse(0.0);
    }

    private void alter(ConfigResource resource, Collection<AlterConfigOp> ops) throws Exception {
        cluster.admin().incrementalAlterConfigs(Map.of(resource, ops)).all().get(30, TimeUnit.SECONDS);
    }

    private static AlterConfigOp set(String key, String value) {
        return new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET);
    }

    private static AlterConfigOp delete(String key) {
        return new AlterConfigOp(new ConfigEntry(key, ""), AlterConfigOp.OpType.DELETE);
    }
}
