package io.sluice.replication.sim;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.replication.fetcher.FetcherConfig;
import io.sluice.replication.fetcher.LeaderEndpoint;
import io.sluice.replication.fetcher.ReplicaFetcherManager;
import io.sluice.replication.log.LogConfig;
import io.sluice.replication.log.LogManager;
import io.sluice.replication.log.UnifiedLog;
import io.sluice.replication.partition.AlterPartitionSender;
import io.sluice.replication.partition.Partition;
import io.sluice.replication.partition.ReplicaManager;
import io.sluice.replication.partition.ReplicaManagerConfig;
import io.sluice.replication.purgatory.Time;
import io.sluice.testsupport.ManualClock;
import io.sluice.testsupport.ManualScheduler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;

/**
 * One simulated broker: a real {@link LogManager} and {@link ReplicaManager} over a directory, with a
 * {@link ManualScheduler} for every periodic task. Each start is a new <em>incarnation</em> with a new broker epoch.
 *
 * <p>What runs on which thread: everything that changes state runs on the simulation's driver thread — produce,
 * fetch, LeaderAndIsr, the scheduler's tasks, AlterPartition answers. Two kinds of real threads exist and stay inert:
 * the replica fetcher threads (their endpoint is a black hole whose answers never come, so they only read a
 * partition's log end once and then wait; the simulation drives follower fetches itself) and the purgatory reapers
 * (their {@link Time} never moves, so no delayed operation expires on them; clients time out on their own). Log
 * loading uses a recovery pool, but {@link LogManager#startup()} waits for it.
 *
 * <p>Crash model ({@link #crash}): a kill -9 keeps every byte the process wrote (the page cache survives it), and loses
 * what it held only in memory: high watermarks not yet checkpointed, producer state not yet snapshotted, the clean
 * shutdown marker. So the data directory is copied as it is at the moment of the crash, the old instance is then
 * closed (writing only into the discarded directory) and the next incarnation starts from the copy. A crash that also
 * loses the page cache (a power loss; no fsync is the default) additionally cuts a random number of bytes off the
 * end of each log's active segment, possibly inside a batch.
 *
 * <p>Concurrency: confined to the driver thread.
 */
final class SimBroker {
    static final long LAG_MS = 10_000L;
    static final long RETRY_BACKOFF_MS = 100L;
    static final long HW_CHECKPOINT_MS = 3_000L;
    static final LogConfig LOG_CONFIG =
            LogConfig.defaults().withSegmentBytes(16 * 1024).withMaxIndexSize(4 * 1024);
    /** Purgatory time: frozen, so nothing expires on a reaper thread (see the class comment). */
    private static final Time FROZEN = () -> 0L;

    private static final FetcherConfig FETCHER_CONFIG =
            new FetcherConfig(1, 1024 * 1024, 4 * 1024 * 1024, 3_600_000, 1, 3_600_000L);

    final int id;
    private final Path root;
    private final ManualClock clock;
    private final AlterPartitionSender alterPartition;
    private int generation;
    private Path dir;
    private volatile long brokerEpoch;
    private ManualScheduler scheduler;
    private LogManager logManager;
    private ReplicaManager replicaManager;

    SimBroker(int id, Path root, ManualClock clock, AlterPartitionSender alterPartition) {
        this.id = id;
        this.root = root;
        this.clock = clock;
        this.alterPartition = alterPartition;
        this.dir = root.resolve("broker-" + id + "-gen-0");
    }

    boolean isAlive() {
        return replicaManager != null;
    }

    long brokerEpoch() {
        return brokerEpoch;
    }

    /** A new broker epoch after re-registering (ZooKeeper session expiry) without a restart. */
    void brokerEpoch(long value) {
        brokerEpoch = value;
    }

    ReplicaManager replicaManager() {
        if (replicaManager == null) {
            throw new IllegalStateException("broker " + id + " is down");
        }
        return replicaManager;
    }

    Optional<Partition> partition(TopicPartition tp) {
        return replicaManager == null ? Optional.empty() : replicaManager.partition(tp);
    }

