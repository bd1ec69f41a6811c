package io.sluice.replication.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.replication.log.RetentionPolicy.SegmentStats;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RetentionPolicyTest {

    private static final long NOW = 1_000_000L;

    private static final List<SegmentStats> SEGMENTS = List.of(
            new SegmentStats(0, 100, NOW - 5_000),
            new SegmentStats(10, 100, NOW - 4_000),
            new SegmentStats(20, 100, NOW - 1_000),
            new SegmentStats(30, 100, NOW - 6_000)); // active, oldest timestamp on purpose

    private static LogConfig unlimited() {
        return LogConfig.defaults().withRetentionMs(-1).withRetentionBytes(-1);
    }

    @Test
    void unlimitedRetentionKeepsEverything() {
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, unlimited(), 0, NOW))
                .isZero();
    }

    @Test
    void timeRetentionStopsAtTheFirstKeptSegmentAndSparesTheActiveOne() {
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, unlimited().withRetentionMs(3_000), 0, NOW))
                .isEqualTo(2);
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, unlimited().withRetentionMs(0), 0, NOW))
                .isEqualTo(3);
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, unlimited().withRetentionMs(4_500), 0, NOW))
                .isEqualTo(1);
    }

    @Test
    void sizeRetentionDeletesOnlyWholeSegmentsOfExcess() {
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, unlimited().withRetentionBytes(250), 0, NOW))
                .isEqualTo(1);
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, unlimited().withRetentionBytes(200), 0, NOW))
                .isEqualTo(2);
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, unlimited().withRetentionBytes(0), 0, NOW))
                .isEqualTo(3);
    }

    @Test
    void segmentsWhollyBelowTheLogStartOffsetGo() {
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, unlimited(), 20, NOW))
                .isEqualTo(2);
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, unlimited(), 19, NOW))
                .isEqualTo(1);
    }

    @Test
    void aLogThatIsOnlyCompactedIgnoresTimeAndSizeButNotTheLogStartOffset() {
        LogConfig compactOnly =
                unlimited().withRetentionMs(0).withRetentionBytes(0).withCleanupPolicy(true, false);
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, compactOnly, 0, NOW))
                .isZero();
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, compactOnly, 20, NOW))
                .isEqualTo(2);
        LogConfig compactAndDelete = compactOnly.withCleanupPolicy(true, true);
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, compactAndDelete, 0, NOW))
                .isEqualTo(3);
    }

    @Test
    void aCompactedLogRollsNoLaterThanTheMaximumCompactionLag() {
        LogConfig config = unlimited().withSegmentMs(10_000).withMaxCompactionLagMs(4_000);
        assertThat(config.maxSegmentMs()).isEqualTo(10_000);
        assertThat(config.withCleanupPolicy(true, false).maxSegmentMs()).isEqualTo(4_000);
    }

    @Test
    void withRemoteStorageLocalRetentionDeletesOnlyWhatIsAlreadyRemote() {
        // total retention unlimited, local tier keeps 200 bytes: two segments are over it
        LogConfig tiered = unlimited().withRemoteStorage(-1, 200);
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, tiered, 0, NOW, -1))
                .isZero();
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, tiered, 0, NOW, 9))
                .isEqualTo(1);
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, tiered, 0, NOW, 15))
                .isEqualTo(1);
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, tiered, 0, NOW, 29))
                .isEqualTo(2);
        // the local time limit, not the total one, with the same bound
        LogConfig byTime = unlimited().withRetentionMs(-1).withRemoteStorage(3_000, -1);
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, byTime, 0, NOW, 100))
                .isEqualTo(2);
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, byTime, 0, NOW, 9))
                .isEqualTo(1);
        // segments below the log start offset go regardless
        assertThat(RetentionPolicy.deletableSegments(SEGMENTS, tiered, 20, NOW, -1))
                .isEqualTo(2);
    }
}
