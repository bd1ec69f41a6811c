package io.sluice.replication.producer;

import io.sluice.replication.checkpoint.AtomicFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idempotent-producer state of one partition log: per producer id, the epoch and the last {@value
 * ProducerStateEntry#NUM_BATCHES_TO_RETAIN} batches ({@link ProducerStateEntry}).
 *
 * <p>Use:
 *
 * <ul>
 *   <li>Leader append: {@link #validate} each batch; on {@code OK} append it and call {@link #update} with the
 *       batch as appended (offsets assigned) before validating the next batch; on {@code DUPLICATE} answer
 *       success with the original offsets; otherwise reject with {@link ValidationResult#error()}.
 *   <li>Follower append and log recovery: {@link #update} every appended batch, in log order, without validation
 *       (the log is the truth).
 *   <li>Startup: {@link #loadLatestSnapshot} at or below the recovered log end, then {@link #update} with every
 *       batch from the returned offset (or the log start if none) to the log end, then {@link
 *       #onLogStartOffsetIncrement} with the log start offset.
 *   <li>Truncation to offset T: {@link #truncateFrom}(T) and {@link #deleteSnapshotsAfter}(dir, T). That keeps the
 *       remembered batches below T; a producer whose every remembered batch was removed is forgotten (it is then
 *       treated as unknown and accepted with any sequence). For exact state, reload: {@link #loadLatestSnapshot}(dir,
 *       T) and re-scan the log from there to T.
 *   <li>Log start offset increase: {@link #onLogStartOffsetIncrement} and {@link #deleteSnapshotsBefore}.
 * </ul>
 *
 * <p>Validation rules, as Kafka 3.x for a client (leader) append:
 *
 * <pre>
 * producerId == -1 (not idempotent)           OK, never recorded
 * unknown producer, the log never held a record,
 *   first seq != 0                            OUT_OF_ORDER_SEQUENCE (Kafka 4.5, KAFKA-15591)
 * unknown producer, otherwise                 OK, whatever the sequence (its state may have gone with retention)
 * epoch &lt; current                             INVALID_PRODUCER_EPOCH
 * epoch == current, [first, last] seq of a
 *   cached batch                              DUPLICATE (original first/last offset and timestamp)
 * epoch == current, first == lastSeq + 1
 *   (or first == 0 after lastSeq == MAX_INT)  OK
 * epoch == current, anything else             OUT_OF_ORDER_SEQUENCE
 * epoch &gt; current, first seq == 0             OK
 * epoch &gt; current, first seq != 0             OUT_OF_ORDER_SEQUENCE
 * </pre>
 *
 * <p>Transactions. A transactional batch of a producer without an open transaction opens one at its base offset; the
 * producer's COMMIT or ABORT control batch (marker) closes it, and {@link #update} returns it as a
 * {@link CompletedTxn} (an aborted one goes into the partition's aborted-transaction index). The earliest first offset
 * of the open transactions is the {@link #firstUnstableOffset()}: the last stable offset is the minimum of it and the
 * high watermark. A marker also records the producer epoch and coordinator epoch it was written with: a later batch
 * of an older producer epoch is fenced (INVALID_PRODUCER_EPOCH), a later marker of an older coordinator epoch is
 * refused ({@link #validateMarker}); a non-transactional batch of a producer with an open transaction is refused
 * (INVALID_TXN_STATE). Snapshots carry the open transactions (format version 2); the marker epochs are rebuilt only
 * from the markers re-read after the snapshot.
 *
 * <p>Concurrency: not thread-safe. One instance belongs to one partition log and every call, including the snapshot
 * file operations, must be made while holding that partition log's lock (the lock that serialises appends and
 * truncations), so validate-then-append-then-update is atomic with respect to other producers' appends.
 */
public final class ProducerStateManager {
    /** Snapshots kept per partition directory by default. */
    public static final int DEFAULT_MAX_SNAPSHOTS = 2;

    private static final Logger log = LoggerFactory.getLogger(ProducerStateManager.class);

    private final String logPrefix;
    private final int maxSnapshots;
    private final Map<Long, ProducerStateEntry> producers = new HashMap<>();
    /** Open transactions: producer id → offset of its first batch in the transaction. */
    private final Map<Long, Long> openTxnByProducer = new HashMap<>();
    /** Open transactions by first offset → producer id (first offsets are distinct: they are batch base offsets). */
    private final TreeMap<Long, Long> openTxns = new TreeMap<>();
    /** Per producer, the producer and coordinator epochs of its last marker. */
    private final Map<Long, MarkerEpochs> markerEpochs = new HashMap<>();

    private record MarkerEpochs(short producerEpoch, int coordinatorEpoch) {}

    public ProducerStateManager(TopicPartition partition) {
        this(partition, DEFAULT_MAX_SNAPSHOTS);
    }

    public ProducerStateManager(TopicPartition partition, int maxSnapshots) {
        if (maxSnapshots < 1) {
            throw new IllegalArgumentException("maxSnapshots must be >= 1, got " + maxSnapshots);
        }
        this.logPrefix = "[ProducerState partition=" + partition + "] ";
        this.maxSnapshots = maxSnapshots;
    }

    /**
     * Decides whether a leader may append {@code batch} to a log that has held records; see the class Javadoc for the
     * rules.
     */
    public ValidationResult validate(RecordBatch batch) {
        return validate(batch, false);
    }

    /**
     * Decides whether a leader may append {@code batch}; see the class Javadoc for the rules.
     *
     * @param logNeverHeldARecord whether the partition's log is empty and always was (log end offset 0). An unknown
     *     producer's first batch there must start at sequence 0: anything else means an earlier batch of it is still
     *     in flight (refused, for example, by a broker that had not yet become the leader of the new partition), and
     *     accepting the later one first would leave the earlier one refused as out of order on every retry until its
     *     delivery timeout, its records lost. In a log that held records the producer's state may have gone with
     *     retention or DeleteRecords, so any first sequence is accepted there (KIP-360).
     */
    public ValidationResult validate(RecordBatch batch, boolean logNeverHeldARecord) {
        if (!batch.hasProducerId()) {
            return ValidationResult.OK;
        }
        long producerId = batch.producerId();
        MarkerEpochs marker = markerEpochs.get(producerId);
        if (marker != null && batch.producerEpoch() < marker.producerEpoch()) {
            return ValidationResult.invalidEpoch("Producer " + producerId + " epoch " + batch.producerEpoch()
                    + " is older than the epoch " + marker.producerEpoch() + " of its last transaction marker");
        }
        if (!batch.isTransactional() && openTxnByProducer.containsKey(producerId)) {
            return ValidationResult.invalidTxnState("Producer " + producerId + " sent a non-transactional batch while"
                    + " its transaction starting at offset " + openTxnByProducer.get(producerId) + " is open");
        }
        ProducerStateEntry current = producers.get(producerId);
        if (current == null) {
            if (logNeverHeldARecord && batch.baseSequence() != 0) {
                return ValidationResult.outOfOrder("Producer " + producerId + " epoch " + batch.producerEpoch()
                        + ": the first write to a partition that never held a record must start at sequence 0, got "
                        + batch.baseSequence());
            }
            return ValidationResult.OK;
        }
        short epoch = batch.producerEpoch();
        int firstSeq = batch.baseSequence();
        if (epoch < current.epoch()) {
            return ValidationResult.invalidEpoch("Producer " + producerId + " epoch " + epoch
                    + " is older than the current epoch " + current.epoch());
        }
        if (epoch > current.epoch()) {
            if (firstSeq != 0) {
                return ValidationResult.outOfOrder("Producer " + producerId + " new epoch " + epoch
                        + " must start at sequence 0, got " + firstSeq + " (current epoch " + current.epoch() + ")");
            }
            return ValidationResult.OK;
        }
        Optional<BatchMetadata> duplicate = current.findDuplicate(epoch, firstSeq, batch.lastSequence());
        if (duplicate.isPresent()) {
            log.debug(
                    "{}Duplicate batch of producer {} epoch {} seq {}..{}, originally at {}",
                    logPrefix,
                    producerId,
                    epoch,
                    firstSeq,
                    batch.lastSequence(),
                    duplicate.get());
            return ValidationResult.duplicate(duplicate.get());
        }
        if (!inSequence(current.lastSeq(), firstSeq)) {
            return ValidationResult.outOfOrder("Producer " + producerId + " epoch " + epoch + ": sequence " + firstSeq
                    + " does not follow the last sequence " + current.lastSeq());
        }
        return ValidationResult.OK;
    }

    /**
     * Whether {@code nextSeq} directly follows {@code lastSeq}; sequences wrap from {@link Integer#MAX_VALUE} to 0.
     */
    static boolean inSequence(int lastSeq, int nextSeq) {
        return nextSeq == lastSeq + 1L || (nextSeq == 0 && lastSeq == Integer.MAX_VALUE);
    }

    /**
     * Whether a transaction marker of {@code producerId} written with {@code producerEpoch} by a coordinator at
     * {@code coordinatorEpoch} may be appended: {@link Errors#NONE}, INVALID_PRODUCER_EPOCH when the producer already
     * wrote with a newer epoch, TRANSACTION_COORDINATOR_FENCED when a newer coordinator already wrote a marker.
     */
    public Errors validateMarker(long producerId, short producerEpoch, int coordinatorEpoch) {
        MarkerEpochs marker = markerEpochs.get(producerId);
        if (marker != null && coordinatorEpoch < marker.coordinatorEpoch()) {
            return Errors.TRANSACTION_COORDINATOR_FENCED;
        }
        ProducerStateEntry current = producers.get(producerId);
        if ((current != null && producerEpoch < current.epoch())
                || (marker != null && producerEpoch < marker.producerEpoch())) {
            return Errors.INVALID_PRODUCER_EPOCH;
        }
        return Errors.NONE;
    }

    /**
     * Records a batch that is now in the log, with its assigned offsets. Non-idempotent batches are ignored. A
     * different epoch (normally newer) replaces the producer's batches. A transactional batch opens the producer's
     * transaction if none is open; a COMMIT or ABORT marker closes it and is returned as completed (empty when the
     * producer had no open transaction here).
     */
    public Optional<CompletedTxn> update(RecordBatch batch) {
        if (!batch.hasProducerId()) {
            return Optional.empty();
        }
        if (batch.isControlBatch()) {
            return updateWithMarker(batch);
        }
        long producerId = batch.producerId();
        short epoch = batch.producerEpoch();
        if (batch.isTransactional() && !openTxnByProducer.containsKey(producerId)) {
            openTxnByProducer.put(producerId, batch.baseOffset());
            openTxns.put(batch.baseOffset(), producerId);
        }
        BatchMetadata metadata = new BatchMetadata(
                batch.baseSequence(),
                batch.lastSequence(),
                batch.baseOffset(),
                batch.lastOffset(),
                batch.maxTimestamp());
        ProducerStateEntry current = producers.get(producerId);
        ProducerStateEntry next;
        if (current == null) {
            next = ProducerStateEntry.first(producerId, epoch, metadata);
        } else if (current.epoch() != epoch) {
            if (epoch < current.epoch()) {
                log.warn(
                        "{}Producer {} batch at offset {} has epoch {} below the current epoch {}; following the log",
                        logPrefix,
                        producerId,
                        batch.baseOffset(),
                        epoch,
                        current.epoch());
            }
            next = ProducerStateEntry.first(producerId, epoch, metadata);
        } else {
            next = current.withBatch(metadata);
        }
        producers.put(producerId, next);
        return Optional.empty();
    }

    private Optional<CompletedTxn> updateWithMarker(RecordBatch batch) {
        Iterator<Record> records = batch.iterator();
        if (!records.hasNext()) {
            return Optional.empty();
        }
        Record record = records.next();
        ControlRecordType type = ControlRecordType.parse(record.key());
        if (type != ControlRecordType.COMMIT && type != ControlRecordType.ABORT) {
            return Optional.empty();
        }
        EndTransactionMarker marker = EndTransactionMarker.deserialize(record);
        long producerId = batch.producerId();
        markerEpochs.put(producerId, new MarkerEpochs(batch.producerEpoch(), marker.coordinatorEpoch()));
        Long first = openTxnByProducer.remove(producerId);
        if (first == null) {
            return Optional.empty();
        }
        openTxns.remove(first);
        return Optional.of(new CompletedTxn(producerId, first, batch.lastOffset(), type == ControlRecordType.ABORT));
    }

    /**
     * The first offset of the earliest open transaction, if any: records from there on are not stable yet.
     */
    public OptionalLong firstUnstableOffset() {
        return openTxns.isEmpty() ? OptionalLong.empty() : OptionalLong.of(openTxns.firstKey());
    }

    /** Open transactions: producer id → first offset. */
    public Map<Long, Long> openTransactions() {
        return Map.copyOf(openTxnByProducer);
    }

    /** The state of one producer, if known. */
    public Optional<ProducerStateEntry> lastEntry(long producerId) {
        return Optional.ofNullable(producers.get(producerId));
    }

    /** A copy of all producer states by producer id. */
    public Map<Long, ProducerStateEntry> activeProducers() {
        return Map.copyOf(producers);
    }

    /** The known producers as DescribeProducers reports them, by producer id. */
    public List<ActiveProducer> describeProducers() {
        List<ActiveProducer> described = new ArrayList<>(producers.size());
        for (ProducerStateEntry entry : new TreeMap<>(producers).values()) {
            MarkerEpochs marker = markerEpochs.get(entry.producerId());
            described.add(new ActiveProducer(
                    entry.producerId(),
                    entry.epoch(),
                    entry.lastSeq(),
                    entry.lastTimestamp(),
                    marker == null ? -1 : marker.coordinatorEpoch(),
                    openTxnByProducer.getOrDefault(entry.producerId(), -1L)));
        }
        return described;
    }

    /** The number of known producers. */
    public int producerCount() {
        return producers.size();
    }

    /** Forgets every producer and transaction. */
    public void clear() {
        producers.clear();
        openTxnByProducer.clear();
        openTxns.clear();
        markerEpochs.clear();
    }

    /**
     * Drops remembered batches at or after {@code offset} (batches whose last offset is &gt;= it, i.e. those the log
     * loses when truncated to end at {@code offset}) and producers left with no batches.
     */
    public void truncateFrom(long offset) {
        int removed = 0;
        Iterator<Map.Entry<Long, ProducerStateEntry>> it = producers.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, ProducerStateEntry> e = it.next();
            Optional<ProducerStateEntry> kept = e.getValue().truncatedFrom(offset);
            if (kept.isEmpty()) {
                it.remove();
                removed++;
            } else {
                e.setValue(kept.get());
            }
        }
        openTxns.tailMap(offset, true).values().forEach(openTxnByProducer::remove);
        openTxns.tailMap(offset, true).clear();
        log.debug(
                "{}Truncated from offset {}: forgot {} producers, {} remain",
                logPrefix,
                offset,
                removed,
                producers.size());
    }

    /** Forgets producers whose last offset is below the new log start offset: their batches are gone from the log. */
    public void onLogStartOffsetIncrement(long logStartOffset) {
        int before = producers.size();
        producers.values().removeIf(entry -> entry.lastOffset() < logStartOffset);
        if (producers.size() != before) {
            log.debug(
                    "{}Log start offset {}: forgot {} producers", logPrefix, logStartOffset, before - producers.size());
        }
    }

    /**
     * Forgets producers whose last batch timestamp is older than {@code nowMs - expirationMs} (Kafka's {@code
     * producer.id.expiration.ms}); returns how many were removed.
     */
    public int removeExpiredProducers(long nowMs, long expirationMs) {
        int before = producers.size();
        producers
                .values()
                .removeIf(entry -> nowMs - entry.lastTimestamp() >= expirationMs
                        && !openTxnByProducer.containsKey(entry.producerId()));
        int removed = before - producers.size();
        if (removed > 0) {
            log.info("{}Expired {} producers idle for {} ms", logPrefix, removed, expirationMs);
        }
        return removed;
    }

    /**
     * Writes the current state as the snapshot at {@code offset} (the offset the state covers up to, exclusive) in
     * {@code dir}, atomically, then deletes the oldest snapshots beyond the retained count. Returns the file.
     */
    public Path takeSnapshot(Path dir, long offset) throws IOException {
        if (offset < 0) {
            throw new IllegalArgumentException("Snapshot offset must be >= 0, got " + offset);
        }
        List<ProducerStateEntry> entries = new ArrayList<>(producers.values());
        entries.sort((a, b) -> Long.compare(a.producerId(), b.producerId()));
        Path file = ProducerSnapshotFile.write(dir, offset, entries, openTxnByProducer);
        log.debug("{}Wrote snapshot {} with {} producers", logPrefix, file, entries.size());
        List<Long> offsets = ProducerSnapshotFile.list(dir);
        for (int i = 0; i < offsets.size() - maxSnapshots; i++) {
            deleteSnapshot(dir, offsets.get(i));
        }
        return file;
    }

    /**
     * Replaces the state with the newest valid snapshot in {@code dir} whose offset is &lt;= {@code maxOffset}.
     * Corrupt snapshots are logged with their file and reason, deleted and skipped; leftover temporary files are
     * deleted. Returns the offset the loaded snapshot covers (re-scan the log from there), or empty with the state
     * cleared if there is none (re-scan from the log start).
     */
    public OptionalLong loadLatestSnapshot(Path dir, long maxOffset) throws IOException {
        clear();
        deleteTemporaryFiles(dir);
        List<Long> offsets = ProducerSnapshotFile.list(dir);
        for (int i = offsets.size() - 1; i >= 0; i--) {
            long offset = offsets.get(i);
            if (offset > maxOffset) {
                continue;
            }
            Path file = ProducerSnapshotFile.path(dir, offset);
            try {
                Map<Long, ProducerStateEntry> loaded = new HashMap<>();
                ProducerSnapshotFile.Snapshot snapshot = ProducerSnapshotFile.readSnapshot(file);
                for (ProducerStateEntry entry : snapshot.entries()) {
                    if (loaded.put(entry.producerId(), entry) != null) {
                        throw new CorruptSnapshotException(file, "producer " + entry.producerId() + " listed twice");
                    }
                }
                producers.putAll(loaded);
                snapshot.openTxns().forEach((producerId, first) -> {
                    openTxnByProducer.put(producerId, first);
                    openTxns.put(first, producerId);
                });
                log.info("{}Loaded snapshot {} with {} producers", logPrefix, file, loaded.size());
                return OptionalLong.of(offset);
            } catch (IOException e) {
                log.warn("{}Skipping and deleting unusable producer snapshot {}: {}", logPrefix, file, e.getMessage());
                Files.deleteIfExists(file);
            }
        }
        log.info("{}No producer snapshot at or below offset {} in {}", logPrefix, maxOffset, dir);
        return OptionalLong.empty();
    }

    /** Deletes snapshots whose offset is above {@code offset} (they cover records a truncation removed). */
    public void deleteSnapshotsAfter(Path dir, long offset) throws IOException {
        for (long snapshot : ProducerSnapshotFile.list(dir)) {
            if (snapshot > offset) {
                deleteSnapshot(dir, snapshot);
            }
        }
    }

    /** Deletes snapshots whose offset is below {@code offset} (e.g. the new log start offset). */
    public void deleteSnapshotsBefore(Path dir, long offset) throws IOException {
        for (long snapshot : ProducerSnapshotFile.list(dir)) {
            if (snapshot < offset) {
                deleteSnapshot(dir, snapshot);
            }
        }
    }

    /** The offsets of the snapshots in {@code dir}, ascending. */
    public List<Long> snapshotOffsets(Path dir) throws IOException {
        return ProducerSnapshotFile.list(dir);
    }

    private void deleteSnapshot(Path dir, long offset) throws IOException {
        Path file = ProducerSnapshotFile.path(dir, offset);
        if (Files.deleteIfExists(file)) {
            log.debug("{}Deleted snapshot {}", logPrefix, file);
        }
    }

    private void deleteTemporaryFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> stream =
                Files.newDirectoryStream(dir, "*" + ProducerSnapshotFile.SUFFIX + AtomicFiles.TEMP_SUFFIX)) {
            for (Path file : stream) {
                log.info("{}Deleting incomplete snapshot {}", logPrefix, file);
                Files.deleteIfExists(file);
            }
        }
    }
}
