package io.sluice.replication.partition;

import io.sluice.replication.epoch.EpochCheckpointFlusher;
import io.sluice.replication.epoch.EpochEndOffset;
import io.sluice.replication.epoch.EpochEntry;
import io.sluice.replication.epoch.LeaderEpochCache;
import io.sluice.replication.log.BatchHeader;
import io.sluice.replication.log.LogAppendInfo;
import io.sluice.replication.log.LogReadInfo;
import io.sluice.replication.log.UnifiedLog;
import io.sluice.replication.log.index.AbortedTxn;
import io.sluice.replication.log.index.AbortedTxnIndex;
import io.sluice.replication.producer.ActiveProducer;
import io.sluice.replication.producer.CompletedTxn;
import io.sluice.replication.producer.ProducerStateManager;
import io.sluice.replication.producer.ValidationResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica's log together with the state derived from it: the idempotent-producer state, the leader-epoch cache
 * and the high watermark.
 *
 * <p>Restore ({@link #open}): the leader-epoch cache is loaded from its {@code leader-epoch-checkpoint}, truncated
 * to the log end and repaired from the batches: new entries are written lazily (see {@link LeaderEpochCache}), so
 * after a crash the file may lack the newest epochs, which are assigned again from the partition leader epochs of the
 * batches newer than its latest entry. Finding none costs one batch-header read (the last batch's epoch is not newer);
 * otherwise the scan starts at the later of the latest entry's start and the last segment whose first batch is not
 * newer. Producer state is loaded from the newest snapshot at or below the log end and rebuilt by re-reading
 * the batches after it (markers re-read there are offered to the aborted-transaction index again, see
 * {@link AbortedTxnIndex}); the high watermark comes from the log directory's {@code replication-offset-checkpoint},
 * capped to [log start, log end].
 *
 * <p>Concurrency contract: {@code lock} serialises every change of the log and the producer state (validate, append,
 * update, truncate, snapshot), so validate-then-append is atomic across producers. Lock order: the owning
 * {@link Partition}'s leaderIsrUpdateLock → {@code lock} → the {@link UnifiedLog}'s lock → the {@link LeaderEpochCache}
 * lock (a leaf). Reads take no lock (the log is safe for concurrent readers). The high watermark is an
 * {@link AtomicLong} that only increases, except that a truncation below it caps it to the new log end. The first
 * unstable offset (the earliest open transaction's first offset) is a volatile copy of the producer state's, refreshed
 * under {@code lock} after every change, so reads compute the last stable offset without the lock.
 */
final class ReplicaLog {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaLog.class);
    /** How many bytes a producer-state rebuild reads at a time. */
    private static final int SCAN_BYTES = 1024 * 1024;

    private final UnifiedLog log;
    private final TopicPartition tp;
    private final ProducerStateManager producerState;
    private final LeaderEpochCache epochCache;
    private final String logPrefix;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong highWatermark;
    private final AbortedTxnIndex txnIndex;
    /** The producer state's first unstable offset, {@link Long#MAX_VALUE} when no transaction is open. */
    private volatile long firstUnstableOffset = Long.MAX_VALUE;

    private ReplicaLog(UnifiedLog log, LeaderEpochCache epochCache, long highWatermark) throws IOException {
        this.log = log;
        this.tp = log.topicPartition();
        this.epochCache = epochCache;
        this.producerState = new ProducerStateManager(tp);
        this.logPrefix = "[ReplicaLog " + tp + "] ";
        this.highWatermark = new AtomicLong(highWatermark);
        this.txnIndex = AbortedTxnIndex.open(log.dir().toPath(), log.segmentBaseOffsets(), logPrefix);
    }

    /**
     * Wraps {@code log}, restoring its epoch cache (whose new entries {@code flusher} writes), producer state and high
     * watermark (see the class comment).
     */
    static ReplicaLog open(UnifiedLog log, long checkpointedHighWatermark, EpochCheckpointFlusher flusher) {
        try {
            LeaderEpochCache cache =
                    new LeaderEpochCache(log.topicPartition(), log.dir().toPath(), flusher);
            cache.truncateFromEnd(log.logEndOffset());
            int repaired = repairEpochs(log, cache);
            if (log.logStartOffset() > 0) {
                cache.truncateFromStart(log.logStartOffset());
            }
            long hw = Math.min(Math.max(checkpointedHighWatermark, log.logStartOffset()), log.logEndOffset());
            ReplicaLog replicaLog = new ReplicaLog(log, cache, hw);
            replicaLog.lock.lock();
            try {
                replicaLog.rebuildProducerState();
            } finally {
                replicaLog.lock.unlock();
            }
            if (repaired > 0) {
                LOG.warn(
                        "{}Leader-epoch checkpoint lacked {} epochs written in the log (unclean shutdown); restored"
                                + " them from the batches",
                        replicaLog.logPrefix,
                        repaired);
            }
            LOG.info(
                    "{}Opened: log [{}, {}), high watermark {}, epochs {}, {} producers",
                    replicaLog.logPrefix,
                    log.logStartOffset(),
                    log.logEndOffset(),
                    hw,
                    cache.epochEntries(),
                    replicaLog.producerState.producerCount());
            return replicaLog;
        } catch (IOException e) {
            throw new KafkaStorageException("cannot restore replica state of " + log.topicPartition(), e);
        }
    }

    /**
     * Assigns the epochs of the batches newer than the cache's latest entry at their base offsets (see the class
     * comment); returns how many entries that added.
     */
    static int repairEpochs(UnifiedLog log, LeaderEpochCache cache) {
        long end = log.logEndOffset();
        if (end <= log.logStartOffset()) {
            return 0;
        }
        int latest = cache.latestEpoch().orElse(RecordBatch.NO_PARTITION_LEADER_EPOCH);
        BatchHeader last = null;
        for (BatchHeader batch : log.batchesFrom(end - 1)) {
            last = batch;
        }
        if (last == null || last.partitionLeaderEpoch() <= latest) {
            return 0;
        }
        long from = cache.latestEntry().map(EpochEntry::startOffset).orElse(log.logStartOffset());
        List<Long> bases = log.segmentBaseOffsets();
        for (int i = bases.size() - 1; i >= 0 && bases.get(i) > from; i--) {
            Iterator<BatchHeader> first = log.batchesFrom(bases.get(i)).iterator();
            if (first.hasNext() && first.next().partitionLeaderEpoch() <= latest) {
                from = bases.get(i);
                break;
            }
        }
        int repaired = 0;
        for (BatchHeader batch : log.batchesFrom(from)) {
            if (batch.partitionLeaderEpoch() > latest) {
                latest = batch.partitionLeaderEpoch();
                cache.assign(latest, batch.baseOffset());
                repaired++;
            }
        }
        return repaired;
    }

    UnifiedLog log() {
        return log;
    }

    LeaderEpochCache epochCache() {
        return epochCache;
    }

    long highWatermark() {
        return highWatermark.get();
    }

    /** The last stable offset: the high watermark, or the first offset of the earliest open transaction if lower. */
    long lastStableOffset() {
        return Math.min(highWatermark.get(), firstUnstableOffset);
    }

    /** The aborted transactions a read_committed read of {@code [fetchOffset, upperBound)} must report. */
    List<AbortedTxn> abortedTransactions(long fetchOffset, long upperBound) {
        return txnIndex.collect(fetchOffset, upperBound);
    }

    /** Open transactions (producer id → first offset), for tests and tools. */
    Map<Long, Long> openTransactions() {
        lock.lock();
        try {
            return producerState.openTransactions();
        } finally {
            lock.unlock();
        }
    }

    /** The producers of this log, as DescribeProducers reports them. */
    List<ActiveProducer> activeProducers() {
        lock.lock();
        try {
            return producerState.describeProducers();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends a COMMIT or ABORT marker for {@code producerId} as leader at {@code leaderEpoch} (WriteTxnMarkers);
     * refused with INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED as {@link
     * ProducerStateManager#validateMarker}.
     */
    AppendResult appendTxnMarkerAsLeader(
            long producerId,
            short producerEpoch,
            int coordinatorEpoch,
            ControlRecordType type,
            int leaderEpoch,
            long timestampMs) {
        lock.lock();
        try {
            Errors error = producerState.validateMarker(producerId, producerEpoch, coordinatorEpoch);
            if (error != Errors.NONE) {
                return AppendResult.error(
                        error,
                        "marker " + type + " of producer " + producerId + " epoch " + producerEpoch
                                + " coordinator epoch " + coordinatorEpoch + " is fenced");
            }
            MemoryRecords marker = MemoryRecords.withEndTransactionMarker(
                    timestampMs, producerId, producerEpoch, new EndTransactionMarker(type, coordinatorEpoch));
            epochCache.assign(leaderEpoch, log.logEndOffset());
            LogAppendInfo info = log.appendAsLeader(marker, leaderEpoch);
            for (RecordBatch batch : marker.batches()) {
                applyToProducerState(batch);
            }
            refreshFirstUnstableOffset();
            return new AppendResult(
                    Errors.NONE,
                    "",
                    info.firstOffset(),
                    info.lastOffset(),
                    RecordBatch.NO_TIMESTAMP,
                    info.logStartOffset(),
                    false,
                    leaderEpoch);
        } finally {
            lock.unlock();
        }
    }

    /** Caller holds {@code lock}. Updates the producer state with an appended batch; indexes an aborted txn. */
    private void applyToProducerState(RecordBatch batch) {
        Optional<CompletedTxn> completed = producerState.update(batch);
        if (completed.isEmpty() || !completed.get().aborted()) {
            return;
        }
        CompletedTxn txn = completed.get();
        long lso = Math.min(producerState.firstUnstableOffset().orElse(txn.lastOffset() + 1), txn.lastOffset() + 1);
        long segmentBase = log.logStartOffset();
        for (long base : log.segmentBaseOffsets()) {
            if (base <= txn.lastOffset()) {
                segmentBase = base;
            }
        }
        try {
            txnIndex.add(segmentBase, new AbortedTxn(txn.producerId(), txn.firstOffset(), txn.lastOffset(), lso));
        } catch (IOException e) {
            throw new KafkaStorageException(logPrefix + "cannot write the transaction index", e);
        }
    }

    /** Caller holds {@code lock}. */
    private void refreshFirstUnstableOffset() {
        firstUnstableOffset = producerState.firstUnstableOffset().orElse(Long.MAX_VALUE);
    }

    long logStartOffset() {
        return log.logStartOffset();
    }

    long logEndOffset() {
        return log.logEndOffset();
    }

    /** Where {@code epoch} ends in this log (Kafka's {@code endOffsetFor}). */
    EpochEndOffset endOffsetForEpoch(int epoch) {
        return epochCache.endOffsetFor(epoch, log.logEndOffset());
    }

    /** Raises the high watermark to {@code newHw} if that is higher; returns whether it moved. */
    boolean maybeIncrementHighWatermark(long newHw) {
        long capped = Math.min(newHw, log.logEndOffset());
        while (true) {
            long current = highWatermark.get();
            if (capped <= current) {
                return false;
            }
            if (highWatermark.compareAndSet(current, capped)) {
                return true;
            }
        }
    }

    /**
     * Validates and appends a producer's records as leader at {@code leaderEpoch}: a duplicate of a batch in the log
     * is answered with the original offsets and nothing is written; a sequence or producer-epoch error writes nothing.
     * A produce carrying an idempotent batch must hold exactly one batch (Kafka's ProduceRequest v3+ rule).
     */
    AppendResult appendAsLeader(MemoryRecords records, int leaderEpoch) {
        lock.lock();
        try {
            int batches = 0;
            RecordBatch idempotent = null;
            for (RecordBatch batch : records.batches()) {
                batches++;
                if (batch.hasProducerId()) {
                    idempotent = batch;
                }
            }
            if (batches == 0) {
                return AppendResult.error(Errors.INVALID_RECORD, "the produce holds no record batch");
            }
            if (idempotent != null && batches > 1) {
                return AppendResult.error(
                        Errors.INVALID_RECORD, "an idempotent produce must hold exactly one record batch");
            }
            if (idempotent != null) {
                ValidationResult validation = producerState.validate(idempotent, log.logEndOffset() == 0);
                switch (validation.outcome()) {
                    case DUPLICATE -> {
                        return new AppendResult(
                                Errors.NONE,
                                "",
                                validation.firstOffset(),
                                validation.lastOffset(),
                                RecordBatch.NO_TIMESTAMP,
                                log.logStartOffset(),
                                true,
                                leaderEpoch);
                    }
                    case OUT_OF_ORDER_SEQUENCE, INVALID_PRODUCER_EPOCH, INVALID_TXN_STATE -> {
                        return AppendResult.error(validation.error(), validation.message());
                    }
                    case OK -> {}
                }
            }
            epochCache.assign(leaderEpoch, log.logEndOffset());
            LogAppendInfo info = log.appendAsLeader(records, leaderEpoch);
            for (RecordBatch batch : records.batches()) {
                applyToProducerState(batch);
            }
            refreshFirstUnstableOffset();
            return new AppendResult(
                    Errors.NONE,
                    "",
                    info.firstOffset(),
                    info.lastOffset(),
                    RecordBatch.NO_TIMESTAMP,
                    info.logStartOffset(),
                    false,
                    leaderEpoch);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends a leader's batches unchanged, records each new batch epoch at its base offset in the epoch cache and
     * updates producer state; returns the log end offset afterwards.
     */
    long appendAsFollower(MemoryRecords records) {
        lock.lock();
        try {
            if (records.sizeInBytes() == 0) {
                return log.logEndOffset();
            }
            log.appendAsFollower(records);
            for (RecordBatch batch : records.batches()) {
                if (batch.partitionLeaderEpoch() >= 0) {
                    epochCache.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
                }
                applyToProducerState(batch);
            }
            refreshFirstUnstableOffset();
            return log.logEndOffset();
        } finally {
            lock.unlock();
        }
    }

    /** Follower: HW = min(leader HW, own LEO), never decreasing. */
    boolean updateFollowerHighWatermark(long leaderHighWatermark) {
        return maybeIncrementHighWatermark(Math.min(leaderHighWatermark, log.logEndOffset()));
    }

    /** Follower: follows the leader's log start offset (capped to the local log end). */
    void maybeIncrementLogStartOffset(long leaderLogStartOffset) {
        lock.lock();
        try {
            long target = Math.min(leaderLogStartOffset, log.logEndOffset());
            if (target > log.logStartOffset() && log.maybeIncrementLogStartOffset(target)) {
                epochCache.truncateFromStart(target);
                producerState.onLogStartOffsetIncrement(target);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Removes everything at or after {@code offset}, with the matching epochs and producer state. */
    void truncateTo(long offset) {
        lock.lock();
        try {
            long before = log.logEndOffset();
            if (!log.truncateTo(offset)) {
                // No record to remove, but epochs starting at the log end (this replica became leader and appended
                // nothing in them) are not in the leader's history; left in place, the next fetch would report the
                // same divergence for ever.
                epochCache.truncateFromEnd(log.logEndOffset());
                return;
            }
            epochCache.truncateFromEnd(log.logEndOffset());
            txnIndex.truncateFrom(log.logEndOffset());
            txnIndex.retainSegments(log.segmentBaseOffsets());
            rebuildProducerState();
            capHighWatermark();
            LOG.info(
                    "{}Truncated to {}: removed {} offsets, log end {}, high watermark {}",
                    logPrefix,
                    offset,
                    before - log.logEndOffset(),
                    log.logEndOffset(),
                    highWatermark.get());
        } catch (IOException e) {
            throw new KafkaStorageException(logPrefix + "cannot rebuild producer state after truncation", e);
        } finally {
            lock.unlock();
        }
    }

    /** Empties the log and restarts it at {@code offset}; epochs and producer state are cleared. */
    void truncateFullyAndStartAt(long offset) {
        lock.lock();
        try {
            log.truncateFullyAndStartAt(offset);
            epochCache.clearAndFlush();
            producerState.clear();
            refreshFirstUnstableOffset();
            txnIndex.clear();
            producerState.deleteSnapshotsAfter(dir(), -1L);
            highWatermark.set(offset);
            LOG.info("{}Truncated fully, restarted at {}", logPrefix, offset);
        } catch (IOException e) {
            throw new KafkaStorageException(logPrefix + "cannot delete producer snapshots", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops writing the leader-epoch checkpoint (the replica is no longer hosted), after writing pending entries if
     * {@code writePending} (the log stays; false when it is deleted). A failed write is logged: the next open
     * repairs the cache from the log.
     */
    void closeEpochCache(boolean writePending) {
        if (writePending) {
            try {
                epochCache.flush();
            } catch (UncheckedIOException e) {
                LOG.warn(
                        "{}Cannot write the leader-epoch checkpoint; the next open repairs it from the log",
                        logPrefix,
                        e);
            }
        }
        epochCache.close();
    }

    /** Writes a producer-state snapshot at the log end (on shutdown, so a restart re-reads little). */
    void takeProducerSnapshot() {
        lock.lock();
        try {
            producerState.takeSnapshot(dir(), log.logEndOffset());
        } catch (IOException e) {
            LOG.warn("{}Cannot write producer snapshot", logPrefix, e);
        } finally {
            lock.unlock();
        }
    }

    int producerCount() {
        lock.lock();
        try {
            return producerState.producerCount();
        } finally {
            lock.unlock();
        }
    }

    private void capHighWatermark() {
        long end = log.logEndOffset();
        long previous = highWatermark.getAndUpdate(hw -> Math.min(hw, end));
        if (previous > end) {
            LOG.warn("{}Truncation below the high watermark {}: lowered to {}", logPrefix, previous, end);
        }
    }

    private Path dir() {
        return log.dir().toPath();
    }

    /** Caller holds {@code lock}. Snapshot at or below the log end, then the batches after it. */
    private void rebuildProducerState() throws IOException {
        long end = log.logEndOffset();
        producerState.deleteSnapshotsAfter(dir(), end);
        OptionalLong snapshot = producerState.loadLatestSnapshot(dir(), end);
        long from = Math.max(snapshot.orElse(log.logStartOffset()), log.logStartOffset());
        long offset = from;
        while (offset < end) {
            LogReadInfo info = log.read(offset, SCAN_BYTES, end);
            if (info.records().isEmpty()) {
                break;
            }
            long next = offset;
            for (RecordBatch batch : info.records().readRecords().batches()) {
                if (batch.lastOffset() >= from) {
                    applyToProducerState(batch);
                }
                next = batch.nextOffset();
            }
            if (next <= offset) {
                break;
            }
            offset = next;
        }
        producerState.onLogStartOffsetIncrement(log.logStartOffset());
        refreshFirstUnstableOffset();
    }
}
