package io.sluice.broker.fetch;

import java.time.Clock;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;

/**
 * The broker's incremental fetch sessions, at most {@code max.incremental.fetch.session.cache.slots} of them.
 *
 * <p>Eviction, when a full fetch asks for a new session and every slot is taken (Kafka's policy):
 *
 * <ol>
 *   <li>the least recently used session, if it was last used more than {@link #DEFAULT_EVICTION_MS} ago (stale);
 *   <li>else the least valuable evictable session, if the new one is at least as valuable. Value orders by
 *       privileged (a follower's session) first, then by number of partitions, then by id. A consumer's new session
 *       may evict only sessions older than {@link #DEFAULT_EVICTION_MS} (since creation); a follower's may also evict
 *       any consumer's session;
 *   <li>else no session is created: the client goes on with full fetches.
 * </ol>
 *
 * <p>Concurrency: every method is synchronized on this cache. A caller may hold a session's monitor when calling in
 * (lock order: session, then cache); the cache never takes a session's monitor except through {@link
 * FetchSession#size()} in {@link #touch}, called with that session's monitor held or with no lock.
 */
public final class FetchSessionCache {
    /** Kafka's {@code INITIAL_EPOCH}: a full request that asks for a new session. */
    public static final int INITIAL_EPOCH = 0;
    /** Kafka's {@code FINAL_EPOCH}: a full request that wants no session. */
    public static final int FINAL_EPOCH = -1;
    /** Kafka's {@code INVALID_SESSION_ID}: no session. */
    public static final int INVALID_SESSION_ID = 0;
    /** How long a session is protected from eviction after creation, and after which an unused one is stale. */
    public static final long DEFAULT_EVICTION_MS = 120_000L;

    private record LastUsedKey(long lastUsedMs, int id) {}

    private record EvictableKey(boolean privileged, int size, int id) {}

    private static final Comparator<LastUsedKey> LAST_USED_ORDER =
            Comparator.comparingLong(LastUsedKey::lastUsedMs).thenComparingInt(LastUsedKey::id);
    private static final Comparator<EvictableKey> VALUE_ORDER = Comparator.comparing(EvictableKey::privileged)
            .thenComparingInt(EvictableKey::size)
            .thenComparingInt(EvictableKey::id);

    private final int maxSlots;
    private final long evictionMs;
    private final Clock clock;
    private final Random random;
    private final FetchSessionMetrics metrics;

    private final Map<Integer, FetchSession> sessions = new HashMap<>();
    private final TreeMap<LastUsedKey, FetchSession> lastUsed = new TreeMap<>(LAST_USED_ORDER);
    /** Sessions any new session may evict (older than evictionMs). */
    private final TreeMap<EvictableKey, FetchSession> evictableByAll = new TreeMap<>(VALUE_ORDER);
    /** Sessions a privileged new session may evict (unprivileged ones, and any older than evictionMs). */
    private final TreeMap<EvictableKey, FetchSession> evictableByPrivileged = new TreeMap<>(VALUE_ORDER);

    private long partitions;

    public FetchSessionCache(int maxSlots, long evictionMs, Clock clock, Random random, FetchSessionMetrics metrics) {
        if (maxSlots < 0) {
            throw new IllegalArgumentException("maxSlots must be >= 0: " + maxSlots);
        }
        this.maxSlots = maxSlots;
        this.evictionMs = evictionMs;
        this.clock = clock;
        this.random = random;
        this.metrics = metrics;
        metrics.bind(this);
    }

    public int maxSlots() {
        return maxSlots;
    }

    public synchronized int size() {
        return sessions.size();
    }

    /** Partitions over all cached sessions. */
    public synchronized long partitions() {
        return partitions;
    }

    public synchronized Optional<FetchSession> get(int id) {
        return Optional.ofNullable(sessions.get(id));
    }

    long nowMs() {
        return clock.millis();
    }

    /**
     * Creates a session over {@code partitionMap} if a slot is free or one can be evicted for it; returns its id, or
     * {@link #INVALID_SESSION_ID} when none was created.
     */
    synchronized int maybeCreate(
            boolean privileged, boolean usesTopicIds, LinkedHashMap<PartitionKey, CachedPartition> partitionMap) {
        if (maxSlots == 0) {
            return INVALID_SESSION_ID;
        }
        long now = clock.millis();
        if (sessions.size() >= maxSlots
                && !tryEvict(privileged, new EvictableKey(privileged, partitionMap.size(), 0), now)) {
            metrics.sessionRefused();
            return INVALID_SESSION_ID;
        }
        int id;
        do {
            id = random.nextInt();
        } while (id == INVALID_SESSION_ID || sessions.containsKey(id));
        FetchSession session = new FetchSession(id, privileged, usesTopicIds, now, partitionMap);
        sessions.put(id, session);
        touchLocked(session, now, partitionMap.size());
        return id;
    }

    /** Records a use of {@code session} now (and its current size, which orders eviction). */
    public void touch(FetchSession session) {
        int size = session.size();
        synchronized (this) {
            if (sessions.get(session.id()) == session) {
                touchLocked(session, clock.millis(), size);
            }
        }
    }

    public synchronized Optional<FetchSession> remove(int id) {
        FetchSession session = sessions.get(id);
        if (session == null) {
            return Optional.empty();
        }
        removeLocked(session);
        return Optional.of(session);
    }

    private void touchLocked(FetchSession session, long now, int size) {
        lastUsed.remove(new LastUsedKey(session.lastUsedMs, session.id()));
        session.lastUsedMs = now;
        lastUsed.put(new LastUsedKey(now, session.id()), session);
        if (session.cachedSize >= 0) {
            EvictableKey old = new EvictableKey(session.privileged(), session.cachedSize, session.id());
            evictableByAll.remove(old);
            evictableByPrivileged.remove(old);
            partitions -= session.cachedSize;
        }
        session.cachedSize = size;
        EvictableKey key = new EvictableKey(session.privileged(), size, session.id());
        boolean old = now - session.creationMs() > evictionMs;
        if (!session.privileged() || old) {
            evictableByPrivileged.put(key, session);
        }
        if (old) {
            evictableByAll.put(key, session);
        }
        partitions += size;
    }

    private void removeLocked(FetchSession session) {
        sessions.remove(session.id());
        lastUsed.remove(new LastUsedKey(session.lastUsedMs, session.id()));
        if (session.cachedSize >= 0) {
            EvictableKey key = new EvictableKey(session.privileged(), session.cachedSize, session.id());
            evictableByAll.remove(key);
            evictableByPrivileged.remove(key);
            partitions -= session.cachedSize;
        }
    }

    private boolean tryEvict(boolean privileged, EvictableKey candidate, long now) {
        Map.Entry<LastUsedKey, FetchSession> oldest = lastUsed.firstEntry();
        if (oldest == null) {
            return false;
        }
        if (now - oldest.getKey().lastUsedMs() > evictionMs) {
            removeLocked(oldest.getValue());
            metrics.evicted();
            return true;
        }
        TreeMap<EvictableKey, FetchSession> evictable = privileged ? evictableByPrivileged : evictableByAll;
        Map.Entry<EvictableKey, FetchSession> least = evictable.firstEntry();
        if (least == null || VALUE_ORDER.compare(candidate, least.getKey()) < 0) {
            return false;
        }
        removeLocked(least.getValue());
        metrics.evicted();
        return true;
    }
}
