package io.sluice.replication.log;

import io.sluice.replication.log.index.FileIdentity;
import io.sluice.replication.log.index.OffsetIndex;
import io.sluice.replication.log.index.OffsetPosition;
import io.sluice.replication.log.index.TimeIndex;
import io.sluice.replication.log.index.TimestampOffset;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

/**
 * One segment of a partition log: {@code <base>.log}, {@code <base>.index} and {@code <base>.timeindex}, where
 * {@code <base>} is the base offset zero-padded to 20 digits.
 *
 * <p>The {@code .log} file is a plain concatenation of Kafka v2 record batches (layout in {@link BatchHeader}),
 * exactly the bytes a fetch response carries, so reads are served with {@code sendfile}. There is no file header.
 * Indexes: {@link OffsetIndex} and {@link TimeIndex}, one entry each every {@code index.interval.bytes} of log.
 *
 * <p>Concurrency: one writer, the owning {@link UnifiedLog}'s lock holder, calls the mutators ({@code append},
 * {@code truncateTo}, {@code recover}, {@code onRoll}, renames, {@code close}). Readers call {@link #read},
 * {@link #translateOffset} and {@link #findOffsetByTimestamp} without a lock: the writer writes the bytes first and
 * then publishes them by raising the volatile {@code size}, and readers never look past the size they read. The
 * file-path operations ({@link #renameToDeleted}, {@link #updateParentDir}, {@link #closeAndDelete},
 * {@link #closeWithoutTrim}) are also synchronized on the segment, because a segment waiting for its delayed removal
 * on the scheduler can see its log's directory renamed (the log was deleted) at the same time: the removal then
 * either happens wholly before the rename or works on the new paths, never on a path a newer log reuses.
 */
final class LogSegment {

    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String TIME_INDEX_SUFFIX = ".timeindex";
    static final String DELETED_SUFFIX = ".deleted";

    private static final int SCAN_BUFFER = 8192;
    private static final int RECOVERY_BUFFER = 1024 * 1024;

    private final long baseOffset;
    private final FileChannel channel;
    private final FileIdentity logIdentity;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final long createdMs;
    private volatile File logFile;
    private volatile int indexIntervalBytes;
    private final int maxIndexSize;

    private volatile int size;
    private volatile long nextOffset;
    private volatile long maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
    private volatile long offsetOfMaxTimestampSoFar;
    private long rollingBasedTimestamp = RecordBatch.NO_TIMESTAMP;
    private int bytesSinceLastIndexEntry;
    private String lastRecoveryProblem;

