package io.sluice.replication.partition;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The lastCaughtUpTime rule of a follower's fetch state. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ReplicaStateTest {

    @Test
    void fetchAtTheLeaderEndIsCaughtUpNow() {
        ReplicaState s = ReplicaState.initial(false, 0L).onFetch(10, 0, 500, 10, -1);
        assertThat(s.lastCaughtUpTimeMs()).isEqualTo(500);
        assertThat(s.logEndOffset()).isEqualTo(10);
        assertThat(s.isLagging(10, 100_000, 1_000)).isFalse();
    }

    @Test
    void fetchReachingThePreviousLeaderEndWasCaughtUpAtThePreviousFetch() {
        ReplicaState s =
                ReplicaState.initial(false, 0L).onFetch(5, 0, 1_000, 10, -1).onFetch(10, 0, 2_000, 15, -1);
        assertThat(s.lastCaughtUpTimeMs()).isEqualTo(1_000);
        assertThat(s.isLagging(15, 2_500, 1_000)).isTrue();
        assertThat(s.isLagging(15, 1_900, 1_000)).isFalse();
    }

    @Test
    void fetchBehindThePreviousLeaderEndKeepsTheOldTime() {
        ReplicaState s =
                ReplicaState.initial(true, 100L).onFetch(5, 0, 1_000, 10, -1).onFetch(9, 0, 2_000, 15, -1);
        assertThat(s.lastCaughtUpTimeMs()).isEqualTo(100);
    }

    @Test
    void initialStateCountsIsrMembersAsJustCaughtUp() {
        assertThat(ReplicaState.initial(true, 42L).lastCaughtUpTimeMs()).isEqualTo(42);
        assertThat(ReplicaState.initial(false, 42L).lastCaughtUpTimeMs()).isZero();
        assertThat(ReplicaState.initial(true, 42L).logEndOffset()).isEqualTo(-1);
    }
}
