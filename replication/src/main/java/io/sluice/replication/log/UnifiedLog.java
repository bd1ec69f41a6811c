package io.sluice.replication.log;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ObjLongConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.record.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one partition replica: an ordered set of {@link LogSegment}s in {@code <log.dir>/<topic>-<partition>/},
 * the last of which (the active segment) takes appends.
 *
 * <p>Concurrency contract. One writer at a time: appends, truncations, rolls, retention, start-offset changes, config
 * changes and close run under {@code lock} (a {@link ReentrantLock}; no other lock is taken while holding it except
 * the segments' internal publication, so there is no lock order to respect). Readers ({@link #read},
 * {@link #batchesFrom}, {@link #offsetForTimestamp}, the offset getters) take no lock: the segment map is a
 * {@link ConcurrentSkipListMap}, a new segment is added to it before any offset in it is published, and the
 * volatile {@code logEndOffset} is raised only after the bytes are written and the segment's size is published, so
 * a reader never sees a partial batch. A {@link FileSlice} stays readable after retention because deleted segments
 * are renamed to {@code .deleted} and closed only {@link LogConfig#fileDeleteDelayMs()} later on the scheduler;
 * truncation shrinks files in place, so a slice taken before a truncation may come up short. {@link #flush} runs
 * outside the lock (fsync must not stall appends). The cleaner reads segments lock-free and swaps cleaned segments in
 * under the lock ({@link #replaceSegments}, {@link SegmentSwap}); replaced segments are deleted like retention's.
 */
public final class UnifiedLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UnifiedLog.class);

    private final TopicPartition topicPartition;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final SegmentDeleter segmentDeleter;
    private final String logPrefix;
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentSkipListMap<Long, LogSegment> segments;

    private volatile File dir;
    private volatile LogConfig config;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile long recoveryPoint;
    private volatile long lastFlushMs;
    private volatile boolean closed;
    private volatile long truncations;
    /** With remote storage: every offset up to this one is safely in the remote tier (-1: none). */
    private volatile long highestOffsetInRemoteStorage = -1L;

    private volatile ObjLongConsumer<UnifiedLog> truncationListener = (log, offset) -> {};

    private UnifiedLog(
            File dir,
            TopicPartition topicPartition,
            LogConfig config,
            LogLoader.LoadedLog loaded,
            Clock clock,
            ScheduledExecutorService scheduler) {
        this.dir = dir;
        this.topicPartition = topicPartition;
        this.config = config;
        this.clock = clock;
        this.scheduler = scheduler;
        this.logPrefix = "[Log " + topicPartition + "] ";
        this.segmentDeleter = new SegmentDeleter(scheduler, logPrefix);
        this.segments = loaded.segments();
        this.logStartOffset = loaded.logStartOffset();
        this.logEndOffset = loaded.logEndOffset();
        this.recoveryPoint = loaded.recoveryPoint();
        this.lastFlushMs = clock.millis();
    }

    /**
     * Opens (or creates) the log in {@code dir}, recovering it as described in {@link LogLoader}.
     *
     * @param recoveryPoint the checkpointed offset below which everything was flushed (0 if unknown)
     * @param logStartOffset the checkpointed log start offset (0 if unknown)
     * @param hadCleanShutdown whether the directory's clean-shutdown marker was present
     * @param scheduler runs delayed file deletions and asynchronous flushes after a roll
     */
    public static UnifiedLog load(
            File dir,
            TopicPartition topicPartition,
            LogConfig config,
            long recoveryPoint,
            long logStartOffset,
            boolean hadCleanShutdown,
            Clock clock,
            ScheduledExecutorService scheduler) {
        String prefix = "[Log " + topicPartition + "] ";
        try {
            LogLoader.LoadedLog loaded = LogLoader.load(
                    dir, prefix, config, recoveryPoint, logStartOffset, hadCleanShutdown, clock.millis());
            UnifiedLog log = new UnifiedLog(dir, topicPartition, config, loaded, clock, scheduler);
            LOG.info(
                    "{}Loaded {} segments, log start offset {}, log end offset {}",
                    prefix,
                    loaded.segments().size(),
                    loaded.logStartOffset(),
                    loaded.logEndOffset());
            return log;
        } catch (IOException | UncheckedIOException e) {
            throw new KafkaStorageException(prefix + "cannot load log in " + dir, e);
        }
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public File dir() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    /**
     * The first offset held on local disk: the log start offset, or with remote storage the base of the first local
     * segment when older segments live only in the remote tier. Reads below it are answered from the remote tier.
     */
    public long localLogStartOffset() {
        long start = logStartOffset;
        try {
            return Math.max(start, segments.firstKey());
        } catch (java.util.NoSuchElementException e) {
            return start;
        }
    }

    /** With remote storage: every offset up to this one is safely in the remote tier; -1 when none is. */
    public long highestOffsetInRemoteStorage() {
        return highestOffsetInRemoteStorage;
    }

    /**
     * Records that every offset up to {@code offset} is in the remote tier (set by the remote log manager after a
     * copy, or from the remote log metadata on followers and new leaders); local retention may then delete the
     * segments below it. Never moves backwards.
     */
    public void updateHighestOffsetInRemoteStorage(long offset) {
        lock.lock();
        try {
            if (offset > highestOffsetInRemoteStorage) {
                highestOffsetInRemoteStorage = offset;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sets the log start offset to the start of the remote tier ({@code remoteLogStartOffset}, the first offset of
     * the oldest remote segment) for a log with remote storage, which keeps offsets below its first local segment
     * there. It only moves down, to an offset below the local log start (after a restart the loaded log starts at
     * its first local segment, and a follower that became leader starts where it began fetching); remote retention
     * raises it through {@link #maybeIncrementLogStartOffset}.
     *
     * @return whether the log start offset changed
     */
    public boolean updateLogStartOffsetFromRemoteTier(long remoteLogStartOffset) {
        lock.lock();
        try {
            if (!config.remoteStorageEnable() || remoteLogStartOffset < 0 || remoteLogStartOffset == logStartOffset) {
                return false;
            }
            if (remoteLogStartOffset >= logStartOffset
                    || remoteLogStartOffset >= localLogStartOffset()
                    || logStartOffset < localLogStartOffset()) {
                // a log start below the local one is already remote-aware (from the leader, or set earlier): a new
                // leader must not move it back to a remote segment the old leader was deleting
                return false;
            }
            logStartOffset = remoteLogStartOffset;
            LOG.info("{}Log start offset set to {} from the remote tier", logPrefix, remoteLogStartOffset);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The files of the rolled (non-active) segment with this base offset, for a copy to the remote tier; empty when
     * there is no such segment or it is the active one. Rolled segments are not written to again (a truncation below
     * them aside), and their files stay readable for {@code file.delete.delay.ms} after retention removes them.
     */
    public Optional<SegmentFiles> rolledSegmentFiles(long baseOffset) {
        LogSegment segment = segments.get(baseOffset);
        Map.Entry<Long, LogSegment> last = segments.lastEntry();
        if (segment == null || last == null || last.getValue() == segment) {
            return Optional.empty();
        }
        File txn = new File(dir, LogSegment.fileName(baseOffset, ".txnindex"));
        return Optional.of(new SegmentFiles(
                baseOffset,
                segment.nextOffset(),
                segment.size(),
                segment.maxTimestampSoFar(),
                segment.logFile().toPath(),
                segment.offsetIndex().file().toPath(),
                segment.timeIndex().file().toPath(),
                txn.exists() ? Optional.of(txn.toPath()) : Optional.empty()));
    }

    /** The offset the next appended record gets. */
    public long logEndOffset() {
        return logEndOffset;
    }

    /** Every offset below this has been fsynced. */
    public long recoveryPoint() {
        return recoveryPoint;
    }

    public long lastFlushMs() {
        return lastFlushMs;
    }

    public long unflushedMessages() {
        return logEndOffset - recoveryPoint;
    }

    public int numberOfSegments() {
        return segments.size();
    }

    /** Bytes in all segments. */
    public long size() {
        long total = 0;
        for (LogSegment segment : segments.values()) {
            total += segment.size();
        }
        return total;
    }

    /** Base offsets of the segments, oldest first. */
    public List<Long> segmentBaseOffsets() {
        return List.copyOf(segments.keySet());
    }

    /**
     * A snapshot of every segment, oldest first (the last is the active segment), for the cleaner. Lock-free; reads
     * the first batch header and the modification time of each segment file.
     */
    public List<SegmentInfo> segmentInfos() {
        long generation = truncations;
        List<SegmentInfo> infos = new ArrayList<>(segments.size());
        for (LogSegment segment : segments.values()) {
            infos.add(new SegmentInfo(
                    segment.baseOffset(),
                    segment.nextOffset(),
                    segment.size(),
                    segment.largestTimestamp(),
                    segment.firstBatchTimestamp(),
                    segment.lastModified(),
                    generation));
        }
        return infos;
    }

    /**
     * The whole content of the segment with this base offset as a slice (lock-free; stays readable for
     * {@code file.delete.delay.ms} after the segment is removed), or empty when there is no such segment.
     */
    public Optional<FileSlice> segmentSlice(long baseOffset) {
        LogSegment segment = segments.get(baseOffset);
        return segment == null ? Optional.empty() : Optional.of(new FileSlice(segment.channel(), 0, segment.size()));
    }

    /** Starts a cleaned segment with this base offset in {@code .cleaned} files (see {@link SegmentSwap}). */
    public CleanedSegment createCleanedSegment(long baseOffset) throws IOException {
        ensureOpen();
        return new CleanedSegment(
                LogSegment.create(dir, baseOffset, config, clock.millis(), SegmentSwap.CLEANED_SUFFIX));
    }

    /**
     * Replaces the consecutive non-active segments described by {@code replaced} with {@code cleaned} (whose base
     * offset is the first of them), crash-safely as described in {@link SegmentSwap}. Nothing is replaced, the
     * cleaned files are removed and {@code false} returned when the log changed since {@code replaced} was taken
     * (truncation, retention, a new size) or was closed. Readers keep working: the new segment is published before
     * the old ones leave the map, and the old files stay readable until {@code file.delete.delay.ms} has passed.
     *
     * @throws IOException when a step fails; before the commit point the old segments stay in place, after it the
     *     new segment is in use and the next load finishes the swap on disk
     */
    public boolean replaceSegments(CleanedSegment cleaned, List<SegmentInfo> replaced, SwapHook hook)
            throws IOException {
        lock.lock();
        try {
            if (closed || !SegmentSwap.isCurrent(segments, replaced, truncations)) {
                cleaned.abort();
                return false;
            }
            SegmentSwap.swap(dir, segments, cleaned, replaced, segmentDeleter, config.fileDeleteDelayMs(), hook);
            LOG.info(
                    "{}Swapped in cleaned segment {} ({} bytes) for {} segments ({} bytes) up to offset {}",
                    logPrefix,
                    cleaned.baseOffset(),
                    cleaned.sizeInBytes(),
                    replaced.size(),
                    replaced.stream().mapToLong(SegmentInfo::sizeInBytes).sum(),
                    replaced.get(replaced.size() - 1).nextOffset());
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sets what runs just before a truncation removes records from {@code offset} on (under the log's lock, before
     * anything changes): the cleaner lowers its clean/dirty boundary there.
     */
    public void setTruncationListener(ObjLongConsumer<UnifiedLog> listener) {
        this.truncationListener = listener;
    }

    /** Replaces the config; takes effect on the next append, roll and retention run. */
    public void updateConfig(LogConfig newConfig) {
        lock.lock();
        try {
            this.config = newConfig;
            activeSegment().updateIndexInterval(newConfig.indexIntervalBytes());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Validates producer batches down to every record ({@link BatchValidator}), assigns offsets from the log end and
     * stamps {@code leaderEpoch}, both in place in {@code records}, and appends them. Malformed batches (and, in a
     * compacted log, a record without a key) are refused with Kafka's exception
     * ({@link org.apache.kafka.common.errors.CorruptRecordException}, {@link
     * org.apache.kafka.common.InvalidRecordException}, ...) and nothing is appended.
     */
    public LogAppendInfo appendAsLeader(MemoryRecords records, int leaderEpoch) {
        lock.lock();
        try {
            ensureOpen();
            LogConfig cfg = config;
            BatchValidator.ValidatedBatches batches = BatchValidator.validateAndAssign(
                    records, logEndOffset, leaderEpoch, cfg.maxMessageBytes(), cfg.compact());
            return append(batches, cfg);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends replicated batches with their offsets and epochs; they must start at or after the log end. A chunk
     * larger than this log's {@code segment.bytes} (the leader's segments may be larger, e.g. after segment.bytes was
     * lowered) is appended in runs of whole batches that each fit a segment, so replication never stalls on it.
     */
    public LogAppendInfo appendAsFollower(MemoryRecords records) {
        lock.lock();
        try {
            ensureOpen();
            LogConfig cfg = config;
            int activeSize = activeSegment().size();
            if (activeSize == 0
                    ? records.sizeInBytes() <= cfg.segmentBytes()
                    : activeSize <= cfg.segmentBytes() - records.sizeInBytes()) {
                return append(BatchValidator.validateFollower(records, logEndOffset, cfg.maxMessageBytes()), cfg);
            }
            LogAppendInfo total = null;
            for (MemoryRecords run : runsFittingASegment(records, cfg.segmentBytes(), activeSize)) {
                LogAppendInfo info =
                        append(BatchValidator.validateFollower(run, logEndOffset, cfg.maxMessageBytes()), cfg);
                total = total == null ? info : combine(total, info);
            }
            return total;
        } finally {
            lock.unlock();
        }
    }

    /** Splits {@code records} into runs of whole batches of at most {@code limit} bytes (a larger batch alone). */
    /**
     * Splits a follower's fetched chunk where the leader rolled: batch by batch, a batch that does not fit in what is
     * left of the current segment (the active one, {@code activeSize} bytes full, for the first run) starts a new
     * run, as the leader, appending one batch per produce request, rolled before it. The follower's segments then end
     * at the leader's boundaries (size-based rolls), so copies of either to the remote tier line up.
     */
    private static List<MemoryRecords> runsFittingASegment(MemoryRecords records, int limit, int activeSize) {
        ByteBuffer buffer = records.buffer();
        List<MemoryRecords> runs = new ArrayList<>();
        int runStart = 0;
        int runBytes = 0;
        int segmentBytes = activeSize;
        for (MutableRecordBatch batch : records.batches()) {
            int size = batch.sizeInBytes();
            if (segmentBytes > 0 && segmentBytes > limit - size) {
                if (runBytes > 0) {
                    runs.add(slice(buffer, runStart, runBytes));
                    runStart += runBytes;
                    runBytes = 0;
                }
                segmentBytes = 0;
            }
            runBytes += size;
            segmentBytes += size;
        }
        if (runBytes > 0) {
            runs.add(slice(buffer, runStart, runBytes));
        }
        return runs;
    }

    private static MemoryRecords slice(ByteBuffer buffer, int offset, int length) {
        ByteBuffer copy = buffer.duplicate();
        copy.position(buffer.position() + offset);
        copy.limit(buffer.position() + offset + length);
        return MemoryRecords.readableRecords(copy.slice());
    }

    private static LogAppendInfo combine(LogAppendInfo a, LogAppendInfo b) {
        boolean bNewer = b.maxTimestamp() > a.maxTimestamp();
        return new LogAppendInfo(
                a.firstOffset(),
                b.lastOffset(),
                bNewer ? b.maxTimestamp() : a.maxTimestamp(),
                bNewer ? b.offsetOfMaxTimestamp() : a.offsetOfMaxTimestamp(),
                a.validBytes() + b.validBytes(),
                a.numBatches() + b.numBatches(),
                b.logStartOffset());
    }

    private LogAppendInfo append(BatchValidator.ValidatedBatches batches, LogConfig cfg) {
        if (batches.isEmpty()) {
            return new LogAppendInfo(logEndOffset, logEndOffset - 1, -1L, -1L, 0, 0, logStartOffset);
        }
        if (batches.sizeInBytes() > cfg.segmentBytes()) {
            throw new RecordBatchTooLargeException(
                    "append of " + batches.sizeInBytes() + " bytes exceeds segment.bytes " + cfg.segmentBytes());
        }
        long maxTimestamp = -1L;
        long offsetOfMaxTimestamp = -1L;
        for (BatchHeader header : batches.headers()) {
            if (header.maxTimestamp() > maxTimestamp) {
                maxTimestamp = header.maxTimestamp();
                offsetOfMaxTimestamp = header.lastOffset();
            }
        }
        try {
            LogSegment segment = maybeRoll(batches.sizeInBytes(), batches.last().lastOffset(), maxTimestamp, cfg);
            segment.append(batches.bytes(), batches.headers());
        } catch (IOException e) {
            throw new KafkaStorageException(logPrefix + "append failed in " + dir, e);
        }
        logEndOffset = batches.last().nextOffset();
        if (unflushedMessages() >= cfg.flushMessages()) {
            flush();
        }
        return new LogAppendInfo(
                batches.first().baseOffset(),
                batches.last().lastOffset(),
                maxTimestamp,
                offsetOfMaxTimestamp,
                batches.sizeInBytes(),
                batches.headers().length,
                logStartOffset);
    }

    private LogSegment maybeRoll(int bytes, long lastOffset, long maxTimestamp, LogConfig cfg) throws IOException {
        LogSegment active = activeSegment();
        if (active.shouldRoll(cfg, bytes, lastOffset, maxTimestamp, clock.millis())) {
            return rollAt(logEndOffset, cfg);
        }
        return active;
    }

    /** Starts a new active segment at the log end unless the active one is empty; returns its base offset. */
    public long roll() {
        lock.lock();
        try {
            ensureOpen();
            return rollAt(logEndOffset, config).baseOffset();
        } catch (IOException e) {
            throw new KafkaStorageException(logPrefix + "roll failed in " + dir, e);
        } finally {
            lock.unlock();
        }
    }

    private LogSegment rollAt(long baseOffset, LogConfig cfg) throws IOException {
        LogSegment active = activeSegment();
        if (active.size() == 0 && active.baseOffset() == baseOffset) {
            return active;
        }
        LogSegment next = LogSegment.create(dir, baseOffset, cfg, clock.millis());
        segments.put(baseOffset, next);
        if (active.size() == 0) {
            // an empty segment left behind by a follower offset gap: the new one replaces it
            segments.remove(active.baseOffset());
            segmentDeleter.delete(List.of(active), cfg.fileDeleteDelayMs());
        } else {
            active.onRoll();
        }
        LOG.info("{}Rolled new segment at offset {}", logPrefix, baseOffset);
        scheduleFlushUpTo(baseOffset);
        return next;
    }

    private void scheduleFlushUpTo(long offset) {
        try {
            scheduler.execute(() -> {
                try {
                    flushUpTo(offset);
                } catch (RuntimeException e) {
                    LOG.error("{}Flush of rolled segments up to offset {} failed", logPrefix, offset, e);
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("{}Scheduler is stopped; rolled segment is flushed at close", logPrefix);
        }
    }

    /**
     * Reads whole batches from the one holding {@code startOffset}: batches whose last offset is below
     * {@code maxOffsetExclusive} (the high watermark for consumers, the log end for followers), at most
     * {@code maxBytes} but always the first batch. The slice covers one segment.
     *
     * @throws OffsetOutOfRangeException when {@code startOffset} is below the log start or above the log end
     */
    public LogReadInfo read(long startOffset, int maxBytes, long maxOffsetExclusive) {
        long end = logEndOffset;
        long start = logStartOffset;
        if (startOffset < start || startOffset > end) {
            throw new OffsetOutOfRangeException(
                    logPrefix + "offset " + startOffset + " is outside [" + start + ", " + end + "]");
        }
        long bound = Math.min(maxOffsetExclusive, end);
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(startOffset);
        if (entry == null) {
            throw new OffsetOutOfRangeException(
                    logPrefix + "offset " + startOffset + " is below the first segment " + segments.firstKey());
        }
        if (startOffset < bound) {
            try {
                while (entry != null) {
                    FileSlice slice = entry.getValue().read(startOffset, maxBytes, bound);
                    if (slice != null) {
                        return new LogReadInfo(slice, start, end);
                    }
                    entry = segments.higherEntry(entry.getKey());
                }
            } catch (UncheckedIOException e) {
                throw new KafkaStorageException(logPrefix + "read at offset " + startOffset + " failed", e);
            }
        }
        LogSegment last = segments.lastEntry().getValue();
        return new LogReadInfo(new FileSlice(last.channel(), last.size(), 0), start, end);
    }

    /** The first record with a timestamp at least {@code timestamp}, at or after the log start offset. */
    public Optional<TimestampAndOffset> offsetForTimestamp(long timestamp) {
        return TimestampSearch.offsetForTimestamp(segments.values(), timestamp, logStartOffset);
    }

    /** The record with the largest timestamp in the log (the earliest such record), if any batch has one. */
    public Optional<TimestampAndOffset> maxTimestampAndOffset() {
        return TimestampSearch.maxTimestampAndOffset(segments.values());
    }

    /**
     * The headers of the batches from the one holding {@code offset} up to the log end at the time of the call,
     * read lazily; used to rebuild producer state and leader-epoch caches after recovery or truncation.
     */
    public Iterable<BatchHeader> batchesFrom(long offset) {
        long end = logEndOffset;
        return () -> new LogBatchIterator(segments, Math.max(offset, logStartOffset), end);
    }

    /**
     * Removes every batch at or after {@code offset} (the whole batch holding it); for followers.
     *
     * @return whether anything was removed
     */
    public boolean truncateTo(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("cannot truncate to negative offset " + offset);
        }
        lock.lock();
        try {
            ensureOpen();
            if (offset >= logEndOffset) {
                return false;
            }
            if (offset < logStartOffset) {
                truncateFullyAndStartAt(offset);
                return true;
            }
            truncationListener.accept(this, offset);
            truncations++;
            List<LogSegment> removed =
                    new ArrayList<>(segments.tailMap(offset, false).values());
            for (LogSegment segment : removed) {
                segments.remove(segment.baseOffset());
            }
            LogSegment active = segments.lastEntry().getValue();
            long bytes = active.truncateTo(offset);
            for (LogSegment segment : removed) {
                bytes += segment.size();
            }
            segmentDeleter.delete(removed, config.fileDeleteDelayMs());
            active.resizeIndexes(config.maxIndexSize());
            logEndOffset = active.nextOffset();
            recoveryPoint = Math.min(recoveryPoint, logEndOffset);
            LOG.info("{}Truncated to offset {} ({} bytes removed), log end {}", logPrefix, offset, bytes, logEndOffset);
            return true;
        } catch (IOException e) {
            throw new KafkaStorageException(logPrefix + "truncation to " + offset + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    /** Deletes every segment and restarts the log empty at {@code offset}; for followers. */
    public void truncateFullyAndStartAt(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("cannot start at negative offset " + offset);
        }
        lock.lock();
        try {
            ensureOpen();
            truncationListener.accept(this, Math.min(offset, logStartOffset));
            truncations++;
            List<LogSegment> removed = new ArrayList<>(segments.values());
            LogSegment fresh;
            if (segments.containsKey(offset)) {
                // the files are about to be renamed; create the new segment once they are out of the way
                segments.clear();
                segmentDeleter.delete(removed, config.fileDeleteDelayMs());
                fresh = LogSegment.create(dir, offset, config, clock.millis());
                segments.put(offset, fresh);
            } else {
                fresh = LogSegment.create(dir, offset, config, clock.millis());
                segments.put(offset, fresh);
                for (LogSegment segment : removed) {
                    segments.remove(segment.baseOffset());
                }
                segmentDeleter.delete(removed, config.fileDeleteDelayMs());
            }
            logEndOffset = offset;
            logStartOffset = offset;
            recoveryPoint = offset;
            LOG.info("{}Truncated fully and restarted at offset {}", logPrefix, offset);
        } catch (IOException e) {
            throw new KafkaStorageException(logPrefix + "full truncation to " + offset + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    /** Raises the log start offset (DeleteRecords, follower catch-up); segments below it go on retention. */
    public boolean maybeIncrementLogStartOffset(long newLogStartOffset) {
        lock.lock();
        try {
            ensureOpen();
            if (newLogStartOffset > logEndOffset) {
                throw new OffsetOutOfRangeException(logPrefix + "cannot raise the log start offset to "
                        + newLogStartOffset + " above the log end " + logEndOffset);
            }
            if (newLogStartOffset <= logStartOffset) {
                return false;
            }
            logStartOffset = newLogStartOffset;
            LOG.info("{}Log start offset raised to {}", logPrefix, newLogStartOffset);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Applies retention: deletes the oldest segments that are past {@code retention.ms}, above
     * {@code retention.bytes}, or wholly below the log start offset (see {@link RetentionPolicy}), never the
     * active segment, and advances the log start offset.
     *
     * @return the number of segments deleted
     */
    public int deleteOldSegments() {
        lock.lock();
        try {
            if (closed) {
                return 0;
            }
            List<LogSegment> all = new ArrayList<>(segments.values());
            int count = RetentionPolicy.deletableSegments(
                    RetentionPolicy.statsOf(all), config, logStartOffset, clock.millis(), highestOffsetInRemoteStorage);
            if (count == 0) {
                return 0;
            }
            List<LogSegment> doomed = all.subList(0, count);
            // with remote storage the deleted segments stay readable from the remote tier: only the local log start
            // moves (the first local segment); the log start offset is the remote log manager's
            long newStart = config.remoteStorageEnable()
                    ? logStartOffset
                    : Math.max(logStartOffset, all.get(count).baseOffset());
            logStartOffset = newStart;
            for (LogSegment segment : doomed) {
                segments.remove(segment.baseOffset());
            }
            segmentDeleter.delete(doomed, config.fileDeleteDelayMs());
            LOG.info(
                    "{}Retention deleted {} segments; log start offset {}, local log start offset {}",
                    logPrefix,
                    count,
                    newStart,
                    localLogStartOffset());
            return count;
        } catch (IOException e) {
            throw new KafkaStorageException(logPrefix + "retention failed", e);
        } finally {
            lock.unlock();
        }
    }

    /** Forces everything up to the log end to disk and advances the recovery point. */
    public void flush() {
        flushUpTo(logEndOffset);
    }

    private void flushUpTo(long offset) {
        long truncationsBefore;
        lock.lock();
        try {
            truncationsBefore = truncations;
        } finally {
            lock.unlock();
        }
        long from = recoveryPoint;
        if (offset <= from) {
            return;
        }
        Long firstBase = segments.floorKey(from);
        try {
            for (LogSegment segment :
                    segments.tailMap(firstBase == null ? 0L : firstBase, true).values()) {
                if (segment.baseOffset() >= offset) {
                    break;
                }
                try {
                    segment.flush();
                } catch (ClosedChannelException e) {
                    if (segments.get(segment.baseOffset()) == segment) {
                        throw e;
                    }
                    // deleted by retention or truncation while flushing: nothing left to make durable
                }
            }
        } catch (IOException e) {
            if (!closed) {
                throw new KafkaStorageException(logPrefix + "flush failed", e);
            }
            return;
        }
        lock.lock();
        try {
            if (truncations == truncationsBefore && offset > recoveryPoint) {
                recoveryPoint = Math.min(offset, logEndOffset);
            }
            lastFlushMs = clock.millis();
        } finally {
            lock.unlock();
        }
    }

    /** Closes every segment (indexes trimmed). Reads still in flight on this log may fail afterwards. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (LogSegment segment : segments.values()) {
                segment.close();
            }
        } catch (IOException e) {
            throw new KafkaStorageException(logPrefix + "close failed", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the log and renames its directory (deletion). Every segment, including those waiting for their delayed
     * removal, follows the rename, so no later file operation of this log touches the old path, where a new log of
     * the same partition may be created at once. The files stay readable until removed.
     */
    void closeAndRenameDir(File target) throws IOException {
        lock.lock();
        try {
            closed = true;
            Files.move(dir.toPath(), target.toPath());
            dir = target;
            for (LogSegment segment : segments.values()) {
                segment.updateParentDir(target);
            }
            segmentDeleter.updateParentDir(target);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes every segment channel of a deleted log, those waiting for their removal included, without trimming or
     * otherwise changing a file: the whole directory is removed next.
     */
    void closeSegmentsWithoutTrim() {
        for (LogSegment segment : segments.values()) {
            try {
                segment.closeWithoutTrim();
            } catch (IOException e) {
                LOG.warn("{}Cannot close segment {}", logPrefix, segment.baseOffset(), e);
            }
        }
        segmentDeleter.closeAllWithoutTrim();
    }

    private LogSegment activeSegment() {
        return segments.lastEntry().getValue();
    }

    private void ensureOpen() {
        if (closed) {
            throw new KafkaStorageException(logPrefix + "log is closed");
        }
    }

    @Override
    public String toString() {
        return "UnifiedLog(" + topicPartition + ", start=" + logStartOffset + ", end=" + logEndOffset + ", segments="
                + segments.size() + ")";
    }
}
