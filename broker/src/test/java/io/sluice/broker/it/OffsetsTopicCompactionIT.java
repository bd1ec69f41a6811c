package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code __consumer_offsets} is compacted: a stock consumer commits 20,000 times (three partitions each time) and the
 * offsets partition, which received some 60,000 records, stays a few segments small on every replica, while the group's
 * latest committed offsets survive the compaction. The offsets topic has one partition and 64 KiB segments
 * ({@code offsets.topic.num.partitions=1}, {@code offsets.topic.segment.bytes=65536}); the cleaner runs with its
 * defaults.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OffsetsTopicCompactionIT {
    private static final Logger LOG = LoggerFactory.getLogger(OffsetsTopicCompactionIT.class);
    private static final String TOPIC = "work";
    private static final int PARTITIONS = 3;
    private static final String GROUP = "committer";
    private static final int COMMITS = 20_000;
    private static final int SEGMENT_BYTES = 65_536;
    private static final TopicPartition OFFSETS = new TopicPartition("__consumer_offsets", 0);

    private InJvmCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(
                3,
                Map.of(
                        "offsets.topic.num.partitions",
                        "1",
                        "offsets.topic.segment.bytes",
                        Integer.toString(SEGMENT_BYTES)));
        cluster.createTopicAndAwaitFullIsr(TOPIC, PARTITIONS, 3, Map.of());
    }

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theOffsetsTopicStaysSmallUnderManyCommitsAndKeepsTheLatestOffsets() throws Exception {
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<Exception> firstFailure = new AtomicReference<>();
        long started = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(
                cluster.bootstrapServers(),
                Map.of(
                        ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000",
                        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000"))) {
            consumer.subscribe(List.of(TOPIC));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(100));
                return consumer.assignment().size() == PARTITIONS;
            });
            // let the consumer finish fetching its starting offsets: the client keeps an unanswered OffsetFetch of
            // the same partitions and generation and would hand its (pre-commit) answer to committed() below
            consumer.assignment().forEach(tp -> consumer.position(tp, Duration.ofSeconds(30)));
            for (int i = 1; i <= COMMITS; i++) {
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (TopicPartition tp : consumer.assignment()) {
                    offsets.put(tp, new OffsetAndMetadata(i));
                }
                if (i % 500 == 0) {
                    consumer.commitSync(offsets, Duration.ofSeconds(60));
                } else {
                    consumer.commitAsync(offsets, (o, e) -> {
                        if (e != null) {
                            failed.incrementAndGet();
                            firstFailure.compareAndSet(null, e);
                        }
                    });
                }
            }
            LOG.info(
                    "{} commits of {} partitions in {} ms",
                    COMMITS,
                    PARTITIONS,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            assertThat(failed.get())
                    .as("failed commits, first %s", firstFailure.get())
                    .isZero();

            int leader = cluster.awaitLeader(OFFSETS);
            long records = ReplicationReplicas.logEndOffset(cluster.broker(leader), OFFSETS);
            assertThat(records)
                    .as("records appended to %s", OFFSETS)
                    .isGreaterThanOrEqualTo((long) COMMITS * PARTITIONS);

            // every replica compacts the offsets partition down to a few segments
            long bound = 4L * SEGMENT_BYTES;
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        for (int id : cluster.brokerIds()) {
                            assertThat(CompactedLogs.segmentBytes(CompactedLogs.partitionDir(cluster, id, OFFSETS)))
                                    .as("bytes of %s segments on broker %d after %d records", OFFSETS, id, records)
                                    .isLessThanOrEqualTo(bound);
                        }
                    });
            for (int id : cluster.brokerIds()) {
                LOG.info(
                        "{} on broker {}: {} bytes of segments for {} records",
                        OFFSETS,
                        id,
                        CompactedLogs.segmentBytes(CompactedLogs.partitionDir(cluster, id, OFFSETS)),
                        records);
            }

            // the latest commit of every partition is still there
            Map<TopicPartition, OffsetAndMetadata> committed = GroupChecks.committed(cluster.admin(), GROUP);
            for (int p = 0; p < PARTITIONS; p++) {
                assertThat(committed.get(new TopicPartition(TOPIC, p)))
                        .as("committed offset of partition %d", p)
                        .extracting(OffsetAndMetadata::offset)
                        .isEqualTo((long) COMMITS);
            }
            assertThat(consumer.committed(consumer.assignment(), Duration.ofSeconds(30))
                            .values())
                    .allSatisfy(o -> assertThat(o.offset()).isEqualTo((long) COMMITS));
        }
    }
}
