package io.sluice.broker.testing;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.replication.fetcher.FetcherConfig;
import io.sluice.replication.fetcher.LeaderEndpoint;
import io.sluice.replication.fetcher.ReplicaFetcherManager;
import io.sluice.replication.log.LogConfig;
import io.sluice.replication.log.LogManager;
import io.sluice.replication.partition.ReplicaManager;
import io.sluice.replication.partition.ReplicaManagerConfig;
import io.sluice.replication.purgatory.Time;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;

/**
 * A real {@link ReplicaManager} over a {@link LogManager} in one directory, for handler and adapter tests: no peers
 * (a follower's fetch fails), AlterPartition requests never answered, a 2-thread scheduler. Started on construction;
 * {@link #close()} stops everything it started.
 *
 * <p>Thread-safety: as the replica manager; construct and close on the test thread.
 */
public final class LocalReplicaManager implements AutoCloseable {
    public final ScheduledExecutorService scheduler;
    public final LogManager logManager;
    public final ReplicaManager replicaManager;
    /** The replica manager's meters (purgatory sizes among them). */
    public final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    public LocalReplicaManager(int brokerId, Path dir, LogConfig config) {
        scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "local-replica-manager-" + brokerId);
            t.setDaemon(true);
            return t;
        });
        logManager = new LogManager(List.of(dir), config, 1, Clock.systemUTC(), scheduler);
        logManager.startup();
        ReplicaFetcherManager fetchers = new ReplicaFetcherManager(
                brokerId,
                new FetcherConfig(1, 1024 * 1024, 4 * 1024 * 1024, 500, 1, 20L),
                id -> new LeaderEndpoint() {
                    @Override
                    public int leaderId() {
                        return id;
                    }

                    @Override
                    public CompletableFuture<FetchResponseData> fetch(FetchRequestData request) {
                        return CompletableFuture.failedFuture(new IOException("no peers in this test"));
                    }

                    @Override
                    public void close() {}
                },
                Clock.systemUTC(),
                registry);
        replicaManager = new ReplicaManager(
                new ReplicaManagerConfig(brokerId, 10_000L, 10L, 3_600_000L),
                logManager,
                fetchers,
                request -> new CompletableFuture<>(),
                () -> 1000L,
                scheduler,
                Clock.systemUTC(),
                Time.SYSTEM,
                Duration.ofMillis(5),
                registry);
        replicaManager.startup();
    }

    @Override
    public void close() {
        replicaManager.shutdown();
        logManager.shutdown();
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
