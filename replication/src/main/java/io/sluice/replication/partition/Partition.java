package io.sluice.replication.partition;

import io.sluice.replication.epoch.EpochEndOffset;
import io.sluice.replication.epoch.EpochEntry;
import io.sluice.replication.fetcher.FollowerPartition;
import io.sluice.replication.log.LogReadInfo;
import io.sluice.replication.log.UnifiedLog;
import io.sluice.replication.log.index.AbortedTxn;
import io.sluice.replication.producer.ActiveProducer;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition replica hosted by this broker, as leader or follower.
 *
 * <pre>
 *            makeLeader (epoch newer)                 makeFollower (epoch newer)
 *   NONE ─────────────────────────► LEADER ◄──────────────────────────► FOLLOWER
 *     └──────────────── makeFollower ───────────────────────────────────────┘
 * </pre>
 *
 * <p>As leader it appends producer records (idempotence checked), tracks each follower's fetch state, keeps the
 * high watermark at the minimum log end offset over the maximal ISR, proposes ISR changes through {@link IsrProposer}
 * and serves reads and offset lookups. As follower it is a {@link FollowerPartition} for the fetcher: it appends the
 * leader's batches unchanged and truncates by leader epoch, never by high watermark.
 *
 * <p>Concurrency contract. {@code leaderIsrUpdateLock} (a {@link ReentrantReadWriteLock}, Kafka's name) guards the
 * role: role changes ({@link #makeLeader}, {@link #makeFollower}), ISR proposals and commits take the write lock;
 * appends, follower appends and truncations, reads, follower fetch-state updates and offset lookups take the read
 * lock, so a role change waits for them and they never see half a change. {@link PartitionState} and the follower
 * map are immutable snapshots in volatile fields; each follower's {@link ReplicaState} is swapped atomically in an
 * {@link AtomicReference}. The high watermark only rises (compare-and-set in {@link ReplicaLog}). Lock order:
 * leaderIsrUpdateLock → the {@link ReplicaLog} lock → the log's lock → the epoch cache's lock. No lock of this class
 * is held while calling the {@link PartitionListener} or the {@link AlterPartitionSender}, so listeners may complete
 * delayed operations ({@code checkAndComplete}), whose {@code tryComplete} takes the read lock here.
 */
public final class Partition implements FollowerPartition {
    private static final Logger LOG = LoggerFactory.getLogger(Partition.class);

    /** ListOffsets timestamp asking for the log start offset. */
    public static final long EARLIEST_TIMESTAMP = -2L;
    /** ListOffsets timestamp asking for the end (the high watermark for consumers). */
    public static final long LATEST_TIMESTAMP = -1L;
    /** ListOffsets timestamp asking for the record with the largest timestamp. */
    public static final long MAX_TIMESTAMP = -3L;
    /** ListOffsets: the first offset on local disk (KIP-405; the log start offset without remote storage). */
    public static final long EARLIEST_LOCAL_TIMESTAMP = -4L;
    /** ListOffsets: the highest offset copied to the remote tier, -1 if none (KIP-1005). */
    public static final long LATEST_TIERED_TIMESTAMP = -5L;
    /** "No leader epoch given" in requests. */
    public static final int NO_EPOCH = RecordBatch.NO_PARTITION_LEADER_EPOCH;

    private final TopicPartition tp;
    private final int localBrokerId;
    private final ReplicaLog replicaLog;
    private final Clock clock;
    private final long replicaLagTimeMaxMs;
    private final PartitionListener listener;
    private final IsrProposer proposer;
    private final String logPrefix;
    private final ReentrantReadWriteLock leaderIsrUpdateLock = new ReentrantReadWriteLock();

    private volatile PartitionState state = PartitionState.NONE;
    private volatile Map<Integer, AtomicReference<ReplicaState>> followers = Map.of();
    /** The log end offset when this replica became leader in the current epoch; -1 when not leader. */
    private volatile long leaderEpochStartOffset = -1L;
    /** The leader epoch at which this replica last became leader (from another role); -1 when not leader. */
    private volatile int leaderSinceEpoch = -1;

    private volatile int minInsyncReplicas = 1;
    /** Test seam, off ({@code null}) unless a test sets it through {@link #injectFollowerAppendFault}. */
    private volatile Throwable followerAppendFault;

    Partition(
            ReplicaLog replicaLog,
            ReplicaManagerConfig config,
            Clock clock,
            PartitionListener listener,
            IsrProposer.Factory proposerFactory) {
        this.tp = replicaLog.log().topicPartition();
        this.localBrokerId = config.brokerId();
        this.replicaLog = replicaLog;
        this.clock = clock;
        this.replicaLagTimeMaxMs = config.replicaLagTimeMaxMs();
        this.listener = listener;
        this.logPrefix = "[Partition " + tp + " broker=" + localBrokerId + "] ";
        this.proposer = proposerFactory.create(this, logPrefix);
    }

    @Override
    public TopicPartition topicPartition() {
        return tp;
    }

    /** The current role and ISR snapshot. */
    public PartitionState state() {
        return state;
    }

    public boolean isLeader() {
        return state.leaderId() == localBrokerId;
    }

    public long highWatermark() {
        return replicaLog.highWatermark();
    }

    /** The state the leader tracks for follower {@code replicaId}, if it is a follower of this leader. */
    public Optional<ReplicaState> followerState(int replicaId) {
        AtomicReference<ReplicaState> ref = followers.get(replicaId);
        return ref == null ? Optional.empty() : Optional.of(ref.get());
    }

    /**
     * Makes every later follower append throw {@code fault} (a RuntimeException or an Error) before it touches the
     * log, as a faulting index would; {@code null} turns it off. For fault-injection tests only: package-private and
     * not reachable from any configuration.
     */
    void injectFollowerAppendFault(Throwable fault) {
        if (fault != null && !(fault instanceof RuntimeException) && !(fault instanceof Error)) {
            throw new IllegalArgumentException("only unchecked throwables can be injected: " + fault);
        }
        followerAppendFault = fault;
    }

    @Override
    public void reportStorageFault(String what, Throwable cause) {
        listener.onStorageFault(tp, what, cause);
    }

    /** Sets {@code min.insync.replicas} for this partition's topic. */
    public void minInsyncReplicas(int value) {
        this.minInsyncReplicas = Math.max(1, value);
    }

    /** min(min.insync.replicas, replication factor). */
    int effectiveMinIsr(PartitionState s) {
        return Math.max(1, Math.min(minInsyncReplicas, s.replicas().size()));
    }

    /** The leader epoch's start offset while leader, else -1. */
    public long leaderEpochStartOffset() {
        return leaderEpochStartOffset;
    }

    /** The local log of this replica (for the remote log manager: segment files, offsets). */
    public UnifiedLog log() {
        return replicaLog.log();
    }

    /** The leader epoch history of this replica, oldest first (for the remote tier's leader-epoch checkpoints). */
    public List<EpochEntry> epochEntries() {
        return replicaLog.epochCache().epochEntries();
    }

    /**
     * Raises the log start offset (with the epoch cache and producer state) to {@code offset}, capped to the log end:
     * remote retention deleted the segments below it.
     */
    public void raiseLogStartOffsetForRemoteRetention(long offset) {
        replicaLog.maybeIncrementLogStartOffset(offset);
    }

    ReplicaLog replicaLog() {
        return replicaLog;
    }

    String logPrefix() {
        return logPrefix;
    }

    ReentrantReadWriteLock lock() {
        return leaderIsrUpdateLock;
    }

    /** Replaces the state; caller holds the write lock. */
    void setState(PartitionState next) {
        state = next;
    }

    // ---------------------------------------------------------------- role changes

    /**
     * Makes this replica the leader. Ignored with {@link Errors#STALE_CONTROLLER_EPOCH} (Kafka's answer) when the
     * leader epoch is older than the current one. A new epoch is recorded in the epoch cache at the log end offset;
     * follower states are reset unless this replica already led (then they are kept across the epoch bump).
     */
    public Errors makeLeader(LeaderAndIsr la) {
        boolean hwIncremented;
        leaderIsrUpdateLock.writeLock().lock();
        try {
            PartitionState current = state;
            if (la.leaderEpoch() < current.leaderEpoch()) {
                LOG.warn("{}Ignoring leadership at stale epoch {} (current {})", logPrefix, la, current.leaderEpoch());
                return Errors.STALE_CONTROLLER_EPOCH;
            }
            long now = clock.millis();
            long leo = replicaLog.logEndOffset();
            boolean wasLeader = current.leaderId() == localBrokerId;
            if (la.leaderEpoch() > current.leaderEpoch() || !wasLeader) {
                replicaLog.epochCache().assign(la.leaderEpoch(), leo);
                leaderEpochStartOffset = leo;
            }
            Map<Integer, AtomicReference<ReplicaState>> next = new HashMap<>();
            for (int replica : la.replicas()) {
                if (replica == localBrokerId) {
                    continue;
                }
                AtomicReference<ReplicaState> kept = wasLeader ? followers.get(replica) : null;
                next.put(
                        replica,
                        kept != null
                                ? kept
                                : new AtomicReference<>(
                                        ReplicaState.initial(la.isr().contains(replica), now)));
            }
            followers = Map.copyOf(next);
            if (!wasLeader) {
                leaderSinceEpoch = la.leaderEpoch();
            }
            state = PartitionState.committed(la);
            hwIncremented = maybeIncrementLeaderHw(state);
            LOG.info(
                    "{}Leader at epoch {} (start offset {}), ISR {}, replicas {}, partition epoch {}, HW {}",
                    logPrefix,
                    la.leaderEpoch(),
                    leaderEpochStartOffset,
                    la.isr(),
                    la.replicas(),
                    la.partitionEpoch(),
                    replicaLog.highWatermark());
        } finally {
            leaderIsrUpdateLock.writeLock().unlock();
        }
        if (hwIncremented) {
            listener.onHighWatermarkIncremented(tp);
        }
        return Errors.NONE;
    }

    /**
     * Makes this replica a follower of {@code la.leader()}: it stops serving clients. The log is not truncated here
     * (the fetcher truncates by leader epoch).
     */
    public Errors makeFollower(LeaderAndIsr la) {
        leaderIsrUpdateLock.writeLock().lock();
        try {
            PartitionState current = state;
            if (la.leaderEpoch() < current.leaderEpoch()) {
                LOG.warn("{}Ignoring follow at stale epoch {} (current {})", logPrefix, la, current.leaderEpoch());
                return Errors.STALE_CONTROLLER_EPOCH;
            }
            state = PartitionState.committed(la);
            followers = Map.of();
            leaderEpochStartOffset = -1L;
            leaderSinceEpoch = -1;
            if (UnsafeTestSwitches.truncateToHw) {
                unsafeTruncateToHighWatermark();
            }
            LOG.info(
                    "{}Follower of {} at epoch {}, log end {}, HW {}",
                    logPrefix,
                    la.leader(),
                    la.leaderEpoch(),
                    replicaLog.logEndOffset(),
                    replicaLog.highWatermark());
            return Errors.NONE;
        } finally {
            leaderIsrUpdateLock.writeLock().unlock();
        }
    }

    /**
     * The bug {@link UnsafeTestSwitches.Switch#TRUNCATE_TO_HW} re-introduces: drop everything above this replica's
     * own high watermark when it becomes follower. Caller holds the write lock.
     */
    private void unsafeTruncateToHighWatermark() {
        long hw = replicaLog.highWatermark();
        long leo = replicaLog.logEndOffset();
        if (leo > hw) {
            LOG.error("{}UNSAFE truncate-to-hw: truncating from {} to the high watermark {}", logPrefix, leo, hw);
            replicaLog.truncateTo(hw);
        }
    }

    // ---------------------------------------------------------------- leader: produce

    /**
     * Appends a producer's records as leader. Not leader → NOT_LEADER_OR_FOLLOWER; acks=all with a committed ISR
     * smaller than min(min.insync.replicas, RF) → NOT_ENOUGH_REPLICAS with nothing written; idempotence errors and
     * duplicates as {@link ReplicaLog#appendAsLeader}. May advance the high watermark (single-member ISR).
     */
    public AppendResult appendRecordsToLeader(MemoryRecords records, int requiredAcks) {
        return appendAsLeader(
                requiredAcks == -1,
                s -> replicaLog.appendAsLeader(records, s.leaderEpoch()),
                result -> !result.duplicate());
    }

    /**
     * Appends a transaction marker (COMMIT or ABORT) for {@code producerId} as leader (WriteTxnMarkers). Not leader →
     * NOT_LEADER_OR_FOLLOWER; a committed ISR below the minimum → NOT_ENOUGH_REPLICAS; fenced producer or coordinator
     * epochs as {@link ReplicaLog#appendTxnMarkerAsLeader}. The caller waits for the high watermark as for acks=all.
     */
    public AppendResult appendTxnMarkerToLeader(
            long producerId, short producerEpoch, int coordinatorEpoch, ControlRecordType type) {
        return appendAsLeader(
                true,
                s -> replicaLog.appendTxnMarkerAsLeader(
                        producerId, producerEpoch, coordinatorEpoch, type, s.leaderEpoch(), clock.millis()),
                result -> {
                    LOG.debug(
                            "{}Appended {} marker of producer {} epoch {} (coordinator epoch {}) at {}",
                            logPrefix,
                            type,
                            producerId,
                            producerEpoch,
                            coordinatorEpoch,
                            result.baseOffset());
                    return true;
                });
    }

    /**
     * The leader's append under the leadership lock: not leader → NOT_LEADER_OR_FOLLOWER; with {@code checkMinIsr} a
     * committed ISR below min(min.insync.replicas, RF) → NOT_ENOUGH_REPLICAS with nothing written; then
     * {@code append}, and when it succeeded and {@code advancesHw} says so, a high-watermark check (single-member
     * ISR), its listener called outside the lock.
     */
    private AppendResult appendAsLeader(
            boolean checkMinIsr, Function<PartitionState, AppendResult> append, Predicate<AppendResult> advancesHw) {
        AppendResult result;
        boolean hwIncremented = false;
        leaderIsrUpdateLock.readLock().lock();
        try {
            PartitionState s = state;
            if (s.leaderId() != localBrokerId) {
                return AppendResult.error(
                        Errors.NOT_LEADER_OR_FOLLOWER, "broker " + localBrokerId + " is not the leader of " + tp);
            }
            int minIsr = effectiveMinIsr(s);
            if (checkMinIsr && s.isr().size() < minIsr) {
                return AppendResult.error(
                        Errors.NOT_ENOUGH_REPLICAS,
                        "the ISR " + s.isr() + " of " + tp + " is smaller than min.insync.replicas " + minIsr);
            }
            result = append.apply(s);
            if (result.error() == Errors.NONE && advancesHw.test(result)) {
                hwIncremented = maybeIncrementLeaderHw(s);
            }
        } finally {
            leaderIsrUpdateLock.readLock().unlock();
        }
        if (hwIncremented) {
            listener.onHighWatermarkIncremented(tp);
        }
        return result;
    }

    /** The last stable offset (see {@link ReplicaLog#lastStableOffset}). */
    public long lastStableOffset() {
        return replicaLog.lastStableOffset();
    }

    /** The producers of this replica's log, as DescribeProducers reports them. */
    public List<ActiveProducer> activeProducers() {
        return replicaLog.activeProducers();
    }

    /** Open transactions on this replica: producer id → first offset. */
    public Map<Long, Long> openTransactions() {
        return replicaLog.openTransactions();
    }

    /**
     * For a delayed acks=all produce accepted at {@code appendLeaderEpoch}: {@code Optional.empty()} while the high
     * watermark is below {@code requiredOffset}; then NONE, or NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR is now
     * smaller than the minimum; NOT_LEADER_OR_FOLLOWER once leadership was lost since the append (even if regained
     * later: the records may have been truncated meanwhile).
     */
    public Optional<Errors> checkEnoughReplicasReachOffset(long requiredOffset, int appendLeaderEpoch) {
        leaderIsrUpdateLock.readLock().lock();
        try {
            PartitionState s = state;
            if (s.leaderId() != localBrokerId || leaderSinceEpoch > appendLeaderEpoch) {
                return Optional.of(Errors.NOT_LEADER_OR_FOLLOWER);
            }
            if (replicaLog.highWatermark() < requiredOffset) {
                return Optional.empty();
            }
            return Optional.of(
                    s.maximalIsr().size() >= effectiveMinIsr(s)
                            ? Errors.NONE
                            : Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        } finally {
            leaderIsrUpdateLock.readLock().unlock();
        }
    }

    // ---------------------------------------------------------------- leader: followers, ISR, HW

    /**
     * Records a follower fetch at {@code fetchOffset} (its log end offset), handled at {@code fetchTimeMs} when the
     * leader's log end was {@code leaderEndOffset}; may propose adding it to the ISR and may advance the high
     * watermark. {@code brokerEpoch} is the follower's broker epoch sent with the fetch (-1 if unknown); an ISR
     * expansion names it, so that the controller refuses a follower that re-registered since (KIP-903).
     *
     * @return false if this replica is not leader or {@code replicaId} is not one of its followers
     */
    public boolean updateFollowerFetchState(
            int replicaId,
            long brokerEpoch,
            long fetchOffset,
            long followerLogStartOffset,
            long fetchTimeMs,
            long leaderEndOffset) {
        boolean hwIncremented;
        boolean expand;
        leaderIsrUpdateLock.readLock().lock();
        try {
            PartitionState s = state;
            AtomicReference<ReplicaState> ref = followers.get(replicaId);
            if (s.leaderId() != localBrokerId || ref == null) {
                return false;
            }
            ref.updateAndGet(
                    rs -> rs.onFetch(fetchOffset, followerLogStartOffset, fetchTimeMs, leaderEndOffset, brokerEpoch));
            expand = !s.isPending() && canJoinIsr(s, replicaId);
            hwIncremented = maybeIncrementLeaderHw(s);
        } finally {
            leaderIsrUpdateLock.readLock().unlock();
        }
        if (expand) {
            proposer.maybeExpandIsr(replicaId);
        }
        if (hwIncremented) {
            listener.onHighWatermarkIncremented(tp);
        }
        return true;
    }

    /** Caller holds the lock. A replica joins when its LEO ≥ HW and ≥ the start offset of the current epoch. */
    boolean canJoinIsr(PartitionState s, int replicaId) {
        if (s.isr().contains(replicaId) || !s.replicas().contains(replicaId)) {
            return false;
        }
        AtomicReference<ReplicaState> ref = followers.get(replicaId);
        if (ref == null) {
            return false;
        }
        long leo = ref.get().logEndOffset();
        return leo >= replicaLog.highWatermark() && leo >= leaderEpochStartOffset;
    }

    /** Caller holds the lock. The ISR members other than the leader that are out of sync now. */
    Set<Integer> outOfSyncReplicas(PartitionState s, long nowMs) {
        Set<Integer> lagging = new TreeSet<>();
        long leo = replicaLog.logEndOffset();
        for (int replica : s.isr()) {
            if (replica == localBrokerId) {
                continue;
            }
            AtomicReference<ReplicaState> ref = followers.get(replica);
            if (ref != null && ref.get().isLagging(leo, nowMs, replicaLagTimeMaxMs)) {
                lagging.add(replica);
            }
        }
        return lagging;
    }

    /** The ISR shrink check (run every replica.lag.time.max.ms/2 by the replica manager). */
    public void maybeShrinkIsr() {
        proposer.maybeShrinkIsr(clock.millis());
    }

    /**
     * Caller holds the lock (read or write). HW = min LEO over the maximal ISR (unknown follower LEOs hold it);
     * only ever raised.
     */
    boolean maybeIncrementLeaderHw(PartitionState s) {
        if (s.leaderId() != localBrokerId) {
            return false;
        }
        long newHw = replicaLog.logEndOffset();
        // The unsafe switch (tests only) counts a pending shrink as if the controller had committed it.
        Set<Integer> members =
                UnsafeTestSwitches.hwPastUncommittedShrink ? s.proposedIsr().orElse(s.maximalIsr()) : s.maximalIsr();
        for (int replica : members) {
            if (replica == localBrokerId) {
                continue;
            }
            AtomicReference<ReplicaState> ref = followers.get(replica);
            newHw = Math.min(newHw, ref == null ? -1L : ref.get().logEndOffset());
        }
        if (newHw < 0) {
            return false;
        }
        long before = replicaLog.highWatermark();
        boolean moved = replicaLog.maybeIncrementHighWatermark(newHw);
        if (moved) {
            LOG.debug("{}High watermark {} -> {}", logPrefix, before, replicaLog.highWatermark());
        }
        return moved;
    }

    /** Tells the listener about a HW increment; caller holds no lock. */
    void notifyHighWatermarkIncremented() {
        listener.onHighWatermarkIncremented(tp);
    }

    /** Tells the listener about an ISR commit and a HW increment; caller holds no lock. */
    void notifyCommitted(Set<Integer> oldIsr, Set<Integer> newIsr, boolean hwIncremented) {
        listener.onIsrCommitted(tp, oldIsr, newIsr);
        if (hwIncremented) {
            listener.onHighWatermarkIncremented(tp);
        }
    }

    // ---------------------------------------------------------------- DeleteRecords

    /**
     * DeleteRecords on the leader: raises the log start offset to {@code offset} ({@code -1}: the high watermark), as
     * Kafka's {@code deleteRecordsOnLeader}. Not leader → NOT_LEADER_OR_FOLLOWER; a topic without the delete cleanup
     * policy → POLICY_VIOLATION; an offset below 0 (other than -1) or above the high watermark →
     * OFFSET_OUT_OF_RANGE. Records below the new start offset are no longer readable at once; segments wholly below
     * it go with the next retention pass. Followers follow through the log start offset of their fetch responses.
     *
     * @return the offset the log start was raised to (or already past), or the error
     */
    public DeleteRecordsResult deleteRecordsOnLeader(long offset) {
        leaderIsrUpdateLock.readLock().lock();
        try {
            if (state.leaderId() != localBrokerId) {
                return DeleteRecordsResult.error(Errors.NOT_LEADER_OR_FOLLOWER, "not the leader of " + tp);
            }
            if (!replicaLog.log().config().delete()) {
                return DeleteRecordsResult.error(
                        Errors.POLICY_VIOLATION,
                        "Records of partition " + tp + " can not be deleted due to the configured policy");
            }
            long hw = replicaLog.highWatermark();
            long target = offset == DeleteRecordsResult.HIGH_WATERMARK ? hw : offset;
            if (target < 0 || target > hw) {
                return DeleteRecordsResult.error(
                        Errors.OFFSET_OUT_OF_RANGE,
                        "cannot delete records of " + tp + " before offset " + offset + ": it must lie in [0, " + hw
                                + "], the high watermark");
            }
            replicaLog.maybeIncrementLogStartOffset(target);
            return DeleteRecordsResult.deletedBefore(target);
        } finally {
            leaderIsrUpdateLock.readLock().unlock();
        }
    }

    /**
     * The lowest log start offset among the leader and its in-sync followers (Kafka's low watermark), -1 when this
     * replica is not leader or a follower's log start offset is not known yet. A DeleteRecords completes once it
     * reaches the requested offset.
     */
    public long lowWatermarkIfLeader() {
        leaderIsrUpdateLock.readLock().lock();
        try {
            PartitionState s = state;
            if (s.leaderId() != localBrokerId) {
                return -1L;
            }
            long low = replicaLog.logStartOffset();
            for (int replica : s.isr()) {
                if (replica == localBrokerId) {
                    continue;
                }
                AtomicReference<ReplicaState> ref = followers.get(replica);
                long followerStart = ref == null ? -1L : ref.get().logStartOffset();
                low = Math.min(low, followerStart);
            }
            return low;
        } finally {
            leaderIsrUpdateLock.readLock().unlock();
        }
    }

    // ---------------------------------------------------------------- reads

    /**
     * Reads for a fetch on the leader. {@code currentLeaderEpoch} ({@link #NO_EPOCH} to skip the check) lower than
     * ours → FENCED_LEADER_EPOCH, higher → UNKNOWN_LEADER_EPOCH. With {@code lastFetchedEpoch} (a follower), a log
     * that diverges from the follower's at that epoch yields the diverging epoch and no records. Consumers
     * ({@link FetchIsolation#HIGH_WATERMARK}) read below the high watermark: a fetch at HW ≤ offset ≤ LEO is empty;
     * only offsets outside [log start, LEO] are OFFSET_OUT_OF_RANGE. At least one whole batch is returned when there
     * is one, even if larger than {@code maxBytes}.
     */
    public ReadResult fetchRecords(
            long fetchOffset, int maxBytes, FetchIsolation isolation, int currentLeaderEpoch, int lastFetchedEpoch) {
        return fetchRecords(fetchOffset, maxBytes, isolation, currentLeaderEpoch, lastFetchedEpoch, true);
    }

    /**
     * As {@link #fetchRecords(long, int, FetchIsolation, int, int)}; with {@code leaderOnly} false a follower replica
     * answers a consumer too (KIP-392), below its own high watermark, which it learns from the leader's fetch answers.
     */
    public ReadResult fetchRecords(
            long fetchOffset,
            int maxBytes,
            FetchIsolation isolation,
            int currentLeaderEpoch,
            int lastFetchedEpoch,
            boolean leaderOnly) {
        leaderIsrUpdateLock.readLock().lock();
        try {
            PartitionState s = state;
            if (!mayServe(s, leaderOnly, isolation)) {
                return ReadResult.error(Errors.NOT_LEADER_OR_FOLLOWER);
            }
            Errors epochError = checkLeaderEpoch(s, currentLeaderEpoch);
            if (epochError != Errors.NONE) {
                return ReadResult.error(epochError);
            }
            long hw = replicaLog.highWatermark();
            long leo = replicaLog.logEndOffset();
            if (lastFetchedEpoch != NO_EPOCH) {
                EpochEndOffset end = replicaLog.epochCache().endOffsetFor(lastFetchedEpoch, leo);
                if (end.epoch() < lastFetchedEpoch || end.endOffset() < fetchOffset) {
                    LOG.debug(
                            "{}Follower fetch at {} with last epoch {} diverges: answering {}",
                            logPrefix,
                            fetchOffset,
                            lastFetchedEpoch,
                            end);
                    return new ReadResult(
                            Errors.NONE,
                            Optional.empty(),
                            hw,
                            replicaLog.lastStableOffset(),
                            replicaLog.logStartOffset(),
                            leo,
                            Optional.of(end));
                }
            }
            long lso = replicaLog.lastStableOffset();
            long maxOffset = switch (isolation) {
                case HIGH_WATERMARK -> hw;
                case TXN_COMMITTED -> lso;
                case LOG_END -> Long.MAX_VALUE;
            };
            try {
                LogReadInfo info = replicaLog.log().read(fetchOffset, maxBytes, maxOffset);
                List<AbortedTxn> aborted = isolation == FetchIsolation.TXN_COMMITTED
                                && !info.records().isEmpty()
                        ? replicaLog.abortedTransactions(fetchOffset, maxOffset)
                        : List.of();
                return new ReadResult(
                        Errors.NONE,
                        Optional.of(info.records()),
                        hw,
                        lso,
                        info.logStartOffset(),
                        info.logEndOffset(),
                        Optional.empty(),
                        aborted);
            } catch (OffsetOutOfRangeException e) {
                // a follower behind a leader whose older segments live only in the remote tier restarts its log at
                // the leader's first local offset (it does not rebuild the remote part locally)
                long start = isolation == FetchIsolation.LOG_END
                        ? replicaLog.log().localLogStartOffset()
                        : replicaLog.logStartOffset();
                return new ReadResult(
                        Errors.OFFSET_OUT_OF_RANGE, Optional.empty(), hw, lso, start, leo, Optional.empty());
            }
        } finally {
            leaderIsrUpdateLock.readLock().unlock();
        }
    }

    /**
     * ListOffsets on the leader: {@link #EARLIEST_TIMESTAMP} → log start; {@link #LATEST_TIMESTAMP} → the high
     * watermark for consumers (log end otherwise); {@link #MAX_TIMESTAMP} → the record with the largest timestamp;
     * else the first record with timestamp ≥ the given one, below the high watermark for consumers. A leader whose high
     * watermark has not reached its epoch start answers OFFSET_NOT_AVAILABLE to consumers (latest, or no match), so
     * offsets seen by clients never go backwards.
     *
     * @param isolation {@link FetchIsolation#HIGH_WATERMARK} for consumers, {@link FetchIsolation#LOG_END} for replicas
     */
    public OffsetLookup fetchOffsetForTimestamp(long timestamp, FetchIsolation isolation, int currentLeaderEpoch) {
        leaderIsrUpdateLock.readLock().lock();
        try {
            PartitionState s = state;
            if (s.leaderId() != localBrokerId) {
                return OffsetLookup.error(Errors.NOT_LEADER_OR_FOLLOWER);
            }
            Errors epochError = checkLeaderEpoch(s, currentLeaderEpoch);
            if (epochError != Errors.NONE) {
                return OffsetLookup.error(epochError);
            }
            long hw = replicaLog.highWatermark();
            boolean consumer = isolation.isConsumer();
            long lastFetchable = switch (isolation) {
                case HIGH_WATERMARK -> hw;
                case TXN_COMMITTED -> replicaLog.lastStableOffset();
                case LOG_END -> replicaLog.logEndOffset();
            };
            boolean notAvailable = consumer && leaderEpochStartOffset > hw;
            if (timestamp == EARLIEST_TIMESTAMP) {
                long start = replicaLog.logStartOffset();
                return new OffsetLookup(Errors.NONE, RecordBatch.NO_TIMESTAMP, start, epochAt(start));
            }
            if (timestamp == EARLIEST_LOCAL_TIMESTAMP) {
                long start = replicaLog.log().localLogStartOffset();
                return new OffsetLookup(Errors.NONE, RecordBatch.NO_TIMESTAMP, start, epochAt(start));
            }
            if (timestamp == LATEST_TIERED_TIMESTAMP) {
                long tiered = replicaLog.log().highestOffsetInRemoteStorage();
                return new OffsetLookup(
                        Errors.NONE, RecordBatch.NO_TIMESTAMP, tiered, tiered < 0 ? -1 : epochAt(tiered));
            }
            if (timestamp == LATEST_TIMESTAMP) {
                return notAvailable
                        ? OffsetLookup.error(Errors.OFFSET_NOT_AVAILABLE)
                        : new OffsetLookup(Errors.NONE, RecordBatch.NO_TIMESTAMP, lastFetchable, s.leaderEpoch());
            }
            Optional<TimestampAndOffset> found = timestamp == MAX_TIMESTAMP
                    ? replicaLog.log().maxTimestampAndOffset()
                    : replicaLog.log().offsetForTimestamp(timestamp);
            found = found.filter(t -> t.offset < lastFetchable);
            if (found.isPresent()) {
                TimestampAndOffset t = found.get();
                return new OffsetLookup(
                        Errors.NONE, t.timestamp, t.offset, t.leaderEpoch.orElseGet(() -> epochAt(t.offset)));
            }
            return notAvailable
                    ? OffsetLookup.error(Errors.OFFSET_NOT_AVAILABLE)
                    : new OffsetLookup(Errors.NONE, RecordBatch.NO_TIMESTAMP, -1L, -1);
        } finally {
            leaderIsrUpdateLock.readLock().unlock();
        }
    }

    /**
     * OffsetForLeaderEpoch on the leader (KIP-101, KIP-320): where {@code leaderEpoch} ends in this log, with the
     * leader epoch cache's rules ({@link io.sluice.replication.epoch.LeaderEpochCache#endOffsetFor}; the latest epoch
     * ends at the log end offset). Only the leader answers, as in Kafka: {@code NOT_LEADER_OR_FOLLOWER} elsewhere;
     * {@code currentLeaderEpoch} fences as in a fetch ({@code -1}: no check). An epoch this log does not know is
     * answered {@link io.sluice.replication.epoch.EpochEndOffset#UNDEFINED} without an error.
     */
    public EpochLookup lastOffsetForLeaderEpoch(int currentLeaderEpoch, int leaderEpoch) {
        leaderIsrUpdateLock.readLock().lock();
        try {
            PartitionState s = state;
            if (s.leaderId() != localBrokerId) {
                return EpochLookup.error(Errors.NOT_LEADER_OR_FOLLOWER);
            }
            Errors epochError = checkLeaderEpoch(s, currentLeaderEpoch);
            if (epochError != Errors.NONE) {
                return EpochLookup.error(epochError);
            }
            return new EpochLookup(Errors.NONE, replicaLog.endOffsetForEpoch(leaderEpoch));
        } finally {
            leaderIsrUpdateLock.readLock().unlock();
        }
    }

    private int epochAt(long offset) {
        return replicaLog.epochCache().epochForOffset(offset).orElse(-1);
    }

    /**
     * For a fetch waiting in the purgatory at {@code fetchOffset}: whether a read now could answer it with more than
     * the empty read it got when it arrived, judged from offsets and leadership alone, without a lock or a log read.
     * True when records arrived below the isolation bound, when this broker no longer leads or the fetch's leader
     * epoch is no longer current (the read would answer an error), or when the log start passed the fetch offset.
     * Other changes (a diverging epoch can only follow a leader change) are answered at the fetch's timeout.
     */
    boolean mayAnswerWaitingFetch(
            long fetchOffset, FetchIsolation isolation, int currentLeaderEpoch, boolean leaderOnly) {
        PartitionState s = state;
        if (!mayServe(s, leaderOnly, isolation) || checkLeaderEpoch(s, currentLeaderEpoch) != Errors.NONE) {
            return true;
        }
        long end = switch (isolation) {
            case HIGH_WATERMARK -> replicaLog.highWatermark();
            case TXN_COMMITTED -> replicaLog.lastStableOffset();
            case LOG_END -> replicaLog.logEndOffset();
        };
        return end > fetchOffset || fetchOffset < replicaLog.logStartOffset();
    }

    /** The leader serves every fetch; a follower replica with a known leader also consumers that allow it. */
    private boolean mayServe(PartitionState s, boolean leaderOnly, FetchIsolation isolation) {
        if (s.leaderId() == localBrokerId) {
            return true;
        }
        return !leaderOnly
                && isolation != FetchIsolation.LOG_END
                && s.leaderId() >= 0
                && s.replicas().contains(localBrokerId);
    }

    private static Errors checkLeaderEpoch(PartitionState s, int currentLeaderEpoch) {
        if (currentLeaderEpoch == NO_EPOCH || currentLeaderEpoch == s.leaderEpoch()) {
            return Errors.NONE;
        }
        return currentLeaderEpoch < s.leaderEpoch() ? Errors.FENCED_LEADER_EPOCH : Errors.UNKNOWN_LEADER_EPOCH;
    }

    // ---------------------------------------------------------------- follower (FollowerPartition)

    @Override
    public int leaderEpoch() {
        return state.leaderEpoch();
    }

    @Override
    public long logStartOffset() {
        return replicaLog.logStartOffset();
    }

    @Override
    public long logEndOffset() {
        return replicaLog.logEndOffset();
    }

    @Override
    public OptionalInt latestEpoch() {
        return replicaLog.epochCache().latestEpoch();
    }

    @Override
    public EpochEndOffset endOffsetForEpoch(int epoch) {
        return replicaLog.endOffsetForEpoch(epoch);
    }

    @Override
    public long appendRecordsFromLeader(MemoryRecords records, long leaderHighWatermark, long leaderLogStartOffset) {
        Throwable fault = followerAppendFault;
        if (fault instanceof RuntimeException e) {
            throw e;
        } else if (fault instanceof Error e) {
            throw e;
        }
        leaderIsrUpdateLock.readLock().lock();
        try {
            ensureNotLeader("append replicated records");
            long leo = replicaLog.appendAsFollower(records);
            replicaLog.maybeIncrementLogStartOffset(leaderLogStartOffset);
            replicaLog.updateFollowerHighWatermark(leaderHighWatermark);
            return leo;
        } finally {
            leaderIsrUpdateLock.readLock().unlock();
        }
    }

    @Override
    public void truncateTo(long offset) {
        leaderIsrUpdateLock.readLock().lock();
        try {
            ensureNotLeader("truncate");
            replicaLog.truncateTo(offset);
        } finally {
            leaderIsrUpdateLock.readLock().unlock();
        }
    }

    @Override
    public void truncateFullyAndStartAt(long offset) {
        leaderIsrUpdateLock.readLock().lock();
        try {
            ensureNotLeader("truncate fully");
            replicaLog.truncateFullyAndStartAt(offset);
        } finally {
            leaderIsrUpdateLock.readLock().unlock();
        }
    }

    private void ensureNotLeader(String what) {
        if (state.leaderId() == localBrokerId) {
            throw new NotLeaderOrFollowerException(
                    logPrefix + "cannot " + what + ": this replica is the leader at epoch " + state.leaderEpoch());
        }
    }

    /** Writes a producer-state snapshot at the log end (shutdown). */
    void takeProducerSnapshot() {
        replicaLog.takeProducerSnapshot();
    }

    @Override
    public String toString() {
        return "Partition(" + tp + ", " + state + ", hw=" + replicaLog.highWatermark() + ")";
    }
}
