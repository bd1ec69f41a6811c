package io.sluice.replication.log.cleaner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.replication.log.LogConfig;
import io.sluice.replication.log.SegmentInfo;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pure assessment of how dirty a log is and what may be cleaned. */
@Timeout(10)
class LogToCleanTest {

    private static final long NOW = 1_000_000_000L;

    /** Segments of 100 offsets and 1000 bytes each, all written at {@code ts}; the last one is active. */
    private static List<SegmentInfo> segments(int count, long ts) {
        return java.util.stream.IntStream.range(0, count)
                .mapToObj(i -> new SegmentInfo(i * 100L, i * 100L + 100, 1000, ts, ts, ts, 0))
                .toList();
    }

    private static LogToClean assess(List<SegmentInfo> segments, LogConfig config, long firstDirty, long bound) {
        long end = segments.get(segments.size() - 1).nextOffset();
        return LogToClean.assess(null, segments, config, firstDirty, 0, end, bound, NOW, Long.MAX_VALUE);
    }

    @Test
    void theActiveSegmentIsNeverCleanableAndTheRatioCountsDirtyBytes() {
        LogConfig config = CleanerTest.compacted().withMinCleanableDirtyRatio(0.5);
        LogToClean clean = assess(segments(5, NOW), config, 200, Long.MAX_VALUE);
        assertThat(clean.cleanable()).isEqualTo(4);
        assertThat(clean.cleanableEndOffset()).isEqualTo(400);
        assertThat(clean.cleanBytes()).isEqualTo(2000);
        assertThat(clean.dirtyBytes()).isEqualTo(2000);
        assertThat(clean.dirtyRatio()).isEqualTo(0.5);
        assertThat(clean.shouldClean(config)).isTrue();
        assertThat(assess(segments(5, NOW), config, 300, Long.MAX_VALUE).shouldClean(config))
                .isFalse();
    }

    @Test
    void theUpperBoundStopsAtTheFirstSegmentReachingIt() {
        LogConfig config = CleanerTest.compacted();
        assertThat(assess(segments(5, NOW), config, 0, 250).cleanable()).isEqualTo(2);
        assertThat(assess(segments(5, NOW), config, 0, 200).cleanable()).isEqualTo(2);
        assertThat(assess(segments(5, NOW), config, 0, 0).shouldClean(config)).isFalse();
    }

    @Test
    void theMinimumLagStopsAtTheFirstYoungDirtySegment() {
        LogConfig config = CleanerTest.compacted().withMinCompactionLagMs(1000);
        List<SegmentInfo> mixed = List.of(
                new SegmentInfo(0, 100, 1000, NOW - 5000, NOW - 5000, NOW, 0),
                new SegmentInfo(100, 200, 1000, NOW - 500, NOW - 600, NOW, 0),
                new SegmentInfo(200, 300, 1000, NOW - 5000, NOW - 5000, NOW, 0),
                new SegmentInfo(300, 300, 0, NOW, -1, NOW, 0));
        assertThat(assess(mixed, config, 0, Long.MAX_VALUE).cleanable()).isEqualTo(1);
    }

    @Test
    void theMaximumLagMakesALogDueWhateverItsRatio() {
        LogConfig config =
                CleanerTest.compacted().withMinCleanableDirtyRatio(0.99).withMaxCompactionLagMs(1000);
        LogToClean fresh = assess(segments(5, NOW - 500), config, 300, Long.MAX_VALUE);
        LogToClean old = assess(segments(5, NOW - 1500), config, 300, Long.MAX_VALUE);
        assertThat(fresh.shouldClean(config)).isFalse();
        assertThat(old.needCompactionNow()).isTrue();
        assertThat(old.shouldClean(config)).isTrue();
    }

    @Test
    void aCheckpointOutsideTheLogMeansCleaningFromTheStart() {
        LogConfig config = CleanerTest.compacted();
        assertThat(assess(segments(3, NOW), config, 10_000, Long.MAX_VALUE).firstDirtyOffset())
                .isZero();
    }

    @Test
    void aDueTombstoneMakesACleanLogWorthCleaning() {
        LogConfig config = CleanerTest.compacted().withMinCleanableDirtyRatio(0.5);
        List<SegmentInfo> segs = segments(4, NOW);
        LogToClean due = LogToClean.assess(null, segs, config, 300, 0, 400, Long.MAX_VALUE, NOW, NOW);
        LogToClean notYet = LogToClean.assess(null, segs, config, 300, 0, 400, Long.MAX_VALUE, NOW, NOW + 1);
        assertThat(due.shouldClean(config)).isTrue();
        assertThat(notYet.shouldClean(config)).isFalse();
    }
}