    Optional<UnifiedLog> log(TopicPartition tp) {
        return logManager == null ? Optional.empty() : logManager.getLog(tp);
    }

    /** Starts a new incarnation from the current directory: loads logs, checkpoints, epoch caches, snapshots. */
    void start(long newBrokerEpoch) {
        brokerEpoch = newBrokerEpoch;
        scheduler = new ManualScheduler(clock);
        logManager = new LogManager(List.of(dir), LOG_CONFIG, 1, clock, scheduler);
        logManager.startup();
        ReplicaFetcherManager fetchers = new ReplicaFetcherManager(
                id,
                FETCHER_CONFIG,
                BlackHoleEndpoint::new,
                Clock.fixed(Instant.EPOCH, ZoneOffset.UTC),
                new SimpleMeterRegistry());
        replicaManager = new ReplicaManager(
                new ReplicaManagerConfig(id, LAG_MS, RETRY_BACKOFF_MS, HW_CHECKPOINT_MS),
                logManager,
                fetchers,
                alterPartition,
                () -> brokerEpoch,
                scheduler,
                clock,
                FROZEN,
                Duration.ofMillis(50),
                new SimpleMeterRegistry());
        replicaManager.startup();
    }

    /** Runs this broker's scheduled tasks that are due. */
    void runDue(long now) {
        if (scheduler != null) {
            scheduler.runDue(now);
        }
    }

    long nextDue() {
        return scheduler == null ? Long.MAX_VALUE : scheduler.nextDue();
    }

    /**
     * Kills the broker (see the class comment). With {@code losePageCache}, each active segment loses up to
     * {@code maxLostBytes} bytes from its end, chosen by {@code random}.
     *
     * @return a description of what was lost, for the trace
     */
    String crash(boolean losePageCache, int maxLostBytes, Random random) {
        Path next = root.resolve("broker-" + id + "-gen-" + (++generation));
        copyTree(dir, next);
        ReplicaManager rm = replicaManager;
        LogManager lm = logManager;
        replicaManager = null;
        logManager = null;
        scheduler.shutdown();
        scheduler = null;
        rm.shutdown();
        lm.shutdown();
        Path old = dir;
        dir = next;
        deleteTree(old);
        if (!losePageCache) {
            return "kept page cache";
        }
        StringBuilder lost = new StringBuilder("lost page cache:");
        for (Path logDir : sortedChildren(dir)) {
            if (!Files.isDirectory(logDir)) {
                continue;
            }
            List<Path> segments = sortedChildren(logDir).stream()
                    .filter(p -> p.getFileName().toString().endsWith(".log"))
                    .toList();
            if (segments.isEmpty()) {
                continue;
            }
            Path active = segments.get(segments.size() - 1);
            try (FileChannel ch = FileChannel.open(active, StandardOpenOption.WRITE)) {
                long size = ch.size();
                long cut = Math.min(size, random.nextInt(maxLostBytes + 1));
                ch.truncate(size - cut);
                lost.append(' ')
                        .append(logDir.getFileName())
                        .append('/')
                        .append(active.getFileName())
                        .append(" -")
                        .append(cut)
                        .append('B');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return lost.toString();
    }

    /** Shuts the broker down cleanly at the end of a run. */
    void close() {
        if (replicaManager != null) {
            replicaManager.shutdown();
            logManager.shutdown();
            scheduler.shutdown();
            replicaManager = null;
            logManager = null;
            scheduler = null;
        }
    }

    private static List<Path> sortedChildren(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyTree(Path from, Path to) {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.sorted().toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The fetcher threads' endpoint: accepts requests and never answers, so the real fetcher threads stay parked
     * while the simulation drives fetches itself; closing fails the request (the thread then exits).
     */
    private static final class BlackHoleEndpoint implements LeaderEndpoint {
        private final int leaderId;

        BlackHoleEndpoint(int leaderId) {
            this.leaderId = leaderId;
        }

        @Override
        public int leaderId() {
            return leaderId;
        }

        @Override
        public CompletableFuture<FetchResponseData> fetch(FetchRequestData request) {
            return new CompletableFuture<>();
        }

        @Override
        public void close() {}
    }
}
