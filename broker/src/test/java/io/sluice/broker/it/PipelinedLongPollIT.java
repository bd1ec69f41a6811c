package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Gauge;
import io.sluice.replication.purgatory.PurgatoryMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hostile client cannot fill a broker's purgatory: five raw connections each pipeline 10,000 long-poll fetches
 * ({@code max.wait.ms} 10 minutes, {@code min.bytes} 1 MB) for a partition that gets no data. Each connection is
 * muted while its first fetch waits, so the fetch purgatory holds at most one entry per connection; an unrelated
 * acks=all producer (stock client, RF 3, {@code min.insync.replicas=2}) sees no error meanwhile. Once the connections
 * close, their fetches leave the purgatory at once (it returns to its earlier level without waiting for the 10-minute
 * deadlines), and the heap after a GC is back near where it was.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PipelinedLongPollIT {
    private static final Logger log = LoggerFactory.getLogger(PipelinedLongPollIT.class);

    private static final int CONNECTIONS = 5;
    private static final int FETCHES_PER_CONNECTION = 10_000;
    private static final short FETCH_VERSION = 12;
    private static final TopicPartition IDLE = new TopicPartition("no-new-data", 0);
    private static final String STEADY = "steady";
    /** How long the acks=all producer works while the hostile connections are open. */
    private static final Duration ATTACK = Duration.ofSeconds(10);
    /** Generous: the unbounded purgatory this guards against grew the heap by ~250 MB with these clients. */
    private static final long HEAP_SLACK_BYTES = 64L * 1024 * 1024;

    private final ExecutorService writers = Executors.newFixedThreadPool(CONNECTIONS);
    private final List<Socket> hostile = new ArrayList<>();
    private InJvmCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(3, Map.of());
        cluster.createTopicAndAwaitFullIsr(IDLE.topic(), 1, 1, Map.of());
        cluster.createTopicAndAwaitFullIsr(STEADY, 1, 3, Map.of("min.insync.replicas", "2"));
    }

    @AfterEach
    void stopCluster() throws IOException {
        for (Socket socket : hostile) {
            socket.close();
        }
        writers.shutdownNow();
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void pipelinedLongPollsAreBoundedPerConnectionAndLeaveThePurgatoryWhenTheConnectionsClose() throws Exception {
        int target = cluster.leaderOf(IDLE);
        AtomicInteger producerErrors = new AtomicInteger();
        AtomicLong acknowledged = new AtomicLong();
        AtomicLong slowestAckMs = new AtomicLong();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(
                cluster.bootstrapServers(),
                Map.of(
                        ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000",
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000"))) {
            // Warm the producer up (metadata, buffer pool) before the heap baseline.
            produce(producer, 200, producerErrors, acknowledged, slowestAckMs);
            List<Double> fetchSizes = new ArrayList<>();
            List<Double> fetchDelayed = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                fetchSizes.add(purgatory(target, PurgatoryMetrics.SIZE));
                fetchDelayed.add(purgatory(target, PurgatoryMetrics.DELAYED));
                produce(producer, 20, producerErrors, acknowledged, slowestAckMs);
            }
            double baselineSize = fetchSizes.stream().mapToDouble(d -> d).max().orElseThrow();
            double baselineDelayed =
                    fetchDelayed.stream().mapToDouble(d -> d).max().orElseThrow();
            long heapBefore = heapAfterGc();
            log.info(
                    "Before: fetch purgatory size <= {}, delayed <= {}, heap after GC {} MB",
                    baselineSize,
                    baselineDelayed,
                    heapBefore >> 20);

            List<Future<Integer>> written = new ArrayList<>();
            int port = cluster.broker(target).boundPort();
            for (int c = 0; c < CONNECTIONS; c++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                hostile.add(socket);
                written.add(writers.submit(() -> pipelineLongPolls(socket)));
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> purgatory(target, PurgatoryMetrics.DELAYED) >= baselineDelayed + CONNECTIONS);

            // While the hostile connections are open: the producer keeps working, the purgatory stays bounded.
            double maxDelayed = 0;
            double maxSize = 0;
            long attackEnd = System.nanoTime() + ATTACK.toNanos();
            while (System.nanoTime() < attackEnd) {
                produce(producer, 50, producerErrors, acknowledged, slowestAckMs);
                maxDelayed = Math.max(maxDelayed, purgatory(target, PurgatoryMetrics.DELAYED));
                maxSize = Math.max(maxSize, purgatory(target, PurgatoryMetrics.SIZE));
            }
            int sent = 0;
            for (Future<Integer> w : written) {
                sent += w.isDone() ? w.get() : -1;
            }
            log.info(
                    "During: fetch purgatory size <= {}, delayed <= {}; writers finished: {}",
                    maxSize,
                    maxDelayed,
                    sent);
            assertThat(maxDelayed)
                    .as("one waiting fetch per muted connection")
                    .isLessThanOrEqualTo(baselineDelayed + CONNECTIONS);
            assertThat(maxSize).isLessThanOrEqualTo(baselineSize + CONNECTIONS);
            assertThat(producerErrors)
                    .as("errors of the unrelated acks=all producer")
                    .hasValue(0);

            // The clients reset their connections. A FIN would queue behind the requests still in the clients' send
            // buffers (the broker does not read muted connections), so the broker would notice the close only when
            // the fetch in flight times out; a reset is seen at once.
            for (Socket socket : hostile) {
                socket.setSoLinger(true, 0);
                socket.close();
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> purgatory(target, PurgatoryMetrics.SIZE) <= baselineSize
                            && purgatory(target, PurgatoryMetrics.DELAYED) <= baselineDelayed);

            long heapAfter = heapAfterGc();
            log.info(
                    "After: heap after GC {} MB (before {} MB); producer: {} acknowledged, slowest ack {} ms",
                    heapAfter >> 20,
                    heapBefore >> 20,
                    acknowledged.get(),
                    slowestAckMs.get());
            assertThat(heapAfter).isLessThan(heapBefore + HEAP_SLACK_BYTES);
            produce(producer, 50, producerErrors, acknowledged, slowestAckMs);
            assertThat(producerErrors).hasValue(0);
        }
    }

    /** Sends {@code count} records with acks=all and waits for all of them, counting failures. */
    private static void produce(
            KafkaProducer<byte[], byte[]> producer,
            int count,
            AtomicInteger errors,
            AtomicLong acknowledged,
            AtomicLong slowestAckMs)
            throws InterruptedException {
        List<Future<?>> sends = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            sends.add(producer.send(
                    new ProducerRecord<>(STEADY, ("v-" + i).getBytes(StandardCharsets.UTF_8)), (metadata, e) -> {
                        if (e != null) {
                            errors.incrementAndGet();
                            log.warn("acks=all send failed", e);
                        } else {
                            acknowledged.incrementAndGet();
                            slowestAckMs.accumulateAndGet(
                                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), Math::max);
                        }
                    }));
        }
        for (Future<?> send : sends) {
            try {
                send.get(90, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // counted by the callback (a timeout here means a send is stuck: the callback never ran)
                if (e instanceof java.util.concurrent.TimeoutException) {
                    errors.incrementAndGet();
                }
            }
        }
    }

    /**
     * Writes {@link #FETCHES_PER_CONNECTION} long-poll fetches back to back without reading; returns how many were
     * written before the socket was closed (writes block once the broker stops reading and the buffers are full).
     */
    private static int pipelineLongPolls(Socket socket) {
        int written = 0;
        try {
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < FETCHES_PER_CONNECTION; i++) {
                RequestHeader header = new RequestHeader(ApiKeys.FETCH, FETCH_VERSION, "hostile-client", i);
                out.write(RawKafkaConnection.toArray(RawKafkaConnection.frame(header, longPoll())));
                written++;
            }
            out.flush();
        } catch (IOException e) {
            // the test closed the socket while the broker was not reading it
        }
        return written;
    }

    private static FetchRequestData longPoll() {
        FetchRequestData request = new FetchRequestData()
                .setReplicaId(-1)
                .setMaxWaitMs(600_000)
                .setMinBytes(1024 * 1024)
                .setMaxBytes(1024 * 1024)
                .setIsolationLevel((byte) 0)
                .setSessionId(0)
                .setSessionEpoch(-1);
        FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setTopic(IDLE.topic());
        topic.partitions()
                .add(new FetchRequestData.FetchPartition()
                        .setPartition(IDLE.partition())
                        .setFetchOffset(0)
                        .setLogStartOffset(-1)
                        .setPartitionMaxBytes(1024 * 1024)
                        .setCurrentLeaderEpoch(-1));
        request.topics().add(topic);
        return request;
    }

    private double purgatory(int brokerId, String meter) {
        Gauge gauge = cluster.registry(brokerId)
                .find(meter)
                .tag(PurgatoryMetrics.TAG, "Fetch")
                .gauge();
        return gauge == null ? 0 : gauge.value();
    }

    /** Heap in use after a full collection (a few rounds, so that finalizable and soft garbage is gone). */
    private static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
