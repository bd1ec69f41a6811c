package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Malformed input on some connections harms nothing else: while a stock idempotent producer (acks=all) and a consumer
 * work on one topic, raw sockets to the same broker send an oversized length prefix, random bytes, a produce batch
 * with a flipped byte, an unknown API key and a truncated frame. Each gets its documented reaction (the connection
 * closed, or {@code CORRUPT_MESSAGE} with nothing appended); the clients see no error and every record exactly once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MalformedInputIT {
    private static final int RANDOM_ROUNDS = 10;
    private static final int MAX_REQUEST_BYTES = 1024 * 1024;
    private static final TopicPartition STEADY = new TopicPartition("steady", 0);
    private static final TopicPartition TARGET = new TopicPartition("raw-target", 0);

    private final ExecutorService clients = Executors.newFixedThreadPool(2);
    private InJvmCluster cluster;
    private int port;
    private final AtomicBoolean stopProducing = new AtomicBoolean();
    private final AtomicInteger producerErrors = new AtomicInteger();
    private final AtomicInteger consumerErrors = new AtomicInteger();
    private final AtomicLong acknowledged = new AtomicLong();
    private final List<String> consumed = new CopyOnWriteArrayList<>();
    private final List<Long> consumedOffsets = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startBroker() throws Exception {
        cluster = InJvmCluster.start(1, Map.of("socket.request.max.bytes", Integer.toString(MAX_REQUEST_BYTES)));
        cluster.admin()
                .createTopics(
                        List.of(new NewTopic(STEADY.topic(), 1, (short) 1), new NewTopic(TARGET.topic(), 1, (short) 1)))
                .all()
                .get(30, TimeUnit.SECONDS);
        cluster.awaitLeader(STEADY);
        cluster.awaitLeader(TARGET);
        port = cluster.broker(1).boundPort();
    }

    @AfterEach
    void stopBroker() {
        stopProducing.set(true);
        clients.shutdownNow();
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void malformedConnectionsAreClosedWhileClientsKeepWorking() throws Exception {
        CompletableFuture<Integer> producer = CompletableFuture.supplyAsync(this::produceUntilStopped, clients);
        AtomicBoolean stopConsuming = new AtomicBoolean();
        CompletableFuture<Void> consumer = CompletableFuture.runAsync(() -> consumeUntil(stopConsuming), clients);
        await().atMost(Duration.ofSeconds(30)).until(() -> consumed.size() >= 100);

        try (RawKafkaConnection bystander = new RawKafkaConnection(port)) {
            oversizedLengthPrefixClosesTheConnection();
            assertStillServes(bystander);
            randomBytesCloseTheConnection();
            assertStillServes(bystander);
            flippedByteIsCorruptMessageAndNothingIsAppended();
            assertStillServes(bystander);
            unknownApiKeyClosesTheConnection();
            assertStillServes(bystander);
            truncatedFrameThenCloseBreaksNothing();
            assertStillServes(bystander);
        }

        int progressMark = consumed.size();
        await().atMost(Duration.ofSeconds(30)).until(() -> consumed.size() > progressMark + 100);
        stopProducing.set(true);
        int produced = producer.get(60, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> consumed.size() >= produced);
        stopConsuming.set(true);
        consumer.get(30, TimeUnit.SECONDS);

        assertThat(producerErrors).as("producer errors").hasValue(0);
        assertThat(consumerErrors).as("consumer errors").hasValue(0);
        assertThat(acknowledged).as("acknowledged sends").hasValue(produced);
        List<String> expected = new ArrayList<>(produced);
        List<Long> expectedOffsets = new ArrayList<>(produced);
        for (int i = 0; i < produced; i++) {
            expected.add(value(i));
            expectedOffsets.add((long) i);
        }
        assertThat(consumed).as("every record exactly once, in order").isEqualTo(expected);
        assertThat(consumedOffsets).isEqualTo(expectedOffsets);
        try (RawKafkaConnection fresh = new RawKafkaConnection(port)) {
            assertStillServes(fresh);
        }
    }

    private void oversizedLengthPrefixClosesTheConnection() {
        double before = rejected("frame_size");
        try (RawKafkaConnection connection = new RawKafkaConnection(port)) {
            ByteBuffer prefix = ByteBuffer.allocate(Integer.BYTES + 64);
            prefix.putInt(MAX_REQUEST_BYTES + 1);
            connection.send(prefix.array());
            assertThat(connection.closedByServer())
                    .as("a length prefix above socket.request.max.bytes closes the connection")
                    .isTrue();
        }
        awaitRejected("frame_size", before + 1);
    }

    private void randomBytesCloseTheConnection() {
        double frameSize = rejected("frame_size");
        double malformedBody = rejected("malformed_body");
        double all = rejected(null);
        Random random = new Random(20_261_121L);
        for (int round = 0; round < RANDOM_ROUNDS; round++) {
            byte[] garbage = new byte[16 + random.nextInt(512)];
            random.nextBytes(garbage);
            // as they come: the first four bytes, read as a length, are far outside 0..socket.request.max.bytes
            garbage[0] = (byte) (0x80 | garbage[0]);
            try (RawKafkaConnection connection = new RawKafkaConnection(port)) {
                connection.send(garbage);
                assertThat(connection.closedByServer())
                        .as("unframed random bytes (round %d) close the connection", round)
                        .isTrue();
            }
            // framed: a valid length, then a random header and body
            random.nextBytes(garbage);
            try (RawKafkaConnection connection = new RawKafkaConnection(port)) {
                connection.send(ByteBuffer.allocate(Integer.BYTES + garbage.length)
                        .putInt(garbage.length)
                        .put(garbage)
                        .array());
                assertThat(connection.closedByServer())
                        .as("a frame of random bytes (round %d, key %d) closes the connection", round, key(garbage))
                        .isTrue();
            }
            // a well-formed Produce v9 header, then a random body
            random.nextBytes(garbage);
            try (RawKafkaConnection connection = new RawKafkaConnection(port)) {
                RequestHeader header = connection.header(ApiKeys.PRODUCE, RawRequests.PRODUCE_VERSION);
                ByteBuffer headerBytes = RawKafkaConnection.frame(header, new ProduceRequestData());
                byte[] headerOnly = new byte[header.size()];
                headerBytes.position(Integer.BYTES).get(headerOnly);
                connection.send(ByteBuffer.allocate(Integer.BYTES + headerOnly.length + garbage.length)
                        .putInt(headerOnly.length + garbage.length)
                        .put(headerOnly)
                        .put(garbage)
                        .array());
                assertThat(connection.closedByServer())
                        .as("a Produce header with a random body (round %d) closes the connection", round)
                        .isTrue();
            }
        }
        awaitRejected("frame_size", frameSize + RANDOM_ROUNDS);
        awaitRejected("malformed_body", malformedBody + RANDOM_ROUNDS);
        // the framed random headers: an unknown API key or a malformed header
        awaitRejected(null, all + 3 * RANDOM_ROUNDS);
    }

    private static int key(byte[] frame) {
        return frame.length >= 2 ? ByteBuffer.wrap(frame).getShort() : -1;
    }

    private void flippedByteIsCorruptMessageAndNothingIsAppended() {
        MemoryRecords batch = MemoryRecords.withRecords(
                Compression.NONE,
                new SimpleRecord(
                        1_000L,
                        "k1".getBytes(StandardCharsets.UTF_8),
                        "v".repeat(200).getBytes(StandardCharsets.UTF_8)),
                new SimpleRecord(
                        1_001L,
                        "k2".getBytes(StandardCharsets.UTF_8),
                        "w".repeat(200).getBytes(StandardCharsets.UTF_8)));
        long endBefore = logEndOffset(TARGET);
        try (RawKafkaConnection connection = new RawKafkaConnection(port)) {
            MemoryRecords corrupt = RawRequests.flipByte(batch, batch.sizeInBytes() - 100);
            ProduceResponseData.PartitionProduceResponse response = RawRequests.produce(connection, TARGET, corrupt);
            assertThat(Errors.forCode(response.errorCode()))
                    .as("flipped byte after the CRC")
                    .isEqualTo(Errors.CORRUPT_MESSAGE);
            assertThat(logEndOffset(TARGET)).as("nothing appended").isEqualTo(endBefore);

            // the connection stays usable, and the intact batch lands exactly where the corrupt one did not
            ProduceResponseData.PartitionProduceResponse intact = RawRequests.produce(connection, TARGET, batch);
            assertThat(Errors.forCode(intact.errorCode())).isEqualTo(Errors.NONE);
            assertThat(intact.baseOffset()).isEqualTo(endBefore);
            assertThat(logEndOffset(TARGET)).isEqualTo(endBefore + 2);
        }
    }

    private void unknownApiKeyClosesTheConnection() {
        double before = rejected("unknown_api");
        try (RawKafkaConnection connection = new RawKafkaConnection(port)) {
            ByteBuffer frame = ByteBuffer.allocate(64);
            frame.putInt(0); // length, set below
            frame.putShort((short) 31_000).putShort((short) 0).putInt(7);
            byte[] clientId = "raw-test-client".getBytes(StandardCharsets.UTF_8);
            frame.putShort((short) clientId.length).put(clientId);
            frame.putInt(0, frame.position() - Integer.BYTES).flip();
            connection.send(frame);
            assertThat(connection.closedByServer())
                    .as("an unknown API key closes the connection")
                    .isTrue();
        }
        try (RawKafkaConnection connection = new RawKafkaConnection(port)) {
            // a key the codec knows but this broker does not serve is refused the same way
            ByteBuffer frame = ByteBuffer.allocate(16)
                    .putInt(8)
                    .putShort(ApiKeys.BROKER_HEARTBEAT.id)
                    .putShort((short) 0)
                    .putInt(8)
                    .flip();
            connection.send(frame);
            assertThat(connection.closedByServer())
                    .as("an API this broker does not serve closes the connection")
                    .isTrue();
        }
        awaitRejected("unknown_api", before + 2);
    }

    private void truncatedFrameThenCloseBreaksNothing() {
        double before = rejected("truncated");
        long endBefore = logEndOffset(TARGET);
        MemoryRecords batch = MemoryRecords.withRecords(
                Compression.NONE, new SimpleRecord("truncated".getBytes(StandardCharsets.UTF_8)));
        try (RawKafkaConnection connection = new RawKafkaConnection(port)) {
            // a produce request cut in the middle of its batch, then the client goes away
            byte[] frame = RawKafkaConnection.toArray(RawKafkaConnection.frame(
                    connection.header(ApiKeys.PRODUCE, RawRequests.PRODUCE_VERSION),
                    RawRequests.produceRequest(TARGET, batch)));
            connection.send(Arrays.copyOf(frame, frame.length - 10));
        }
        awaitRejected("truncated", before + 1);
        assertThat(logEndOffset(TARGET)).as("nothing appended").isEqualTo(endBefore);
    }

    /** Connections closed for {@code reason} so far ({@code null}: for any reason). */
    private double rejected(String reason) {
        var search = cluster.registry(1).find("sluice.network.rejected.connections");
        return (reason == null ? search : search.tag("reason", reason))
                .counters().stream().mapToDouble(Counter::count).sum();
    }

    private void awaitRejected(String reason, double expected) {
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(rejected(reason))
                        .as("connections rejected for %s", reason == null ? "any reason" : reason)
                        .isEqualTo(expected));
    }

    private static void assertStillServes(RawKafkaConnection connection) {
        assertThat(RawRequests.apiVersions(connection).data().errorCode())
                .as("ApiVersions on an untouched connection")
                .isEqualTo(Errors.NONE.code());
    }

    private long logEndOffset(TopicPartition tp) {
        return cluster.broker(1).logManager().getLog(tp).orElseThrow().logEndOffset();
    }

    private static String value(int i) {
        return "record-" + i;
    }

    /** Sends records 0, 1, 2, ... until told to stop, in small pipelined groups; returns how many were sent. */
    private int produceUntilStopped() {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(
                cluster.bootstrapServers(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"))) {
            int sent = 0;
            while (!stopProducing.get()) {
                for (int i = 0; i < 20; i++, sent++) {
                    producer.send(
                            new ProducerRecord<>(
                                    STEADY.topic(),
                                    STEADY.partition(),
                                    ("key-" + sent).getBytes(StandardCharsets.UTF_8),
                                    value(sent).getBytes(StandardCharsets.UTF_8)),
                            (metadata, error) -> {
                                if (error != null) {
                                    producerErrors.incrementAndGet();
                                } else {
                                    acknowledged.incrementAndGet();
                                }
                            });
                }
                producer.flush();
            }
            return sent;
        }
    }

    private void consumeUntil(AtomicBoolean stop) {
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of())) {
            consumer.assign(List.of(STEADY));
            consumer.seekToBeginning(List.of(STEADY));
            while (!stop.get()) {
                try {
                    for (ConsumerRecord<byte[], byte[]> r :
                            consumer.poll(Duration.ofMillis(200)).records(STEADY)) {
                        consumed.add(new String(r.value(), StandardCharsets.UTF_8));
                        consumedOffsets.add(r.offset());
                    }
                } catch (RuntimeException e) {
                    consumerErrors.incrementAndGet();
                }
            }
        }
    }
}
