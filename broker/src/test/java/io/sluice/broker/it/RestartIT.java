package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.replication.log.LogManager;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A single broker restarted after a clean shutdown and after a halt keeps every acknowledged record. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RestartIT {
    private static final String TOPIC = "durable";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    private InJvmCluster cluster;
    private final List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
    private final List<RecordMetadata> acked = new ArrayList<>();

    @BeforeEach
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(1, Map.of());
        cluster.admin()
                .createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1)))
                .all()
                .get(30, TimeUnit.SECONDS);
        cluster.awaitLeader(TP);
    }

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void cleanShutdownAndRestartKeepsEveryRecordAtItsOffset() throws Exception {
        produce(3_000);
        cluster.stop(1);
        assertThat(Files.exists(cluster.dataDir(1).resolve(LogManager.CLEAN_SHUTDOWN_FILE)))
                .as("clean-shutdown marker")
                .isTrue();

        cluster.restart(1);
        cluster.awaitLeader(TP);
        assertEverythingReadable();

        produce(1_000);
        assertThat(acked.get(3_000).offset())
                .as("offsets continue after the restart")
                .isEqualTo(3_000);
        assertEverythingReadable();
    }

    @Test
    void haltAndRestartKeepsEveryAcknowledgedRecord() throws Exception {
        produce(3_000);
        cluster.kill(1);
        assertThat(Files.exists(cluster.dataDir(1).resolve(LogManager.CLEAN_SHUTDOWN_FILE)))
                .as("no clean-shutdown marker after a halt, so the next start recovers the logs")
                .isFalse();

        cluster.restart(1);
        cluster.awaitLeader(TP);
        assertEverythingReadable();

        produce(1_000);
        assertEverythingReadable();
    }

    private void produce(int count) throws Exception {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrapServers(), Map.of())) {
            int first = sent.size();
            for (int i = first; i < first + count; i++) {
                ProducerRecord<byte[], byte[]> record = Clients.record(TOPIC, 0, i, System.currentTimeMillis());
                sent.add(record);
                sends.add(producer.send(record));
            }
            acked.addAll(Clients.awaitAll(sends));
        }
    }

    private void assertEverythingReadable() {
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            List<ConsumerRecord<byte[], byte[]>> read =
                    Clients.readAll(consumer, TP, sent.size(), Duration.ofSeconds(60));
            Clients.assertSameRecords(sent, acked, read);
        }
    }
}
