package io.sluice.replication.fetcher;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.metadata.concurrent.ThreadStatus;
import io.sluice.replication.quota.ReplicaQuota;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assigns follower partitions to fetcher threads: {@code numFetchersPerBroker} threads per source (leader) broker, a
 * partition going to thread {@code abs(hash(tp)) % numFetchersPerBroker} of its leader's group. Threads are created
 * on demand, each with its own {@link LeaderEndpoint} from the factory, and shut down (endpoint closed) as soon as
 * they have no partitions left.
 *
 * <p>Moving a partition to another leader removes it from the old thread before the new one sees it. {@link
 * #removeFetcherForPartitions} is synchronous: when it returns no fetch thread touches those partitions any more, so
 * the caller may make the replica a leader right away.
 *
 * <p>Liveness: {@link #threadStatuses()} reports each thread as a must-not-die thread, and {@link
 * #fetcherStatuses()} adds how long each has gone without completing a fetch round (for the broker's health check).
 * A thread that died is not restarted; it stays reported until its partitions move away. Both read a snapshot of the
 * threads without taking the manager's monitor or any thread's lock, so a health check still answers while a fetcher
 * thread hangs holding its lock (and a LeaderAndIsr waits for it holding the monitor).
 *
 * <p>Concurrency: thread-safe; every public method except the two status reads is {@code synchronized} on the
 * manager, which guards {@link #threads} and {@link #assignment} ({@link #threadSnapshot} is a volatile copy). Lock order: manager monitor, then a fetcher thread's partition lock, then the
 * partitions' own locks. Fetcher threads never take the manager monitor. Callers must not hold a partition lock
 * while calling in (a fetch thread applying an answer may be waiting for it). Lifecycle: open until {@link #close()},
 * which is idempotent; afterwards adding partitions throws {@link IllegalStateException}.
 */
public final class ReplicaFetcherManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcherManager.class);

    /** Identifies a fetcher thread: source broker and index within its group. */
    record FetcherKey(int leaderId, int fetcherId) {}

    private final int localBrokerId;
    private final LongSupplier brokerEpoch;
    private final FetcherConfig config;
    private final long responseTimeoutMarginMs;
    private final LeaderEndpointFactory endpoints;
    private final Clock clock;
    private final FetcherMetrics metrics;
    private final ReplicaQuota quota;
    private final String logPrefix;
    /** Guarded by {@code this}. */
    private final Map<FetcherKey, ReplicaFetcherThread> threads = new HashMap<>();
    /** Guarded by {@code this}: which thread fetches each partition. */
    private final Map<TopicPartition, FetcherKey> assignment = new HashMap<>();
    /** Guarded by {@code this}. */
    private boolean closed;
    /** The values of {@link #threads}, republished under {@code this} after every change; read without locks. */
    private volatile List<ReplicaFetcherThread> threadSnapshot = List.of();

    /** A manager whose fetches carry broker epoch -1 (unknown): the leader cannot fence a restarted follower. */
    public ReplicaFetcherManager(
            int localBrokerId,
            FetcherConfig config,
            LeaderEndpointFactory endpoints,
            Clock clock,
            MeterRegistry registry) {
        this(localBrokerId, () -> -1L, config, endpoints, clock, registry);
    }

    /**
     * @param brokerEpoch this broker's current epoch (its registration znode's czxid), sent with every fetch so that
     *     an ISR expansion names the incarnation that fetched (KIP-903)
     */
    public ReplicaFetcherManager(
            int localBrokerId,
            LongSupplier brokerEpoch,
            FetcherConfig config,
            LeaderEndpointFactory endpoints,
            Clock clock,
            MeterRegistry registry) {
        this(localBrokerId, brokerEpoch, config, endpoints, clock, registry, ReplicaQuota.UNBOUNDED);
    }

    /**
     * As above, with the follower-side replication throttle every fetcher thread applies (Kafka's follower
     * replication quota).
     */
    public ReplicaFetcherManager(
            int localBrokerId,
            LongSupplier brokerEpoch,
            FetcherConfig config,
            LeaderEndpointFactory endpoints,
            Clock clock,
            MeterRegistry registry,
            ReplicaQuota quota) {
        this(
                localBrokerId,
                brokerEpoch,
                config,
                endpoints,
                clock,
                registry,
                ReplicaFetcherThread.DEFAULT_RESPONSE_TIMEOUT_MARGIN_MS,
                quota);
    }

    /** As the public constructor, with the time an answer may take beyond {@code fetchWaitMaxMs} (for tests). */
    ReplicaFetcherManager(
            int localBrokerId,
            LongSupplier brokerEpoch,
            FetcherConfig config,
            LeaderEndpointFactory endpoints,
            Clock clock,
            MeterRegistry registry,
            long responseTimeoutMarginMs) {
        this(
                localBrokerId,
                brokerEpoch,
                config,
                endpoints,
                clock,
                registry,
                responseTimeoutMarginMs,
                ReplicaQuota.UNBOUNDED);
    }

    private ReplicaFetcherManager(
            int localBrokerId,
            LongSupplier brokerEpoch,
            FetcherConfig config,
            LeaderEndpointFactory endpoints,
            Clock clock,
            MeterRegistry registry,
            long responseTimeoutMarginMs,
            ReplicaQuota quota) {
        this.quota = Objects.requireNonNull(quota, "quota");
        this.localBrokerId = localBrokerId;
        this.brokerEpoch = Objects.requireNonNull(brokerEpoch, "brokerEpoch");
        this.config = Objects.requireNonNull(config, "config");
        this.responseTimeoutMarginMs = responseTimeoutMarginMs;
        this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = new FetcherMetrics(registry, clock);
        this.logPrefix = "[ReplicaFetcherManager broker=" + localBrokerId + "] ";
    }

    /** The fetcher thread index of {@code tp} within its leader's group (Kafka's {@code getFetcherId}). */
    static int fetcherIdFor(TopicPartition tp, int numFetchersPerBroker) {
        return (tp.hashCode() & 0x7fffffff) % numFetchersPerBroker;
    }

    /**
     * Starts (or moves) fetching for these partitions from their leaders. A partition whose leader changed is removed
     * from its old thread first. A partition already fetched from the same leader at the same epoch keeps its state.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public synchronized void addFetcherForPartitions(Map<FollowerPartition, InitialFetchState> partitions) {
        if (closed) {
            throw new IllegalStateException("Replica fetcher manager of broker " + localBrokerId + " is closed");
        }
        Map<FetcherKey, List<TopicPartition>> moves = new LinkedHashMap<>();
        Map<FetcherKey, Map<FollowerPartition, InitialFetchState>> byThread = new LinkedHashMap<>();
        for (Map.Entry<FollowerPartition, InitialFetchState> e : partitions.entrySet()) {
            TopicPartition tp = e.getKey().topicPartition();
            FetcherKey key = new FetcherKey(e.getValue().leaderId(), fetcherIdFor(tp, config.numFetchersPerBroker()));
            FetcherKey current = assignment.get(tp);
            if (current != null && !current.equals(key)) {
                moves.computeIfAbsent(current, k -> new ArrayList<>()).add(tp);
            }
            byThread.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(e.getKey(), e.getValue());
        }
        moves.forEach((from, moved) -> {
            threads.get(from).removePartitions(moved);
            moved.forEach(assignment::remove);
            log.info("{}Moved {} away from leader {}", logPrefix, moved, from.leaderId());
        });
        byThread.forEach((key, added) -> {
            ReplicaFetcherThread thread = threads.get(key);
            if (thread == null) {
                thread = startThread(key);
            }
            thread.addPartitions(added);
            added.keySet().forEach(p -> assignment.put(p.topicPartition(), key));
        });
        shutdownIdleThreads();
        threadSnapshot = List.copyOf(threads.values());
    }

    /** Stops fetching these partitions; returns once no fetch thread will touch them any more. */
    public synchronized void removeFetcherForPartitions(Collection<TopicPartition> partitions) {
        Map<FetcherKey, List<TopicPartition>> byThread = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            FetcherKey key = assignment.remove(tp);
            if (key != null) {
                byThread.computeIfAbsent(key, k -> new ArrayList<>()).add(tp);
            }
        }
        byThread.forEach((key, removed) -> threads.get(key).removePartitions(removed));
        shutdownIdleThreads();
        threadSnapshot = List.copyOf(threads.values());
    }

    /** Partitions whose append or truncation failed; they stay excluded until added again (or removed). */
    public synchronized Set<TopicPartition> failedPartitions() {
        Set<TopicPartition> failed = new HashSet<>();
        threads.values().forEach(t -> failed.addAll(t.failedPartitions()));
        return failed;
    }

    /** Each fetcher thread's liveness, partition counts and time since its last completed round; takes no lock. */
    public List<FetcherThreadStatus> fetcherStatuses() {
        return threadSnapshot.stream().map(ReplicaFetcherThread::status).toList();
    }

    /** The fetcher threads as must-not-die threads; takes no lock. */
    public List<ThreadStatus> threadStatuses() {
        return threadSnapshot.stream().map(ReplicaFetcherThread::threadStatus).toList();
    }

    /** The number of running fetcher threads. */
    public synchronized int fetcherThreadCount() {
        return threads.size();
    }

    /** The thread fetching {@code tp}, if any. */
    synchronized Optional<FetcherKey> assignmentOf(TopicPartition tp) {
        return Optional.ofNullable(assignment.get(tp));
    }

    /** Stops every fetcher thread and closes their endpoints; safe to call twice. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<ReplicaFetcherThread> all = new ArrayList<>(threads.values());
        threads.clear();
        assignment.clear();
        threadSnapshot = List.of();
        for (ReplicaFetcherThread thread : all) {
            thread.shutdown();
            metrics.removeLeader(thread.leaderId());
        }
        metrics.close();
        log.info("{}Closed {} fetcher threads", logPrefix, all.size());
    }

    private ReplicaFetcherThread startThread(FetcherKey key) {
        LeaderEndpoint endpoint = endpoints.endpointFor(key.leaderId());
        FetcherProgress progress = new FetcherProgress(clock.millis());
        ReplicaFetcherThread thread = new ReplicaFetcherThread(
                localBrokerId,
                brokerEpoch,
                key.leaderId(),
                key.fetcherId(),
                config,
                responseTimeoutMarginMs,
                endpoint,
                clock,
                progress,
                metrics.forThread(key.leaderId(), key.fetcherId(), progress),
                metrics.lagFor(key.leaderId()),
                quota);
        threads.put(key, thread);
        thread.start();
        log.info("{}Started fetcher thread {} for leader {}", logPrefix, key.fetcherId(), key.leaderId());
        return thread;
    }

    private void shutdownIdleThreads() {
        List<FetcherKey> idle = new ArrayList<>();
        threads.forEach((key, thread) -> {
            if (thread.partitionCount() == 0) {
                idle.add(key);
            }
        });
        for (FetcherKey key : idle) {
            threads.remove(key).shutdown();
            boolean leaderStillServed = threads.keySet().stream().anyMatch(k -> k.leaderId() == key.leaderId());
            if (!leaderStillServed) {
                metrics.removeLeader(key.leaderId());
            }
        }
    }
}
