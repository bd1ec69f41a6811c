package io.sluice.broker.group;

import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * The coordinator's view of the {@link GroupStore}: every write is handed to {@link GroupScheduler#write}, so it
 * reaches the store after the caller released its group lock. A write that throws completes exceptionally (the
 * coordinator maps that to {@code UNKNOWN_SERVER_ERROR}).
 *
 * <p>Thread-safety: thread-safe (stateless over a thread-safe store and scheduler).
 */
final class DeferredStore implements GroupStore {
    private final GroupStore store;
    private final GroupScheduler scheduler;

    DeferredStore(GroupStore store, GroupScheduler scheduler) {
        this.store = store;
        this.scheduler = scheduler;
    }

    @Override
    public int partitionCount() {
        return store.partitionCount();
    }

    @Override
    public CompletableFuture<Errors> storeGroup(int partition, StoredGroup group) {
        return defer(() -> store.storeGroup(partition, group));
    }

    @Override
    public CompletableFuture<Errors> storeOffsets(
            int partition, String groupId, Map<TopicPartition, CommittedOffset> offsets) {
        return defer(() -> store.storeOffsets(partition, groupId, offsets));
    }

    @Override
    public CompletableFuture<Errors> storeTransactionalOffsets(
            int partition,
            String groupId,
            long producerId,
            short producerEpoch,
            Map<TopicPartition, CommittedOffset> offsets) {
        return defer(() -> store.storeTransactionalOffsets(partition, groupId, producerId, producerEpoch, offsets));
    }

    @Override
    public CompletableFuture<Errors> delete(
            int partition, String groupId, Collection<TopicPartition> offsets, boolean group) {
        return defer(() -> store.delete(partition, groupId, offsets, group));
    }

    @Override
    public LoadedPartition load(int partition) throws IOException {
        return store.load(partition);
    }

    private CompletableFuture<Errors> defer(Supplier<CompletableFuture<Errors>> write) {
        CompletableFuture<Errors> result = new CompletableFuture<>();
        scheduler.write(() -> {
            try {
                write.get().whenComplete((error, failure) -> {
                    if (failure != null) {
                        result.completeExceptionally(failure);
                    } else {
                        result.complete(error);
                    }
                });
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }
}
