package io.sluice.replication.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.replication.epoch.EpochEndOffset;
import io.sluice.replication.fetcher.FollowerTruncation.OutOfRangeAction;
import io.sluice.replication.fetcher.FollowerTruncation.OutOfRangeDecision;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FollowerTruncationTest {

    @Test
    void truncatesToTheEndOfTheCommonEpoch() {
        // Leader: 0:[0..9], 2:[10..]; follower: 0:[0..9], 1:[10..14]; the leader answers (0, 10).
        assertThat(FollowerTruncation.offsetForDivergingEpoch(15, new EpochEndOffset(0, 10), 0, 10))
                .isEqualTo(10);
    }

    @Test
    void takesTheSmallerEndWhenBothKnowTheEpoch() {
        assertThat(FollowerTruncation.offsetForDivergingEpoch(40, new EpochEndOffset(2, 30), 2, 25))
                .isEqualTo(25);
        assertThat(FollowerTruncation.offsetForDivergingEpoch(40, new EpochEndOffset(2, 22), 2, 25))
                .isEqualTo(22);
    }

    @Test
    void truncatesToItsOwnEarlierEpochWhenItDoesNotKnowTheLeadersEpoch() {
        // The follower has epochs 1 and 3; the leader answers epoch 2, ending at 18. The follower's largest epoch <= 2
        // is 1, ending at 12: truncate there and let the next fetch ask again with epoch 1.
        assertThat(FollowerTruncation.offsetForDivergingEpoch(20, new EpochEndOffset(1, 12), 2, 18))
                .isEqualTo(12);
    }

    @Test
    void usesTheLeadersOffsetWhenTheFollowerTracksNoEarlierEpoch() {
        assertThat(FollowerTruncation.offsetForDivergingEpoch(20, EpochEndOffset.UNDEFINED, 3, 7))
                .isEqualTo(7);
        assertThat(FollowerTruncation.offsetForDivergingEpoch(5, EpochEndOffset.UNDEFINED, 3, 7))
                .isEqualTo(5);
    }

    @Test
    void neverTruncatesAboveTheLogEnd() {
        assertThat(FollowerTruncation.offsetForDivergingEpoch(50, new EpochEndOffset(0, 100), 0, 100))
                .isEqualTo(50);
        assertThat(FollowerTruncation.offsetForDivergingEpoch(50, new EpochEndOffset(0, 40), 0, -1))
                .isEqualTo(50);
    }

    @Test
    void restartsTheLogWhenBelowTheLeadersLogStart() {
        assertThat(FollowerTruncation.onOffsetOutOfRange(10, 50, 60))
                .isEqualTo(new OutOfRangeDecision(OutOfRangeAction.TRUNCATE_FULLY, 50));
    }

    @Test
    void truncatesToTheLeadersHighWatermarkWhenAboveTheLeadersLog() {
        assertThat(FollowerTruncation.onOffsetOutOfRange(80, 0, 60))
                .isEqualTo(new OutOfRangeDecision(OutOfRangeAction.TRUNCATE, 60));
    }

    @Test
    void retriesWhenTheAnswerGivesNothingToActOn() {
        assertThat(FollowerTruncation.onOffsetOutOfRange(55, 50, 60).action()).isEqualTo(OutOfRangeAction.RETRY);
        assertThat(FollowerTruncation.onOffsetOutOfRange(55, -1, -1).action()).isEqualTo(OutOfRangeAction.RETRY);
    }
}
