package io.sluice.replication.log.cleaner;

import io.sluice.replication.log.BatchHeader;
import io.sluice.replication.log.CleanedSegment;
import io.sluice.replication.log.FileSlice;
import io.sluice.replication.log.LogConfig;
import io.sluice.replication.log.SegmentInfo;
import io.sluice.replication.log.SwapHook;
import io.sluice.replication.log.UnifiedLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecords.RecordFilter.BatchRetention;
import org.apache.kafka.common.record.MemoryRecords.RecordFilter.BatchRetentionResult;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts one log (one cleaning of a {@link LogToClean}), Kafka's algorithm:
 *
 * <ol>
 *   <li>Map: read the dirty section from the first dirty offset, recording key → latest offset in the
 *       {@link OffsetMap}, whole segments while they fit (a first segment too large for the map stops at a batch
 *       boundary). The mapped end becomes the next first dirty offset.
 *   <li>Clean: every segment from the log start below the mapped end, in groups of consecutive segments whose cleaned
 *       output fits one segment ({@code segment.bytes}, index size, 4-byte relative offsets), is rewritten with
 *       {@link MemoryRecords#filterTo}: a record below the mapped end is kept when its offset is the latest for its
 *       key; keyless records are dropped; a tombstone is kept until its batch's delete horizon (set to now +
 *       {@code delete.retention.ms} by the first cleaning that keeps it) has passed; records at or after the mapped
 *       end are kept. Batches keep their base and last offsets, producer id, epoch, base sequence and leader epoch; a
 *       batch left empty is dropped, unless it is the last batch of its producer in the log (its header is kept so
 *       the producer's sequence state survives).
 *   <li>Swap: each group's cleaned segment replaces the group through {@link UnifiedLog#replaceSegments}; when the
 *       log changed meanwhile (truncation, retention) the cleaning stops and its output is dropped.
 * </ol>
 *
 * <p>Concurrency: one instance per cleaner thread (the map and buffers are reused); reads segments lock-free like
 * any reader; takes the log's lock only inside {@link UnifiedLog#replaceSegments}.
 */
final class Cleaner {

    private static final Logger LOG = LoggerFactory.getLogger(Cleaner.class);

    /** The outcome of one cleaning. */
    record Result(
            boolean completed,
            long nextFirstDirtyOffset,
            long minTombstoneHorizonMs,
            int segmentsCleaned,
            long bytesRead,
            long bytesWritten,
            long recordsRead,
            long recordsRetained) {}

    private final OffsetMap map;
    private final int maxBufferSize;
    private final Clock clock;
    private final SwapHook swapHook;
    private final BooleanSupplier running;
    private ByteBuffer readBuffer;
    private ByteBuffer writeBuffer;

    Cleaner(
            OffsetMap map,
            int ioBufferSize,
            int maxBufferSize,
            Clock clock,
            SwapHook swapHook,
            BooleanSupplier running) {
        this.map = map;
        this.maxBufferSize = maxBufferSize;
        this.clock = clock;
        this.swapHook = swapHook;
        this.running = running;
        this.readBuffer = ByteBuffer.allocate(ioBufferSize);
        this.writeBuffer = ByteBuffer.allocate(ioBufferSize);
    }

    /** Cleans {@code toClean}; a cleaning stopped by a log change or shutdown reports {@code completed=false}. */
    Result clean(LogToClean toClean) throws IOException {
        UnifiedLog log = toClean.log();
        String prefix = "[LogCleaner " + log.topicPartition() + "] ";
        LogConfig config = log.config();
        List<SegmentInfo> cleanable = toClean.segments().subList(0, toClean.cleanable());
        long now = clock.millis();
        map.clear();
        long mappedEnd = buildOffsetMap(log, cleanable, toClean.firstDirtyOffset());
        if (mappedEnd < 0) {
            return aborted();
        }
        List<SegmentInfo> toRewrite = new ArrayList<>();
        for (SegmentInfo segment : cleanable) {
            if (segment.baseOffset() < mappedEnd) {
                toRewrite.add(segment);
            }
        }
        Map<Long, Long> lastBatchOfProducer = lastBatchOfEachProducer(log);
        Filter filter = new Filter(now, config.deleteRetentionMs(), mappedEnd, lastBatchOfProducer);
        Stats stats = new Stats();
        int cleanedSegments = rewrite(log, toRewrite, config, filter, stats);
        if (cleanedSegments < 0) {
            LOG.info("{}Cleaning stopped: the log changed or the cleaner stops", prefix);
            return aborted();
        }
        LOG.info(
                "{}Cleaned {} segments up to offset {} (map of {} keys): {} -> {} bytes, {} of {} records kept",
                prefix,
                cleanedSegments,
                mappedEnd,
                map.size(),
                stats.bytesRead,
                stats.bytesWritten,
                stats.recordsRetained,
                stats.recordsRead);
        return new Result(
                true,
                mappedEnd,
                filter.minTombstoneHorizon,
                cleanedSegments,
                stats.bytesRead,
                stats.bytesWritten,
                stats.recordsRead,
                stats.recordsRetained);
    }

    private static Result aborted() {
        return new Result(false, -1L, Long.MAX_VALUE, 0, 0, 0, 0, 0);
    }

    /**
     * Maps the dirty section from {@code firstDirty}; returns the offset after the last mapped batch (at least
     * {@code firstDirty}), or -1 when a segment vanished or the cleaner stops.
     */
    private long buildOffsetMap(UnifiedLog log, List<SegmentInfo> cleanable, long firstDirty) throws IOException {
        long mappedEnd = firstDirty;
        boolean first = true;
        for (SegmentInfo segment : cleanable) {
            if (segment.nextOffset() <= firstDirty) {
                continue;
            }
            long span = segment.nextOffset() - Math.max(segment.baseOffset(), firstDirty);
            if (!first && map.size() + span > map.capacity()) {
                break;
            }
            first = false;
            Optional<FileSlice> slice = log.segmentSlice(segment.baseOffset());
            if (slice.isEmpty() || !running.getAsBoolean()) {
                return -1L;
            }
            SegmentReader reader = new SegmentReader(slice.get());
            MemoryRecords chunk;
            boolean full = false;
            while (!full && (chunk = reader.next()) != null) {
                for (MutableRecordBatch batch : chunk.batches()) {
                    if (batch.lastOffset() < firstDirty) {
                        continue;
                    }
                    if (map.size() + (batch.lastOffset() - batch.baseOffset() + 1) > map.capacity()) {
                        full = true;
                        break;
                    }
                    if (!batch.isControlBatch()) {
                        for (Record record : batch) {
                            if (record.offset() >= firstDirty && record.hasKey()) {
                                map.put(record.key(), record.offset());
                            }
                        }
                    }
                    mappedEnd = batch.nextOffset();
                }
            }
            if (full) {
                break;
            }
            mappedEnd = Math.max(mappedEnd, segment.nextOffset());
        }
        return mappedEnd;
    }

    private static Map<Long, Long> lastBatchOfEachProducer(UnifiedLog log) {
        Map<Long, Long> last = new HashMap<>();
        for (BatchHeader header : log.batchesFrom(log.logStartOffset())) {
            if (header.hasProducerId()) {
                last.put(header.producerId(), header.lastOffset());
            }
        }
        return last;
    }

    /**
     * Rewrites {@code segments} oldest first into cleaned segments: a segment joins the current cleaned segment while
     * the cleaned bytes so far plus its own size fit {@code segment.bytes} and the index, and its offsets fit the
     * 4-byte relative offsets; each group is swapped in when the next segment does not fit.
     *
     * @return the number of segments replaced, or -1 when stopped or the log changed
     */
    private int rewrite(UnifiedLog log, List<SegmentInfo> segments, LogConfig config, Filter filter, Stats stats)
            throws IOException {
        int replaced = 0;
        List<SegmentInfo> group = new ArrayList<>();
        CleanedSegment cleaned = null;
        try {
            for (SegmentInfo segment : segments) {
                if (cleaned != null && !fits(cleaned, group.get(0), segment, config)) {
                    CleanedSegment done = cleaned;
                    cleaned = null;
                    if (!log.replaceSegments(done, group, swapHook)) {
                        return -1;
                    }
                    replaced += group.size();
                    group.clear();
                }
                if (cleaned == null) {
                    cleaned = log.createCleanedSegment(segment.baseOffset());
                }
                group.add(segment);
                if (!copyFiltered(log, segment, cleaned, filter, stats)) {
                    return -1;
                }
            }
            if (cleaned != null) {
                CleanedSegment done = cleaned;
                cleaned = null;
                if (!log.replaceSegments(done, group, swapHook)) {
                    return -1;
                }
                replaced += group.size();
            }
            return replaced;
        } finally {
            if (cleaned != null) {
                cleaned.abort();
            }
        }
    }

    /** Whether {@code next} may join the cleaned segment that started with {@code first}. */
    private static boolean fits(CleanedSegment cleaned, SegmentInfo first, SegmentInfo next, LogConfig config) {
        long total = (long) cleaned.sizeInBytes() + next.sizeInBytes();
        int maxIndexEntries = config.maxIndexSize() / 12;
        int minEntryBytes = Math.max(config.indexIntervalBytes(), BatchHeader.SIZE);
        return total <= config.segmentBytes()
                && total / minEntryBytes + 1 <= maxIndexEntries
                && next.nextOffset() - 1 - first.baseOffset() <= Integer.MAX_VALUE;
    }

    /** Filters one segment into {@code cleaned}; false when the segment vanished or the cleaner stops. */
    private boolean copyFiltered(
            UnifiedLog log, SegmentInfo segment, CleanedSegment cleaned, Filter filter, Stats stats)
            throws IOException {
        Optional<FileSlice> slice = log.segmentSlice(segment.baseOffset());
        if (slice.isEmpty() || !running.getAsBoolean()) {
            return false;
        }
        SegmentReader reader = new SegmentReader(slice.get());
        MemoryRecords chunk;
        while ((chunk = reader.next()) != null) {
            ensureWriteCapacity(chunk.sizeInBytes());
            writeBuffer.clear();
            MemoryRecords.FilterResult result =
                    chunk.filterTo(log.topicPartition(), filter, writeBuffer, maxBufferSize, BufferSupplier.NO_CACHING);
            ByteBuffer out = result.outputBuffer();
            // the filter returns a new buffer when it had to grow ours: keep that one (ByteBuffer.equals compares
            // contents)
            writeBuffer = out;
            out.flip();
            if (out.hasRemaining()) {
                cleaned.append(MemoryRecords.readableRecords(out));
            }
            stats.bytesRead += result.bytesRead();
            stats.bytesWritten += result.bytesRetained();
            stats.recordsRead += result.messagesRead();
            stats.recordsRetained += result.messagesRetained();
        }
        return true;
    }

    private void ensureWriteCapacity(int bytes) {
        if (writeBuffer.capacity() < bytes) {
            writeBuffer = ByteBuffer.allocate(Math.min(Math.max(bytes, writeBuffer.capacity() * 2), maxBufferSize));
        }
    }

    /** Reads a segment slice in chunks of whole batches, growing the read buffer for a batch larger than it. */
    private final class SegmentReader {
        private final FileSlice slice;
        private long position;

        SegmentReader(FileSlice slice) {
            this.slice = slice;
        }

        /** The next chunk of whole batches, or {@code null} at the end. */
        MemoryRecords next() throws IOException {
            while (position < slice.length()) {
                int want = (int) Math.min(readBuffer.capacity(), slice.length() - position);
                readBuffer.clear().limit(want);
                while (readBuffer.hasRemaining()) {
                    int n = slice.channel().read(readBuffer, slice.position() + position + readBuffer.position());
                    if (n < 0) {
                        throw new IOException("segment ended at " + (position + readBuffer.position()) + " of "
                                + slice.length() + " bytes");
                    }
                }
                readBuffer.flip();
                int whole = 0;
                while (readBuffer.remaining() - whole >= BatchHeader.LOG_OVERHEAD) {
                    int size = readBuffer.getInt(whole + 8) + BatchHeader.LOG_OVERHEAD;
                    if (size < BatchHeader.SIZE) {
                        throw new IOException("corrupt batch of " + size + " bytes at position " + (position + whole));
                    }
                    if (whole + size > readBuffer.remaining()) {
                        if (whole == 0) {
                            if (size > slice.length() - position) {
                                throw new IOException("batch of " + size + " bytes at position " + position
                                        + " runs past the segment's " + slice.length() + " bytes");
                            }
                            grow(size);
                        }
                        break;
                    }
                    whole += size;
                }
                if (whole == 0 && readBuffer.remaining() < BatchHeader.LOG_OVERHEAD) {
                    throw new IOException(readBuffer.remaining() + " trailing bytes at position " + position
                            + " are shorter than a batch header");
                }
                if (whole == 0) {
                    continue;
                }
                ByteBuffer batches = ByteBuffer.allocate(whole);
                batches.put(readBuffer.duplicate().limit(whole));
                batches.flip();
                position += whole;
                return MemoryRecords.readableRecords(batches);
            }
            return null;
        }

        private void grow(int size) throws IOException {
            if (size > maxBufferSize) {
                throw new IOException("batch of " + size + " bytes exceeds the cleaner's maximum buffer of "
                        + maxBufferSize + " bytes");
            }
            readBuffer = ByteBuffer.allocate(Math.max(size, readBuffer.capacity() * 2));
        }
    }

    /** Kafka's cleaner decisions as a {@link MemoryRecords.RecordFilter}. */
    private final class Filter extends MemoryRecords.RecordFilter {
        private final long mappedEnd;
        private final Map<Long, Long> lastBatchOfProducer;
        private long minTombstoneHorizon = Long.MAX_VALUE;

        Filter(long now, long deleteRetentionMs, long mappedEnd, Map<Long, Long> lastBatchOfProducer) {
            super(now, deleteRetentionMs);
            this.mappedEnd = mappedEnd;
            this.lastBatchOfProducer = lastBatchOfProducer;
        }

        @Override
        protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
            boolean lastOfProducer = batch.hasProducerId()
                    && Long.valueOf(batch.lastOffset()).equals(lastBatchOfProducer.get(batch.producerId()));
            return new BatchRetentionResult(
                    lastOfProducer ? BatchRetention.RETAIN_EMPTY : BatchRetention.DELETE_EMPTY, false);
        }

        @Override
        protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
            if (batch.isControlBatch() || record.offset() >= mappedEnd) {
                // not compacted by this cleaning; a tombstone here is accounted for once it has been mapped
                return true;
            }
            if (!record.hasKey()) {
                return false;
            }
            if (record.offset() < map.get(record.key())) {
                return false;
            }
            if (!record.hasValue()) {
                var horizon = batch.deleteHorizonMs();
                if (horizon.isPresent() && currentTime >= horizon.getAsLong()) {
                    return false;
                }
                noteTombstone(batch);
            }
            return true;
        }

        private void noteTombstone(RecordBatch batch) {
            var horizon = batch.deleteHorizonMs();
            long at = horizon.isPresent() ? horizon.getAsLong() : currentTime + deleteRetentionMs;
            minTombstoneHorizon = Math.min(minTombstoneHorizon, at);
        }
    }

    /** Byte and record counts of one cleaning. */
    private static final class Stats {
        private long bytesRead;
        private long bytesWritten;
        private long recordsRead;
        private long recordsRetained;
    }
}
