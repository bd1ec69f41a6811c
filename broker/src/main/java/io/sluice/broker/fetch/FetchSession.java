package io.sluice.broker.fetch;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One incremental fetch session: its id, the epoch the next request must carry, and its partitions in fetch order
 * (partitions a response carried move to the end, so that a response bounded by {@code max.bytes} does not favour
 * the same partitions every time).
 *
 * <pre>
 *   created (epoch 1) --incremental request with epoch N == epoch--> epoch N+1 (after Integer.MAX_VALUE: 1)
 *        |                                   \--epoch != N--> INVALID_FETCH_SESSION_EPOCH, session unchanged
 *        \--full request naming the id, last partition forgotten, or evicted--> removed from the cache
 * </pre>
 *
 * <p>Concurrency: {@link #epoch} and the partitions are guarded by this object's monitor; {@link #lastUsedMs} and
 * {@link #cachedSize} by the {@link FetchSessionCache}'s lock. Lock order: session, then cache.
 */
public final class FetchSession {
    private final int id;
    private final boolean privileged;
    private final boolean usesTopicIds;
    private final long creationMs;
    /** Guarded by this. */
    private final LinkedHashMap<PartitionKey, CachedPartition> partitions;
    /** Guarded by this. */
    private int epoch;
    /** Guarded by the cache. */
    long lastUsedMs;
    /** Guarded by the cache: the size the cache's eviction keys were made with, -1 before the first touch. */
    int cachedSize = -1;

    FetchSession(
            int id,
            boolean privileged,
            boolean usesTopicIds,
            long creationMs,
            LinkedHashMap<PartitionKey, CachedPartition> partitions) {
        this.id = id;
        this.privileged = privileged;
        this.usesTopicIds = usesTopicIds;
        this.creationMs = creationMs;
        this.lastUsedMs = creationMs;
        this.partitions = partitions;
        this.epoch = nextEpoch(FetchSessionCache.INITIAL_EPOCH);
    }

    public int id() {
        return id;
    }

    /** Whether a follower replica owns it (followers' sessions are kept over consumers'). */
    public boolean privileged() {
        return privileged;
    }

    public boolean usesTopicIds() {
        return usesTopicIds;
    }

    long creationMs() {
        return creationMs;
    }

    public synchronized int epoch() {
        return epoch;
    }

    public synchronized int size() {
        return partitions.size();
    }

    synchronized void advanceEpoch() {
        epoch = nextEpoch(epoch);
    }

    /** Adds or updates the partitions a request names and removes the forgotten ones. */
    synchronized void update(List<FetchEntry> named, Collection<PartitionKey> forgotten) {
        for (FetchEntry entry : named) {
            CachedPartition cached = partitions.get(entry.key());
            if (cached == null) {
                partitions.put(entry.key(), new CachedPartition(entry));
            } else {
                cached.updateRequest(entry);
            }
        }
        for (PartitionKey key : forgotten) {
            partitions.remove(key);
        }
    }

    /** What to fetch for each partition, in session order. */
    synchronized List<FetchEntry> entries() {
        List<FetchEntry> out = new ArrayList<>(partitions.size());
        for (CachedPartition p : partitions.values()) {
            out.add(p.request());
        }
        return out;
    }

    /** Caller holds this session's monitor. */
    CachedPartition partition(PartitionKey key) {
        return partitions.get(key);
    }

    /** Caller holds this session's monitor: moves a partition a response carried to the end of the fetch order. */
    void moveToEnd(PartitionKey key) {
        CachedPartition p = partitions.remove(key);
        if (p != null) {
            partitions.put(key, p);
        }
    }

    Map<PartitionKey, CachedPartition> partitionsForTest() {
        synchronized (this) {
            return new LinkedHashMap<>(partitions);
        }
    }

    /** Kafka's epoch sequence: 1, 2, ... Integer.MAX_VALUE, 1, ... */
    static int nextEpoch(int epoch) {
        if (epoch < 0) {
            return FetchSessionCache.FINAL_EPOCH;
        }
        return epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
    }

    @Override
    public String toString() {
        return "FetchSession{id=" + id + ", privileged=" + privileged + ", topicIds=" + usesTopicIds + "}";
    }
}
