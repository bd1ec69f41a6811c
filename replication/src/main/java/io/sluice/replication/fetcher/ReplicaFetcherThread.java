package io.sluice.replication.fetcher;

import io.sluice.metadata.concurrent.ThreadStatus;
import io.sluice.metadata.concurrent.Threads;
import io.sluice.replication.fetcher.FetcherMetrics.LeaderLag;
import io.sluice.replication.fetcher.FetcherMetrics.ThreadMetrics;
import io.sluice.replication.quota.ReplicaQuota;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One follower fetch loop against one leader broker: builds a single Fetch covering all its fetchable partitions
 * (within an incremental fetch session, {@link FollowerFetchSession}, only those whose position changed), sends it through its {@link LeaderEndpoint}, waits (bounded) for the answer, and applies it partition by partition
 * ({@link PartitionAnswerApplier}): truncation on a diverging epoch, appends of the leader's batches (with the leader's high watermark and log start),
 * log restart or truncation on {@code OFFSET_OUT_OF_RANGE} (see {@link FollowerTruncation}), a per-partition backoff on
 * epoch and leadership errors, and exclusion of a partition whose append or truncation throws. A failed or timed-out
 * request backs the whole thread off; the loop never spins.
 *
 * <p>Failures. The thread must not die: whatever one partition's work throws, {@link Error}s included (an {@link
 * InternalError} from a memory-mapped index that faulted is a storage fault of that partition), marks that partition
 * failed ({@link #failedPartitions()}, the {@value FetcherMetrics#FAILED_PARTITIONS} gauge and an ERROR line naming
 * partition, leader epoch, broker and leader) and the other partitions go on; anything thrown outside one partition's
 * work is logged and the loop continues after the backoff. A heap exhaustion is never blamed on a partition (see
 * {@code io.sluice.metadata.concurrent}). Progress (the last completed round, see {@link FetcherProgress}) is
 * published for the {@value FetcherMetrics#LAST_SUCCESS_AGE} gauge and the broker's health check.
 *
 * <p>Concurrency: the loop runs on its own thread. {@link #lock} guards {@link #partitions} and {@link #inFlight};
 * the loop holds it while building a request and while applying an answer (so while calling into partitions), but
 * not while waiting for the leader. {@link #addPartitions} and {@link #removePartitions} take it too, so once {@link
 * #removePartitions} returns the loop does not touch the removed partitions again, and an answer requested for a
 * removed or replaced partition is dropped (state identity check). Lock order: the manager's monitor, then {@link
 * #lock}, then whatever locks the partitions take; callers must not hold a partition lock when calling in. Lifecycle
 * is a compare-and-set on {@link Lifecycle}: {@code NEW -> RUNNING -> STOPPING -> STOPPED}, and {@link #shutdown()}
 * is safe to call twice.
 */
final class ReplicaFetcherThread {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcherThread.class);

    /**
     * How much longer than {@code replica.fetch.wait.max.ms} an answer may take before the fetch counts as failed
     * (Kafka's {@code replica.socket.timeout.ms} default).
     */
    static final long DEFAULT_RESPONSE_TIMEOUT_MARGIN_MS = 30_000L;
    /** {@code IsolationLevel.READ_UNCOMMITTED}: a follower copies everything, aborted transactions included. */
    private static final byte READ_UNCOMMITTED = 0;
    /** Longest wait before looking again at a follower throttle that holds back every partition. */
    static final long MAX_THROTTLE_WAIT_MS = 1_000L;

    private enum Lifecycle {
        NEW,
        RUNNING,
        STOPPING,
        STOPPED
    }

    private final int leaderId;
    private final int fetcherId;
    private final int localBrokerId;
    /** This broker's current epoch, sent with every fetch (KIP-903); -1 if not registered. */
    private final LongSupplier brokerEpoch;

    private final FetcherConfig config;
    private final long responseTimeoutMs;
    private final LeaderEndpoint endpoint;
    private final Clock clock;
    private final ThreadMetrics metrics;
    private final LeaderLag lag;
    private final String logPrefix;
    private final PartitionAnswerApplier answers;
    private final FetcherProgress progress;
    /** The follower-side replication throttle (Kafka's follower replication quota). */
    private final ReplicaQuota quota;

    private final Thread thread;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.NEW);

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled on partition changes and shutdown. */
    private final Condition changed = lock.newCondition();
    /** Guarded by {@link #lock}; iteration order is fetch order (fetched partitions move to the end). */
    private final Map<TopicPartition, PartitionFetchState> partitions = new LinkedHashMap<>();
    /** Guarded by {@link #lock}; the answer the loop waits for, failed by {@link #shutdown()}. */
    private CompletableFuture<FetchResponseData> inFlight;
    /** Guarded by {@link #lock}; the incremental fetch session with the leader (KIP-227). */
    private final FollowerFetchSession session = new FollowerFetchSession(true);

    ReplicaFetcherThread(
            int localBrokerId,
            LongSupplier brokerEpoch,
            int leaderId,
            int fetcherId,
            FetcherConfig config,
            long responseTimeoutMarginMs,
            LeaderEndpoint endpoint,
            Clock clock,
            FetcherProgress progress,
            ThreadMetrics metrics,
            LeaderLag lag) {
        this(
                localBrokerId,
                brokerEpoch,
                leaderId,
                fetcherId,
                config,
                responseTimeoutMarginMs,
                endpoint,
                clock,
                progress,
                metrics,
                lag,
                ReplicaQuota.UNBOUNDED);
    }

    /**
     * @param quota the follower throttle: a throttled partition this replica has not caught up on is left out of
     *     fetches while the quota is exceeded, and the bytes received for throttled partitions are recorded against it
     */
    ReplicaFetcherThread(
            int localBrokerId,
            LongSupplier brokerEpoch,
            int leaderId,
            int fetcherId,
            FetcherConfig config,
            long responseTimeoutMarginMs,
            LeaderEndpoint endpoint,
            Clock clock,
            FetcherProgress progress,
            ThreadMetrics metrics,
            LeaderLag lag,
            ReplicaQuota quota) {
        this.quota = quota;
        this.localBrokerId = localBrokerId;
        this.brokerEpoch = brokerEpoch;
        this.leaderId = leaderId;
        this.fetcherId = fetcherId;
        this.config = config;
        this.responseTimeoutMs = config.fetchWaitMaxMs() + responseTimeoutMarginMs;
        this.endpoint = endpoint;
        this.clock = clock;
        this.progress = progress;
        this.metrics = metrics;
        this.lag = lag;
        this.logPrefix =
                "[ReplicaFetcher broker=" + localBrokerId + " leader=" + leaderId + " thread=" + fetcherId + "] ";
        this.answers = new PartitionAnswerApplier(logPrefix, config.backoffMs(), lag, this::markFailed);
        this.thread = Threads.newThread(
                "ReplicaFetcherThread-" + fetcherId + "-" + leaderId,
                this::run,
                Thread.currentThread().isDaemon());
    }

    int leaderId() {
        return leaderId;
    }

    int fetcherId() {
        return fetcherId;
    }

    void start() {
        if (lifecycle.compareAndSet(Lifecycle.NEW, Lifecycle.RUNNING)) {
            thread.start();
        }
    }

    /**
     * Adds partitions, or replaces their state. A partition already fetched with the same replica object and leader
     * epoch keeps its state (and any backoff) unless it failed; anything else starts fresh.
     */
    void addPartitions(Map<FollowerPartition, InitialFetchState> added) {
        lock.lock();
        try {
            for (Map.Entry<FollowerPartition, InitialFetchState> e : added.entrySet()) {
                FollowerPartition partition = e.getKey();
                int epoch = e.getValue().leaderEpoch();
                TopicPartition tp = partition.topicPartition();
                PartitionFetchState current = partitions.get(tp);
                if (current != null
                        && current.partition() == partition
                        && current.leaderEpoch() == epoch
                        && current.status() != PartitionFetchState.Status.FAILED) {
                    continue;
                }
                partitions.put(tp, new PartitionFetchState(partition, epoch));
                lag.track(tp);
                log.info(
                        "{}Fetching {} at leader epoch {} from offset {}",
                        logPrefix,
                        tp,
                        epoch,
                        partition.logEndOffset());
            }
            publishCounts();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Removes partitions; once this returns the loop will not touch them. Returns the ones it fetched. */
    Set<TopicPartition> removePartitions(Collection<TopicPartition> removed) {
        lock.lock();
        try {
            Set<TopicPartition> result = new HashSet<>();
            for (TopicPartition tp : removed) {
                if (partitions.remove(tp) != null) {
                    result.add(tp);
                    lag.untrack(tp);
                }
            }
            if (!result.isEmpty()) {
                log.info("{}Stopped fetching {}", logPrefix, result);
                publishCounts();
                changed.signalAll();
            }
            return result;
        } finally {
            lock.unlock();
        }
    }

    int partitionCount() {
        lock.lock();
        try {
            return partitions.size();
        } finally {
            lock.unlock();
        }
    }

    /** Partitions excluded after their append or truncation failed. */
    Set<TopicPartition> failedPartitions() {
        lock.lock();
        try {
            Set<TopicPartition> failed = new HashSet<>();
            partitions.forEach((tp, state) -> {
                if (state.status() == PartitionFetchState.Status.FAILED) {
                    failed.add(tp);
                }
            });
            return failed;
        } finally {
            lock.unlock();
        }
    }

    /** A snapshot for health checks: liveness, partition counts and the time since the last completed round. */
    FetcherThreadStatus status() {
        String error = progress.lastError();
        return new FetcherThreadStatus(
                thread.getName(),
                leaderId,
                fetcherId,
                isAliveOrNotStarted(),
                progress.fetching(),
                progress.failed(),
                progress.msSinceLastRound(clock.millis()),
                Optional.ofNullable(error));
    }

    /** This thread as a must-not-die thread: dead only if it ended while it should be running. */
    ThreadStatus threadStatus() {
        return new ThreadStatus(thread.getName(), isAliveOrNotStarted());
    }

    private boolean isAliveOrNotStarted() {
        return lifecycle.get() != Lifecycle.RUNNING || thread.isAlive();
    }

    /** Publishes the partition counts to {@link #progress}. Holds {@link #lock}. */
    private void publishCounts() {
        int fetching = 0;
        int failed = 0;
        for (PartitionFetchState state : partitions.values()) {
            if (state.status() == PartitionFetchState.Status.FAILED) {
                failed++;
            } else {
                fetching++;
            }
        }
        progress.partitionsChanged(fetching, failed, clock.millis());
    }

    /** Stops the loop, waits for it to end, then closes the endpoint and removes the thread's meters. */
    void shutdown() {
        Lifecycle previous =
                lifecycle.getAndUpdate(s -> s == Lifecycle.NEW || s == Lifecycle.RUNNING ? Lifecycle.STOPPING : s);
        if (previous == Lifecycle.STOPPING || previous == Lifecycle.STOPPED) {
            return;
        }
        lock.lock();
        try {
            changed.signalAll();
            if (inFlight != null) {
                inFlight.completeExceptionally(new IllegalStateException("fetcher thread shutting down"));
            }
        } finally {
            lock.unlock();
        }
        if (previous == Lifecycle.RUNNING) {
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            endpoint.close();
        } catch (RuntimeException e) {
            log.warn("{}Closing the leader endpoint failed", logPrefix, e);
        }
        metrics.close();
        lifecycle.set(Lifecycle.STOPPED);
        log.info("{}Stopped", logPrefix);
    }

    private boolean isRunning() {
        return lifecycle.get() == Lifecycle.RUNNING;
    }

    private void run() {
        log.info("{}Starting", logPrefix);
        while (isRunning()) {
            try {
                fetchOnce();
            } catch (InterruptedException e) {
                // Nothing in Sluice interrupts fetcher threads; shutdown goes through the lifecycle.
                log.warn("{}Interrupted; continuing after a backoff", logPrefix);
                backoffThread();
            } catch (Throwable e) {
                // Not one partition's fault (those are caught per partition): log, back off, keep the thread.
                progress.roundFailed("unexpected " + e);
                log.error("{}Unexpected error in the fetch loop; backing off {} ms", logPrefix, config.backoffMs(), e);
                backoffThread();
            }
        }
    }

    /** One round: build, send, wait, apply. */
    private void fetchOnce() throws InterruptedException {
        Map<TopicPartition, PartitionFetchState> requested = new LinkedHashMap<>();
        FetchRequestData request;
        FollowerFetchSession.Built built;
        CompletableFuture<FetchResponseData> answer = new CompletableFuture<>();
        lock.lock();
        try {
            long now = clock.millis();
            if (!isRunning()) {
                return; // checked under the lock: shutdown() either sees inFlight or this sees STOPPING
            }
            boolean[] throttled = new boolean[1];
            request = buildRequest(now, requested, throttled);
            if (requested.isEmpty()) {
                awaitWork(
                        now,
                        throttled[0] ? Math.max(1, Math.min(quota.msUntilWithinQuota(), MAX_THROTTLE_WAIT_MS)) : 0);
                return;
            }
            built = session.build(request);
            inFlight = answer;
        } finally {
            lock.unlock();
        }

        long sentMs = clock.millis();
        FetchResponseData response;
        try {
            endpoint.fetch(request).whenComplete((r, e) -> {
                if (e != null) {
                    answer.completeExceptionally(e);
                } else {
                    answer.complete(r);
                }
            });
            response = answer.get(responseTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            lock.lock();
            try {
                session.onFailure();
            } finally {
                lock.unlock();
            }
            if (isRunning()) {
                metrics.fetchFailed();
                String reason = e instanceof TimeoutException
                        ? "no answer within " + responseTimeoutMs + " ms"
                        : (e instanceof ExecutionException ? e.getCause() : e).toString();
                progress.roundFailed(reason);
                log.warn(
                        "{}Fetch of {} partitions failed ({}); backing off {} ms",
                        logPrefix,
                        requested.size(),
                        reason,
                        config.backoffMs());
                backoffThread();
            }
            return;
        } finally {
            lock.lock();
            try {
                inFlight = null;
            } finally {
                lock.unlock();
            }
        }

        long latencyMs = clock.millis() - sentMs;
        Errors topLevel = Errors.forCode(response.errorCode());
        lock.lock();
        try {
            session.onResponse(built, response);
        } finally {
            lock.unlock();
        }
        if (topLevel != Errors.NONE && built.incremental() && FollowerFetchSession.isSessionError(topLevel)) {
            // the leader lost or refused the session: the next fetch is a full one, at once
            log.info("{}Fetch session {} answered {}; fetching in full", logPrefix, request.sessionId(), topLevel);
            return;
        }
        if (topLevel != Errors.NONE) {
            metrics.fetchFailed();
            progress.roundFailed("leader answered " + topLevel);
            log.warn("{}Fetch failed with {}; backing off {} ms", logPrefix, topLevel, config.backoffMs());
            backoffThread();
            return;
        }
        lock.lock();
        try {
            long bytes = applyResponse(requested, response);
            metrics.fetchCompleted(latencyMs, bytes);
            progress.roundCompleted(clock.millis());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fills {@code requested} with the fetchable partitions and returns the request; sets {@code throttled[0]} if a
     * partition was left out by the follower throttle (Kafka's {@code shouldFollowerThrottle}: a throttled partition
     * this replica has not caught up on, while the quota is exceeded). Holds {@link #lock}.
     */
    private FetchRequestData buildRequest(
            long now, Map<TopicPartition, PartitionFetchState> requested, boolean[] throttled) {
        Map<String, FetchRequestData.FetchTopic> topics = new LinkedHashMap<>();
        Boolean quotaExceeded = null;
        for (Map.Entry<TopicPartition, PartitionFetchState> e : partitions.entrySet()) {
            TopicPartition tp = e.getKey();
            PartitionFetchState state = e.getValue();
            if (!state.isFetchable(now)) {
                continue;
            }
            if (!state.caughtUp() && quota.isThrottled(tp)) {
                if (quotaExceeded == null) {
                    quotaExceeded = quota.isQuotaExceeded();
                }
                if (quotaExceeded) {
                    throttled[0] = true;
                    continue;
                }
            }
            FetchRequestData.FetchPartition fp;
            try {
                FollowerPartition p = state.partition();
                fp = new FetchRequestData.FetchPartition()
                        .setPartition(tp.partition())
                        .setCurrentLeaderEpoch(state.leaderEpoch())
                        .setFetchOffset(p.logEndOffset())
                        .setLastFetchedEpoch(p.latestEpoch().orElse(-1))
                        .setLogStartOffset(p.logStartOffset())
                        .setPartitionMaxBytes(config.fetchMaxBytes());
            } catch (Throwable ex) {
                if (Threads.isResourceExhaustion(ex)) {
                    log.error(
                            "{}Out of memory reading the fetch position of {}; trying again next round", logPrefix, tp);
                } else {
                    markFailed(tp, state, "reading its fetch position", ex);
                }
                continue;
            }
            topics.computeIfAbsent(tp.topic(), t -> new FetchRequestData.FetchTopic().setTopic(t))
                    .partitions()
                    .add(fp);
            requested.put(tp, state);
        }
        return new FetchRequestData()
                .setReplicaId(localBrokerId)
                .setReplicaState(new FetchRequestData.ReplicaState()
                        .setReplicaId(localBrokerId)
                        .setReplicaEpoch(brokerEpoch.getAsLong()))
                .setMaxWaitMs(config.fetchWaitMaxMs())
                .setMinBytes(config.fetchMinBytes())
                .setMaxBytes(config.fetchResponseMaxBytes())
                .setIsolationLevel(READ_UNCOMMITTED)
                .setTopics(new ArrayList<>(topics.values()));
    }

    /**
     * Waits, holding {@link #lock}, until a delayed partition is due, the partitions change, or {@code throttleWaitMs}
     * (if positive) has passed, when the follower throttle lets throttled partitions be fetched again.
     */
    private void awaitWork(long now, long throttleWaitMs) throws InterruptedException {
        long wakeUp = throttleWaitMs > 0 ? now + throttleWaitMs : Long.MAX_VALUE;
        for (PartitionFetchState state : partitions.values()) {
            if (state.status() == PartitionFetchState.Status.DELAYED) {
                wakeUp = Math.min(wakeUp, state.delayedUntilMs());
            }
        }
        if (!isRunning()) {
            return;
        }
        if (wakeUp == Long.MAX_VALUE) {
            changed.await();
        } else if (wakeUp > now) {
            changed.await(wakeUp - now, TimeUnit.MILLISECONDS);
        }
    }

    /** Waits {@code backoffMs} unless shut down first. */
    private void backoffThread() {
        lock.lock();
        try {
            long deadline = clock.millis() + config.backoffMs();
            long remaining;
            while (isRunning() && (remaining = deadline - clock.millis()) > 0) {
                changed.await(remaining, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            log.warn("{}Interrupted during backoff", logPrefix);
        } finally {
            lock.unlock();
        }
    }

    /** Applies an answer; returns the record bytes received. Holds {@link #lock}. */
    private long applyResponse(Map<TopicPartition, PartitionFetchState> requested, FetchResponseData response) {
        long now = clock.millis();
        long bytes = 0;
        List<TopicPartition> served = new ArrayList<>();
        for (FetchResponseData.FetchableTopicResponse topic : response.responses()) {
            for (FetchResponseData.PartitionData data : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.topic(), data.partitionIndex());
                PartitionFetchState state = requested.get(tp);
                if (state == null) {
                    log.debug("{}Ignoring an answer for {}, which was not requested", logPrefix, tp);
                    continue;
                }
                if (partitions.get(tp) != state || state.status() != PartitionFetchState.Status.FETCHING) {
                    // Removed or re-added while the fetch was in flight: the answer belongs to the old state.
                    continue;
                }
                served.add(tp);
                long received = answers.apply(tp, state, data, now);
                if (quota.isThrottled(tp)) {
                    quota.record(received);
                }
                bytes += received;
            }
        }
        for (TopicPartition tp : served) {
            PartitionFetchState state = partitions.remove(tp);
            if (state != null) {
                partitions.put(tp, state);
            }
        }
        return bytes;
    }

    /**
     * Excludes a partition whose work threw, until it is added again (a new LeaderAndIsr). Holds {@link #lock}.
     *
     * <p>A storage fault ({@link StorageFaults}) is logged as such and reported to the partition, whose log
     * directory goes offline when the fault was a failed write to the disk (see {@code LogDirFailureChannel}).
     */
    private void markFailed(TopicPartition tp, PartitionFetchState state, String what, Throwable e) {
        state.fail();
        lag.untrack(tp);
        publishCounts();
        log.error(
                "{}Partition {} (leader epoch {}) failed while {}{}: {}; it is excluded from fetching until it is added"
                        + " again, the other partitions continue",
                logPrefix,
                tp,
                state.leaderEpoch(),
                what,
                StorageFaults.isStorageFault(e) ? " (storage fault)" : "",
                e.toString(),
                e);
        if (StorageFaults.isStorageFault(e)) {
            try {
                state.partition().reportStorageFault(what, e);
            } catch (RuntimeException reportFailed) {
                log.error("{}Reporting the storage fault of {} failed", logPrefix, tp, reportFailed);
            }
        }
    }

    @Override
    public String toString() {
        return logPrefix.trim();
    }
}
