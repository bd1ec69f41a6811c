package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.server.BrokerServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Log compaction on three brokers with stock clients: 100,000 updates over 1,000 keys and tombstones for some keys
 * compact to one record per live key with its latest value; the tombstones go after {@code delete.retention.ms}; a
 * record without a key is refused; a broker crashed while it cleans comes back with every live key's latest value, as
 * do the other replicas.
 *
 * <p>Segments are small ({@code segment.bytes} 64 KiB, {@code segment.ms} 2 s) and {@code min.cleanable.dirty.ratio}
 * is 0.01, so the cleaner has work soon. The cleaner never touches the active segment, so the test appends records of
 * a separate marker key until the data it checks sits in rolled segments; marker records are left out of the checks.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CompactionIT {
    private static final Logger LOG = LoggerFactory.getLogger(CompactionIT.class);
    private static final TopicPartition TP = new TopicPartition("compacted", 0);
    private static final int KEYS = 1_000;
    private static final int UPDATES = 100_000;
    private static final String MARKER = "~marker";
    private static final Duration COMPACTION_WAIT = Duration.ofSeconds(90);

    private InJvmCluster cluster;
    private final Random random = new Random(20_261_121L);
    private final AtomicInteger markers = new AtomicInteger();
    /**
     * The last value sent per data key; null for a key whose last record is a tombstone. Touched by one thread at a time
     * (the test thread, or the thread sending the second round of updates while the test thread waits for it).
     */
    private final Map<String, String> expected = new HashMap<>();

    @BeforeEach
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(3, Map.of("log.cleaner.enable", "true", "log.cleaner.backoff.ms", "1000"));
        cluster.createTopicAndAwaitFullIsr(
                TP.topic(),
                1,
                3,
                Map.of(
                        "cleanup.policy", "compact",
                        "segment.bytes", "65536",
                        "segment.ms", "2000",
                        "min.cleanable.dirty.ratio", "0.01",
                        "delete.retention.ms", "2000",
                        "min.insync.replicas", "2"));
    }

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void compactionKeepsTheLatestValueOfEveryLiveKeyDropsTombstonesAndSurvivesACrashWhileCleaning() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer =
                        Clients.producer(cluster.bootstrapServers(), Map.of(ProducerConfig.LINGER_MS_CONFIG, "5"));
                KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            // a keyless record has no place in a compacted topic
            try (KafkaProducer<byte[], byte[]> keyless = Clients.producer(cluster.bootstrapServers(), Map.of())) {
                assertThatThrownBy(
                                () -> keyless.send(new ProducerRecord<>(TP.topic(), TP.partition(), null, bytes("v")))
                                        .get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .cause()
                        .isInstanceOf(InvalidRecordException.class);
            }

            // 100,000 updates over 1,000 keys; then tombstones for keys 0..99, and keys 90..99 come back
            long produceStart = System.nanoTime();
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < UPDATES; i++) {
                sends.add(update(producer, random.nextInt(KEYS), i));
            }
            for (int k = 0; k < 100; k++) {
                sends.add(send(producer, key(k), null));
            }
            for (int k = 90; k < 100; k++) {
                sends.add(update(producer, k, UPDATES + k));
            }
            long lastData = Clients.awaitAll(sends).get(sends.size() - 1).offset();
            LOG.info(
                    "[{}] {} records up to offset {} in {} ms, {} bytes of segments on the leader",
                    TP,
                    sends.size(),
                    lastData,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - produceStart),
                    CompactedLogs.segmentBytes(CompactedLogs.partitionDir(cluster, cluster.awaitLeader(TP), TP)));
            Set<String> deleted = deletedKeys();
            assertThat(deleted).hasSize(90);

            // compacted: each key at most once, every live key with its latest value, no deleted key with a value
            rollPast(producer, lastData);
            await().atMost(COMPACTION_WAIT)
                    .pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> assertCompacted(CompactedLogs.consume(consumer, TP), "the consumer's"));

            // after delete.retention.ms the tombstones go too (the markers give the cleaner dirty data to run on)
            await().atMost(COMPACTION_WAIT)
                    .pollInterval(Duration.ofMillis(2500))
                    .untilAsserted(() -> {
                        dirtyWithMarkers(producer);
                        List<CompactedLogs.Entry> read = CompactedLogs.consume(consumer, TP);
                        assertCompacted(read, "the consumer's");
                        assertThat(read.stream().filter(e -> deleted.contains(e.key())))
                                .as("records of deleted keys")
                                .isEmpty();
                    });

            // 50,000 more updates; the leader is crashed as soon as it is seen cleaning them, while they are sent
            int victim = cluster.awaitLeader(TP);
            Path victimDir = CompactedLogs.partitionDir(cluster, victim, TP);
            Set<String> filesBefore = new HashSet<>(CompactedLogs.fileNames(victimDir));
            CompletableFuture<Long> moreUpdates = CompletableFuture.supplyAsync(() -> {
                List<Future<RecordMetadata>> more = new ArrayList<>();
                for (int i = 0; i < UPDATES / 2; i++) {
                    more.add(update(producer, 100 + random.nextInt(KEYS - 100), UPDATES + 1_000 + i));
                }
                try {
                    return Clients.awaitAll(more).get(more.size() - 1).offset();
                } catch (Exception e) {
                    throw new IllegalStateException("updates failed", e);
                }
            });
            AtomicLong largest = new AtomicLong();
            AtomicReference<String> seen = new AtomicReference<>();
            await().atMost(COMPACTION_WAIT).pollInterval(Duration.ofMillis(5)).until(() -> {
                seen.set(cleaningSign(victimDir, filesBefore, largest));
                return seen.get() != null;
            });
            cluster.crash(victim);
            LOG.info("[{}] crashed leader {} on: {}", TP, victim, seen.get());
            cluster.awaitNewLeader(TP, victim);
            cluster.restart(victim);
            lastData = moreUpdates.get(120, TimeUnit.SECONDS);
            cluster.awaitIsr(TP, 3);
            rollPast(producer, lastData);

            // every replica, the restarted one too, holds every live key's latest value and compacts again
            await().atMost(COMPACTION_WAIT)
                    .pollInterval(Duration.ofMillis(2500))
                    .ignoreExceptions()
                    .untilAsserted(() -> {
                        dirtyWithMarkers(producer);
                        for (int id : cluster.brokerIds()) {
                            BrokerServer broker = cluster.broker(id);
                            assertCompacted(CompactedLogs.replica(broker, TP), "broker " + id + "'s replica");
                        }
                    });
            assertCompacted(CompactedLogs.consume(consumer, TP), "the consumer's");
        }
    }

    /** Key {@code k}, value naming the key and the update. */
    private Future<RecordMetadata> update(KafkaProducer<byte[], byte[]> producer, int k, int i) {
        return send(producer, key(k), "k" + k + "-update-" + i + "-" + "v".repeat(i % 29));
    }

    private Future<RecordMetadata> send(KafkaProducer<byte[], byte[]> producer, String key, String value) {
        expected.put(key, value);
        return producer.send(new ProducerRecord<>(TP.topic(), TP.partition(), bytes(key), bytes(value)));
    }

    private static String key(int k) {
        return String.format("key-%04d", k);
    }

    private Set<String> deletedKeys() {
        Set<String> out = new HashSet<>();
        expected.forEach((k, v) -> {
            if (v == null) {
                out.add(k);
            }
        });
        return out;
    }

    /**
     * Asserts that {@code read} holds each data key at most once, every live key with its latest value, and deleted
     * keys only as tombstones.
     */
    private void assertCompacted(List<CompactedLogs.Entry> read, String what) {
        Map<String, Integer> count = new HashMap<>();
        for (CompactedLogs.Entry e : read) {
            if (!e.key().equals(MARKER)) {
                count.merge(e.key(), 1, Integer::sum);
            }
        }
        Map<String, String> latest = CompactedLogs.latest(read);
        expected.forEach((key, value) -> {
            if (value != null) {
                assertThat(latest.get(key))
                        .as("%s latest value of live %s", what, key)
                        .isEqualTo(value);
            } else {
                assertThat(latest.get(key))
                        .as("%s value of deleted %s", what, key)
                        .isNull();
            }
        });
        assertThat(count.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey))
                .as("%s keys held more than once (%d records in all)", what, read.size())
                .isEmpty();
        assertThat(count.keySet()).as("%s keys", what).isSubsetOf(expected.keySet());
    }

    /** Appends marker records until the leader's active segment starts after {@code offset}. */
    private void rollPast(KafkaProducer<byte[], byte[]> producer, long offset) {
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    producer.send(marker(32)).get(30, TimeUnit.SECONDS);
                    int leader = cluster.awaitLeader(TP);
                    return CompactedLogs.activeSegmentBaseOffset(CompactedLogs.partitionDir(cluster, leader, TP))
                            > offset;
                });
    }

    /** Appends 100 marker records of 500 bytes: dirty data that makes the cleaner run again. */
    private void dirtyWithMarkers(KafkaProducer<byte[], byte[]> producer) throws Exception {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            sends.add(producer.send(marker(500)));
        }
        Clients.awaitAll(sends);
    }

    private ProducerRecord<byte[], byte[]> marker(int size) {
        String value = "m" + markers.incrementAndGet() + "-" + "x".repeat(size);
        return new ProducerRecord<>(TP.topic(), TP.partition(), bytes(MARKER), bytes(value));
    }

    /**
     * A sign that the cleaner works on {@code dir}: a cleaner's temporary or swap file, or a segment renamed for
     * deletion, that was not there before; or the segments shrinking below the largest size seen (nothing else makes a
     * compacted log smaller). Null if none yet.
     */
    private static String cleaningSign(Path dir, Set<String> filesBefore, AtomicLong largest) {
        for (String name : CompactedLogs.fileNames(dir)) {
            if (!filesBefore.contains(name)
                    && (name.endsWith(".cleaned") || name.endsWith(".swap") || name.endsWith(".deleted"))) {
                return "file " + name;
            }
        }
        long now = CompactedLogs.segmentBytes(dir);
        long before = largest.getAndAccumulate(now, Math::max);
        return now < before ? "segments shrank from " + before + " to " + now + " bytes" : null;
    }

    private static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
