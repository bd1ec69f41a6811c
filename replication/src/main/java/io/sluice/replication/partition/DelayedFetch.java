package io.sluice.replication.partition;

import io.sluice.replication.purgatory.DelayedOperation;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * A long-poll fetch waiting for {@code minBytes}: woken by appends (follower fetches) and high-watermark moves
 * (consumer fetches); completes early on any partition error or diverging epoch, and at {@code maxWaitMs} with
 * whatever is there.
 *
 * <p>Concurrency contract: immutable fields; {@code tryComplete} (under the operation lock) checks the partitions'
 * offsets and leadership without side effects and without reading the logs (see
 * {@link ReplicaManager#delayedFetchSatisfied}); {@code onComplete} reads once more, updating follower fetch state for follower fetches, and
 * hands the result to the callback on the completing thread. {@code abandoned} is volatile: set by {@link #abandon()}
 * on any thread, read by whichever thread completes the fetch.
 */
final class DelayedFetch extends DelayedOperation {
    private final FetchParams params;
    private final List<PartitionFetch> fetches;
    private final ReplicaManager replicaManager;
    private final Consumer<Map<TopicPartition, ReadResult>> callback;
    private volatile boolean abandoned;

    DelayedFetch(
            FetchParams params,
            List<PartitionFetch> fetches,
            ReplicaManager replicaManager,
            Consumer<Map<TopicPartition, ReadResult>> callback) {
        super(params.maxWaitMs());
        this.params = params;
        this.fetches = List.copyOf(fetches);
        this.replicaManager = replicaManager;
        this.callback = callback;
    }

    @Override
    protected boolean tryComplete() {
        return replicaManager.delayedFetchSatisfied(params, fetches) && forceComplete();
    }

    /** Whether a fetch with these results may be answered now. */
    static boolean satisfied(FetchParams params, Map<TopicPartition, ReadResult> results) {
        long bytes = 0;
        for (ReadResult result : results.values()) {
            if (result.error() != Errors.NONE || result.divergingEpoch().isPresent()) {
                return true;
            }
            bytes += result.bytes();
        }
        return bytes >= params.minBytes();
    }

    @Override
    protected void onExpiration() {
        // onComplete reads whatever is there
    }

    /** The requester went away: completing it from now on neither reads the logs nor calls the callback. */
    void abandon() {
        abandoned = true;
    }

    @Override
    protected void onComplete() {
        if (abandoned) {
            return;
        }
        callback.accept(replicaManager.readFromLocalLogs(params, fetches, true));
    }
}
