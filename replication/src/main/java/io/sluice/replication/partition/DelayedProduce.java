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
 * An acks=all produce waiting until the high watermark of every appended partition passes its last offset. Per
 * partition it completes with NONE, NOT_ENOUGH_REPLICAS_AFTER_APPEND (the ISR fell below min.insync.replicas before
 * the high watermark got there), NOT_LEADER_OR_FOLLOWER (leadership lost), or REQUEST_TIMED_OUT at the deadline.
 *
 * <p>Concurrency contract: {@code tryComplete} runs under the operation lock (purgatory contract) and takes each
 * partition's read lock; {@code done} is a concurrent map because expiry runs without the operation lock. The
 * callback runs once, on the completing thread.
 */
final class DelayedProduce extends DelayedOperation {
    private final Map<TopicPartition, AppendResult> initial;
    private final Map<TopicPartition, AppendResult> done = new ConcurrentHashMap<>();
    private final Function<TopicPartition, Optional<Partition>> partitions;
    private final Consumer<Map<TopicPartition, AppendResult>> callback;

    DelayedProduce(
            long delayMs,
            Map<TopicPartition, AppendResult> initial,
            Function<TopicPartition, Optional<Partition>> partitions,
            Consumer<Map<TopicPartition, AppendResult>> callback) {
        super(delayMs);
        this.initial = Map.copyOf(initial);
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
        for (Map.Entry<TopicPartition, AppendResult> e : initial.entrySet()) {
            if (done.containsKey(e.getKey())) {
                continue;
            }
            Optional<Errors> outcome = partitions
                    .apply(e.getKey())
                    .map(p -> p.checkEnoughReplicasReachOffset(
                            e.getValue().requiredOffset(), e.getValue().leaderEpoch()))
                    .orElse(Optional.of(Errors.NOT_LEADER_OR_FOLLOWER));
            outcome.ifPresent(error -> done.put(
                    e.getKey(),
                    error == Errors.NONE
                            ? e.getValue()
                            : AppendResult.error(error, "acks=all could not be satisfied: " + error.message())));
        }
        return done.size() == initial.size() && forceComplete();
    }

    @Override
    protected void onExpiration() {
        for (TopicPartition tp : initial.keySet()) {
            done.putIfAbsent(
                    tp,
                    AppendResult.error(
                            Errors.REQUEST_TIMED_OUT, "the high watermark did not reach the batch before the timeout"));
        }
    }

    @Override
    protected void onComplete() {
        Map<TopicPartition, AppendResult> results = new LinkedHashMap<>();
        for (TopicPartition tp : initial.keySet()) {
            AppendResult result = done.get(tp);
            results.put(
                    tp,
                    result != null
                            ? result
                            : AppendResult.error(Errors.REQUEST_TIMED_OUT, "completed before replication"));
        }
        callback.accept(results);
    }
}
