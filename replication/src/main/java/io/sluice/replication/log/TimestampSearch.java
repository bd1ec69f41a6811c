package io.sluice.replication.log;

import java.util.Collection;
import java.util.Optional;
import org.apache.kafka.common.record.FileRecords.TimestampAndOffset;

/**
 * Timestamp queries over a log's segments (ListOffsets by time and {@code MAX_TIMESTAMP}).
 *
 * <p>Stateless; lock-free like every reader (see {@link UnifiedLog}).
 */
final class TimestampSearch {

    private TimestampSearch() {}

    /** The first record at or after {@code logStartOffset} with a timestamp at least {@code timestamp}. */
    static Optional<TimestampAndOffset> offsetForTimestamp(
            Collection<LogSegment> segments, long timestamp, long logStartOffset) {
        for (LogSegment segment : segments) {
            if (segment.maxTimestampSoFar() < timestamp || segment.nextOffset() <= logStartOffset) {
                continue;
            }
            TimestampAndOffset found = segment.findOffsetByTimestamp(timestamp, logStartOffset);
            if (found != null) {
                return Optional.of(found);
            }
        }
        return Optional.empty();
    }

    /** The earliest record carrying the log's largest timestamp, if any batch has a timestamp. */
    static Optional<TimestampAndOffset> maxTimestampAndOffset(Collection<LogSegment> segments) {
        LogSegment best = null;
        for (LogSegment segment : segments) {
            if (segment.maxTimestampSoFar() >= 0
                    && (best == null || segment.maxTimestampSoFar() > best.maxTimestampSoFar())) {
                best = segment;
            }
        }
        return best == null ? Optional.empty() : Optional.ofNullable(best.maxTimestampRecord());
    }
}
