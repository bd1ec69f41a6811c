package io.sluice.replication.partition;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.replication.fetcher.FetcherConfig;
import io.sluice.replication.fetcher.LeaderEndpoint;
import io.sluice.replication.fetcher.LeaderEndpointFactory;
import io.sluice.replication.fetcher.ReplicaFetcherManager;
import io.sluice.replication.log.LogConfig;
import io.sluice.replication.log.LogManager;
import io.sluice.replication.quota.ReplicaQuota;
import io.sluice.testsupport.ManualClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

/** One broker's replication stack on a temp dir, driven by a manual clock: the unit under test in these tests. */
final class TestBroker implements AutoCloseable {
    static final long LAG_MS = 10_000L;
    static final long RETRY_BACKOFF_MS = 10L;
    static final LogConfig LOG_CONFIG =
            LogConfig.defaults().withSegmentBytes(1024 * 1024).withMaxIndexSize(64 * 1024);

    /** An endpoint factory for brokers whose fetchers must not reach anyone: every fetch fails. */
    static final LeaderEndpointFactory UNREACHABLE = leaderId -> new LeaderEndpoint() {
        @Override
        public int leaderId() {
            return leaderId;
        }

        @Override
        public CompletableFuture<org.apache.kafka.common.message.FetchResponseData> fetch(
                org.apache.kafka.common.message.FetchRequestData request) {
            return CompletableFuture.failedFuture(new IOException("no network in this test"));
        }

        @Override
        public void close() {}
    };

    final int id;
    final Path dir;
    final ManualClock clock;
    final ControllerStub controller;
    private final LeaderEndpointFactory endpoints;
    MeterRegistry registry;
    ScheduledExecutorService scheduler;
    LogManager logManager;
    ReplicaManager replicaManager;
    /** The leader throttle the next {@link #start()} gives the replica manager. */
    ReplicaQuota leaderQuota = ReplicaQuota.UNBOUNDED;

    private int controllerEpoch = 1;

    TestBroker(int id, Path dir, ManualClock clock, ControllerStub controller, LeaderEndpointFactory endpoints) {
        this.id = id;
        this.dir = dir;
        this.clock = clock;
        this.controller = controller;
        this.endpoints = endpoints;
        start();
    }

    void start() {
        registry = new SimpleMeterRegistry();
        scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "test-scheduler-" + id);
            t.setDaemon(true);
            return t;
        });
        logManager = new LogManager(List.of(dir), LOG_CONFIG, 1, clock, scheduler);
        logManager.startup();
        ReplicaFetcherManager fetchers = new ReplicaFetcherManager(
                id,
                new FetcherConfig(1, 1024 * 1024, 4 * 1024 * 1024, 500, 1, 20L),
                endpoints,
                Clock.systemUTC(),
                registry);
        replicaManager = new ReplicaManager(
                new ReplicaManagerConfig(id, LAG_MS, RETRY_BACKOFF_MS, 3_600_000L),
                logManager,
                fetchers,
                controller,
                () -> 1000L + id,
                scheduler,
                clock,
                clock::nanoseconds,
                Duration.ofMillis(5),
                registry,
                leaderQuota);
        replicaManager.startup();
    }

    void stop() {
        replicaManager.shutdown();
        logManager.shutdown();
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void restart() {
        stop();
        start();
    }

    @Override
    public void close() {
        if (replicaManager.lifecycleState() != ReplicaManager.State.SHUT_DOWN) {
            stop();
        }
    }

    Errors leaderAndIsr(
            TopicPartition tp,
            int leader,
            int leaderEpoch,
            List<Integer> isr,
            List<Integer> replicas,
            int partitionEpoch,
            int minIsr) {
        Map<TopicPartition, Errors> result = replicaManager.becomeLeaderOrFollower(
                controllerEpoch,
                List.of(PartitionStates.state(tp, leader, leaderEpoch, isr, replicas, partitionEpoch)),
                Map.of(),
                topic -> new TopicSettings(minIsr, LOG_CONFIG));
        return result.get(tp);
    }

    Partition partition(TopicPartition tp) {
        return replicaManager.partition(tp).orElseThrow();
    }

    CompletableFuture<AppendResult> produce(TopicPartition tp, MemoryRecords records, int acks, long timeoutMs) {
        CompletableFuture<AppendResult> result = new CompletableFuture<>();
        replicaManager.appendRecords(timeoutMs, (short) acks, Map.of(tp, records), r -> result.complete(r.get(tp)));
        return result;
    }

    AppendResult produceNow(TopicPartition tp, MemoryRecords records, int acks) {
        return produce(tp, records, acks, 30_000L).join();
    }

    ReadResult fetch(FetchParams params, PartitionFetch fetch) {
        CompletableFuture<ReadResult> result = new CompletableFuture<>();
        replicaManager.fetchMessages(params, List.of(fetch), r -> result.complete(r.get(fetch.topicPartition())));
        return result.join();
    }

    /** A follower fetch at {@code offset} answered at once. */
    ReadResult followerFetch(TopicPartition tp, int replicaId, long offset) {
        return followerFetch(tp, replicaId, offset, Partition.NO_EPOCH, Partition.NO_EPOCH);
    }

    ReadResult followerFetch(TopicPartition tp, int replicaId, long offset, int currentEpoch, int lastFetchedEpoch) {
        return fetch(
                new FetchParams(replicaId, 0, 1, 4 * 1024 * 1024, FetchIsolation.LOG_END),
                new PartitionFetch(tp, offset, 0L, 1024 * 1024, currentEpoch, lastFetchedEpoch));
    }

    ReadResult consumerFetch(TopicPartition tp, long offset) {
        return fetch(
                new FetchParams(-1, 0, 1, 4 * 1024 * 1024, FetchIsolation.HIGH_WATERMARK),
                new PartitionFetch(tp, offset, -1L, 1024 * 1024, Partition.NO_EPOCH, Partition.NO_EPOCH));
    }

    /** The record values in a read result. */
    static List<String> values(ReadResult result) {
        List<String> values = new ArrayList<>();
        if (result.records().isEmpty()) {
            return values;
        }
        try {
            for (RecordBatch batch : result.records().get().readRecords().batches()) {
                for (Record record : batch) {
                    ByteBuffer value = record.value();
                    values.add(StandardCharsets.UTF_8.decode(value).toString());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return values;
    }
}
