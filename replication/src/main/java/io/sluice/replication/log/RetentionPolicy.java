package io.sluice.replication.log;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides how many of the oldest segments retention removes. Pure function of its inputs.
 *
 * <p>A segment is deletable, oldest first and never the active (last) one, while any of these holds: the next
 * segment starts at or below the log start offset (everything in it was deleted by a log start offset increase);
 * its largest timestamp is older than {@code retentionMs}; removing it keeps the log at or above
 * {@code retentionBytes}. The age and size rules apply only with {@code cleanup.policy} {@code delete} (a log that is
 * only compacted keeps everything the cleaner keeps). The walk stops at the first segment that is kept, so the log stays contiguous.
 *
 * <p>With remote storage ({@link LogConfig#remoteStorageEnable()}) the age and size rules use the local-tier limits
 * ({@code local.retention.ms}/{@code .bytes}) and apply only to segments already copied to the remote tier (every
 * offset of the segment at or below the highest offset in remote storage): the local tier never drops data that is
 * not safely remote. Total retention of such a log is the remote log manager's.
 *
 * <p>Stateless.
 */
final class RetentionPolicy {

    private RetentionPolicy() {}

    /** The size, base offset and largest timestamp of a segment, for the decision. */
    record SegmentStats(long baseOffset, long sizeInBytes, long largestTimestamp) {}

    static List<SegmentStats> statsOf(List<LogSegment> segments) {
        List<SegmentStats> stats = new ArrayList<>(segments.size());
        for (LogSegment segment : segments) {
            stats.add(new SegmentStats(segment.baseOffset(), segment.size(), segment.largestTimestamp()));
        }
        return stats;
    }

    /** The number of leading segments of {@code segments} (oldest first, last = active) to delete. */
    static int deletableSegments(List<SegmentStats> segments, LogConfig config, long logStartOffset, long nowMs) {
        return deletableSegments(segments, config, logStartOffset, nowMs, Long.MAX_VALUE);
    }

    /**
     * As {@link #deletableSegments(List, LogConfig, long, long)}, for a log whose offsets up to
     * {@code highestOffsetInRemoteStorage} (-1: none) are safely in the remote tier.
     */
    static int deletableSegments(
            List<SegmentStats> segments,
            LogConfig config,
            long logStartOffset,
            long nowMs,
            long highestOffsetInRemoteStorage) {
        long totalBytes = 0;
        for (SegmentStats segment : segments) {
            totalBytes += segment.sizeInBytes();
        }
        boolean remote = config.remoteStorageEnable();
        long retentionMs = remote ? config.localRetentionMs() : config.retentionMs();
        long retentionBytes = remote ? config.localRetentionBytes() : config.retentionBytes();
        boolean byAgeAndSize = config.delete();
        long excessBytes = retentionBytes < 0 ? 0 : totalBytes - retentionBytes;
        int count = 0;
        for (int i = 0; i + 1 < segments.size(); i++) {
            SegmentStats segment = segments.get(i);
            long nextBase = segments.get(i + 1).baseOffset();
            boolean belowStart = nextBase <= logStartOffset;
            boolean copied = !remote || nextBase - 1 <= highestOffsetInRemoteStorage;
            boolean expired =
                    byAgeAndSize && copied && retentionMs >= 0 && nowMs - segment.largestTimestamp() > retentionMs;
            boolean oversize = byAgeAndSize && copied && retentionBytes >= 0 && excessBytes >= segment.sizeInBytes();
            if (!(belowStart || expired || oversize)) {
                break;
            }
            excessBytes -= segment.sizeInBytes();
            count++;
        }
        return count;
    }
}
