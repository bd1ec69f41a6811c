package io.sluice.replication.partition;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.metadata.concurrent.SurvivingTask;
import io.sluice.metadata.concurrent.ThreadStatus;
import io.sluice.replication.epoch.EpochCheckpointFlusher;
import io.sluice.replication.fetcher.FollowerPartition;
import io.sluice.replication.fetcher.InitialFetchState;
import io.sluice.replication.fetcher.ReplicaFetcherManager;
import io.sluice.replication.log.LogManager;
import io.sluice.replication.log.UnifiedLog;
import io.sluice.replication.purgatory.Cancellable;
import io.sluice.replication.purgatory.DelayedOperationPurgatory;
import io.sluice.replication.purgatory.Time;
import io.sluice.replication.quota.ReplicaQuota;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All partition replicas of one broker: applies LeaderAndIsr and StopReplica, appends produce requests (acks=all
 * waits in the produce purgatory), serves fetches (long polls wait in the fetch purgatory; follower fetches move
 * follower state, the ISR and the high watermark), answers ListOffsets, runs the ISR shrink check every
 * {@code replica.lag.time.max.ms}/2 and checkpoints high watermarks per log dir every
 * {@code replica.high.watermark.checkpoint.interval.ms} and on shutdown.
 *
 * <p>Lifecycle (compare-and-set on {@link State}): {@code NEW ─startup()─► RUNNING ─shutdown()─► SHUT_DOWN}; shutdown
 * is idempotent and closes, in order: the periodic tasks, the fetcher manager (owned), the AlterPartition manager
 * (queued ISR changes are dropped), the high-watermark checkpoint,
 * the leader-epoch checkpoints not yet written, producer snapshots, the purgatories, the meters. The log manager and the scheduler belong to the caller.
 *
 * <p>Concurrency contract: request paths (produce, fetch, ListOffsets) run on any number of request threads and take
 * only partition locks. LeaderAndIsr and StopReplica are serialised by {@code stateChangeLock}, which is taken before
 * any partition lock and before the fetcher manager's monitor. The partition map is a {@link ConcurrentHashMap}.
 * <b>Delayed operations are completed ({@code checkAndComplete}) only while holding no partition lock</b>: partitions
 * call the {@link PartitionListener} after releasing their locks, and this class calls the purgatories after
 * {@link Partition} methods return, because {@code tryComplete} of a delayed produce or fetch takes partition locks.
 */
