package io.sluice.replication.partition;

import io.sluice.replication.purgatory.DelayedOperation;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * A DeleteRecords waiting until the low watermark of every partition it raised ({@link
 * Partition#lowWatermarkIfLeader}: the leader's and its in-sync followers' log start offsets) reaches the requested
 * offset, as Kafka's delayed DeleteRecords. Per partition: NONE with the low watermark, NOT_LEADER_OR_FOLLOWER when
 * leadership moved, REQUEST_TIMED_OUT at the deadline.
 *
 * <p>Concurrency contract: {@code tryComplete} runs under the operation lock (purgatory contract) and takes each
 * partition's read lock; {@code done} is a concurrent map because expiry runs without the operation lock. The
 * callback runs once, on the completing thread.
 */
final class DelayedDeleteRecords extends DelayedOperation {
    private final Map<TopicPartition, DeleteRecordsResult> initial;
    private final Map<TopicPartition, DeleteRecordsResult> done = new ConcurrentHashMap<>();
    private final Function<TopicPartition, Optional<Partition>> partitions;
    private final Consumer<Map<TopicPartition, DeleteRecordsResult>> callback;

    DelayedDeleteRecords(
            long delayMs,
            Map<TopicPartition, DeleteRecordsResult> initial,
            Function<TopicPartition, Optional<Partition>> partitions,
            Consumer<Map<TopicPartition, DeleteRecordsResult>> callback) {
        super(delayMs);
        this.initial = new LinkedHashMap<>(initial);
        this.partitions = partitions;
        this.callback = callback;
        initial.forEach((tp, result) -> {
            if (result.error() != Errors.NONE) {
                done.put(tp, result);
            }
        });
    }

    @Override
    protected boolean tryComplete() {
        for (Map.Entry<TopicPartition, DeleteRecordsResult> e : initial.entrySet()) {
            if (done.containsKey(e.getKey())) {
                continue;
            }
            long requested = e.getValue().lowWatermark();
            Optional<Partition> partition = partitions.apply(e.getKey());
            if (partition.isEmpty() || !partition.get().isLeader()) {
                done.put(
                        e.getKey(),
                        DeleteRecordsResult.error(
                                Errors.NOT_LEADER_OR_FOLLOWER, "leadership moved before replication"));
                continue;
            }
            long low = partition.get().lowWatermarkIfLeader();
            if (low >= requested) {
                done.put(e.getKey(), DeleteRecordsResult.deletedBefore(low));
            }
        }
        return done.size() == initial.size() && forceComplete();
    }

    @Override
    protected void onExpiration() {
        for (TopicPartition tp : initial.keySet()) {
            done.putIfAbsent(
                    tp,
                    DeleteRecordsResult.error(
                            Errors.REQUEST_TIMED_OUT,
                            "the in-sync replicas did not raise their log start offset before the timeout"));
        }
    }

    @Override
    protected void onComplete() {
        Map<TopicPartition, DeleteRecordsResult> results = new LinkedHashMap<>();
        for (TopicPartition tp : initial.keySet()) {
            DeleteRecordsResult result = done.get(tp);
            results.put(
                    tp,
                    result != null
                            ? result
                            : DeleteRecordsResult.error(Errors.REQUEST_TIMED_OUT, "completed before replication"));
        }
        callback.accept(results);
    }
}
