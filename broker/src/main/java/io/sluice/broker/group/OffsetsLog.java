package io.sluice.broker.group;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Port: the partitions of {@value OffsetsTopic#NAME} as the group coordinator uses them. The broker implements it
 * over its replica manager; tests implement it in memory.
 *
 * <p>Thread-safety: implementations are thread-safe.
 */
public interface OffsetsLog {

    /**
     * The number of partitions of {@value OffsetsTopic#NAME}: the existing topic's count when the broker knows the
     * topic, else {@code offsets.topic.num.partitions}.
     */
    int partitionCount();

    /**
     * Appends one batch to {@code partition}, which this broker must lead, with {@code acks=all}. Never blocks. The
     * future completes, on any thread, with {@code NONE} once the batch is below the high watermark, or with the
     * error of the append ({@code NOT_LEADER_OR_FOLLOWER}, {@code NOT_ENOUGH_REPLICAS},
     * {@code NOT_ENOUGH_REPLICAS_AFTER_APPEND}, {@code REQUEST_TIMED_OUT}, {@code RECORD_LIST_TOO_LARGE},
     * {@code KAFKA_STORAGE_ERROR}, ...); the caller maps it to the error its API returns.
     *
     * @param timeoutMs how long to wait for the ISR ({@code offsets.commit.timeout.ms})
     */
    CompletableFuture<Errors> append(int partition, MemoryRecords records, long timeoutMs);

    /**
     * The sequence number the next batch of {@code producerId} at {@code producerEpoch} must start with on
     * {@code partition} (which this broker leads): one after that producer's last sequence when its current epoch
     * there is {@code producerEpoch}, else 0 (a producer or epoch new to the partition). The default, 0 always, suits
     * logs that do not validate sequences (test fakes).
     */
    default int nextSequence(int partition, long producerId, short producerEpoch) {
        return 0;
    }

    /**
     * Reads {@code partition} from its log start offset up to its log end offset as of the call, handing every batch
     * to {@code visitor} in offset order. Blocks on disk reads; called from the coordinator's loading thread.
     *
     * @return the offset after the last batch read
     * @throws IOException if the log cannot be read
     * @throws org.apache.kafka.common.errors.NotLeaderOrFollowerException if this broker no longer hosts the partition
     */
    long read(int partition, Consumer<RecordBatch> visitor) throws IOException;
}
