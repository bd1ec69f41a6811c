package io.sluice.broker.adapter;

import io.sluice.broker.group.OffsetsLog;
import io.sluice.broker.group.OffsetsTopic;
import io.sluice.broker.metadata.MetadataCache;
import io.sluice.replication.log.LogManager;
import io.sluice.replication.log.LogReadInfo;
import io.sluice.replication.log.UnifiedLog;
import io.sluice.replication.partition.AppendResult;
import io.sluice.replication.partition.ReplicaManager;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link OffsetsLog} over the broker's {@link ReplicaManager}: appends go through the leader append path with
 * {@code acks=all} (so they wait in the produce purgatory for the ISR like a client's produce), reads copy the hosted
 * replica's log from its start to its end, batch by batch, with no high-watermark bound (a new leader's whole log is
 * its state: everything in it will be committed or truncated by a later leader, which then reloads).
 *
 * <p>The partition count is the existing topic's as the {@link MetadataCache} knows it, else
 * {@code offsets.topic.num.partitions}.
 *
 * <p>Concurrency: stateless over thread-safe collaborators; {@link #read} blocks on disk and runs on the caller's
 * (loading) thread; {@link #append} never blocks and its future completes on the appending thread or on the thread
 * that completes the delayed produce.
 */
public final class ReplicaOffsetsLog implements OffsetsLog {
    private static final Logger log = LoggerFactory.getLogger(ReplicaOffsetsLog.class);

    /** Bytes read per step while loading (Kafka's {@code offsets.load.buffer.size} default); whole batches always. */
    static final int READ_BUFFER_BYTES = 5 * 1024 * 1024;

    private final String logPrefix;
    private final ReplicaManager replicaManager;
    private final LogManager logManager;
    private final MetadataCache cache;
    private final int configuredPartitions;
    private final String topic;

    /** @param configuredPartitions {@code offsets.topic.num.partitions}, used while the topic is unknown */
    public ReplicaOffsetsLog(
            int brokerId,
            ReplicaManager replicaManager,
            LogManager logManager,
            MetadataCache cache,
            int configuredPartitions) {
        this(brokerId, OffsetsTopic.NAME, replicaManager, logManager, cache, configuredPartitions);
    }

    /** The same over another internal topic ({@code __transaction_state}). */
    public ReplicaOffsetsLog(
            int brokerId,
            String topic,
            ReplicaManager replicaManager,
            LogManager logManager,
            MetadataCache cache,
            int configuredPartitions) {
        this.topic = Objects.requireNonNull(topic, "topic");
        if (configuredPartitions <= 0) {
            throw new IllegalArgumentException("configuredPartitions must be positive, got " + configuredPartitions);
        }
        this.logPrefix = "[ReplicaOffsetsLog broker=" + brokerId + " topic=" + topic + "]";
        this.replicaManager = Objects.requireNonNull(replicaManager, "replicaManager");
        this.logManager = Objects.requireNonNull(logManager, "logManager");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.configuredPartitions = configuredPartitions;
    }

    @Override
    public int partitionCount() {
        return cache.numPartitions(topic).orElse(configuredPartitions);
    }

    @Override
    public CompletableFuture<Errors> append(int partition, MemoryRecords records, long timeoutMs) {
        TopicPartition tp = new TopicPartition(topic, partition);
        CompletableFuture<Errors> result = new CompletableFuture<>();
        try {
            replicaManager.appendRecords(timeoutMs, (short) -1, Map.of(tp, records), results -> {
                AppendResult r = results.get(tp);
                if (r == null) {
                    log.error("{} the append to {} returned no result", logPrefix, tp);
                    result.complete(Errors.UNKNOWN_SERVER_ERROR);
                    return;
                }
                if (r.error() != Errors.NONE) {
                    log.debug("{} append to {} failed: {} {}", logPrefix, tp, r.error(), r.message());
                }
                result.complete(r.error());
            });
        } catch (RuntimeException e) {
            log.warn("{} append to {} failed", logPrefix, tp, e);
            result.complete(Errors.KAFKA_STORAGE_ERROR);
        }
        return result;
    }

    @Override
    public int nextSequence(int partition, long producerId, short producerEpoch) {
        return replicaManager.partition(new TopicPartition(topic, partition)).stream()
                .flatMap(p -> p.activeProducers().stream())
                .filter(p -> p.producerId() == producerId && p.producerEpoch() == producerEpoch)
                .mapToInt(p -> p.lastSequence() < 0 || p.lastSequence() == Integer.MAX_VALUE ? 0 : p.lastSequence() + 1)
                .findFirst()
                .orElse(0);
    }

    @Override
    public long read(int partition, Consumer<RecordBatch> visitor) throws IOException {
        TopicPartition tp = new TopicPartition(topic, partition);
        if (replicaManager.partition(tp).isEmpty()) {
            throw new NotLeaderOrFollowerException("broker does not host " + tp);
        }
        UnifiedLog replica = logManager
                .getLog(tp)
                .orElseThrow(() -> new NotLeaderOrFollowerException("broker has no log for " + tp));
        long end = replica.logEndOffset();
        long offset = replica.logStartOffset();
        while (offset < end) {
            MemoryRecords records = readAt(replica, tp, offset, end);
            long next = offset;
            for (MutableRecordBatch batch : records.batches()) {
                try {
                    batch.ensureValid();
                } catch (CorruptRecordException e) {
                    throw new IOException("corrupt batch at offset " + batch.baseOffset() + " of " + tp, e);
                }
                visitor.accept(batch);
                next = batch.nextOffset();
            }
            if (next == offset) {
                if (records.sizeInBytes() == 0) {
                    break; // nothing below the end any more (the log was truncated meanwhile)
                }
                throw new IOException("no whole batch at offset " + offset + " of " + tp + " (log end " + end + ")");
            }
            offset = next;
        }
        return offset;
    }

    private static MemoryRecords readAt(UnifiedLog replica, TopicPartition tp, long offset, long end)
            throws IOException {
        try {
            LogReadInfo info = replica.read(offset, READ_BUFFER_BYTES, end);
            return info.records().readRecords();
        } catch (OffsetOutOfRangeException e) {
            throw new IOException("offset " + offset + " of " + tp + " is no longer in the log", e);
        } catch (KafkaStorageException e) {
            throw new IOException("reading " + tp + " at offset " + offset + " failed", e);
        }
    }
}
