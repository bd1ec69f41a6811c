package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.server.BrokerServer;
import io.sluice.replication.partition.PartitionFaults;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A failed write to a follower's log directory (an {@link IOException} under its append) takes the directory offline
 * and stops that broker at once, as Kafka stops a broker whose last log directory failed: it reports the fatal error
 * naming the directory, its ZooKeeper session ends, it leaves every ISR, and {@code acks=all} produces to every
 * partition keep succeeding on the two other replicas.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@SluiceCluster(
        brokers = 3,
        topic = LogDirFailureIT.TOPIC,
        partitions = LogDirFailureIT.PARTITIONS,
        topicConfigs = "min.insync.replicas=2")
class LogDirFailureIT {
    static final String TOPIC = "disk-fault";
    static final int PARTITIONS = 3;

    private InJvmCluster cluster;

    @Test
    void aFailedWriteToAFollowersLogDirectoryStopsThatBrokerAndTheOthersServe() throws Exception {
        TopicPartition victim = new TopicPartition(TOPIC, 0);
        int leader = cluster.awaitLeader(victim);
        int follower = cluster.brokerIds().stream()
                .filter(id -> id != leader)
                .findFirst()
                .orElseThrow();
        BrokerServer broker = cluster.broker(follower);

        PartitionFaults.failFollowerAppends(
                broker.replicaManager().partition(victim).orElseThrow(),
                new KafkaStorageException("append failed", new IOException("Input/output error")));

        await().atMost(Duration.ofSeconds(30)).until(() -> broker.state() == BrokerServer.State.SHUT_DOWN);
        assertThat(broker.fatalError())
                .hasValueSatisfying(e -> assertThat(e)
                        .isInstanceOf(KafkaStorageException.class)
                        .hasMessageContaining("log directory " + cluster.dataDir(follower))
                        .hasMessageContaining("of " + victim));

        for (int p = 0; p < PARTITIONS; p++) {
            TopicPartition tp = new TopicPartition(TOPIC, p);
            await().atMost(InJvmCluster.WAIT).until(() -> !cluster.isr(tp).contains(follower));
        }
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(
                cluster.bootstrapServers(),
                Map.of(
                        ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000",
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000"))) {
            for (int p = 0; p < PARTITIONS; p++) {
                for (int i = 0; i < 10; i++) {
                    producer.send(Clients.record(TOPIC, p, i, System.currentTimeMillis()))
                            .get(30, TimeUnit.SECONDS);
                }
            }
        }
    }
}
