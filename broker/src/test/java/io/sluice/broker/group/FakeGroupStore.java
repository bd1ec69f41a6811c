package io.sluice.broker.group;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * An in-memory {@link GroupStore}: what was written is what a later load returns. Writes can be held (completed by
 * {@link #release}) or failed with an error.
 */
public final class FakeGroupStore implements GroupStore {
    private final int partitions;
    private final Map<Integer, Map<String, StoredGroup>> groups = new HashMap<>();
    private final Map<Integer, Map<String, Map<TopicPartition, CommittedOffset>>> offsets = new HashMap<>();
    private final List<Runnable> held = new ArrayList<>();
    private final List<String> writes = new ArrayList<>();
    private boolean holdWrites;
    private Errors failWith = Errors.NONE;

    public FakeGroupStore(int partitions) {
        this.partitions = partitions;
    }

    @Override
    public int partitionCount() {
        return partitions;
    }

    public synchronized void holdWrites(boolean hold) {
        this.holdWrites = hold;
    }

    /** Every later write fails with {@code error} (NONE to succeed again). */
    public synchronized void failWith(Errors error) {
        this.failWith = error;
    }

    /** Completes the held writes, in order. */
    public void release() {
        List<Runnable> toRun;
        synchronized (this) {
            toRun = new ArrayList<>(held);
            held.clear();
        }
        toRun.forEach(Runnable::run);
    }

    /** Completes the held writes newest first, as acks=all completions may arrive out of order. */
    public void releaseNewestFirst() {
        List<Runnable> toRun;
        synchronized (this) {
            toRun = new ArrayList<>(held);
            held.clear();
        }
        java.util.Collections.reverse(toRun);
        toRun.forEach(Runnable::run);
    }

    public synchronized List<String> writes() {
        return List.copyOf(writes);
    }

    public synchronized StoredGroup storedGroup(String groupId) {
        return groups.values().stream()
                .map(byId -> byId.get(groupId))
                .filter(java.util.Objects::nonNull)
                .findFirst()
                .orElse(null);
    }

    public synchronized Map<TopicPartition, CommittedOffset> storedOffsets(String groupId) {
        Map<TopicPartition, CommittedOffset> result = new HashMap<>();
        offsets.values().forEach(byGroup -> result.putAll(byGroup.getOrDefault(groupId, Map.of())));
        return result;
    }

    @Override
    public synchronized CompletableFuture<Errors> storeGroup(int partition, StoredGroup group) {
        writes.add("group:" + group.groupId() + ":" + group.generationId());
        return write(
                () -> groups.computeIfAbsent(partition, p -> new HashMap<>()).put(group.groupId(), group));
    }

    @Override
    public synchronized CompletableFuture<Errors> storeOffsets(
            int partition, String groupId, Map<TopicPartition, CommittedOffset> committed) {
        writes.add("offsets:" + groupId + ":" + committed.size());
        return write(() -> offsets.computeIfAbsent(partition, p -> new HashMap<>())
                .computeIfAbsent(groupId, g -> new HashMap<>())
                .putAll(committed));
    }

    @Override
    public synchronized CompletableFuture<Errors> delete(
            int partition, String groupId, Collection<TopicPartition> tombstoned, boolean group) {
        writes.add("delete:" + groupId + ":" + tombstoned.size() + ":" + group);
        List<TopicPartition> copy = List.copyOf(tombstoned);
        return write(() -> {
            Map<TopicPartition, CommittedOffset> byPartition =
                    offsets.computeIfAbsent(partition, p -> new HashMap<>()).get(groupId);
            if (byPartition != null) {
                copy.forEach(byPartition::remove);
            }
            if (group) {
                groups.computeIfAbsent(partition, p -> new HashMap<>()).remove(groupId);
            }
        });
    }

    @Override
    public synchronized CompletableFuture<Errors> storeTransactionalOffsets(
            int partition,
            String groupId,
            long producerId,
            short producerEpoch,
            Map<TopicPartition, CommittedOffset> stored) {
        writes.add("txn-offsets:" + groupId + ":" + producerId + ":" + stored.size());
        return write(() -> {});
    }

    private CompletableFuture<Errors> write(Runnable apply) {
        CompletableFuture<Errors> future = new CompletableFuture<>();
        Errors error = failWith;
        Runnable complete = () -> {
            if (error == Errors.NONE) {
                synchronized (this) {
                    apply.run();
                }
            }
            future.complete(error);
        };
        if (holdWrites) {
            held.add(complete);
        } else {
            complete.run();
        }
        return future;
    }

    @Override
    public synchronized LoadedPartition load(int partition) throws IOException {
        Map<String, Map<TopicPartition, CommittedOffset>> copy = new HashMap<>();
        offsets.getOrDefault(partition, Map.of()).forEach((g, o) -> {
            if (!o.isEmpty()) {
                copy.put(g, Map.copyOf(o));
            }
        });
        return new LoadedPartition(groups.getOrDefault(partition, Map.of()), copy);
    }

    /** Puts a group directly, as if a previous coordinator had written it. */
    public synchronized void put(int partition, StoredGroup group) {
        groups.computeIfAbsent(partition, p -> new HashMap<>()).put(group.groupId(), group);
    }
}
