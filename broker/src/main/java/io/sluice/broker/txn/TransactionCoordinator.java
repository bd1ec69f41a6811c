package io.sluice.broker.txn;

import io.sluice.broker.group.OffsetsLog;
import io.sluice.broker.group.OffsetsPartitionListener;
import io.sluice.broker.group.OffsetsTopic;
import io.sluice.broker.producer.ProducerIdManager;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator of one broker, for the partitions of {@value TransactionStateTopic#NAME} it leads
 * (like the group coordinator for {@code __consumer_offsets}): InitProducerId with a transactional id,
 * AddPartitionsToTxn, EndTxn, transaction markers and timeouts. See {@link TxnState} for the state machine.
 *
 * <p>Persistence: every transition is first appended (acks=all) to the id's partition of
 * {@value TransactionStateTopic#NAME} in Kafka's layout ({@link TxnRecordCodec}) and applied in memory only once
 * written. On election for a partition the coordinator reads it whole (last record per id wins) and resumes the
 * markers of every id found in PrepareCommit/PrepareAbort; the partition's leader epoch is the coordinator epoch
 * stamped into markers, so a deposed coordinator's late markers are refused by the partitions.
 *
 * <p>Markers: once PrepareCommit/PrepareAbort is written, one WriteTxnMarkers per leader broker carries the
 * producer's marker for its partitions; partitions that fail retriably are retried every {@value #RETRY_BACKOFF_MS} ms
 * (with the leader looked up again) until written; then CompleteCommit/CompleteAbort is written.
 *
 * <p>Timeouts: every {@code transaction.abort.timed.out.transaction.cleanup.interval.ms} an Ongoing transaction older
 * than its timeout is aborted with the producer epoch bumped, which fences the producer (its next request is
 * answered PRODUCER_FENCED, its batches INVALID_PRODUCER_EPOCH).
 *
 * <p>Concurrency: one thread ({@code txn-coordinator-<broker>}) owns every field below; public methods and
 * completions of appends, producer-id claims and marker requests only submit tasks to it. Loading a partition runs
 * on it too (reads block; requests for other partitions wait meanwhile). While an id's write is in flight, further
 * requests for it are answered CONCURRENT_TRANSACTIONS (the clients retry).
 */
public final class TransactionCoordinator implements OffsetsPartitionListener {
    static final long RETRY_BACKOFF_MS = 100;
    /** First wait before loading a partition again after a failed load; doubles per failure. */
    static final long LOAD_RETRY_INITIAL_MS = 100;
    /** The longest wait between two loads of a partition. */
    static final long LOAD_RETRY_MAX_MS = 5_000;

    private static final Logger log = LoggerFactory.getLogger(TransactionCoordinator.class);

    private final int brokerId;
    private final OffsetsLog stateLog;
    private final ProducerIdManager producerIds;
    private final MarkerChannel markers;
    private final Clock clock;
    private final int maxTimeoutMs;
    private final long writeTimeoutMs;
    private final long abortCheckIntervalMs;
    private final long idExpirationMs;
    private final long expirationCheckIntervalMs;
    private final String logPrefix;
    private final ScheduledExecutorService thread;
    private final IntSupplier offsetsPartitionCount;

    /** Loaded partitions of the state topic: partition → its ids. Coordinator thread only. */
    private final Map<Integer, LoadedPartition> partitions = new HashMap<>();
    /** Partitions being (re)loaded, with the current attempt. Coordinator thread only. */
    private final Map<Integer, LoadAttempt> loading = new HashMap<>();
    /** Ids with a write in flight. Coordinator thread only. */
    private final Set<String> inFlight = new HashSet<>();

    private final AtomicInteger ongoing = new AtomicInteger();

    private static final class LoadedPartition {
        final int partition;
        final int coordinatorEpoch;
        final Map<String, TxnMetadata> txns = new HashMap<>();

        LoadedPartition(int partition, int coordinatorEpoch) {
            this.partition = partition;
            this.coordinatorEpoch = coordinatorEpoch;
        }
    }

    /** One election's loading of a partition; identity tells a stale retry from the current one. */
    private static final class LoadAttempt {
        final int epoch;
        int failures;

        LoadAttempt(int epoch) {
            this.epoch = epoch;
        }
    }

    /** The answer to InitProducerId. */
    public record InitResult(Errors error, long producerId, short producerEpoch) {
        static InitResult error(Errors error) {
            return new InitResult(error, -1L, (short) -1);
        }
    }

    /**
     * @param stateLog the partitions of {@value TransactionStateTopic#NAME}
     * @param maxTimeoutMs {@code transaction.max.timeout.ms}
     * @param writeTimeoutMs how long a state write waits for the ISR
     * @param abortCheckIntervalMs {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}
     * @param offsetsPartitionCount the partition count of {@code __consumer_offsets} (AddOffsetsToTxn)
     * @param idExpirationMs {@code transactional.id.expiration.ms}
     * @param expirationCheckIntervalMs {@code transaction.remove.expired.transaction.cleanup.interval.ms}
     */
    public TransactionCoordinator(
            int brokerId,
            OffsetsLog stateLog,
            ProducerIdManager producerIds,
            MarkerChannel markers,
            Clock clock,
            int maxTimeoutMs,
            long writeTimeoutMs,
            long abortCheckIntervalMs,
            IntSupplier offsetsPartitionCount,
            long idExpirationMs,
            long expirationCheckIntervalMs) {
        this.offsetsPartitionCount = Objects.requireNonNull(offsetsPartitionCount, "offsetsPartitionCount");
        this.brokerId = brokerId;
        this.stateLog = Objects.requireNonNull(stateLog, "stateLog");
        this.producerIds = Objects.requireNonNull(producerIds, "producerIds");
        this.markers = Objects.requireNonNull(markers, "markers");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxTimeoutMs = maxTimeoutMs;
        this.writeTimeoutMs = writeTimeoutMs;
        this.abortCheckIntervalMs = abortCheckIntervalMs;
        this.idExpirationMs = idExpirationMs;
        this.expirationCheckIntervalMs = expirationCheckIntervalMs;
        this.logPrefix = "[TransactionCoordinator broker=" + brokerId + "] ";
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "txn-coordinator-" + brokerId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the timeout checks. */
    public void startup() {
        thread.scheduleWithFixedDelay(
                () -> guarded("timeout check", this::abortTimedOut),
                abortCheckIntervalMs,
                abortCheckIntervalMs,
                TimeUnit.MILLISECONDS);
        thread.scheduleWithFixedDelay(
                () -> guarded("expiration check", this::expireIdleIds),
                expirationCheckIntervalMs,
                expirationCheckIntervalMs,
                TimeUnit.MILLISECONDS);
    }

    /** Stops the coordinator thread; pending requests are not answered. */
    public void shutdown() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Open (Ongoing or Prepare*) transactions this coordinator owns, for metrics. */
    public int ongoingTransactions() {
        return ongoing.get();
    }

    // ---------------------------------------------------------------- leadership

    @Override
    public void onElection(int partition, int leaderEpoch) {
        submit("load", () -> {
            LoadAttempt attempt = new LoadAttempt(leaderEpoch);
            loading.put(partition, attempt);
            partitions.remove(partition);
            load(partition, attempt);
        });
    }

    @Override
    public void onResignation(int partition, OptionalInt leaderEpoch) {
        submit("unload", () -> {
            loading.remove(partition);
            LoadedPartition removed = partitions.remove(partition);
            if (removed != null) {
                log.info(
                        "{}Unloaded {}-{} ({} transactional ids)",
                        logPrefix,
                        TransactionStateTopic.NAME,
                        partition,
                        removed.txns.size());
                recountOngoing();
            }
        });
    }

    /**
     * Coordinator thread. Reads {@code partition} whole; on failure tries again after a backoff (doubling from
     * {@value #LOAD_RETRY_INITIAL_MS} ms up to {@value #LOAD_RETRY_MAX_MS} ms) for as long as {@code attempt} is the
     * partition's current load (no resignation or newer election since). Meanwhile its ids are answered
     * COORDINATOR_LOAD_IN_PROGRESS.
     */
    private void load(int partition, LoadAttempt attempt) {
        if (loading.get(partition) != attempt) {
            return; // resigned, or elected again: that election's load is the current one
        }
        int epoch = attempt.epoch;
        LoadedPartition loaded = new LoadedPartition(partition, epoch);
        try {
            stateLog.read(partition, batch -> {
                if (batch.isControlBatch()) {
                    return;
                }
                for (Record record : batch) {
                    if (!record.hasKey()) {
                        continue;
                    }
                    String id = TxnRecordCodec.decodeKey(record.key());
                    TxnMetadata md = record.hasValue() ? TxnRecordCodec.decodeValue(id, record.value()) : null;
                    if (md == null || md.state() == TxnState.DEAD) {
                        loaded.txns.remove(id);
                    } else {
                        loaded.txns.put(id, md);
                    }
                }
            });
        } catch (IOException | RuntimeException e) {
            attempt.failures++;
            long backoff = Math.min(LOAD_RETRY_MAX_MS, LOAD_RETRY_INITIAL_MS << Math.min(attempt.failures - 1, 16));
            log.error(
                    "{}Cannot load {}-{} at coordinator epoch {} (failure {}); retrying in {} ms",
                    logPrefix,
                    TransactionStateTopic.NAME,
                    partition,
                    epoch,
                    attempt.failures,
                    backoff,
                    e);
            try {
                thread.schedule(
                        () -> guarded("load retry", () -> load(partition, attempt)), backoff, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException shutDown) {
                log.debug("{}Shut down; not loading {} again", logPrefix, partition);
            }
            return;
        }
        loading.remove(partition);
        partitions.put(partition, loaded);
        log.info(
                "{}Loaded {}-{} at coordinator epoch {}: {} transactional ids",
                logPrefix,
                TransactionStateTopic.NAME,
                partition,
                epoch,
                loaded.txns.size());
        for (TxnMetadata md : loaded.txns.values()) {
            if (md.state().isPrepare()) {
                log.info(
                        "{}Resuming the {} markers of transactional id '{}' producer {} epoch {}",
                        logPrefix,
                        md.state(),
                        md.transactionalId(),
                        md.producerId(),
                        md.producerEpoch());
                writeMarkers(loaded, md.transactionalId(), new HashSet<>(md.partitions()));
            }
        }
        recountOngoing();
    }

    // ---------------------------------------------------------------- InitProducerId

    /** InitProducerId with a transactional id; {@code producerId}/{@code producerEpoch} -1 unless KIP-360. */
    public CompletableFuture<InitResult> initProducerId(
            String transactionalId, int timeoutMs, long producerId, short producerEpoch) {
        CompletableFuture<InitResult> answer = new CompletableFuture<>();
        submit("InitProducerId", answer, () -> {
            if (timeoutMs <= 0 || timeoutMs > maxTimeoutMs) {
                answer.complete(InitResult.error(Errors.INVALID_TRANSACTION_TIMEOUT));
                return;
            }
            LoadedPartition p = partitionOf(transactionalId);
            if (p == null) {
                answer.complete(InitResult.error(notLoaded(transactionalId)));
                return;
            }
            if (inFlight.contains(transactionalId)) {
                answer.complete(InitResult.error(Errors.CONCURRENT_TRANSACTIONS));
                return;
            }
            TxnMetadata md = p.txns.get(transactionalId);
            long now = clock.millis();
            if (md == null) {
                inFlight.add(transactionalId);
                producerIds
                        .nextProducerId()
                        .whenComplete((id, failure) -> submit("new producer id", answer, () -> {
                            inFlight.remove(transactionalId);
                            if (failure != null) {
                                log.warn(
                                        "{}No producer id for '{}': {}",
                                        logPrefix,
                                        transactionalId,
                                        failure.toString());
                                answer.complete(InitResult.error(Errors.COORDINATOR_LOAD_IN_PROGRESS));
                                return;
                            }
                            TxnMetadata created = new TxnMetadata(
                                    transactionalId, id, (short) 0, timeoutMs, TxnState.EMPTY, Set.of(), -1L, now);
                            persist(
                                    p,
                                    created,
                                    error -> answer.complete(
                                            error == Errors.NONE
                                                    ? new InitResult(Errors.NONE, id, (short) 0)
                                                    : InitResult.error(error)));
                        }));
                return;
            }
            if (producerId != -1L && (producerId != md.producerId() || producerEpoch != md.producerEpoch())) {
                answer.complete(InitResult.error(Errors.PRODUCER_FENCED));
                return;
            }
            if (md.state().isPrepare()) {
                answer.complete(InitResult.error(Errors.CONCURRENT_TRANSACTIONS));
                return;
            }
            if (md.state() == TxnState.ONGOING) {
                // fence the current producer and abort its transaction; the client retries the init afterwards
                abort(p, md, "a new producer instance initialised transactional id");
                answer.complete(InitResult.error(Errors.CONCURRENT_TRANSACTIONS));
                return;
            }
            if (md.producerEpoch() >= Short.MAX_VALUE - 1) {
                inFlight.add(transactionalId);
                producerIds
                        .nextProducerId()
                        .whenComplete((id, failure) -> submit("producer id rotation", answer, () -> {
                            inFlight.remove(transactionalId);
                            if (failure != null) {
                                answer.complete(InitResult.error(Errors.COORDINATOR_LOAD_IN_PROGRESS));
                                return;
                            }
                            TxnMetadata rotated = new TxnMetadata(
                                    transactionalId, id, (short) 0, timeoutMs, TxnState.EMPTY, Set.of(), -1L, now);
                            persist(
                                    p,
                                    rotated,
                                    error -> answer.complete(
                                            error == Errors.NONE
                                                    ? new InitResult(Errors.NONE, id, (short) 0)
                                                    : InitResult.error(error)));
                        }));
                return;
            }
            short epoch = (short) (md.producerEpoch() + 1);
            TxnMetadata bumped = new TxnMetadata(
                    transactionalId, md.producerId(), epoch, timeoutMs, TxnState.EMPTY, Set.of(), -1L, now);
            persist(p, bumped, error -> {
                if (error == Errors.NONE) {
                    log.info(
                            "{}Transactional id '{}' producer {} now at epoch {}",
                            logPrefix,
                            transactionalId,
                            md.producerId(),
                            epoch);
                }
                answer.complete(
                        error == Errors.NONE
                                ? new InitResult(Errors.NONE, md.producerId(), epoch)
                                : InitResult.error(error));
            });
        });
        return answer;
    }

    // ---------------------------------------------------------------- AddPartitionsToTxn

    /** AddPartitionsToTxn (client form): one error for all the partitions. */
    public CompletableFuture<Errors> addPartitions(
            String transactionalId, long producerId, short producerEpoch, Collection<TopicPartition> added) {
        CompletableFuture<Errors> answer = new CompletableFuture<>();
        submit("AddPartitionsToTxn", answer, () -> {
            LoadedPartition p = partitionOf(transactionalId);
            if (p == null) {
                answer.complete(notLoaded(transactionalId));
                return;
            }
            TxnMetadata md = p.txns.get(transactionalId);
            Errors check = checkProducer(md, producerId, producerEpoch);
            if (check != Errors.NONE) {
                answer.complete(check);
                return;
            }
            if (inFlight.contains(transactionalId) || md.state().isPrepare()) {
                answer.complete(Errors.CONCURRENT_TRANSACTIONS);
                return;
            }
            if (md.state() == TxnState.ONGOING && md.partitions().containsAll(added)) {
                answer.complete(Errors.NONE);
                return;
            }
            if (md.state() != TxnState.ONGOING && !md.state().isIdle()) {
                answer.complete(Errors.INVALID_TXN_STATE);
                return;
            }
            Set<TopicPartition> all = new HashSet<>(md.state() == TxnState.ONGOING ? md.partitions() : Set.of());
            all.addAll(added);
            persist(p, md.to(TxnState.ONGOING, all, clock.millis()), answer::complete);
        });
        return answer;
    }

    /**
     * AddOffsetsToTxn: adds partition {@code partitionFor(groupId)} of {@code __consumer_offsets} to the transaction.
     */
    public CompletableFuture<Errors> addOffsets(
            String transactionalId, long producerId, short producerEpoch, String groupId) {
        int partitions = offsetsPartitionCount.getAsInt();
        TopicPartition tp = new TopicPartition(OffsetsTopic.NAME, OffsetsTopic.partitionFor(groupId, partitions));
        return addPartitions(transactionalId, producerId, producerEpoch, List.of(tp));
    }

    // ---------------------------------------------------------------- EndTxn

    /** EndTxn: commit or abort the open transaction. */
    public CompletableFuture<Errors> endTxn(
            String transactionalId, long producerId, short producerEpoch, boolean commit) {
        CompletableFuture<Errors> answer = new CompletableFuture<>();
        submit("EndTxn", answer, () -> {
            LoadedPartition p = partitionOf(transactionalId);
            if (p == null) {
                answer.complete(notLoaded(transactionalId));
                return;
            }
            TxnMetadata md = p.txns.get(transactionalId);
            Errors check = checkProducer(md, producerId, producerEpoch);
            if (check != Errors.NONE) {
                answer.complete(check);
                return;
            }
            if (inFlight.contains(transactionalId)) {
                answer.complete(Errors.CONCURRENT_TRANSACTIONS);
                return;
            }
            switch (md.state()) {
                case ONGOING -> {
                    TxnState next = commit ? TxnState.PREPARE_COMMIT : TxnState.PREPARE_ABORT;
                    TxnMetadata prepared = md.to(next, md.partitions(), clock.millis());
                    persist(p, prepared, error -> {
                        answer.complete(error);
                        if (error == Errors.NONE) {
                            log.debug(
                                    "{}'{}' producer {} epoch {}: {} over {}",
                                    logPrefix,
                                    transactionalId,
                                    producerId,
                                    producerEpoch,
                                    next,
                                    prepared.partitions());
                            writeMarkers(p, transactionalId, new HashSet<>(prepared.partitions()));
                        }
                    });
                }
                case PREPARE_COMMIT, PREPARE_ABORT ->
                    answer.complete(
                            (md.state() == TxnState.PREPARE_COMMIT) == commit
                                    ? Errors.CONCURRENT_TRANSACTIONS
                                    : Errors.INVALID_TXN_STATE);
                case COMPLETE_COMMIT -> answer.complete(commit ? Errors.NONE : Errors.INVALID_TXN_STATE);
                case COMPLETE_ABORT -> answer.complete(commit ? Errors.INVALID_TXN_STATE : Errors.NONE);
                default -> answer.complete(Errors.INVALID_TXN_STATE);
            }
        });
        return answer;
    }

    private static Errors checkProducer(TxnMetadata md, long producerId, short producerEpoch) {
        if (md == null || md.producerId() != producerId) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (md.producerEpoch() != producerEpoch) {
            return Errors.PRODUCER_FENCED;
        }
        return Errors.NONE;
    }

    // ---------------------------------------------------------------- DescribeTransactions, ListTransactions

    /** One id's answer to DescribeTransactions: NONE with its state, or the error. */
    public record Described(String transactionalId, Errors error, TxnMetadata metadata) {}

    /** The answer to ListTransactions: the ids of the partitions this broker coordinates that pass the filters. */
    public record Listing(Errors error, List<String> unknownStateFilters, List<TxnMetadata> transactions) {}

    /**
     * DescribeTransactions: per id, its state (NONE), NOT_COORDINATOR when another broker coordinates it,
     * COORDINATOR_LOAD_IN_PROGRESS while its partition is (re)loading, TRANSACTIONAL_ID_NOT_FOUND when unknown.
     */
    public CompletableFuture<List<Described>> describe(List<String> transactionalIds) {
        CompletableFuture<List<Described>> answer = new CompletableFuture<>();
        submit("DescribeTransactions", answer, () -> {
            List<Described> described = new ArrayList<>(transactionalIds.size());
            for (String id : transactionalIds) {
                int partition = TransactionStateTopic.partitionFor(id, stateLog.partitionCount());
                LoadedPartition p = partitions.get(partition);
                TxnMetadata md = p == null ? null : p.txns.get(id);
                Errors error;
                if (p == null) {
                    error = loading.containsKey(partition)
                            ? Errors.COORDINATOR_LOAD_IN_PROGRESS
                            : Errors.NOT_COORDINATOR;
                } else if (md == null || md.state() == TxnState.DEAD) {
                    error = Errors.TRANSACTIONAL_ID_NOT_FOUND;
                } else {
                    error = Errors.NONE;
                }
                described.add(new Described(id, error, error == Errors.NONE ? md : null));
            }
            answer.complete(described);
        });
        return answer;
    }

    /**
     * ListTransactions over the partitions this broker coordinates. {@code stateFilters} are Kafka's state names
     * (those not known are reported back and match nothing); {@code durationFilterMs} &ge; 0 keeps only transactions
     * open for longer than that. COORDINATOR_LOAD_IN_PROGRESS while a partition is (re)loading.
     */
    public CompletableFuture<Listing> list(
            Collection<String> stateFilters, Collection<Long> producerIdFilters, long durationFilterMs) {
        CompletableFuture<Listing> answer = new CompletableFuture<>();
        submit("ListTransactions", answer, () -> {
            List<String> unknown = new ArrayList<>();
            Set<TxnState> states = new HashSet<>();
            for (String name : stateFilters) {
                TxnState.fromDisplayName(name).ifPresentOrElse(states::add, () -> unknown.add(name));
            }
            if (!loading.isEmpty()) {
                answer.complete(new Listing(Errors.COORDINATOR_LOAD_IN_PROGRESS, unknown, List.of()));
                return;
            }
            List<TxnMetadata> all = new ArrayList<>();
            partitions.values().forEach(p -> all.addAll(p.txns.values()));
            boolean unknownOnly = !stateFilters.isEmpty() && states.isEmpty();
            List<TxnMetadata> kept = unknownOnly
                    ? List.of()
                    : filter(all, states, Set.copyOf(producerIdFilters), durationFilterMs, clock.millis());
            answer.complete(new Listing(Errors.NONE, unknown, kept));
        });
        return answer;
    }

    /**
     * The ids ListTransactions reports: never Dead; with {@code states} non-empty only those states; with
     * {@code producerIds} non-empty only those producers; with {@code durationMs} &ge; 0 only transactions started
     * more than {@code durationMs} before {@code nowMs}. Ordered by transactional id.
     */
    static List<TxnMetadata> filter(
            Collection<TxnMetadata> txns, Set<TxnState> states, Set<Long> producerIds, long durationMs, long nowMs) {
        List<TxnMetadata> kept = new ArrayList<>();
        for (TxnMetadata md : txns) {
            if (md.state() == TxnState.DEAD
                    || (!states.isEmpty() && !states.contains(md.state()))
                    || (!producerIds.isEmpty() && !producerIds.contains(md.producerId()))) {
                continue;
            }
            if (durationMs >= 0 && (md.startTimestampMs() < 0 || nowMs - md.startTimestampMs() <= durationMs)) {
                continue;
            }
            kept.add(md);
        }
        kept.sort(java.util.Comparator.comparing(TxnMetadata::transactionalId));
        return kept;
    }

    // ---------------------------------------------------------------- abort, timeouts, markers

    /** Coordinator thread. Aborts {@code md}'s open transaction with the producer epoch bumped (fencing it). */
    private void abort(LoadedPartition p, TxnMetadata md, String why) {
        short epoch = (short) (md.producerEpoch() + 1);
        // PrepareEpochFence (in memory only, as in Kafka): the bumped epoch fences the producer while PrepareAbort
        // with that epoch is written
        TxnMetadata fencing = md.withEpoch(epoch).to(TxnState.PREPARE_EPOCH_FENCE, md.partitions(), clock.millis());
        TxnMetadata aborting = fencing.to(TxnState.PREPARE_ABORT, md.partitions(), clock.millis());
        p.txns.put(md.transactionalId(), fencing);
        log.info(
                "{}Aborting the transaction of '{}' producer {} (epoch {} → {}) over {}: {}",
                logPrefix,
                md.transactionalId(),
                md.producerId(),
                md.producerEpoch(),
                epoch,
                md.partitions(),
                why);
        persist(p, aborting, error -> {
            if (error == Errors.NONE) {
                writeMarkers(p, md.transactionalId(), new HashSet<>(aborting.partitions()));
            } else if (Objects.equals(p.txns.get(md.transactionalId()), fencing)) {
                p.txns.put(md.transactionalId(), md); // the next timeout check or InitProducerId tries again
            }
        });
    }

    /**
     * Coordinator thread. Expires the ids idle (Empty, CompleteCommit, CompleteAbort) for longer than
     * {@code transactional.id.expiration.ms}: Dead in memory while the tombstone is written, then gone; a later
     * InitProducerId with the id gets a new producer id.
     */
    private void expireIdleIds() {
        long now = clock.millis();
        for (LoadedPartition p : partitions.values()) {
            for (TxnMetadata md : new ArrayList<>(p.txns.values())) {
                String id = md.transactionalId();
                if (!md.state().isIdle()
                        || inFlight.contains(id)
                        || now - md.lastUpdateTimestampMs() < idExpirationMs) {
                    continue;
                }
                TxnMetadata dead = md.to(TxnState.DEAD, Set.of(), now);
                p.txns.put(id, dead);
                persist(p, dead, error -> {
                    if (error == Errors.NONE) {
                        log.info(
                                "{}Expired transactional id '{}' (producer {}), idle since {}",
                                logPrefix,
                                id,
                                md.producerId(),
                                md.lastUpdateTimestampMs());
                    } else if (Objects.equals(p.txns.get(id), dead)) {
                        p.txns.put(id, md);
                    }
                });
            }
        }
    }

    private void abortTimedOut() {
        long now = clock.millis();
        for (LoadedPartition p : partitions.values()) {
            for (TxnMetadata md : new ArrayList<>(p.txns.values())) {
                if (md.state() == TxnState.ONGOING
                        && !inFlight.contains(md.transactionalId())
                        && now - md.startTimestampMs() > md.timeoutMs()) {
                    abort(p, md, "timed out after " + md.timeoutMs() + " ms");
                }
            }
        }
    }

    /**
     * Coordinator thread. Writes the markers of {@code transactionalId}'s prepared transaction to {@code remaining},
     * retrying, then completes it.
     */
    private void writeMarkers(LoadedPartition p, String transactionalId, Set<TopicPartition> remaining) {
        if (partitions.get(p.partition) != p) {
            return; // no longer the coordinator (or reloaded: the new load resumes the markers)
        }
        TxnMetadata md = p.txns.get(transactionalId);
        if (md == null || !md.state().isPrepare()) {
            return;
        }
        if (remaining.isEmpty()) {
            TxnState done = md.state() == TxnState.PREPARE_COMMIT ? TxnState.COMPLETE_COMMIT : TxnState.COMPLETE_ABORT;
            persist(p, md.to(done, Set.of(), clock.millis()), error -> {
                if (error != Errors.NONE) {
                    log.warn("{}Cannot complete '{}' ({}); retrying", logPrefix, transactionalId, error);
                    retryMarkers(p, transactionalId, Set.of());
                } else {
                    log.debug("{}'{}' producer {} is {}", logPrefix, transactionalId, md.producerId(), done);
                }
            });
            return;
        }
        boolean commit = md.state() == TxnState.PREPARE_COMMIT;
        Map<Integer, List<TopicPartition>> byLeader = new LinkedHashMap<>();
        Set<TopicPartition> leaderless = new HashSet<>();
        for (TopicPartition tp : remaining) {
            OptionalInt leader = markers.leaderOf(tp);
            if (leader.isPresent()) {
                byLeader.computeIfAbsent(leader.getAsInt(), l -> new ArrayList<>())
                        .add(tp);
            } else {
                leaderless.add(tp);
            }
        }
        Set<TopicPartition> left = new HashSet<>(leaderless);
        AtomicInteger pending = new AtomicInteger(byLeader.size());
        if (byLeader.isEmpty()) {
            retryMarkers(p, transactionalId, left);
            return;
        }
        byLeader.forEach((leader, tps) -> {
            WritableTxnMarker marker = marker(md, commit, p.coordinatorEpoch, tps);
            CompletableFuture<Map<TopicPartition, Errors>> sent;
            try {
                sent = markers.send(leader, marker);
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete((errors, failure) -> submit("marker answer", () -> {
                if (failure != null) {
                    log.debug(
                            "{}Markers of '{}' to broker {} failed: {}",
                            logPrefix,
                            transactionalId,
                            leader,
                            failure.toString());
                    left.addAll(tps);
                } else {
                    for (TopicPartition tp : tps) {
                        Errors error = errors.getOrDefault(tp, Errors.UNKNOWN_SERVER_ERROR);
                        if (error == Errors.NONE) {
                            continue;
                        }
                        if (error == Errors.INVALID_PRODUCER_EPOCH
                                || error == Errors.TRANSACTION_COORDINATOR_FENCED
                                || error == Errors.UNKNOWN_TOPIC_OR_PARTITION) {
                            log.warn(
                                    "{}Marker of '{}' producer {} epoch {} for {} refused with {}; not retrying",
                                    logPrefix,
                                    transactionalId,
                                    md.producerId(),
                                    md.producerEpoch(),
                                    tp,
                                    error);
                            continue;
                        }
                        left.add(tp);
                    }
                }
                if (pending.decrementAndGet() == 0) {
                    if (left.isEmpty()) {
                        writeMarkers(p, transactionalId, Set.of());
                    } else {
                        retryMarkers(p, transactionalId, left);
                    }
                }
            }));
        });
    }

    private void retryMarkers(LoadedPartition p, String transactionalId, Set<TopicPartition> left) {
        try {
            thread.schedule(
                    () -> guarded("marker retry", () -> writeMarkers(p, transactionalId, new HashSet<>(left))),
                    RETRY_BACKOFF_MS,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("{}Shut down; not retrying the markers of '{}'", logPrefix, transactionalId);
        }
    }

    private static WritableTxnMarker marker(
            TxnMetadata md, boolean commit, int coordinatorEpoch, List<TopicPartition> tps) {
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        tps.forEach(tp ->
                byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        List<WritableTxnMarkerTopic> topics = new ArrayList<>();
        byTopic.forEach((topic, ps) ->
                topics.add(new WritableTxnMarkerTopic().setName(topic).setPartitionIndexes(ps)));
        return new WritableTxnMarker()
                .setProducerId(md.producerId())
                .setProducerEpoch(md.producerEpoch())
                .setTransactionResult(commit)
                .setCoordinatorEpoch(coordinatorEpoch)
                .setTopics(topics);
    }

    // ---------------------------------------------------------------- persistence

    /**
     * Coordinator thread. Appends {@code next} to the id's partition and applies it once written; {@code done} runs
     * on the coordinator thread with NONE, NOT_COORDINATOR (leadership lost) or COORDINATOR_NOT_AVAILABLE.
     */
    private void persist(LoadedPartition p, TxnMetadata next, java.util.function.Consumer<Errors> done) {
        String id = next.transactionalId();
        inFlight.add(id);
        byte[] value = next.state() == TxnState.DEAD ? null : TxnRecordCodec.value(next);
        MemoryRecords records = MemoryRecords.withRecords(
                RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE,
                new SimpleRecord(clock.millis(), TxnRecordCodec.key(id), value));
        CompletableFuture<Errors> written;
        try {
            written = stateLog.append(p.partition, records, writeTimeoutMs);
        } catch (RuntimeException e) {
            written = CompletableFuture.completedFuture(Errors.KAFKA_STORAGE_ERROR);
        }
        written.whenComplete((error, failure) -> submit("state write", () -> {
            inFlight.remove(id);
            Errors result = failure != null ? Errors.UNKNOWN_SERVER_ERROR : error;
            if (partitions.get(p.partition) != p) {
                done.accept(Errors.NOT_COORDINATOR);
                return;
            }
            if (result == Errors.NONE) {
                if (next.state() == TxnState.DEAD) {
                    p.txns.remove(id);
                } else {
                    p.txns.put(id, next);
                }
                recountOngoing();
                done.accept(Errors.NONE);
                return;
            }
            log.info("{}Writing state {} of '{}' failed: {}", logPrefix, next.state(), id, result);
            done.accept(
                    result == Errors.NOT_LEADER_OR_FOLLOWER
                            ? Errors.NOT_COORDINATOR
                            : Errors.COORDINATOR_NOT_AVAILABLE);
        }));
    }

    /** Why {@code transactionalId}'s partition is not loaded: still (re)loading, or not coordinated here. */
    private Errors notLoaded(String transactionalId) {
        int partition = TransactionStateTopic.partitionFor(transactionalId, stateLog.partitionCount());
        return loading.containsKey(partition) ? Errors.COORDINATOR_LOAD_IN_PROGRESS : Errors.NOT_COORDINATOR;
    }

    private LoadedPartition partitionOf(String transactionalId) {
        return partitions.get(TransactionStateTopic.partitionFor(transactionalId, stateLog.partitionCount()));
    }

    private void recountOngoing() {
        int n = 0;
        for (LoadedPartition p : partitions.values()) {
            for (TxnMetadata md : p.txns.values()) {
                if (md.state() == TxnState.ONGOING
                        || md.state() == TxnState.PREPARE_EPOCH_FENCE
                        || md.state().isPrepare()) {
                    n++;
                }
            }
        }
        ongoing.set(n);
    }

    // ---------------------------------------------------------------- thread

    private void submit(String what, Runnable task) {
        try {
            thread.execute(() -> guarded(what, task));
        } catch (RejectedExecutionException e) {
            log.debug("{}Shut down; dropping {}", logPrefix, what);
        }
    }

    private <T> void submit(String what, CompletableFuture<T> answer, Runnable task) {
        try {
            thread.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("{}{} failed", logPrefix, what, e);
                    answer.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            answer.completeExceptionally(e);
        }
    }

    private void guarded(String what, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("{}{} failed", logPrefix, what, e);
        }
    }

    @Override
    public String toString() {
        return "TransactionCoordinator(broker=" + brokerId + ")";
    }
}
