package io.sluice.broker.group;

import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * Port: durable storage of groups and committed offsets in the partitions of {@value OffsetsTopic#NAME}, each write
 * one record batch appended with {@code acks=all} to a partition this broker leads. The coordinator decides what to
 * write; the store owns the record format and the log.
 *
 * <p>Every write completes, on any thread and without blocking the caller, with {@code NONE} once the batch is
 * committed (below the high watermark) or with the append's error ({@code NOT_LEADER_OR_FOLLOWER},
 * {@code NOT_ENOUGH_REPLICAS}, {@code NOT_ENOUGH_REPLICAS_AFTER_APPEND}, {@code REQUEST_TIMED_OUT},
 * {@code RECORD_LIST_TOO_LARGE}, {@code KAFKA_STORAGE_ERROR}, ...), which the coordinator maps to its API's error.
 *
 * <p>Thread-safety: implementations are thread-safe.
 */
public interface GroupStore {

    /** See {@link OffsetsLog#partitionCount()}. */
    int partitionCount();

    /** Writes the group's current state (one record keyed by the group id). */
    CompletableFuture<Errors> storeGroup(int partition, StoredGroup group);

    /** Writes committed offsets of one group, one record per partition, in one batch. */
    CompletableFuture<Errors> storeOffsets(int partition, String groupId, Map<TopicPartition, CommittedOffset> offsets);

    /**
     * Writes the offsets of a transaction (TxnOffsetCommit) as one transactional batch of {@code producerId} at
     * {@code producerEpoch}. They count only if the transaction's COMMIT marker follows them in the partition: a load
     * keeps them pending until it meets the producer's marker, applies them at a COMMIT and drops them at an ABORT
     * ({@link LoadedPartition#pendingTransactionalOffsets} holds those without a marker yet).
     */
    CompletableFuture<Errors> storeTransactionalOffsets(
            int partition,
            String groupId,
            long producerId,
            short producerEpoch,
            Map<TopicPartition, CommittedOffset> offsets);

    /**
     * Writes tombstones in one batch: for each listed partition's committed offset of {@code groupId}, and for the
     * group record itself when {@code group} is true. Compaction later removes the tombstoned records.
     */
    CompletableFuture<Errors> delete(int partition, String groupId, Collection<TopicPartition> offsets, boolean group);

    /**
     * Replays {@code partition} from its log start to its log end (blocking; called on the coordinator's loading
     * thread).
     *
     * @throws IOException if the log cannot be read or holds a record the store cannot parse
     */
    LoadedPartition load(int partition) throws IOException;
}
