package io.sluice.broker.server;

import io.sluice.broker.metadata.MetadataSnapshot;
import io.sluice.broker.metrics.ThreadLivenessMetrics.DeadThread;
import io.sluice.replication.fetcher.FetcherThreadStatus;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The checks behind {@code GET /health}: why the broker is not healthy, empty once it is. All failing checks are
 * reported, joined by {@code "; "}:
 *
 * <ol>
 *   <li>it runs and is registered in ZooKeeper (if not, that is the only reason given);
 *   <li>no must-not-die thread (replica fetcher, purgatory reaper, log cleaner, controller event thread, scheduler)
 *       has died: {@code "replica_fetcher thread ReplicaFetcherThread-0-2 is dead"};
 *   <li>no replica fetcher is stuck: a fetcher thread with partitions to fetch has completed a fetch round within
 *       {@code replica.lag.time.max.ms}. A long poll that the leader answers empty after {@code
 *       replica.fetch.wait.max.ms} is a completed round, so an idle follower is healthy; failed or unanswered fetches
 *       (the leader is down or unreachable) are not. A leader that died is replaced by the controller within the
 *       ZooKeeper session timeout (kept below the lag time), and the LeaderAndIsr that follows moves the partitions to
 *       another fetcher (or stops fetching them when no leader is left), so the broker is unhealthy only while it
 *       cannot replicate from a leader the cluster still has. Partitions excluded after a failed append do not count
 *       as partitions to fetch; they show in {@code sluice_replica_fetcher_failed_partitions} and fall out of the
 *       ISR, which the next check reports;
 *   <li>it is caught up: in the ISR of every partition it replicates that has a leader.
 * </ol>
 *
 * <p>Concurrency: stateless apart from its suppliers, which must answer from any thread without blocking on a
 * component's locks (the HTTP thread calls {@link #problem()}).
 */
final class BrokerHealth {
    /** How many examples a report lists. */
    private static final int EXAMPLES = 5;

    private final int brokerId;
    private final long replicaLagTimeMaxMs;
    private final Supplier<Optional<String>> lifecycleProblem;
    private final Supplier<List<DeadThread>> deadThreads;
    private final Supplier<List<FetcherThreadStatus>> fetchers;
    private final Supplier<MetadataSnapshot> metadata;

    /**
     * @param lifecycleProblem why the broker is not running and registered, empty when it is
     * @param deadThreads the must-not-die threads that died
     * @param fetchers the replica fetcher threads
     * @param metadata the broker's current metadata, for the ISR check
     */
    BrokerHealth(
            int brokerId,
            long replicaLagTimeMaxMs,
            Supplier<Optional<String>> lifecycleProblem,
            Supplier<List<DeadThread>> deadThreads,
            Supplier<List<FetcherThreadStatus>> fetchers,
            Supplier<MetadataSnapshot> metadata) {
        this.brokerId = brokerId;
        this.replicaLagTimeMaxMs = replicaLagTimeMaxMs;
        this.lifecycleProblem = Objects.requireNonNull(lifecycleProblem, "lifecycleProblem");
        this.deadThreads = Objects.requireNonNull(deadThreads, "deadThreads");
        this.fetchers = Objects.requireNonNull(fetchers, "fetchers");
        this.metadata = Objects.requireNonNull(metadata, "metadata");
    }

    /** Why the broker is unhealthy, or empty. */
    Optional<String> problem() {
        Optional<String> lifecycle = lifecycleProblem.get();
        if (lifecycle.isPresent()) {
            return lifecycle;
        }
        List<String> problems = new ArrayList<>();
        for (DeadThread dead : deadThreads.get()) {
            problems.add(dead + " is dead");
        }
        for (FetcherThreadStatus fetcher : fetchers.get()) {
            if (fetcher.alive() && fetcher.isStuck(replicaLagTimeMaxMs)) {
                problems.add(stuck(fetcher));
            }
        }
        outOfIsr().ifPresent(problems::add);
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    private String stuck(FetcherThreadStatus f) {
        return "replica fetcher " + f.threadName() + " (leader " + f.leaderId() + ", " + f.fetchingPartitions()
                + " partition(s) to fetch) has not completed a fetch for " + f.msSinceLastRound()
                + " ms (replica.lag.time.max.ms=" + replicaLagTimeMaxMs + ")"
                + f.lastError().map(e -> "; last error: " + e).orElse("");
    }

    private Optional<String> outOfIsr() {
        List<String> behind = new ArrayList<>();
        MetadataSnapshot snapshot = metadata.get();
        for (String topic : snapshot.topicNames()) {
            snapshot.topic(topic)
                    .ifPresent(state -> state.partitions().values().forEach(p -> {
                        if (p.replicas().contains(brokerId)
                                && p.leader() >= 0
                                && !p.isr().contains(brokerId)) {
                            behind.add(p.topicPartition().toString());
                        }
                    }));
        }
        if (behind.isEmpty()) {
            return Optional.empty();
        }
        Collections.sort(behind);
        return Optional.of("not yet in the ISR of " + behind.size() + " partition(s), e.g. "
                + behind.subList(0, Math.min(EXAMPLES, behind.size())));
    }
}