public final class ReplicaManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaManager.class);
    /** StopReplica leader epoch meaning "the topic is being deleted". */
    public static final int EPOCH_DURING_DELETE = -2;

    /** Lifecycle states. */
    public enum State {
        NEW,
        RUNNING,
        SHUT_DOWN
    }

    private final ReplicaManagerConfig config;
    private final int brokerId;
    private final LogManager logManager;
    private final ReplicaFetcherManager fetcherManager;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final String logPrefix;
    /** Batches every leader partition's ISR changes into one outstanding AlterPartition request. */
    private final AlterPartitionManager alterPartitionManager;

    private final IsrProposer.Factory proposers;
    private final PartitionListener listener = new Listener();
    private final ConcurrentHashMap<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Uuid> topicIds = new ConcurrentHashMap<>();
    /** The reverse of {@link #topicIds}, for fetches that name topics by id. */
    private final ConcurrentHashMap<Uuid, String> topicNames = new ConcurrentHashMap<>();

    private final DelayedOperationPurgatory<DelayedProduce> producePurgatory;
    private final DelayedOperationPurgatory<DelayedDeleteRecords> deleteRecordsPurgatory;
    private final DelayedOperationPurgatory<DelayedFetch> fetchPurgatory;
    private final HighWatermarkCheckpoints checkpoints;
    /** Writes new leader-epoch entries off the request path (on {@link #scheduler}). */
    private final EpochCheckpointFlusher epochCheckpoints;

    private final ReplicaManagerMetrics metrics;
    /** The leader-side replication throttle applied to follower fetches. */
    private final ReplicaQuota leaderQuota;

    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final Object stateChangeLock = new Object();
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    /** Guarded by {@code stateChangeLock}. */
    private int controllerEpoch;
    /** The remote tier, when tiered storage is enabled on this broker; set once before {@link #startup()}. */
    private volatile TieredStorage tieredStorage;

    /**
     * @param fetcherManager owned from here on: closed by {@link #shutdown()}
     * @param alterPartition sends ISR changes to the controller
     * @param brokerEpoch this broker's epoch (its registration znode's czxid) for AlterPartition
     * @param scheduler runs the periodic tasks and AlterPartition retries
     * @param clock wall-clock time for follower lag
     * @param time monotonic time for the purgatories' deadlines
     * @param reaperPollInterval how often the purgatory reapers look at {@code time}
     */
    public ReplicaManager(
            ReplicaManagerConfig config,
            LogManager logManager,
            ReplicaFetcherManager fetcherManager,
            AlterPartitionSender alterPartition,
            LongSupplier brokerEpoch,
            ScheduledExecutorService scheduler,
            Clock clock,
            Time time,
            Duration reaperPollInterval,
            MeterRegistry registry) {
        this(
                config,
                logManager,
                fetcherManager,
                alterPartition,
                brokerEpoch,
                scheduler,
                clock,
                time,
                reaperPollInterval,
                registry,
                ReplicaQuota.UNBOUNDED);
    }

    /**
     * As above, with a leader-side replication throttle: a follower outside the ISR fetching a partition the quota
     * throttles gets no records for it while the quota is exceeded, and the bytes sent for throttled partitions are
     * recorded against it (Kafka's leader replication quota).
     */
    public ReplicaManager(
            ReplicaManagerConfig config,
            LogManager logManager,
            ReplicaFetcherManager fetcherManager,
            AlterPartitionSender alterPartition,
            LongSupplier brokerEpoch,
            ScheduledExecutorService scheduler,
            Clock clock,
            Time time,
            Duration reaperPollInterval,
            MeterRegistry registry,
            ReplicaQuota leaderQuota) {
        this.leaderQuota = Objects.requireNonNull(leaderQuota, "leaderQuota");
        this.config = config;
        this.brokerId = config.brokerId();
        this.logManager = logManager;
        this.fetcherManager = fetcherManager;
        this.scheduler = scheduler;
        this.clock = clock;
        this.logPrefix = "[ReplicaManager broker=" + brokerId + "] ";
        this.alterPartitionManager = new AlterPartitionManager(
                brokerId, alterPartition, brokerEpoch, scheduler, config.alterPartitionRetryBackoffMs());
        this.proposers =
                IsrProposer.factory(brokerId, alterPartitionManager, scheduler, config.alterPartitionRetryBackoffMs());
        int purge = DelayedOperationPurgatory.DEFAULT_PURGE_INTERVAL;
        this.producePurgatory =
                new DelayedOperationPurgatory<>("Produce", brokerId, time, registry, purge, reaperPollInterval);
        this.fetchPurgatory =
                new DelayedOperationPurgatory<>("Fetch", brokerId, time, registry, purge, reaperPollInterval);
        this.deleteRecordsPurgatory =
                new DelayedOperationPurgatory<>("DeleteRecords", brokerId, time, registry, purge, reaperPollInterval);
        this.checkpoints = new HighWatermarkCheckpoints(logManager);
        this.epochCheckpoints = new EpochCheckpointFlusher(scheduler, brokerId);
        this.metrics = new ReplicaManagerMetrics(registry, partitions::values);
    }

    /** Connects the remote tier (KIP-405); before {@link #startup()}. */
    public void setTieredStorage(TieredStorage tieredStorage) {
        this.tieredStorage = tieredStorage;
    }

    /** Starts the purgatories, the ISR shrink check and the high-watermark checkpoints; once. */
    public void startup() {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException(logPrefix + "cannot start in state " + state.get());
        }
        producePurgatory.start();
        fetchPurgatory.start();
        deleteRecordsPurgatory.start();
        long shrinkEvery = config.replicaLagTimeMaxMs() / 2;
        long checkpointEvery = config.highWatermarkCheckpointIntervalMs();
        synchronized (tasks) {
            tasks.add(scheduler.scheduleWithFixedDelay(
                    guarded("isr-shrink", this::maybeShrinkIsr), shrinkEvery, shrinkEvery, TimeUnit.MILLISECONDS));
            tasks.add(scheduler.scheduleWithFixedDelay(
                    guarded("hw-checkpoint", this::checkpointHighWatermarks),
                    checkpointEvery,
                    checkpointEvery,
                    TimeUnit.MILLISECONDS));
        }
        LOG.info("{}Started", logPrefix);
    }

    /** A periodic task that survives its own failures, Errors included (see {@link SurvivingTask}). */
    private Runnable guarded(String name, Runnable task) {
        return SurvivingTask.of(logPrefix + name, task);
    }

    /** The follower fetchers (owned by this manager). */
    public ReplicaFetcherManager fetcherManager() {
        return fetcherManager;
    }

    /** The purgatories' reaper threads as must-not-die threads, while they run. */
    public List<ThreadStatus> purgatoryThreadStatuses() {
        List<ThreadStatus> statuses = new ArrayList<>(producePurgatory.threadStatuses());
        statuses.addAll(fetchPurgatory.threadStatuses());
        statuses.addAll(deleteRecordsPurgatory.threadStatuses());
        return statuses;
    }

    public State lifecycleState() {
        return state.get();
    }

    public Optional<Partition> partition(TopicPartition tp) {
        return Optional.ofNullable(partitions.get(tp));
    }

    public boolean isLeader(TopicPartition tp) {
        Partition p = partitions.get(tp);
        return p != null && p.isLeader();
    }

    /** The hosted partitions. */
    public Collection<Partition> partitions() {
        return List.copyOf(partitions.values());
    }

    /** The topic id the controller gave {@code topic}, if known. */
    /**
     * The topic with id {@code topicId} as the controller's LeaderAndIsr named it. A follower may fetch by topic id
     * before this broker's metadata cache has the topic (UpdateMetadata follows LeaderAndIsr).
     */
    public Optional<String> topicName(Uuid topicId) {
        return Optional.ofNullable(topicNames.get(topicId));
    }

    public Optional<Uuid> topicId(String topic) {
        return Optional.ofNullable(topicIds.get(topic));
    }

    // ---------------------------------------------------------------- controller requests

    /**
     * Applies a LeaderAndIsr request. A controller epoch lower than the last seen → STALE_CONTROLLER_EPOCH for every
     * partition. Per partition: not a replica → UNKNOWN_TOPIC_OR_PARTITION; leader epoch not newer than the current
     * one → STALE_CONTROLLER_EPOCH (ignored, as Kafka does); a broken log dir → KAFKA_STORAGE_ERROR. New leaders lose
     * their fetchers first; new followers get a fetcher from their leader at the new epoch.
     */
    public Map<TopicPartition, Errors> becomeLeaderOrFollower(
            int controllerEpoch,
            List<LeaderAndIsrPartitionState> states,
            Map<String, Uuid> topicIds,
            Function<String, TopicSettings> settings) {
        Map<TopicPartition, Errors> result = new LinkedHashMap<>();
        Set<TopicPartition> changed = new LinkedHashSet<>();
        synchronized (stateChangeLock) {
            if (controllerEpoch < this.controllerEpoch) {
                LOG.warn(
                        "{}Ignoring LeaderAndIsr from controller epoch {} (last seen {})",
                        logPrefix,
                        controllerEpoch,
                        this.controllerEpoch);
                for (LeaderAndIsrPartitionState s : states) {
                    result.put(new TopicPartition(s.topicName(), s.partitionIndex()), Errors.STALE_CONTROLLER_EPOCH);
                }
                return result;
            }
            this.controllerEpoch = controllerEpoch;
            this.topicIds.putAll(topicIds);
            topicIds.forEach((name, id) -> topicNames.put(id, name));
            Map<Partition, LeaderAndIsr> toLead = new LinkedHashMap<>();
            Map<Partition, LeaderAndIsr> toFollow = new LinkedHashMap<>();
            for (LeaderAndIsrPartitionState s : states) {
                TopicPartition tp = new TopicPartition(s.topicName(), s.partitionIndex());
                if (Thread.currentThread().isInterrupted()) {
                    // the broker is stopping (its request handlers are interrupted): every file operation would now
                    // fail, so nothing more of this request is applied
                    return abandoned(states, result);
                }
                LeaderAndIsr la = LeaderAndIsr.from(s);
                if (!la.replicas().contains(brokerId)) {
                    result.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                    continue;
                }
                Partition partition;
                try {
                    TopicSettings topic = settings.apply(tp.topic());
                    partition = getOrCreatePartition(tp, topic);
                    partition.minInsyncReplicas(topic.minInsyncReplicas());
                } catch (ApiException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        return abandoned(states, result);
                    }
                    LOG.error("{}Cannot host {}", logPrefix, tp, e);
                    result.put(tp, Errors.forException(e));
                    continue;
                }
                int current = partition.state().leaderEpoch();
                if (la.leaderEpoch() <= current) {
                    LOG.info(
                            "{}Ignoring LeaderAndIsr for {}: leader epoch {} is not newer than {}",
                            logPrefix,
                            tp,
                            la.leaderEpoch(),
                            current);
                    result.put(tp, Errors.STALE_CONTROLLER_EPOCH);
                } else if (la.leader() == brokerId) {
                    toLead.put(partition, la);
                } else {
                    toFollow.put(partition, la);
                }
            }
            if (Thread.currentThread().isInterrupted()) {
                return abandoned(states, result);
            }
            if (!toLead.isEmpty()) {
                fetcherManager.removeFetcherForPartitions(tps(toLead.keySet()));
                toLead.forEach((p, la) -> result.put(p.topicPartition(), p.makeLeader(la)));
            }
            if (!toFollow.isEmpty()) {
                fetcherManager.removeFetcherForPartitions(tps(toFollow.keySet()));
                Map<FollowerPartition, InitialFetchState> fetch = new LinkedHashMap<>();
                toFollow.forEach((p, la) -> {
                    Errors error = p.makeFollower(la);
                    result.put(p.topicPartition(), error);
                    if (error == Errors.NONE && la.leader() >= 0) {
                        fetch.put(p, new InitialFetchState(la.leader(), la.leaderEpoch()));
                    }
                });
                if (!fetch.isEmpty()) {
                    fetcherManager.addFetcherForPartitions(fetch);
                }
            }
            changed.addAll(tps(toLead.keySet()));
            changed.addAll(tps(toFollow.keySet()));
            TieredStorage tiered = tieredStorage;
            if (tiered != null) {
                List<Partition> led = new ArrayList<>();
                List<Partition> followed = new ArrayList<>();
                toLead.keySet().forEach(p -> {
                    if (result.get(p.topicPartition()) == Errors.NONE) {
                        led.add(p);
                    }
                });
                toFollow.keySet().forEach(p -> {
                    if (result.get(p.topicPartition()) == Errors.NONE) {
                        followed.add(p);
                    }
                });
                tiered.onLeadershipChange(led, followed);
            }
        }
        changed.forEach(this::completeDelayedRequests);
        return result;
    }

    /**
     * The answer to a LeaderAndIsr whose handling thread was interrupted because the broker is stopping: the
     * partitions not decided yet get {@code UNKNOWN_SERVER_ERROR} (the controller will not see it: the connection is
     * closing) and one WARN line says how many were left, instead of an ERROR per partition whose files could no
     * longer be opened.
     */
    private Map<TopicPartition, Errors> abandoned(
            List<LeaderAndIsrPartitionState> states, Map<TopicPartition, Errors> result) {
        int left = 0;
        for (LeaderAndIsrPartitionState s : states) {
            TopicPartition tp = new TopicPartition(s.topicName(), s.partitionIndex());
            if (!result.containsKey(tp)) {
                result.put(tp, Errors.UNKNOWN_SERVER_ERROR);
                left++;
            }
        }
        LOG.warn(
                "{}Interrupted while applying LeaderAndIsr (the broker is stopping); {} partitions left",
                logPrefix,
                left);
        return result;
    }

    /**
     * Applies a StopReplica request: stops fetching and serving the partitions (and deletes their logs if
     * {@code delete}). Controller epoch lower than the last seen → STALE_CONTROLLER_EPOCH for all; a leader epoch older
     * than the current one (other than {@link #EPOCH_DURING_DELETE} or -1) → FENCED_LEADER_EPOCH. An equal epoch stops
     * the replica, as in Kafka: the controller stops a follower of a broker in controlled shutdown with the epoch that
     * moved leadership away.
     */
    public Map<TopicPartition, Errors> stopReplicas(
            int controllerEpoch, Map<TopicPartition, Integer> leaderEpochs, boolean delete) {
        Map<TopicPartition, Errors> result = new LinkedHashMap<>();
        List<TopicPartition> stopped = new ArrayList<>();
        synchronized (stateChangeLock) {
            if (controllerEpoch < this.controllerEpoch) {
                leaderEpochs.keySet().forEach(tp -> result.put(tp, Errors.STALE_CONTROLLER_EPOCH));
                return result;
            }
            this.controllerEpoch = controllerEpoch;
            leaderEpochs.forEach((tp, epoch) -> {
                Partition p = partitions.get(tp);
                if (p == null
                        || epoch == EPOCH_DURING_DELETE
                        || epoch == Partition.NO_EPOCH
                        || epoch >= p.state().leaderEpoch()) {
                    stopped.add(tp);
                    result.put(tp, Errors.NONE);
                } else {
                    LOG.info(
                            "{}Ignoring StopReplica for {}: leader epoch {} is older than {}",
                            logPrefix,
                            tp,
                            epoch,
                            p.state().leaderEpoch());
                    result.put(tp, Errors.FENCED_LEADER_EPOCH);
                }
            });
            fetcherManager.removeFetcherForPartitions(stopped);
            TieredStorage tiered = tieredStorage;
            if (tiered != null && !stopped.isEmpty()) {
                tiered.onStopPartitions(stopped, delete);
            }
            for (TopicPartition tp : stopped) {
                Partition p = partitions.remove(tp);
                try {
                    if (p != null) {
                        p.replicaLog().closeEpochCache(!delete);
                    }
                    if (delete) {
                        logManager.deleteLog(tp);
                    } else if (p != null) {
                        p.takeProducerSnapshot();
                    }
                } catch (ApiException e) {
                    LOG.error("{}Cannot delete the log of {}", logPrefix, tp, e);
                    result.put(tp, Errors.forException(e));
                }
                LOG.info("{}Stopped replica {} (delete={})", logPrefix, tp, delete);
            }
        }
        stopped.forEach(this::completeDelayedRequests);
        return result;
    }

    private Partition getOrCreatePartition(TopicPartition tp, TopicSettings settings) {
        Partition existing = partitions.get(tp);
        if (existing != null) {
            return existing;
        }
        UnifiedLog log = logManager.getOrCreateLog(tp, settings.logConfig());
        ReplicaLog replicaLog = ReplicaLog.open(log, checkpoints.highWatermarkOf(log), epochCheckpoints);
        Partition partition = new Partition(replicaLog, config, clock, listener, proposers);
        partitions.put(tp, partition);
        return partition;
    }

    private static List<TopicPartition> tps(Collection<Partition> ps) {
        List<TopicPartition> out = new ArrayList<>(ps.size());
        ps.forEach(p -> out.add(p.topicPartition()));
        return out;
    }

    // ---------------------------------------------------------------- produce

    /**
     * Appends to the led partitions. acks must be -1, 0 or 1 (else INVALID_REQUIRED_ACKS). With acks=-1 the callback
     * runs once every appended partition's high watermark passed its records (or at the timeout); otherwise at once.
     * The callback runs exactly once, on the calling thread or on the thread that completes the delayed produce.
     *
     * @return cancels the wait for replication (the callback then runs at once, on the cancelling thread, with
     *     REQUEST_TIMED_OUT for the partitions not yet replicated); {@link Cancellable#NONE} when nothing waits
     */
    public Cancellable appendRecords(
            long timeoutMs,
            short requiredAcks,
            Map<TopicPartition, MemoryRecords> entries,
            Consumer<Map<TopicPartition, AppendResult>> callback) {
        Map<TopicPartition, AppendResult> results = new LinkedHashMap<>();
        if (requiredAcks != -1 && requiredAcks != 0 && requiredAcks != 1) {
            entries.keySet()
                    .forEach(tp -> results.put(
                            tp, AppendResult.error(Errors.INVALID_REQUIRED_ACKS, "acks must be -1, 0 or 1")));
            callback.accept(results);
            return Cancellable.NONE;
        }
        List<TopicPartition> appended = new ArrayList<>();
        entries.forEach((tp, records) -> {
            AppendResult result = appendToLeader(tp, records, requiredAcks);
            results.put(tp, result);
            if (result.error() == Errors.NONE) {
                appended.add(tp);
            }
        });
        appended.forEach(fetchPurgatory::checkAndComplete);
        if (requiredAcks == -1 && !appended.isEmpty()) {
            DelayedProduce op = new DelayedProduce(timeoutMs, results, this::partition, callback);
            if (!producePurgatory.tryCompleteElseWatch(op, appended)) {
                return () -> producePurgatory.cancel(op, appended);
            }
        } else {
            callback.accept(results);
        }
        return Cancellable.NONE;
    }

    /**
     * One transaction marker to append (WriteTxnMarkers).
     *
     * @param partition where
     * @param producerId the producer whose transaction ends
     * @param producerEpoch its epoch
     * @param coordinatorEpoch the transaction coordinator's epoch (leader epoch of its {@code __transaction_state}
     *     partition)
     * @param type COMMIT or ABORT
     */
    public record TxnMarker(
            TopicPartition partition,
            long producerId,
            short producerEpoch,
            int coordinatorEpoch,
            ControlRecordType type) {}

    /**
     * Appends transaction markers on the led partitions and runs the callback once each appended marker is below the
     * high watermark (as acks=all) or at the timeout. Same threading and cancellation as {@link #appendRecords}.
     */
    public Cancellable appendTxnMarkers(
            long timeoutMs, List<TxnMarker> markers, Consumer<Map<TopicPartition, AppendResult>> callback) {
        Map<TopicPartition, AppendResult> results = new LinkedHashMap<>();
        List<TopicPartition> appended = new ArrayList<>();
        for (TxnMarker marker : markers) {
            TopicPartition tp = marker.partition();
            Partition partition = partitions.get(tp);
            AppendResult result;
            if (partition == null) {
                result = AppendResult.error(
                        Errors.NOT_LEADER_OR_FOLLOWER, "broker " + brokerId + " does not host " + tp);
            } else {
                try {
                    result = partition.appendTxnMarkerToLeader(
                            marker.producerId(), marker.producerEpoch(), marker.coordinatorEpoch(), marker.type());
                } catch (ApiException e) {
                    result = AppendResult.error(Errors.forException(e), e.getMessage());
                } catch (RuntimeException e) {
                    LOG.error("{}Marker append to {} failed", logPrefix, tp, e);
                    logManager.reportStorageFault(tp, "a marker append", e);
                    result = AppendResult.error(Errors.KAFKA_STORAGE_ERROR, "append failed: " + e);
                }
            }
            results.put(tp, result);
            if (result.error() == Errors.NONE) {
                appended.add(tp);
            }
        }
        appended.forEach(fetchPurgatory::checkAndComplete);
        if (appended.isEmpty()) {
            callback.accept(results);
            return Cancellable.NONE;
        }
        DelayedProduce op = new DelayedProduce(timeoutMs, results, this::partition, callback);
        if (!producePurgatory.tryCompleteElseWatch(op, appended)) {
            return () -> producePurgatory.cancel(op, appended);
        }
        return Cancellable.NONE;
    }

    private AppendResult appendToLeader(TopicPartition tp, MemoryRecords records, short requiredAcks) {
        Partition partition = partitions.get(tp);
        if (partition == null) {
            return AppendResult.error(Errors.NOT_LEADER_OR_FOLLOWER, "broker " + brokerId + " does not host " + tp);
        }
        try {
            return partition.appendRecordsToLeader(records, requiredAcks);
        } catch (ApiException e) {
            Errors error = Errors.forException(e);
            if (e instanceof KafkaStorageException) {
                logManager.reportStorageFault(tp, "an append", e);
            }
            if (isMalformedInput(error)) {
                LOG.info("{}Refused an append to {} ({}): {}", logPrefix, tp, error, e.getMessage());
            } else {
                LOG.debug("{}Append to {} failed: {}", logPrefix, tp, e.toString());
            }
            return AppendResult.error(error, e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("{}Append to {} failed", logPrefix, tp, e);
            logManager.reportStorageFault(tp, "an append", e);
            return AppendResult.error(Errors.KAFKA_STORAGE_ERROR, "append failed: " + e);
        }
    }

    /** Errors that mean the producer sent bad records (logged once each, without a stack trace). */
    private static boolean isMalformedInput(Errors error) {
        return error == Errors.CORRUPT_MESSAGE
                || error == Errors.INVALID_RECORD
                || error == Errors.INVALID_TIMESTAMP
                || error == Errors.MESSAGE_TOO_LARGE;
    }

    // ---------------------------------------------------------------- fetch

    /**
     * Reads the partitions; answers at once if {@code minBytes} are there, a partition errs or diverges, or
     * {@code maxWaitMs} is 0; otherwise waits in the fetch purgatory until one of these holds or the wait ends. A
     * follower fetch moves that follower's state (which may grow the ISR, raise the high watermark and complete
     * delayed produces). The callback runs exactly once, unless the fetch is cancelled while it waits.
     *
     * @return cancels a waiting fetch: it leaves the purgatory at once and its callback is not called (the fetch
     *     reads nothing more); {@link Cancellable#NONE} when the fetch was answered at once
     */
    public Cancellable fetchMessages(
            FetchParams params, List<PartitionFetch> fetches, Consumer<Map<TopicPartition, ReadResult>> callback) {
        Consumer<Map<TopicPartition, ReadResult>> answer =
                params.isFromFollower() ? throttledBytesRecorder(callback) : callback;
        Map<TopicPartition, ReadResult> results = readFromLocalLogs(params, fetches, true);
        Map<TopicPartition, CompletableFuture<ReadResult>> remoteReads = remoteReads(params, fetches, results);
        if (!remoteReads.isEmpty()) {
            return answerWithRemoteReads(results, remoteReads, callback);
        }
        if (params.maxWaitMs() <= 0 || fetches.isEmpty() || DelayedFetch.satisfied(params, results)) {
            answer.accept(results);
            return Cancellable.NONE;
        }
        List<TopicPartition> keys = new ArrayList<>();
        fetches.forEach(f -> keys.add(f.topicPartition()));
        DelayedFetch op = new DelayedFetch(params, fetches, this, answer);
        if (fetchPurgatory.tryCompleteElseWatch(op, keys)) {
            return Cancellable.NONE;
        }
        return () -> {
            op.abandon();
            fetchPurgatory.cancel(op, keys);
        };
    }

    /**
     * For a consumer fetch: the partitions whose fetch offset lies in the remote tier (OFFSET_OUT_OF_RANGE locally, at
     * or above the log start offset, below the local log start of a topic with remote storage), each with its read
     * from the remote tier under way.
     */
    private Map<TopicPartition, CompletableFuture<ReadResult>> remoteReads(
            FetchParams params, List<PartitionFetch> fetches, Map<TopicPartition, ReadResult> results) {
        TieredStorage tiered = tieredStorage;
        if (tiered == null || params.isFromFollower()) {
            return Map.of();
        }
        Map<TopicPartition, CompletableFuture<ReadResult>> reads = new LinkedHashMap<>();
        for (PartitionFetch f : fetches) {
            ReadResult r = results.get(f.topicPartition());
            if (r == null || r.error() != Errors.OFFSET_OUT_OF_RANGE) {
                continue;
            }
            Partition partition = partitions.get(f.topicPartition());
            if (partition == null
                    || !partition.log().config().remoteStorageEnable()
                    || f.fetchOffset() < r.logStartOffset()
                    || f.fetchOffset() >= partition.log().localLogStartOffset()) {
                continue;
            }
            int maxBytes = Math.max(1, Math.min(f.maxBytes(), params.maxBytes()));
            reads.put(f.topicPartition(), tiered.read(partition, f.fetchOffset(), maxBytes, r));
        }
        return reads;
    }

    /**
     * Answers a fetch once its remote reads are done or {@code remote.fetch.max.wait.ms} has passed (a read not done
     * by then answers its partition with no records and no error, so the client fetches again), on the thread that
     * finished last; never on the request thread's time.
     */
    private Cancellable answerWithRemoteReads(
            Map<TopicPartition, ReadResult> results,
            Map<TopicPartition, CompletableFuture<ReadResult>> reads,
            Consumer<Map<TopicPartition, ReadResult>> callback) {
        AtomicBoolean answered = new AtomicBoolean();
        CompletableFuture.allOf(reads.values().toArray(new CompletableFuture<?>[0]))
                .completeOnTimeout(null, tieredStorage.fetchMaxWaitMs(), TimeUnit.MILLISECONDS)
                .whenComplete((done, error) -> {
                    if (!answered.compareAndSet(false, true)) {
                        return;
                    }
                    Map<TopicPartition, ReadResult> answer = new LinkedHashMap<>(results);
                    reads.forEach((tp, read) -> {
                        ReadResult local = results.get(tp);
                        ReadResult remote = read.isDone() && !read.isCompletedExceptionally() ? read.join() : null;
                        answer.put(
                                tp,
                                remote != null
                                        ? remote
                                        : new ReadResult(
                                                Errors.NONE,
                                                Optional.empty(),
                                                local.highWatermark(),
                                                local.lastStableOffset(),
                                                local.logStartOffset(),
                                                local.logEndOffset(),
                                                Optional.empty()));
                    });
                    callback.accept(answer);
                });
        return () -> answered.set(true);
    }

    /**
     * Whether a fetch waiting in the purgatory may be answered now ({@link DelayedFetch#tryComplete}). Runs at every
     * append to one of its partitions and twice when the fetch starts waiting, so it reads no log unless it has to:
     * a partition that is gone, lost leadership, or has records past the fetch offset settles it when
     * {@code minBytes} is at most 1 (the default of followers and consumers); only a larger {@code minBytes} with
     * some partition changed counts the bytes with a read. A follower fetch of thousands of idle partitions thus costs
     * a few field reads per partition instead of a log read.
     */
    boolean delayedFetchSatisfied(FetchParams params, List<PartitionFetch> fetches) {
        boolean changed = false;
        FetchIsolation isolation = params.effectiveIsolation();
        for (PartitionFetch f : fetches) {
            Partition partition = partitions.get(f.topicPartition());
            if (partition == null) {
                return true;
            }
            if (params.isFromFollower() && shouldLeaderThrottle(partition, params.replicaId())) {
                continue; // its records are held back: they must not complete the wait
            }
            if (partition.mayAnswerWaitingFetch(
                    f.fetchOffset(), isolation, f.currentLeaderEpoch(), params.leaderOnly())) {
                if (params.minBytes() <= 1) {
                    return true;
                }
                changed = true;
            }
        }
        return changed && DelayedFetch.satisfied(params, readFromLocalLogs(params, fetches, false));
    }

    /** Reads every partition within the response byte budget; the first batch read is always returned. */
    Map<TopicPartition, ReadResult> readFromLocalLogs(
            FetchParams params, List<PartitionFetch> fetches, boolean updateFollowerState) {
        Map<TopicPartition, ReadResult> results = new LinkedHashMap<>();
        long remaining = params.maxBytes();
        boolean anyBytes = false;
        for (PartitionFetch f : fetches) {
            Partition partition = partitions.get(f.topicPartition());
            if (partition == null) {
                results.put(f.topicPartition(), ReadResult.error(Errors.UNKNOWN_TOPIC_OR_PARTITION));
                continue;
            }
            int limit = (int) Math.max(0, Math.min(f.maxBytes(), remaining));
            ReadResult r;
            try {
                r = partition.fetchRecords(
                        f.fetchOffset(),
                        Math.max(limit, 1),
                        params.effectiveIsolation(),
                        f.currentLeaderEpoch(),
                        params.isFromFollower() ? f.lastFetchedEpoch() : Partition.NO_EPOCH,
                        params.leaderOnly() || params.isFromFollower());
            } catch (ApiException e) {
                r = ReadResult.error(Errors.forException(e));
            }
            if ((anyBytes && r.bytes() > limit)
                    || (r.bytes() > 0
                            && params.isFromFollower()
                            && shouldLeaderThrottle(partition, params.replicaId()))) {
                r = new ReadResult(
                        r.error(),
                        Optional.empty(),
                        r.highWatermark(),
                        r.lastStableOffset(),
                        r.logStartOffset(),
                        r.logEndOffset(),
                        r.divergingEpoch());
            }
            remaining -= r.bytes();
            anyBytes |= r.bytes() > 0;
            results.put(f.topicPartition(), r);
            if (updateFollowerState
                    && params.isFromFollower()
                    && r.error() == Errors.NONE
                    && r.divergingEpoch().isEmpty()) {
                partition.updateFollowerFetchState(
                        params.replicaId(),
                        params.replicaEpoch(),
                        f.fetchOffset(),
                        f.logStartOffset(),
                        clock.millis(),
                        r.logEndOffset());
                if (deleteRecordsPurgatory.numDelayed() > 0) {
                    // the follower's log start offset may have reached a waiting DeleteRecords
                    deleteRecordsPurgatory.checkAndComplete(f.topicPartition());
                }
            }
        }
        return results;
    }

    /**
     * Whether the leader holds back {@code partition}'s records from follower {@code replicaId} (Kafka's {@code
     * shouldLeaderThrottle}): the partition is leader-throttled here, the follower is not in the ISR, and the leader
     * quota is exceeded. An in-sync follower is never throttled, so a throttle cannot push it out of the ISR.
     */
    private boolean shouldLeaderThrottle(Partition partition, int replicaId) {
        return leaderQuota.isThrottled(partition.topicPartition())
                && !partition.state().isr().contains(replicaId)
                && leaderQuota.isQuotaExceeded();
    }

    /** Records the bytes answered for leader-throttled partitions, then answers. */
    private Consumer<Map<TopicPartition, ReadResult>> throttledBytesRecorder(
            Consumer<Map<TopicPartition, ReadResult>> callback) {
        return results -> {
            long bytes = 0;
            for (Map.Entry<TopicPartition, ReadResult> e : results.entrySet()) {
                if (leaderQuota.isThrottled(e.getKey())) {
                    bytes += e.getValue().bytes();
                }
            }
            leaderQuota.record(bytes);
            callback.accept(results);
        };
    }

    // ---------------------------------------------------------------- DeleteRecords

    /**
     * DeleteRecords (Kafka's {@code deleteRecords}): raises each partition's log start offset on this leader ({@link
     * Partition#deleteRecordsOnLeader}), then waits up to {@code timeoutMs} until the in-sync followers have raised
     * theirs ({@link DelayedDeleteRecords}). A partition this broker does not host → NOT_LEADER_OR_FOLLOWER. The
     * callback runs exactly once, with a result per requested partition.
     *
     * @param offsets per partition, the offset before which records are deleted ({@link
     *     DeleteRecordsResult#HIGH_WATERMARK} for the high watermark)
     * @return cancels the wait (the callback then runs at once with REQUEST_TIMED_OUT where still waiting)
     */
    public Cancellable deleteRecords(
            long timeoutMs,
            Map<TopicPartition, Long> offsets,
            Consumer<Map<TopicPartition, DeleteRecordsResult>> callback) {
        Map<TopicPartition, DeleteRecordsResult> initial = new LinkedHashMap<>();
        offsets.forEach((tp, offset) -> {
            Partition partition = partitions.get(tp);
            DeleteRecordsResult result;
            if (partition == null) {
                result = DeleteRecordsResult.error(Errors.NOT_LEADER_OR_FOLLOWER, "not the leader of " + tp);
            } else {
                try {
                    result = partition.deleteRecordsOnLeader(offset);
                } catch (ApiException e) {
                    result = DeleteRecordsResult.error(Errors.forException(e), e.getMessage());
                }
            }
            if (result.error() == Errors.NONE) {
                LOG.info("{}Deleted the records of {} before offset {}", logPrefix, tp, result.lowWatermark());
            }
            initial.put(tp, result);
        });
        DelayedDeleteRecords op =
                new DelayedDeleteRecords(timeoutMs, initial, tp -> Optional.ofNullable(partitions.get(tp)), callback);
        List<TopicPartition> keys = List.copyOf(initial.keySet());
        if (!deleteRecordsPurgatory.tryCompleteElseWatch(op, keys)) {
            return () -> deleteRecordsPurgatory.cancel(op, keys);
        }
        return Cancellable.NONE;
    }

    // ---------------------------------------------------------------- ListOffsets

    /** ListOffsets for one partition (see {@link Partition#fetchOffsetForTimestamp}). */
    public OffsetLookup listOffsets(
            TopicPartition tp, long timestamp, FetchIsolation isolation, int currentLeaderEpoch) {
        Partition partition = partitions.get(tp);
        if (partition == null) {
            return OffsetLookup.error(Errors.NOT_LEADER_OR_FOLLOWER);
        }
        try {
            return partition.fetchOffsetForTimestamp(timestamp, isolation, currentLeaderEpoch);
        } catch (ApiException e) {
            return OffsetLookup.error(Errors.forException(e));
        }
    }

    /**
     * OffsetForLeaderEpoch for one partition (see {@link Partition#lastOffsetForLeaderEpoch}); a partition this broker
     * does not host is {@code NOT_LEADER_OR_FOLLOWER}.
     */
    public EpochLookup lastOffsetForLeaderEpoch(TopicPartition tp, int currentLeaderEpoch, int leaderEpoch) {
        Partition partition = partitions.get(tp);
        if (partition == null) {
            return EpochLookup.error(Errors.NOT_LEADER_OR_FOLLOWER);
        }
        try {
            return partition.lastOffsetForLeaderEpoch(currentLeaderEpoch, leaderEpoch);
        } catch (ApiException e) {
            return EpochLookup.error(Errors.forException(e));
        }
    }

    // ---------------------------------------------------------------- periodic work

    /** Runs the ISR shrink check on every led partition (scheduled every replica.lag.time.max.ms/2). */
    public void maybeShrinkIsr() {
        for (Partition partition : partitions.values()) {
            try {
                partition.maybeShrinkIsr();
            } catch (RuntimeException e) {
                LOG.error("{}ISR shrink check of {} failed", logPrefix, partition.topicPartition(), e);
            }
        }
    }

    /** Writes every log dir's high-watermark checkpoint. */
    public void checkpointHighWatermarks() {
        checkpoints.write(partitions.values());
    }

    private void completeDelayedRequests(TopicPartition tp) {
        producePurgatory.checkAndComplete(tp);
        fetchPurgatory.checkAndComplete(tp);
        deleteRecordsPurgatory.checkAndComplete(tp);
    }

    /** Stops everything this manager runs (see the class comment); idempotent. */
    public void shutdown() {
        State previous = state.getAndSet(State.SHUT_DOWN);
        if (previous == State.SHUT_DOWN) {
            return;
        }
        synchronized (tasks) {
            tasks.forEach(t -> t.cancel(false));
            tasks.clear();
        }
        fetcherManager.close();
        alterPartitionManager.close();
        try {
            checkpointHighWatermarks();
        } catch (RuntimeException e) {
            LOG.error("{}Final high-watermark checkpoint failed", logPrefix, e);
        }
        epochCheckpoints.close();
        for (Partition partition : partitions.values()) {
            partition.takeProducerSnapshot();
        }
        producePurgatory.shutdown();
        deleteRecordsPurgatory.shutdown();
        fetchPurgatory.shutdown();
        metrics.close();
        LOG.info("{}Shut down ({} partitions)", logPrefix, partitions.size());
    }

    @Override
    public void close() {
        shutdown();
    }

    /** Reacts to partition events; called by partitions holding none of their locks. */
    private final class Listener implements PartitionListener {
        @Override
        public void onHighWatermarkIncremented(TopicPartition tp) {
            completeDelayedRequests(tp);
        }

        @Override
        public void onIsrCommitted(TopicPartition tp, Set<Integer> oldIsr, Set<Integer> newIsr) {
            metrics.recordIsrChange(oldIsr.size(), newIsr.size());
        }

        @Override
        public void onStorageFault(TopicPartition tp, String what, Throwable cause) {
            logManager.reportStorageFault(tp, what, cause);
        }
    }

    @Override
    public String toString() {
        Map<TopicPartition, Integer> epochs = new HashMap<>();
        partitions.forEach((tp, p) -> epochs.put(tp, p.state().leaderEpoch()));
        return "ReplicaManager(broker=" + brokerId + ", partitions=" + epochs + ")";
    }
}
