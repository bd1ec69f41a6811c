package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.replication.log.MalformedBatches;
import io.sluice.replication.log.MalformedBatches.Shape;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Batches whose records are malformed, each with a CRC that matches, sent by raw Produce in every compression codec:
 * the broker refuses every one with {@code INVALID_RECORD} (or {@code CORRUPT_MESSAGE} for a payload its codec cannot
 * decode, a batch length that overflows), nothing reaches the log (the log end from ListOffsets does not move), and a
 * stock consumer of the partition reads the valid records produced before and after without an error. Compressed
 * batches claiming a gigabyte, and decompression bombs, are refused without the broker's heap paying for the claim.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class MalformedRecordsIT {
    private static final TopicPartition TP = new TopicPartition("walked", 0);
    private static final int VALID_BEFORE = 50;
    private static final int VALID_AFTER = 50;
    private static final long MIB = 1 << 20;

    private final ExecutorService background = Executors.newSingleThreadExecutor();
    private final AtomicBoolean stopConsuming = new AtomicBoolean();
    private final AtomicInteger consumerErrors = new AtomicInteger();
    private final List<String> consumed = new CopyOnWriteArrayList<>();
    private final List<Long> consumedOffsets = new CopyOnWriteArrayList<>();
    private InJvmCluster cluster;
    private int port;

    @BeforeEach
    void startBroker() throws Exception {
        cluster = InJvmCluster.start(1, Map.of());
        cluster.admin()
                .createTopics(List.of(new NewTopic(TP.topic(), 1, (short) 1)))
                .all()
                .get(30, TimeUnit.SECONDS);
        cluster.awaitLeader(TP);
        port = cluster.broker(1).boundPort();
    }

    @AfterEach
    void stopBroker() {
        stopConsuming.set(true);
        background.shutdownNow();
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void malformedRecordsAreRefusedInEveryCodecWhileAConsumerKeepsReading() throws Exception {
        CompletableFuture<Void> consumer = CompletableFuture.runAsync(this::consumeUntilStopped, background);
        produceValid(0, VALID_BEFORE, "lz4");
        await().atMost(Duration.ofSeconds(30)).until(() -> consumed.size() >= VALID_BEFORE);

        long end = logEndOffset();
        assertThat(end).isEqualTo(VALID_BEFORE);
        try (RawKafkaConnection connection = new RawKafkaConnection(port)) {
            for (CompressionType codec : CompressionType.values()) {
                for (Shape shape : Shape.values()) {
                    Errors expected = codec != CompressionType.NONE && shape.corruptWhenCompressed()
                            ? Errors.CORRUPT_MESSAGE
                            : Errors.INVALID_RECORD;
                    refused(connection, MalformedBatches.of(shape, codec), expected, shape + " " + codec);
                }
            }
            for (int length : new int[] {0x7fffffff, 0x7ffffff5, Integer.MIN_VALUE}) {
                refused(
                        connection,
                        MalformedBatches.withBatchLength(length),
                        Errors.CORRUPT_MESSAGE,
                        "batch length " + length);
            }
            assertThat(logEndOffset()).as("log end after every refusal").isEqualTo(end);

            // the connection still serves: a valid raw batch lands right where the refused ones did not
            PartitionProduceResponse valid =
                    RawRequests.produce(connection, TP, MalformedBatches.valid(CompressionType.GZIP, "raw-ok"));
            assertThat(Errors.forCode(valid.errorCode())).isEqualTo(Errors.NONE);
            assertThat(valid.baseOffset()).isEqualTo(end);
        }

        produceValid(VALID_BEFORE, VALID_AFTER, "zstd");
        int total = VALID_BEFORE + 1 + VALID_AFTER;
        await().atMost(Duration.ofSeconds(30)).until(() -> consumed.size() >= total);
        stopConsuming.set(true);
        consumer.get(30, TimeUnit.SECONDS);

        assertThat(consumerErrors).as("consumer errors").hasValue(0);
        List<String> expected = new ArrayList<>();
        List<Long> expectedOffsets = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            expected.add(i < VALID_BEFORE ? value(i) : i == VALID_BEFORE ? "raw-ok" : value(i - 1));
            expectedOffsets.add((long) i);
        }
        assertThat(consumed).as("the valid records, in order, nothing else").isEqualTo(expected);
        assertThat(consumedOffsets).isEqualTo(expectedOffsets);
    }

    @Test
    void gigabyteClaimsAndDecompressionBombsAreRefusedWithoutTheHeapGrowing() throws Exception {
        produceValid(0, 10, "none");
        long end = logEndOffset();
        // built before measuring: a bomb takes its 80 MiB to build here, not in the broker
        List<MemoryRecords> batches = new ArrayList<>();
        List<Errors> expected = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (CompressionType codec : CompressionType.values()) {
            if (codec == CompressionType.NONE) {
                continue;
            }
            batches.add(MalformedBatches.hugeClaim(codec, 1 << 30));
            expected.add(Errors.INVALID_RECORD);
            names.add("1 GiB claim " + codec);
            if (codec != CompressionType.SNAPPY) { // snappy expands at most ~21x: no bomb fits a request
                batches.add(MalformedBatches.bomb(codec, 80, 1 << 20));
                expected.add(Errors.MESSAGE_TOO_LARGE);
                names.add("80 MiB bomb " + codec);
            }
        }
        List<MemoryPoolMXBean> oldGen = oldGenerationPools();
        long usedBefore = usedHeapAfterGc();
        oldGen.forEach(MemoryPoolMXBean::resetPeakUsage);
        long oldUsedBefore =
                oldGen.stream().mapToLong(p -> p.getUsage().getUsed()).sum();

        try (RawKafkaConnection connection = new RawKafkaConnection(port)) {
            for (int i = 0; i < batches.size(); i++) {
                refused(connection, batches.get(i), expected.get(i), names.get(i));
            }
            assertThat(RawRequests.apiVersions(connection).data().errorCode())
                    .as("the broker still serves")
                    .isEqualTo(Errors.NONE.code());
        }
        assertThat(logEndOffset()).as("nothing appended").isEqualTo(end);

        long oldPeak =
                oldGen.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        assertThat(oldPeak - oldUsedBefore)
                .as(
                        "old generation growth while refusing 1 GiB claims (%s)",
                        oldGen.stream().map(MemoryPoolMXBean::getName).toList())
                .isLessThan(256 * MIB);
        assertThat(usedHeapAfterGc())
                .as("used heap after GC, before: %d MiB", usedBefore / MIB)
                .isLessThan(usedBefore + 128 * MIB);

        produceValid(10, 10, "gzip");
        assertThat(logEndOffset()).isEqualTo(end + 10);
    }

    private void refused(RawKafkaConnection connection, MemoryRecords batch, Errors expected, String what) {
        PartitionProduceResponse response = RawRequests.produce(connection, TP, batch);
        assertThat(Errors.forCode(response.errorCode()))
                .as("%s (%s)", what, response.errorMessage())
                .isEqualTo(expected);
        assertThat(response.errorMessage()).as("error message for %s", what).isNotBlank();
    }

    private long logEndOffset() throws Exception {
        return cluster.admin()
                .listOffsets(Map.of(TP, OffsetSpec.latest()))
                .partitionResult(TP)
                .get(30, TimeUnit.SECONDS)
                .offset();
    }

    private void produceValid(int from, int count, String compression) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(
                cluster.bootstrapServers(), Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression))) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = from; i < from + count; i++) {
                sends.add(producer.send(new ProducerRecord<>(
                        TP.topic(),
                        TP.partition(),
                        ("key-" + i).getBytes(StandardCharsets.UTF_8),
                        value(i).getBytes(StandardCharsets.UTF_8))));
            }
            Clients.awaitAll(sends);
        }
    }

    private void consumeUntilStopped() {
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            consumer.assign(List.of(TP));
            consumer.seekToBeginning(List.of(TP));
            while (!stopConsuming.get()) {
                try {
                    for (ConsumerRecord<byte[], byte[]> r :
                            consumer.poll(Duration.ofMillis(200)).records(TP)) {
                        consumed.add(new String(r.value(), StandardCharsets.UTF_8));
                        consumedOffsets.add(r.offset());
                    }
                } catch (RuntimeException e) {
                    consumerErrors.incrementAndGet();
                }
            }
        }
    }

    private static String value(int i) {
        return "valid-" + i;
    }

    private static List<MemoryPoolMXBean> oldGenerationPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isValid())
                .filter(p -> p.getName().contains("Old") || p.getName().contains("Tenured"))
                .toList();
    }

    private static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