    private LogSegment(File dir, long baseOffset, LogConfig config, long createdMs, String fileSuffix)
            throws IOException {
        this.baseOffset = baseOffset;
        this.logFile = new File(dir, fileName(baseOffset, LOG_SUFFIX) + fileSuffix);
        this.channel = FileChannel.open(
                logFile.toPath(), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.logIdentity = FileIdentity.of(logFile);
        this.offsetIndex = new OffsetIndex(
                new File(dir, fileName(baseOffset, INDEX_SUFFIX) + fileSuffix), baseOffset, config.maxIndexSize());
        this.timeIndex = new TimeIndex(
                new File(dir, fileName(baseOffset, TIME_INDEX_SUFFIX) + fileSuffix), baseOffset, config.maxIndexSize());
        this.indexIntervalBytes = config.indexIntervalBytes();
        this.maxIndexSize = config.maxIndexSize();
        this.createdMs = createdMs;
        this.size = (int) channel.size();
        this.nextOffset = baseOffset;
        this.offsetOfMaxTimestampSoFar = baseOffset;
    }

    /** Creates a new empty segment (files must not exist). */
    static LogSegment create(File dir, long baseOffset, LogConfig config, long nowMs) throws IOException {
        return create(dir, baseOffset, config, nowMs, "");
    }

    /**
     * Creates a new empty segment whose three file names end in {@code fileSuffix} after the usual suffix (for
     * example {@code 00000000000000000000.log.cleaned}); files of that name are replaced.
     */
    static LogSegment create(File dir, long baseOffset, LogConfig config, long nowMs, String fileSuffix)
            throws IOException {
        for (String suffix : new String[] {LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX}) {
            Files.deleteIfExists(new File(dir, fileName(baseOffset, suffix) + fileSuffix).toPath());
        }
        return new LogSegment(dir, baseOffset, config, nowMs, fileSuffix);
    }

    /** Opens existing files without validating them; call {@link #loadTailState} or {@link #recover} next. */
    static LogSegment open(File dir, long baseOffset, LogConfig config) throws IOException {
        File file = new File(dir, fileName(baseOffset, LOG_SUFFIX));
        return new LogSegment(dir, baseOffset, config, file.lastModified(), "");
    }

    /** {@code 00000000000000001234.log} for base offset 1234. */
    static String fileName(long offset, String suffix) {
        return String.format("%020d%s", offset, suffix);
    }

    long baseOffset() {
        return baseOffset;
    }

    /** Bytes of whole batches published in the file. */
    int size() {
        return size;
    }

    /** The offset after the last batch (the base offset when empty). */
    long nextOffset() {
        return nextOffset;
    }

    FileChannel channel() {
        return channel;
    }

    File logFile() {
        return logFile;
    }

    OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    TimeIndex timeIndex() {
        return timeIndex;
    }

    long maxTimestampSoFar() {
        return maxTimestampSoFar;
    }

    long offsetOfMaxTimestampSoFar() {
        return offsetOfMaxTimestampSoFar;
    }

    /** The largest batch timestamp, or the file's modification time when no batch carries one (retention). */
    long largestTimestamp() {
        long ts = maxTimestampSoFar;
        return ts >= 0 ? ts : logFile.lastModified();
    }

    void updateIndexInterval(int bytes) {
        this.indexIntervalBytes = bytes;
    }

    /**
     * Whether an append of {@code batchBytes} ending at {@code lastOffset} must go to a new segment: the segment
     * would pass {@code segment.bytes}; or {@code segment.ms} has passed, measured like Kafka from the first batch's
     * timestamp to the append's largest timestamp (so producers with old clocks do not roll on every append), or
     * from the segment's creation on the injected clock when no batch carries a timestamp; or an index is full; or
     * the offsets would not fit the 4-byte relative offsets of the indexes.
     */
    boolean shouldRoll(LogConfig config, int batchBytes, long lastOffset, long maxTimestampInAppend, long nowMs) {
        if (size == 0) {
            return false;
        }
        long waited = rollingBasedTimestamp >= 0 && maxTimestampInAppend >= 0
                ? maxTimestampInAppend - rollingBasedTimestamp
                : nowMs - createdMs;
        return size > config.segmentBytes() - batchBytes
                || waited > config.maxSegmentMs()
                || offsetIndex.isFull()
                || timeIndex.isFull()
                || lastOffset - baseOffset > Integer.MAX_VALUE;
    }

    /**
     * Appends validated batches (whole v2 batches, offsets assigned) and indexes them. Writer only.
     *
     * @param batches the bytes to write, position to limit
     * @param headers the headers of those batches, positions relative to the start of {@code batches}
     */
    void append(ByteBuffer batches, BatchHeader[] headers) throws IOException {
        int start = size;
        ByteBuffer source = batches.duplicate();
        long writeAt = start;
        while (source.hasRemaining()) {
            writeAt += channel.write(source, writeAt);
        }
        for (BatchHeader header : headers) {
            indexBatch(header, start + (int) header.position());
        }
        BatchHeader last = headers[headers.length - 1];
        nextOffset = last.nextOffset();
        size = (int) writeAt;
    }

    private void indexBatch(BatchHeader header, int filePosition) {
        if (rollingBasedTimestamp < 0 && filePosition == 0) {
            rollingBasedTimestamp = header.maxTimestamp();
        }
        if (header.maxTimestamp() > maxTimestampSoFar) {
            maxTimestampSoFar = header.maxTimestamp();
            offsetOfMaxTimestampSoFar = header.lastOffset();
        }
        if (bytesSinceLastIndexEntry > indexIntervalBytes) {
            offsetIndex.append(header.baseOffset(), filePosition);
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar);
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += header.sizeInBytes();
    }

    /** The first batch whose last offset is at least {@code offset}, or {@code null}. Lock-free. */
    BatchHeader translateOffset(long offset) {
        return scanTo(offset, size).header();
    }

    /** A reader positioned just after the first batch whose last offset is at least {@code offset}. */
    private record ScanResult(BatchHeader header, SegmentFileReader reader) {}

    private ScanResult scanTo(long offset, int limit) {
        OffsetPosition from = offsetIndex.lookup(offset);
        if (from.position() >= limit) {
            // an index entry beyond what this reader may see (racing a truncation): start from the segment head
            from = new OffsetPosition(baseOffset, 0);
        }
        SegmentFileReader reader = new SegmentFileReader(channel, from.position(), limit, SCAN_BUFFER, 0);
        BatchHeader header;
        while ((header = reader.next()) != null) {
            if (header.lastOffset() >= offset) {
                return new ScanResult(header, reader);
            }
        }
        return new ScanResult(null, reader);
    }

    /**
     * Whole batches from the one holding {@code startOffset}, with last offset below {@code maxOffsetExclusive}, at
     * most {@code maxBytes} unless the first batch alone is larger. Returns {@code null} when this segment holds no
     * batch at or after {@code startOffset}. Lock-free.
     */
    FileSlice read(long startOffset, int maxBytes, long maxOffsetExclusive) {
        ScanResult scan = scanTo(startOffset, size);
        BatchHeader first = scan.header();
        if (first == null) {
            return null;
        }
        if (first.lastOffset() >= maxOffsetExclusive) {
            return new FileSlice(channel, first.position(), 0);
        }
        SegmentFileReader reader = scan.reader();
        int length = first.sizeInBytes();
        BatchHeader next;
        while ((next = reader.next()) != null
                && next.lastOffset() < maxOffsetExclusive
                && (long) length + next.sizeInBytes() <= maxBytes) {
            length += next.sizeInBytes();
        }
        return new FileSlice(channel, first.position(), length);
    }

    /** Batch headers from {@code startPosition} to the published end. Lock-free. */
    SegmentFileReader reader(int startPosition) {
        return new SegmentFileReader(channel, startPosition, size, SCAN_BUFFER, 0);
    }

    /**
     * The first record with timestamp at least {@code timestamp} and offset at least {@code startingOffset}, or
     * {@code null}. Lock-free.
     */
    TimestampAndOffset findOffsetByTimestamp(long timestamp, long startingOffset) {
        int limit = size;
        // entries at or below timestamp - 1 guarantee that every earlier batch is older than the target
        TimestampOffset fromTime = timeIndex.lookup(timestamp == Long.MIN_VALUE ? timestamp : timestamp - 1);
        OffsetPosition from = offsetIndex.lookup(Math.max(fromTime.offset(), startingOffset));
        if (from.position() >= limit) {
            from = new OffsetPosition(baseOffset, 0);
        }
        SegmentFileReader reader = new SegmentFileReader(channel, from.position(), limit, SCAN_BUFFER, 0);
        BatchHeader header;
        while ((header = reader.next()) != null) {
            if (header.maxTimestamp() < timestamp || header.lastOffset() < startingOffset) {
                continue;
            }
            RecordBatch batch =
                    MemoryRecords.readableRecords(reader.batchBytes(header)).firstBatch();
            for (Record record : batch) {
                if (record.timestamp() >= timestamp && record.offset() >= startingOffset) {
                    return new TimestampAndOffset(record.timestamp(), record.offset(), epochOf(header));
                }
            }
        }
        return null;
    }

    /** The record carrying the segment's largest timestamp, or {@code null} when no batch has one. Lock-free. */
    TimestampAndOffset maxTimestampRecord() {
        long ts = maxTimestampSoFar;
        if (ts < 0) {
            return null;
        }
        TimestampAndOffset found = findOffsetByTimestamp(ts, baseOffset);
        return found != null ? found : new TimestampAndOffset(ts, offsetOfMaxTimestampSoFar, Optional.empty());
    }

    private static Optional<Integer> epochOf(BatchHeader header) {
        return header.partitionLeaderEpoch() == RecordBatch.NO_PARTITION_LEADER_EPOCH
                ? Optional.empty()
                : Optional.of(header.partitionLeaderEpoch());
    }

    /**
     * Rebuilds the in-memory tail state (next offset, max timestamp, index bookkeeping) from the indexes and a scan
     * from the last offset index entry; used after a clean load and after truncation. Writer only.
     *
     * @return a description of a problem that calls for {@link #recover}, or {@code null}
     */
    String loadTailState() throws IOException {
        int fileSize = (int) channel.size();
        size = fileSize;
        OffsetPosition lastIndexed = offsetIndex.lastEntry();
        if (lastIndexed.position() > 0 || offsetIndex.entries() > 0) {
            if (lastIndexed.position() >= fileSize) {
                return "offset index entry " + lastIndexed + " points past the end " + fileSize;
            }
            SegmentFileReader check = new SegmentFileReader(channel, lastIndexed.position(), fileSize, 64, 0);
            BatchHeader indexed = check.next();
            if (indexed == null || indexed.baseOffset() != lastIndexed.offset()) {
                return "offset index entry " + lastIndexed + " does not match the batch at its position";
            }
        }
        TimestampOffset lastTime = timeIndex.lastEntry();
        long maxTs = lastTime.timestamp();
        long maxTsOffset = lastTime.offset();
        long next = baseOffset;
        int bytesSinceIndexed = 0;
        SegmentFileReader reader = new SegmentFileReader(channel, lastIndexed.position(), fileSize, SCAN_BUFFER, 0);
        BatchHeader header;
        while ((header = reader.next()) != null) {
            if (header.maxTimestamp() > maxTs) {
                maxTs = header.maxTimestamp();
                maxTsOffset = header.lastOffset();
            }
            next = header.nextOffset();
            bytesSinceIndexed += header.sizeInBytes();
        }
        if (reader.stopReason() != null) {
            return reader.stopReason();
        }
        if (timeIndex.entries() > 0 && lastTime.offset() >= next) {
            return "time index entry " + lastTime + " is beyond the next offset " + next;
        }
        nextOffset = next;
        maxTimestampSoFar = maxTs;
        offsetOfMaxTimestampSoFar = maxTs >= 0 ? maxTsOffset : baseOffset;
        bytesSinceLastIndexEntry = bytesSinceIndexed;
        rollingBasedTimestamp = RecordBatch.NO_TIMESTAMP;
        if (fileSize > 0) {
            BatchHeader first = new SegmentFileReader(channel, 0, fileSize, 64, 0).next();
            rollingBasedTimestamp = first == null ? RecordBatch.NO_TIMESTAMP : first.maxTimestamp();
        }
        return null;
    }

    /**
     * Re-validates every batch (v2 magic, sizes, CRC, increasing offsets within the segment), rebuilds both indexes,
     * and truncates the file at the first invalid byte. The indexes are left at their preallocated size; a segment
     * that is not the active one is trimmed by {@link #onRoll}. Writer only.
     *
     * @return the number of bytes truncated
     */
    int recover(int maxBatchSize) throws IOException {
        offsetIndex.reset();
        timeIndex.reset();
        resizeIndexes(maxIndexSize);
        int fileSize = (int) channel.size();
        maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
        offsetOfMaxTimestampSoFar = baseOffset;
        rollingBasedTimestamp = RecordBatch.NO_TIMESTAMP;
        bytesSinceLastIndexEntry = 0;
        long next = baseOffset;
        int validBytes = 0;
        String problem = null;
        SegmentFileReader reader = new SegmentFileReader(channel, 0, fileSize, RECOVERY_BUFFER, maxBatchSize);
        BatchHeader header;
        while ((header = reader.next()) != null) {
            if (header.baseOffset() < next) {
                problem = "batch at position " + header.position() + " has base offset " + header.baseOffset()
                        + " below the expected " + next;
                break;
            }
            if (header.lastOffset() - baseOffset > Integer.MAX_VALUE) {
                problem = "batch at position " + header.position() + " does not fit the segment's offset range";
                break;
            }
            try {
                RecordBatch batch =
                        MemoryRecords.readableRecords(reader.batchBytes(header)).firstBatch();
                if (batch == null) {
                    problem = "unreadable batch at position " + header.position();
                    break;
                }
                batch.ensureValid();
            } catch (CorruptRecordException e) {
                problem = e.getMessage();
                break;
            }
            indexBatch(header, validBytes);
            validBytes += header.sizeInBytes();
            next = header.nextOffset();
        }
        if (problem == null) {
            problem = reader.stopReason();
        }
        int truncated = fileSize - validBytes;
        if (truncated > 0) {
            channel.truncate(validBytes);
        }
        size = validBytes;
        nextOffset = next;
        lastRecoveryProblem = problem;
        return truncated;
    }

    /** Why the last {@link #recover} truncated, or {@code null}. */
    String lastRecoveryProblem() {
        return lastRecoveryProblem;
    }

    /**
     * Removes the batch holding {@code offset} and everything after it. Writer only.
     *
     * @return the number of bytes removed
     */
    int truncateTo(long offset) throws IOException {
        BatchHeader from = translateOffset(offset);
        if (from == null) {
            return 0;
        }
        int position = (int) from.position();
        int removed = size - position;
        offsetIndex.truncateTo(from.baseOffset());
        timeIndex.truncateTo(from.baseOffset());
        size = position;
        channel.truncate(position);
        String problem = loadTailState();
        if (problem != null) {
            recover(0);
        }
        return removed;
    }

    /** Trims the preallocated indexes when the segment stops being the active one. Writer only. */
    void onRoll() {
        offsetIndex.trimToValidSize();
        timeIndex.trimToValidSize();
    }

    /** Grows the indexes back to their preallocated size when the segment becomes the active one. Writer only. */
    void resizeIndexes(int maxIndexSize) {
        offsetIndex.resize(maxIndexSize);
        timeIndex.resize(maxIndexSize);
    }

    /** Forces the log and both indexes to disk. */
    void flush() throws IOException {
        channel.force(true);
        offsetIndex.flush();
        timeIndex.flush();
    }

    /**
     * Renames the three files by appending {@code .deleted}; open channels and mappings stay usable. A leftover
     * {@code .deleted} file of the same name (an earlier segment with this base offset, replaced by the cleaner and
     * still waiting for its delayed removal) is replaced; its open channel stays readable.
     */
    synchronized void renameToDeleted() throws IOException {
        File target = new File(logFile.getPath() + DELETED_SUFFIX);
        Files.move(logFile.toPath(), target.toPath(), StandardCopyOption.REPLACE_EXISTING);
        logFile = target;
        offsetIndex.renameTo(new File(offsetIndex.file().getPath() + DELETED_SUFFIX));
        timeIndex.renameTo(new File(timeIndex.file().getPath() + DELETED_SUFFIX));
    }

    /** Renames both index files from names ending in {@code oldSuffix} to names ending in {@code newSuffix}. */
    void changeIndexSuffixes(String oldSuffix, String newSuffix) throws IOException {
        offsetIndex.renameTo(withSuffix(offsetIndex.file(), oldSuffix, newSuffix));
        timeIndex.renameTo(withSuffix(timeIndex.file(), oldSuffix, newSuffix));
    }

    /** Renames the log file from a name ending in {@code oldSuffix} to one ending in {@code newSuffix}. */
    void changeLogSuffix(String oldSuffix, String newSuffix) throws IOException {
        File target = withSuffix(logFile, oldSuffix, newSuffix);
        Files.move(logFile.toPath(), target.toPath(), StandardCopyOption.REPLACE_EXISTING);
        logFile = target;
    }

    private static File withSuffix(File file, String oldSuffix, String newSuffix) {
        String path = file.getPath();
        if (!path.endsWith(oldSuffix)) {
            throw new IllegalStateException(file + " does not end in '" + oldSuffix + "'");
        }
        return new File(path.substring(0, path.length() - oldSuffix.length()) + newSuffix);
    }

    /** Sets the log file's modification time (a cleaned segment keeps the age of the segments it replaces). */
    void setLastModified(long ms) throws IOException {
        Files.setLastModifiedTime(logFile.toPath(), FileTime.fromMillis(ms));
    }

    /** The log file's modification time. */
    long lastModified() {
        return logFile.lastModified();
    }

    /** The timestamp of the first batch, or {@code -1} when the segment is empty or the batch has none. */
    long firstBatchTimestamp() {
        int limit = size;
        if (limit == 0) {
            return RecordBatch.NO_TIMESTAMP;
        }
        BatchHeader first = new SegmentFileReader(channel, 0, limit, 64, 0).next();
        return first == null ? RecordBatch.NO_TIMESTAMP : first.maxTimestamp();
    }

    /** Closes the channel and removes the files. Only once no read of this segment can be in flight. */
    synchronized void closeAndDelete() throws IOException {
        channel.close();
        offsetIndex.closeWithoutTrim();
        timeIndex.closeWithoutTrim();
        if (logIdentity.isAt(logFile)) {
            // not when a later segment's .deleted file of the same name replaced this one's: that one is not ours
            Files.deleteIfExists(logFile.toPath());
        }
        offsetIndex.deleteIfExists();
        timeIndex.deleteIfExists();
    }

    /**
     * Points the segment's three files at {@code dir} after the log's directory was renamed to it (Kafka's
     * {@code updateParentDir}); the open channel and mappings are unaffected.
     */
    synchronized void updateParentDir(File dir) {
        logFile = new File(dir, logFile.getName());
        offsetIndex.updateParentDir(dir);
        timeIndex.updateParentDir(dir);
    }

    /** Trims the indexes and closes the channel. */
    void close() throws IOException {
        if (channel.isOpen()) {
            offsetIndex.close();
            timeIndex.close();
            channel.close();
        }
    }

    /**
     * Closes the channel and the indexes without trimming or otherwise changing any file: for a deleted log, whose
     * files are about to be removed. Idempotent.
     */
    synchronized void closeWithoutTrim() throws IOException {
        offsetIndex.closeWithoutTrim();
        timeIndex.closeWithoutTrim();
        channel.close();
    }

    @Override
    public String toString() {
        return "LogSegment(base=" + baseOffset + ", size=" + size + ", next=" + nextOffset + ")";
    }
}
