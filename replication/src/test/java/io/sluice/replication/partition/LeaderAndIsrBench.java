package io.sluice.replication.partition;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.replication.fetcher.FetcherConfig;
import io.sluice.replication.fetcher.ReplicaFetcherManager;
import io.sluice.replication.log.LogManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker side of a controller failover at scale, run by {@code deploy/bench/leader-and-isr-bench.sh}: broker 1 of
 * a 3-broker cluster hosts {@code bench.partitions} partitions (RF 3, leaders spread over brokers 1, 2 and 3, logs in
 * a scratch directory); then broker 3 dies and the new controller's LeaderAndIsr arrives for every partition, as the
 * ZooKeeper-mode controller sends it: the partitions broker 3 led get a new leader (every other one this broker), and
 * every partition's ISR loses broker 3 with the leader epoch bumped. The time {@link
 * ReplicaManager#becomeLeaderOrFollower} takes for that one request is what the surviving broker adds to a failover
 * before it can apply the UpdateMetadata behind it. Followers fetch from an unreachable endpoint (no peers run).
 *
 * <p>System properties: {@code bench.dir} (scratch directory), {@code bench.partitions} (default 3000), {@code
 * bench.rounds} (failovers, each from a fresh directory; default 3).
 */
public final class LeaderAndIsrBench {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderAndIsrBench.class);
    private static final int LOCAL = 1;
    private static final int DEAD = 3;

    private LeaderAndIsrBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(System.getProperty("bench.dir", "target/leader-and-isr-bench"));
        int partitions = Integer.getInteger("bench.partitions", 3000);
        int rounds = Integer.getInteger("bench.rounds", 3);
        for (int round = 1; round <= rounds; round++) {
            deleteRecursively(dir);
            Files.createDirectories(dir);
            try {
                runRound(dir, partitions, round);
            } finally {
                deleteRecursively(dir);
            }
        }
    }

    private static void runRound(Path dir, int partitions, int round) throws Exception {
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        LogManager logManager = new LogManager(List.of(dir), TestBroker.LOG_CONFIG, 1, Clock.systemUTC(), scheduler);
        logManager.startup();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ReplicaFetcherManager fetchers = new ReplicaFetcherManager(
                LOCAL, FetcherConfig.defaults(), TestBroker.UNREACHABLE, Clock.systemUTC(), registry);
        ReplicaManager replicaManager = new ReplicaManager(
                ReplicaManagerConfig.defaults(LOCAL),
                logManager,
                fetchers,
                new ControllerStub(true),
                () -> 1000L,
                scheduler,
                Clock.systemUTC(),
                io.sluice.replication.purgatory.Time.SYSTEM,
                Duration.ofMillis(100),
                registry);
        replicaManager.startup();
        try {
            List<LeaderAndIsrPartitionState> initial = new ArrayList<>();
            List<LeaderAndIsrPartitionState> failover = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                TopicPartition tp = new TopicPartition("scale-" + (i / 300), i % 300);
                int leader = 1 + i % 3;
                List<Integer> replicas = List.of(leader, 1 + (i + 1) % 3, 1 + (i + 2) % 3);
                initial.add(PartitionStates.state(tp, leader, 0, replicas, replicas, 0));
                int newLeader = leader == DEAD ? (i % 2 == 0 ? LOCAL : 2) : leader;
                List<Integer> isr = replicas.stream().filter(r -> r != DEAD).toList();
                failover.add(PartitionStates.state(tp, newLeader, 1, isr, replicas, 1));
            }
            long created = apply(replicaManager, initial);
            long failed = apply(replicaManager, failover);
            LOG.info(
                    "round {}: {} partitions: first LeaderAndIsr (create) {} ms, failover LeaderAndIsr {} ms",
                    round,
                    partitions,
                    created / 1_000_000,
                    failed / 1_000_000);
        } finally {
            replicaManager.shutdown();
            logManager.shutdown();
            scheduler.shutdownNow();
        }
    }

    private static long apply(ReplicaManager replicaManager, List<LeaderAndIsrPartitionState> states) {
        long start = System.nanoTime();
        Map<TopicPartition, Errors> result = replicaManager.becomeLeaderOrFollower(
                1, states, Map.of(), topic -> new TopicSettings(2, TestBroker.LOG_CONFIG));
        long took = System.nanoTime() - start;
        result.forEach((tp, error) -> {
            if (error != Errors.NONE) {
                throw new IllegalStateException(tp + " failed with " + error);
            }
        });
        return took;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
