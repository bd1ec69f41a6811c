package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.replication.partition.Partition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DeleteRecords with the stock tools on a 3-broker cluster: {@code kafka-delete-records.sh} raises the low watermark
 * of a partition on every replica (to an offset, and to the high watermark with -1); a consumer positioned before it
 * gets OFFSET_OUT_OF_RANGE and, with {@code auto.offset.reset=earliest}, resumes at the new log start; a compacted
 * topic refuses with POLICY_VIOLATION.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DeleteRecordsIT {
    private static final String TOPIC = "purged";
    private static final int RECORDS = 100;

    @TempDir
    Path dir;

    private InJvmCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = InJvmCluster.start(3, Map.of());
        cluster.admin()
                .createTopics(List.of(new NewTopic(TOPIC, 2, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                .all()
                .get(30, TimeUnit.SECONDS);
        for (int p = 0; p < 2; p++) {
            cluster.awaitIsr(new TopicPartition(TOPIC, p), 3);
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                for (int p = 0; p < 2; p++) {
                    producer.send(new ProducerRecord<>(TOPIC, p, "k" + i, "v" + i));
                }
            }
            producer.flush();
        }
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theStockToolRaisesTheLowWatermarkOnEveryReplica() throws Exception {
        Path offsets = dir.resolve("offsets.json");
        Files.writeString(
                offsets,
                "{\"version\":1,\"partitions\":[{\"topic\":\"" + TOPIC + "\",\"partition\":0,\"offset\":40},"
                        + "{\"topic\":\"" + TOPIC + "\",\"partition\":1,\"offset\":-1}]}",
                StandardCharsets.UTF_8);

        KafkaCli.Result result = KafkaCli.run(
                        dir,
                        Duration.ofSeconds(90),
                        "org.apache.kafka.tools.DeleteRecordsCommand",
                        "--bootstrap-server",
                        cluster.bootstrapServers(),
                        "--offset-json-file",
                        offsets.toString())
                .assertSuccess();

        assertThat(result.stdout())
                .contains("partition: " + TOPIC + "-0\tlow_watermark: 40")
                .contains("partition: " + TOPIC + "-1\tlow_watermark: " + RECORDS)
                .doesNotContain("error");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(logStartOffsets(new TopicPartition(TOPIC, 0))).containsOnly(40L);
            assertThat(logStartOffsets(new TopicPartition(TOPIC, 1))).containsOnly((long) RECORDS);
        });
        assertThat(cluster.admin()
                        .listOffsets(Map.of(new TopicPartition(TOPIC, 0), OffsetSpec.earliest()))
                        .all()
                        .get(30, TimeUnit.SECONDS)
                        .get(new TopicPartition(TOPIC, 0))
                        .offset())
                .isEqualTo(40L);
    }

    @Test
    void aConsumerBeforeTheLowWatermarkIsOutOfRangeAndResumesAtTheNewStart() throws Exception {
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        long low = cluster.admin()
                .deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(60)))
                .lowWatermarks()
                .get(tp)
                .get(30, TimeUnit.SECONDS)
                .lowWatermark();
        assertThat(low).isEqualTo(60L);

        try (KafkaConsumer<String, String> strict = consumer("none")) {
            strict.assign(List.of(tp));
            strict.seek(tp, 10);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                try {
                    strict.poll(Duration.ofMillis(200));
                    throw new AssertionError("no OFFSET_OUT_OF_RANGE yet");
                } catch (OffsetOutOfRangeException expected) {
                    assertThat(expected.offsetOutOfRangePartitions()).containsEntry(tp, 10L);
                }
            });
        }
        try (KafkaConsumer<String, String> resetting = consumer("earliest")) {
            resetting.assign(List.of(tp));
            resetting.seek(tp, 10);
            List<ConsumerRecord<String, String>> read = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                resetting.poll(Duration.ofMillis(200)).forEach(read::add);
                return read.size() >= RECORDS - 60;
            });
            assertThat(read.get(0).offset()).isEqualTo(60L);
            assertThat(read.get(0).value()).isEqualTo("v60");
        }
    }

    @Test
    void aCompactedTopicRefusesWithPolicyViolation() throws Exception {
        cluster.admin()
                .createTopics(
                        List.of(new NewTopic("compacted", 1, (short) 3).configs(Map.of("cleanup.policy", "compact"))))
                .all()
                .get(30, TimeUnit.SECONDS);
        TopicPartition tp = new TopicPartition("compacted", 0);
        cluster.awaitLeader(tp);

        var future = cluster.admin()
                .deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(0)))
                .lowWatermarks()
                .get(tp);

        assertThat(future)
                .failsWithin(Duration.ofSeconds(30))
                .withThrowableThat()
                .havingCause()
                .isInstanceOf(PolicyViolationException.class);
    }

    private List<Long> logStartOffsets(TopicPartition tp) {
        List<Long> starts = new ArrayList<>();
        for (int id : cluster.brokerIds()) {
            cluster.broker(id)
                    .replicaManager()
                    .partition(tp)
                    .map(Partition::logStartOffset)
                    .ifPresent(starts::add);
        }
        assertThat(starts).hasSize(3);
        return starts;
    }

    private KafkaConsumer<String, String> consumer(String reset) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }
}
