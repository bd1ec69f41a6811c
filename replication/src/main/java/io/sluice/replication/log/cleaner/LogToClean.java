package io.sluice.replication.log.cleaner;

import io.sluice.replication.log.LogConfig;
import io.sluice.replication.log.SegmentInfo;
import io.sluice.replication.log.UnifiedLog;
import java.util.List;

/**
 * How dirty one compacted log is, and which part of it a cleaning may touch. Built by the pure {@link #assess}.
 *
 * <p>Sections of the log, oldest first: clean segments (below the checkpointed first dirty offset, compacted
 * before), dirty segments (to be mapped and compacted), then the uncleanable rest: everything from the first segment
 * that is the active one, reaches the caller's bound (the high watermark), or holds a record younger than
 * {@code min.compaction.lag.ms}.
 *
 * @param log the log
 * @param segments the log's segments when assessed, oldest first (the last is active)
 * @param cleanable how many leading segments may be cleaned
 * @param firstDirtyOffset where the dirty section starts
 * @param cleanableEndOffset where the cleanable section ends (the next offset of the last cleanable segment)
 * @param cleanBytes bytes of cleanable segments wholly below the first dirty offset
 * @param dirtyBytes bytes of the other cleanable segments
 * @param needCompactionNow the oldest dirty record passed {@code max.compaction.lag.ms}
 * @param tombstonesDue a tombstone kept by an earlier cleaning has passed its delete horizon
 */
record LogToClean(
        UnifiedLog log,
        List<SegmentInfo> segments,
        int cleanable,
        long firstDirtyOffset,
        long cleanableEndOffset,
        long cleanBytes,
        long dirtyBytes,
        boolean needCompactionNow,
        boolean tombstonesDue) {

    /** dirty / (clean + dirty) bytes; 0 for an empty cleanable section. */
    double dirtyRatio() {
        long total = cleanBytes + dirtyBytes;
        return total == 0 ? 0 : (double) dirtyBytes / total;
    }

    /**
     * Whether the log should be cleaned now: it has dirty bytes and a dirty ratio at least
     * {@code min.cleanable.dirty.ratio} or a record past {@code max.compaction.lag.ms}; or a kept tombstone is due.
     */
    boolean shouldClean(LogConfig config) {
        boolean dirtyEnough = dirtyBytes > 0 && (needCompactionNow || dirtyRatio() >= config.minCleanableDirtyRatio());
        return dirtyEnough || (tombstonesDue && cleanBytes > 0);
    }

    /**
     * Assesses a log. Pure.
     *
     * @param segments the log's segments, oldest first, the last being the active one
     * @param checkpointedFirstDirty the first dirty offset from the cleaner checkpoint (the log start when unknown
     *     or out of the log's range)
     * @param upperBound the first offset that must not be cleaned (the high watermark); the active segment's base
     *     caps it further
     * @param tombstoneHorizonMs the earliest delete horizon of a tombstone kept by the last cleaning, or
     *     {@link Long#MAX_VALUE}
     */
    static LogToClean assess(
            UnifiedLog log,
            List<SegmentInfo> segments,
            LogConfig config,
            long checkpointedFirstDirty,
            long logStartOffset,
            long logEndOffset,
            long upperBound,
            long nowMs,
            long tombstoneHorizonMs) {
        long firstDirty = checkpointedFirstDirty;
        if (firstDirty < logStartOffset || firstDirty > logEndOffset) {
            firstDirty = logStartOffset;
        }
        SegmentInfo active = segments.get(segments.size() - 1);
        long limit = Math.min(upperBound, active.baseOffset());
        int cleanable = 0;
        long cleanableEnd = segments.get(0).baseOffset();
        long cleanBytes = 0;
        long dirtyBytes = 0;
        SegmentInfo firstDirtySegment = null;
        for (int i = 0; i + 1 < segments.size(); i++) {
            SegmentInfo segment = segments.get(i);
            if (segment.nextOffset() > limit) {
                break;
            }
            boolean dirty = segment.nextOffset() > firstDirty;
            if (dirty
                    && config.minCompactionLagMs() > 0
                    && segment.largestTimestamp() > nowMs - config.minCompactionLagMs()) {
                break;
            }
            cleanable++;
            cleanableEnd = segment.nextOffset();
            if (dirty) {
                dirtyBytes += segment.sizeInBytes();
                if (firstDirtySegment == null) {
                    firstDirtySegment = segment;
                }
            } else {
                cleanBytes += segment.sizeInBytes();
            }
        }
        boolean needNow = false;
        if (firstDirtySegment != null && config.maxCompactionLagMs() < Long.MAX_VALUE) {
            long ts = firstDirtySegment.firstBatchTimestamp() >= 0
                    ? firstDirtySegment.firstBatchTimestamp()
                    : firstDirtySegment.largestTimestamp();
            needNow = nowMs - ts > config.maxCompactionLagMs();
        }
        return new LogToClean(
                log,
                segments,
                cleanable,
                firstDirty,
                cleanableEnd,
                cleanBytes,
                dirtyBytes,
                needNow,
                tombstoneHorizonMs <= nowMs);
    }
}
