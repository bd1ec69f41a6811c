package io.sluice.replication.purgatory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watch key → the operations watching it. An operation watching three keys appears in three lists; it leaves a list
 * when a {@link #snapshot}'s caller finds it completed ({@link #removeCompleted}) or when {@link #purgeCompleted}
 * sweeps every list.
 *
 * <h2>Concurrency contract</h2>
 *
 * <p>Thread-safe. Each {@link Watchers} list has its own lock, held only to add, copy or remove-completed (never
 * while an operation is tried, so a list lock and an operation lock never nest). Adding to a list and dropping an
 * empty list from the map both happen inside {@link ConcurrentHashMap#compute}-style calls for the key, so an
 * operation is never added to a list that has already been dropped; the nesting there is map bin lock → list lock,
 * and nothing takes them the other way round. {@link #watched()} is a lock-free read of a counter moved by exactly
 * the number of entries each call added or removed, so it is exact whenever no call is in flight.
 *
 * <p>The no-lost-wake-up argument: an operation is added under its list's lock, and {@link #snapshot} copies under
 * the same lock. A checker that runs after the condition changed either copies the operation (and tries it) or takes
 * the lock before the add, in which case the adder's second try, made after the add, sees the changed condition.
 */
final class WatcherIndex<T extends DelayedOperation> {

    /** The operations watching one key; guarded by its own monitor. */
    private static final class Watchers<T extends DelayedOperation> {
        private final List<T> operations = new ArrayList<>(4);

        synchronized void add(T operation) {
            operations.add(operation);
        }

        synchronized List<T> copy() {
            return new ArrayList<>(operations);
        }

        synchronized int removeCompleted() {
            int before = operations.size();
            operations.removeIf(DelayedOperation::isCompleted);
            return before - operations.size();
        }

        synchronized boolean isEmpty() {
            return operations.isEmpty();
        }
    }

    private final ConcurrentHashMap<Object, Watchers<T>> watchersByKey = new ConcurrentHashMap<>();
    private final AtomicLong watched = new AtomicLong();

    /** Adds the operation to the key's list, creating the list if needed. */
    void watch(Object key, T operation) {
        watchersByKey.compute(key, (k, watchers) -> {
            Watchers<T> list = watchers == null ? new Watchers<>() : watchers;
            list.add(operation);
            watched.incrementAndGet();
            return list;
        });
    }

    /** A copy of the operations watching the key (empty if none), to be tried without any index lock held. */
    List<T> snapshot(Object key) {
        Watchers<T> watchers = watchersByKey.get(key);
        return watchers == null ? List.of() : watchers.copy();
    }

    /**
     * Removes the key's completed operations, and the key itself if nothing watches it any more.
     *
     * @return the number of entries removed
     */
    int removeCompleted(Object key) {
        Watchers<T> watchers = watchersByKey.get(key);
        if (watchers == null) {
            return 0;
        }
        int removed = watchers.removeCompleted();
        watched.addAndGet(-removed);
        if (watchers.isEmpty()) {
            watchersByKey.computeIfPresent(
                    key, (k, current) -> current == watchers && current.isEmpty() ? null : current);
        }
        return removed;
    }

    /**
     * Sweeps every list for completed operations (O(entries); run by the reaper when enough have accumulated).
     *
     * @return the number of entries removed
     */
    int purgeCompleted() {
        int removed = 0;
        for (Map.Entry<Object, Watchers<T>> entry : watchersByKey.entrySet()) {
            removed += removeCompleted(entry.getKey());
        }
        return removed;
    }

    /** Number of (key, operation) entries; an operation watching three keys counts three times. */
    long watched() {
        return watched.get();
    }

    /** Number of keys with at least one watcher entry. */
    int keys() {
        return watchersByKey.size();
    }
}
