package io.sluice.replication.fetcher;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * The follower fetchers' Micrometer meters.
 *
 * <ul>
 *   <li>per broker: {@value #FAILED_PARTITIONS}, the partitions excluded from fetching after their append or
 *       truncation failed (Kafka's {@code FailedPartitionsCount}), summed over the fetcher threads;
 *   <li>per fetcher thread (tags {@code leader}, {@code fetcher}): {@value #REQUESTS} (counter, its rate is the fetch
 *       rate), {@value #FAILED_REQUESTS}, {@value #LATENCY} (timer), {@value #BYTES} (record bytes received), and
 *       {@value #LAST_SUCCESS_AGE}, the milliseconds since the thread last completed a fetch round, 0 while it has
 *       nothing to fetch (see {@link FetcherProgress});
 *   <li>per source broker (tag {@code leader}): {@value #LAG_MESSAGES}, the largest lag over the partitions fetched
 *       from that broker, a partition's lag being the leader's high watermark minus the follower's log end offset
 *       after the last fetch (never negative); and {@value #LAG_MS}, the largest time since a partition was last
 *       caught up (lag 0), or since fetching it started; 0 for a caught-up partition. It is an estimate: it grows
 *       while the follower lags, whatever the age of the leader's unreplicated records.
 * </ul>
 *
 * <p>Concurrency: thread-safe. Thread meters are registered and removed by the manager thread; they are updated by
 * their fetcher thread. The failed-partitions gauge sums the {@link FetcherProgress} of the live threads, kept in a
 * concurrent set. Partition lag entries are written by the fetcher thread owning the partition and read by
 * gauges on any thread ({@link ConcurrentHashMap} plus volatile fields).
 */
public final class FetcherMetrics {
    public static final String REQUESTS = "sluice.replication.fetcher.requests";
    public static final String FAILED_REQUESTS = "sluice.replication.fetcher.failed.requests";
    public static final String LATENCY = "sluice.replication.fetcher.latency";
    public static final String BYTES = "sluice.replication.fetcher.bytes";
    public static final String LAG_MESSAGES = "sluice.replication.follower.lag.messages";
    public static final String LAG_MS = "sluice.replication.follower.lag.ms";
    public static final String FAILED_PARTITIONS = "sluice.replica.fetcher.failed.partitions";
    public static final String LAST_SUCCESS_AGE = "sluice.replica.fetcher.last.success.age.ms";

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<Integer, LeaderLag> lagByLeader = new ConcurrentHashMap<>();
    private final Set<FetcherProgress> liveThreads = ConcurrentHashMap.newKeySet();
    private final Gauge failedPartitions;

    public FetcherMetrics(MeterRegistry registry, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.failedPartitions = Gauge.builder(FAILED_PARTITIONS, this, FetcherMetrics::failedPartitions)
                .description("Follower partitions excluded from fetching after their append or truncation failed")
                .strongReference(true)
                .register(registry);
    }

    /** Registers the meters of one fetcher thread; {@link ThreadMetrics#close()} removes them. */
    ThreadMetrics forThread(int leaderId, int fetcherId, FetcherProgress progress) {
        return new ThreadMetrics(leaderId, fetcherId, progress);
    }

    private double failedPartitions() {
        int failed = 0;
        for (FetcherProgress progress : liveThreads) {
            failed += progress.failed();
        }
        return failed;
    }

    /** Removes the per-broker meters (thread and lag meters go with their threads and leaders). */
    void close() {
        registry.remove(failedPartitions);
    }

    /** The lag tracker of a source broker, registering its gauges on first use. */
    LeaderLag lagFor(int leaderId) {
        return lagByLeader.computeIfAbsent(leaderId, LeaderLag::new);
    }

    /** Removes the lag gauges of a source broker that no fetcher thread serves any more. */
    void removeLeader(int leaderId) {
        LeaderLag lag = lagByLeader.remove(leaderId);
        if (lag != null) {
            lag.close();
        }
    }

    /** Meters of one fetcher thread. */
    final class ThreadMetrics implements AutoCloseable {
        private final FetcherProgress progress;
        private final Counter requests;
        private final Counter failedRequests;
        private final Timer latency;
        private final Counter bytes;
        private final Gauge lastSuccessAge;

        private ThreadMetrics(int leaderId, int fetcherId, FetcherProgress progress) {
            this.progress = progress;
            String leader = Integer.toString(leaderId);
            String fetcher = Integer.toString(fetcherId);
            this.requests = Counter.builder(REQUESTS)
                    .description("Fetch requests sent to the leader")
                    .tag("leader", leader)
                    .tag("fetcher", fetcher)
                    .register(registry);
            this.failedRequests = Counter.builder(FAILED_REQUESTS)
                    .description("Fetch requests that failed as a whole (connection, timeout, top-level error)")
                    .tag("leader", leader)
                    .tag("fetcher", fetcher)
                    .register(registry);
            this.latency = Timer.builder(LATENCY)
                    .description("Time from sending a fetch to receiving its answer")
                    .tag("leader", leader)
                    .tag("fetcher", fetcher)
                    .register(registry);
            this.bytes = Counter.builder(BYTES)
                    .description("Record bytes received from the leader")
                    .baseUnit("bytes")
                    .tag("leader", leader)
                    .tag("fetcher", fetcher)
                    .register(registry);
            this.lastSuccessAge = Gauge.builder(
                            LAST_SUCCESS_AGE, progress, p -> (double) p.msSinceLastRound(clock.millis()))
                    .description("Milliseconds since the fetcher thread last completed a fetch round (0 while it has"
                            + " nothing to fetch)")
                    .tag("leader", leader)
                    .tag("fetcher", fetcher)
                    .strongReference(true)
                    .register(registry);
            liveThreads.add(progress);
        }

        void fetchCompleted(long latencyMs, long recordBytes) {
            requests.increment();
            latency.record(Duration.ofMillis(Math.max(0L, latencyMs)));
            if (recordBytes > 0) {
                bytes.increment(recordBytes);
            }
        }

        void fetchFailed() {
            requests.increment();
            failedRequests.increment();
        }

        @Override
        public void close() {
            liveThreads.remove(progress);
            for (Meter meter : List.<Meter>of(requests, failedRequests, latency, bytes, lastSuccessAge)) {
                registry.remove(meter);
            }
        }
    }

    /** Lag of the partitions fetched from one source broker. */
    final class LeaderLag {
        private final Map<TopicPartition, PartitionLag> partitions = new ConcurrentHashMap<>();
        private final Gauge messages;
        private final Gauge millis;

        private LeaderLag(int leaderId) {
            String leader = Integer.toString(leaderId);
            this.messages = Gauge.builder(LAG_MESSAGES, this, LeaderLag::maxLagMessages)
                    .description("Largest follower lag in messages behind the leader's high watermark")
                    .tag("leader", leader)
                    .strongReference(true)
                    .register(registry);
            this.millis = Gauge.builder(LAG_MS, this, LeaderLag::maxLagMs)
                    .description("Largest time since a follower partition was last caught up with its leader")
                    .baseUnit("milliseconds")
                    .tag("leader", leader)
                    .strongReference(true)
                    .register(registry);
        }

        /** Starts tracking a partition, counted as caught up at the current time. */
        void track(TopicPartition tp) {
            partitions.put(tp, new PartitionLag(clock.millis()));
        }

        /** Records the lag after a fetch of {@code tp}; ignored for untracked partitions. */
        void update(TopicPartition tp, long leaderHighWatermark, long logEndOffset) {
            PartitionLag lag = partitions.get(tp);
            if (lag == null) {
                return;
            }
            long messagesBehind = Math.max(0L, leaderHighWatermark - logEndOffset);
            lag.lagMessages = messagesBehind;
            if (messagesBehind == 0) {
                lag.lastCaughtUpMs = clock.millis();
            }
        }

        void untrack(TopicPartition tp) {
            partitions.remove(tp);
        }

        double maxLagMessages() {
            long max = 0;
            for (PartitionLag lag : partitions.values()) {
                max = Math.max(max, lag.lagMessages);
            }
            return max;
        }

        double maxLagMs() {
            long now = clock.millis();
            long max = 0;
            for (PartitionLag lag : partitions.values()) {
                if (lag.lagMessages > 0) {
                    max = Math.max(max, now - lag.lastCaughtUpMs);
                }
            }
            return max;
        }

        private void close() {
            registry.remove(messages);
            registry.remove(millis);
            partitions.clear();
        }
    }

    /** Written by the owning fetcher thread only, read by gauges. */
    private static final class PartitionLag {
        volatile long lagMessages;
        volatile long lastCaughtUpMs;

        PartitionLag(long nowMs) {
            this.lastCaughtUpMs = nowMs;
        }
    }
}
