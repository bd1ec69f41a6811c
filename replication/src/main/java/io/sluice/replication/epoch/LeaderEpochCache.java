package io.sluice.replication.epoch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader epochs of one partition's log: a list of (epoch, start offset) entries, strictly increasing in both, where
 * each start offset is the first offset written under that epoch. It answers "which epoch wrote offset X" and "where
 * does epoch E end" (OffsetForLeaderEpoch, fetch divergence checks), so a follower truncates by epoch rather than by
 * high watermark.
 *
 * <p>Persistence. The entries live in {@link LeaderEpochCheckpointFile#FILE_NAME} in the partition directory, always
 * replaced whole (temp file, fsync, rename, directory fsync), so the file holds some complete past state of the
 * cache. Removals ({@link #truncateFromEnd}, {@link #truncateFromStart}, {@link #clearAndFlush}, and an {@link
 * #assign} that drops conflicting entries) are written before the method returns. Without an {@link
 * EpochCheckpointFlusher} every change is. With one, an {@link #assign} that only adds an entry at or after every
 * existing start offset (and replaces, at most, latest entries with that very start offset: epochs that wrote nothing)
 * is recorded in memory and handed to the flusher, which writes it shortly afterwards on another thread; a role change
 * for thousands of partitions then costs no fsync each.
 *
 * <p>Why a deferred write is safe. Between the file's state and the memory state there are then only such appends
 * (every removal forced a write of everything before it), so after a crash the file lacks at most the newest entries,
 * each starting at or after the file's latest start offset, and may keep latest entries of epochs that wrote nothing.
 * Every entry that matters is recoverable from the log itself: each batch carries the partition leader epoch that
 * wrote it, and epochs never decrease along a log. The owner of the log therefore repairs the cache when it opens the
 * log (the partition package's {@code ReplicaLog.open}): batches whose epoch is newer than the latest entry are
 * assigned again at their base offsets (Kafka's {@code LogSegment.recover} does the same for the batches it re-reads).
 * An epoch that wrote no batch can only be lost as the latest entry, starting at the log end (a later epoch would
 * have started at the same offset and replaced it); it is as if this replica had never recorded it, and once it
 * leads again its new epoch starts at that same offset, so divergence answers are unchanged. Entries the file holds
 * beyond the log (the log lost unflushed bytes) are removed by {@link #truncateFromEnd} at the same time. A failed write
 * surfaces as {@link UncheckedIOException} from a writing method (the in-memory state then already holds the change and
 * the caller must treat the log directory as failed) or is logged by the flusher.
 *
 * <p>Concurrency: thread-safe through its own {@link ReentrantReadWriteLock}: queries take the read lock, mutations
 * the write lock. File writes are serialised by {@code fileLock}, and each write takes its snapshot of the entries
 * (under the read lock) while holding it, so the file always moves forward in memory order. The write lock is never
 * held while waiting for {@code fileLock} (lock order: {@code fileLock}, then the read lock); both are leaves with
 * respect to the rest of the system, so callers may hold the partition's locks when calling in.
 */
public final class LeaderEpochCache {
    private static final Logger log = LoggerFactory.getLogger(LeaderEpochCache.class);

    private final String logPrefix;
    private final LeaderEpochCheckpointFile checkpoint;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Guarded by {@link #lock}; keyed by epoch, start offsets increase with the key. */
    private final TreeMap<Integer, EpochEntry> epochs = new TreeMap<>();
    /** Null: every change is written before the changing method returns. */
    private final EpochCheckpointFlusher flusher;

    private final ReentrantLock fileLock = new ReentrantLock();
    /** Guarded by {@link #lock}; counts the changes of {@link #epochs}. */
    private long version;
    /** Guarded by {@link #fileLock}: the {@link #version} the file holds. */
    private long writtenVersion;
    /** Guarded by {@link #fileLock}: once set, nothing is written any more. */
    private boolean closed;

    /**
     * Loads the cache of {@code partition} from {@code partitionDir}, writing every change at once; a missing file
     * means an empty cache.
     *
     * @throws io.sluice.replication.checkpoint.CorruptCheckpointException naming file and line if malformed
     */
    public LeaderEpochCache(TopicPartition partition, Path partitionDir) throws IOException {
        this(partition, partitionDir, null);
    }

    /**
     * Loads the cache of {@code partition} from {@code partitionDir}; new entries are written by {@code flusher}
     * (see the class comment), or at once if it is null. A missing file means an empty cache.
     *
     * @throws io.sluice.replication.checkpoint.CorruptCheckpointException naming file and line if malformed
     */
    public LeaderEpochCache(TopicPartition partition, Path partitionDir, EpochCheckpointFlusher flusher)
            throws IOException {
        this.logPrefix = "[LeaderEpochCache partition=" + partition + "] ";
        this.flusher = flusher;
        this.checkpoint = new LeaderEpochCheckpointFile(partitionDir);
        for (EpochEntry entry : checkpoint.read()) {
            epochs.put(entry.epoch(), entry);
        }
        log.debug("{}Loaded {} entries from {}", logPrefix, epochs.size(), checkpoint.path());
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}. Ignored when {@code epoch} is lower than the latest
     * epoch, or equal to it with a start offset that is not lower (the first offset of an epoch never moves up). For
     * the latest epoch with a lower start offset the entry is replaced. For a newer epoch, existing entries whose start
     * offset is &gt;= {@code startOffset} conflict with it (the log diverged and was truncated below them): they are
     * removed, with a warning unless only one entry with exactly this start offset went (an epoch that wrote nothing).
     */
    public void assign(int epoch, long startOffset) {
        EpochEntry entry = new EpochEntry(epoch, startOffset);
        boolean deferred;
        lock.writeLock().lock();
        try {
            Map.Entry<Integer, EpochEntry> last = epochs.lastEntry();
            if (last != null) {
                EpochEntry latest = last.getValue();
                if (epoch < latest.epoch()) {
                    log.debug("{}Ignoring assignment of {} older than latest {}", logPrefix, entry, latest);
                    return;
                }
                if (epoch == latest.epoch() && startOffset >= latest.startOffset()) {
                    return;
                }
            }
            List<EpochEntry> removed = new ArrayList<>();
            while (!epochs.isEmpty()) {
                EpochEntry tail = epochs.lastEntry().getValue();
                if (tail.epoch() < epoch && tail.startOffset() < startOffset) {
                    break;
                }
                removed.add(0, epochs.pollLastEntry().getValue());
            }
            epochs.put(epoch, entry);
            version++;
            boolean trivial =
                    removed.isEmpty() || (removed.size() == 1 && removed.get(0).startOffset() == startOffset);
            if (!trivial) {
                log.warn(
                        "{}New epoch entry {} conflicts with {} (log divergence); removed them, cache now holds {}",
                        logPrefix,
                        entry,
                        removed,
                        epochs.values());
            } else {
                log.info("{}Assigned {}", logPrefix, entry);
            }
            deferred = flusher != null && trivial;
        } finally {
            lock.writeLock().unlock();
        }
        if (deferred) {
            flusher.markDirty(this);
        } else {
            flush();
        }
    }

    /** The latest epoch, if any. */
    public OptionalInt latestEpoch() {
        lock.readLock().lock();
        try {
            return epochs.isEmpty() ? OptionalInt.empty() : OptionalInt.of(epochs.lastKey());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The latest entry, if any. */
    public Optional<EpochEntry> latestEntry() {
        lock.readLock().lock();
        try {
            return epochs.isEmpty()
                    ? Optional.empty()
                    : Optional.of(epochs.lastEntry().getValue());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The earliest entry, if any. */
    public Optional<EpochEntry> earliestEntry() {
        lock.readLock().lock();
        try {
            return epochs.isEmpty()
                    ? Optional.empty()
                    : Optional.of(epochs.firstEntry().getValue());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The start offset of exactly {@code epoch}, if it is in the cache. */
    public Optional<Long> startOffsetOf(int epoch) {
        lock.readLock().lock();
        try {
            return Optional.ofNullable(epochs.get(epoch)).map(EpochEntry::startOffset);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The epoch that wrote {@code offset}: the entry with the largest start offset &lt;= {@code offset}; empty if the
     * offset is below the first entry or the cache is empty.
     */
    public OptionalInt epochForOffset(long offset) {
        lock.readLock().lock();
        try {
            int found = -1;
            for (EpochEntry entry : epochs.values()) {
                if (entry.startOffset() > offset) {
                    break;
                }
                found = entry.epoch();
            }
            return found < 0 ? OptionalInt.empty() : OptionalInt.of(found);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Where {@code requestedEpoch} ends, with Kafka's {@code LeaderEpochFileCache.endOffsetFor} semantics:
     *
     * <ul>
     *   <li>requested is {@link EpochEndOffset#UNDEFINED_EPOCH} → {@link EpochEndOffset#UNDEFINED};
     *   <li>requested is the latest epoch → (requested, {@code logEndOffset});
     *   <li>no epoch is higher than requested (requested is above the latest, or the cache is empty) → UNDEFINED;
     *   <li>requested is below the first entry → (requested, start offset of the first entry): the history before
     *       it was removed from the log, and the follower should resume from the leader's earliest data;
     *   <li>otherwise → (largest epoch &lt;= requested, start offset of the smallest epoch &gt; requested).
     * </ul>
     */
    public EpochEndOffset endOffsetFor(int requestedEpoch, long logEndOffset) {
        lock.readLock().lock();
        try {
            if (requestedEpoch == EpochEndOffset.UNDEFINED_EPOCH) {
                return EpochEndOffset.UNDEFINED;
            }
            if (!epochs.isEmpty() && epochs.lastKey() == requestedEpoch) {
                return new EpochEndOffset(requestedEpoch, logEndOffset);
            }
            Map.Entry<Integer, EpochEntry> higher = epochs.higherEntry(requestedEpoch);
            if (higher == null) {
                return EpochEndOffset.UNDEFINED;
            }
            Map.Entry<Integer, EpochEntry> floor = epochs.floorEntry(requestedEpoch);
            if (floor == null) {
                return new EpochEndOffset(requestedEpoch, higher.getValue().startOffset());
            }
            return new EpochEndOffset(floor.getKey(), higher.getValue().startOffset());
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Removes every entry whose start offset is &gt;= {@code endOffset}; used when the log is truncated to end at
     * {@code endOffset}. A negative offset is ignored.
     */
    public void truncateFromEnd(long endOffset) {
        if (endOffset < 0) {
            return;
        }
        lock.writeLock().lock();
        try {
            List<EpochEntry> removed = new ArrayList<>();
            while (!epochs.isEmpty() && epochs.lastEntry().getValue().startOffset() >= endOffset) {
                removed.add(0, epochs.pollLastEntry().getValue());
            }
            if (removed.isEmpty()) {
                return;
            }
            version++;
            log.info("{}Truncated from end offset {}: removed {}", logPrefix, endOffset, removed);
        } finally {
            lock.writeLock().unlock();
        }
        flush();
    }

    /**
     * Moves the history's start to {@code startOffset} (log start offset increased by retention or DeleteRecords):
     * entries starting at or below it are removed, and the last of them is kept with its start offset raised to
     * {@code startOffset}, since that epoch still wrote the records from there on.
     */
    public void truncateFromStart(long startOffset) {
        if (startOffset < 0) {
            return;
        }
        lock.writeLock().lock();
        try {
            EpochEntry lastRemoved = null;
            List<EpochEntry> removed = new ArrayList<>();
            while (!epochs.isEmpty() && epochs.firstEntry().getValue().startOffset() <= startOffset) {
                lastRemoved = epochs.pollFirstEntry().getValue();
                removed.add(lastRemoved);
            }
            if (lastRemoved == null) {
                return;
            }
            EpochEntry moved = new EpochEntry(lastRemoved.epoch(), startOffset);
            epochs.put(moved.epoch(), moved);
            if (moved.equals(lastRemoved) && removed.size() == 1) {
                return;
            }
            version++;
            log.info(
                    "{}Truncated from start offset {}: removed {}, first entry now {}",
                    logPrefix,
                    startOffset,
                    removed,
                    moved);
        } finally {
            lock.writeLock().unlock();
        }
        flush();
    }

    /** Removes every entry and persists the empty cache. */
    public void clearAndFlush() {
        lock.writeLock().lock();
        try {
            epochs.clear();
            version++;
            log.info("{}Cleared", logPrefix);
        } finally {
            lock.writeLock().unlock();
        }
        flush();
    }

    /** A copy of the entries in epoch order. */
    public List<EpochEntry> epochEntries() {
        lock.readLock().lock();
        try {
            return List.copyOf(epochs.values());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Whether the cache has no entries. */
    public boolean isEmpty() {
        lock.readLock().lock();
        try {
            return epochs.isEmpty();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The checkpoint file's path. */
    public Path checkpointPath() {
        return checkpoint.path();
    }

    @Override
    public String toString() {
        return logPrefix + epochEntries();
    }

    /**
     * Writes the entries if they changed since the last write (they do not after loading); nothing once {@linkplain
     * #close() closed}. Called by the flusher and on shutdown; every removal calls it itself.
     *
     * @throws UncheckedIOException if the write fails; the file then still holds its previous content
     */
    public void flush() {
        fileLock.lock();
        try {
            if (closed) {
                return;
            }
            List<EpochEntry> entries;
            long snapshotVersion;
            lock.readLock().lock();
            try {
                snapshotVersion = version;
                if (snapshotVersion == writtenVersion) {
                    return;
                }
                entries = List.copyOf(epochs.values());
            } finally {
                lock.readLock().unlock();
            }
            try {
                checkpoint.write(entries);
            } catch (IOException e) {
                throw new UncheckedIOException(logPrefix + "Failed to write " + checkpoint.path(), e);
            }
            writtenVersion = snapshotVersion;
        } finally {
            fileLock.unlock();
        }
    }

    /** Whether some change is not written yet. */
    public boolean hasUnwrittenChanges() {
        fileLock.lock();
        try {
            lock.readLock().lock();
            try {
                return version != writtenVersion;
            } finally {
                lock.readLock().unlock();
            }
        } finally {
            fileLock.unlock();
        }
    }

    /**
     * Stops writing the file: a write in progress completes first, later ones do nothing. For a partition that stops
     * being hosted (call {@link #flush()} before if its state should survive) or whose directory is deleted, so that
     * a late write of this cache can never land in a directory re-created for the same partition. The in-memory
     * entries stay readable.
     */
    public void close() {
        fileLock.lock();
        try {
            closed = true;
        } finally {
            fileLock.unlock();
        }
    }
}
