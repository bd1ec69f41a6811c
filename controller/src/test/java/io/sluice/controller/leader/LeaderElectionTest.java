package io.sluice.controller.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table-driven tests of every election rule and its edges. Assignment is [1, 2, 3] unless stated. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LeaderElectionTest {

    private static final List<Integer> ASSIGNMENT = List.of(1, 2, 3);
    private static final int NONE = LeaderAndIsr.NO_LEADER;

    /** Expected outcome kinds. */
    enum Kind {
        ELECTED,
        UNCLEAN,
        ISR_CHANGED,
        LEADER_LOST,
        UNCHANGED
    }

    private static LeaderAndIsr state(int leader, int epoch, Integer... isr) {
        return new LeaderAndIsr(leader, epoch, List.of(isr));
    }

    static Stream<Arguments> offlineCases() {
        return Stream.of(
                Arguments.of(
                        "leader already elected and live: nothing to do",
                        state(1, 5, 1, 2, 3),
                        Set.of(1, 2, 3),
                        false,
                        Kind.UNCHANGED,
                        state(1, 5, 1, 2, 3),
                        "leader 1 is live and in the ISR"),
                Arguments.of(
                        "leader live, a follower died: ISR shrinks, epoch kept",
                        state(1, 5, 1, 2, 3),
                        Set.of(1, 3),
                        false,
                        Kind.ISR_CHANGED,
                        state(1, 5, 1, 3),
                        "offline replicas [2] leave the ISR"),
                Arguments.of(
                        "leader died: first live ISR replica in assignment order",
                        state(1, 5, 3, 2, 1),
                        Set.of(2, 3),
                        false,
                        Kind.ELECTED,
                        state(2, 6, 3, 2),
                        null),
                Arguments.of(
                        "leader died: a live replica outside the ISR is skipped",
                        state(1, 5, 1, 3),
                        Set.of(2, 3),
                        false,
                        Kind.ELECTED,
                        state(3, 6, 3),
                        null),
                Arguments.of(
                        "new partition without leader: preferred replica elected",
                        state(NONE, 0, 1, 2, 3),
                        Set.of(1, 2, 3),
                        false,
                        Kind.ELECTED,
                        state(1, 1, 1, 2, 3),
                        null),
                Arguments.of(
                        "all replicas dead: leader lost, ISR kept, epoch bumped",
                        state(1, 5, 1, 2),
                        Set.of(4),
                        false,
                        Kind.LEADER_LOST,
                        state(NONE, 6, 1, 2),
                        "no replica of [1, 2, 3] is live"),
                Arguments.of(
                        "all dead and already leaderless: nothing to write",
                        state(NONE, 6, 1, 2),
                        Set.of(),
                        false,
                        Kind.UNCHANGED,
                        state(NONE, 6, 1, 2),
                        "no replica of [1, 2, 3] is live"),
                Arguments.of(
                        "single ISR member dies, clean only: leader -1, ISR keeps it",
                        state(1, 5, 1),
                        Set.of(2, 3),
                        false,
                        Kind.LEADER_LOST,
                        state(NONE, 6, 1),
                        "no live replica is in the ISR [1] and unclean.leader.election.enable is false"
                                + " (live replicas [2, 3])"),
                Arguments.of(
                        "single ISR member dies, unclean enabled: first live replica, ISR only it",
                        state(1, 5, 1),
                        Set.of(2, 3),
                        true,
                        Kind.UNCLEAN,
                        state(2, 6, 2),
                        null),
                Arguments.of(
                        "unclean enabled but a live ISR member exists: clean election",
                        state(1, 5, 1, 3),
                        Set.of(2, 3),
                        true,
                        Kind.ELECTED,
                        state(3, 6, 3),
                        null),
                Arguments.of(
                        "unclean enabled but nothing live: leader lost",
                        state(2, 5, 2),
                        Set.of(),
                        true,
                        Kind.LEADER_LOST,
                        state(NONE, 6, 2),
                        "no replica of [1, 2, 3] is live"),
                Arguments.of(
                        "last ISR member returns after leaderless period",
                        state(NONE, 6, 1),
                        Set.of(1, 2),
                        false,
                        Kind.ELECTED,
                        state(1, 7, 1),
                        null),
                Arguments.of(
                        "leader live but no longer assigned: re-elected among assigned",
                        state(4, 5, 4, 2),
                        Set.of(2, 4),
                        false,
                        Kind.ELECTED,
                        state(2, 6, 4, 2),
                        null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("offlineCases")
    void offlinePartitionLeader(
            String description,
            LeaderAndIsr current,
            Set<Integer> live,
            boolean unclean,
            Kind kind,
            LeaderAndIsr expected,
            String reason) {
        ElectionResult result = LeaderElection.offlinePartitionLeader(ASSIGNMENT, current, live, unclean);
        assertOutcome(result, kind, expected, reason);
    }

    static Stream<Arguments> preferredCases() {
        return Stream.of(
                Arguments.of(
                        "preferred live and in ISR: elected, ISR unchanged",
                        state(2, 3, 2, 1),
                        Set.of(1, 2),
                        Kind.ELECTED,
                        state(1, 4, 2, 1),
                        null),
                Arguments.of(
                        "preferred already leader",
                        state(1, 3, 1, 2),
                        Set.of(1, 2),
                        Kind.UNCHANGED,
                        state(1, 3, 1, 2),
                        "preferred replica 1 is already the leader"),
                Arguments.of(
                        "preferred not live",
                        state(2, 3, 2, 1),
                        Set.of(2, 3),
                        Kind.UNCHANGED,
                        state(2, 3, 2, 1),
                        "preferred replica 1 is not live"),
                Arguments.of(
                        "preferred live but out of ISR",
                        state(2, 3, 2, 3),
                        Set.of(1, 2, 3),
                        Kind.UNCHANGED,
                        state(2, 3, 2, 3),
                        "preferred replica 1 is not in the ISR [2, 3]"),
                Arguments.of(
                        "leaderless partition, preferred in ISR and live",
                        state(NONE, 3, 1),
                        Set.of(1),
                        Kind.ELECTED,
                        state(1, 4, 1),
                        null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("preferredCases")
    void preferredReplicaLeader(
            String description,
            LeaderAndIsr current,
            Set<Integer> live,
            Kind kind,
            LeaderAndIsr expected,
            String reason) {
        assertOutcome(LeaderElection.preferredReplicaLeader(ASSIGNMENT, current, live), kind, expected, reason);
    }

    static Stream<Arguments> controlledShutdownCases() {
        return Stream.of(
                Arguments.of(
                        "leader shuts down: next live ISR replica, ISR drops it",
                        state(1, 7, 1, 2, 3),
                        Set.of(1, 2, 3),
                        Set.of(1),
                        Kind.ELECTED,
                        state(2, 8, 2, 3),
                        null),
                Arguments.of(
                        "leader and next replica shut down: third replica",
                        state(1, 7, 1, 2, 3),
                        Set.of(1, 2, 3),
                        Set.of(1, 2),
                        Kind.ELECTED,
                        state(3, 8, 3),
                        null),
                Arguments.of(
                        "follower shuts down: leader stays, ISR drops it, epoch kept",
                        state(1, 7, 1, 2, 3),
                        Set.of(1, 2, 3),
                        Set.of(3),
                        Kind.ISR_CHANGED,
                        state(1, 7, 1, 2),
                        "leader 1 stays; shutting-down brokers [3] leave the ISR"),
                Arguments.of(
                        "shutting down the only ISR member: nothing changes",
                        state(1, 7, 1),
                        Set.of(1, 2, 3),
                        Set.of(1),
                        Kind.UNCHANGED,
                        state(1, 7, 1),
                        "no live ISR member outside the shutting-down brokers [1] (ISR [1]); leadership stays with 1"),
                Arguments.of(
                        "candidate outside ISR is skipped",
                        state(1, 7, 1, 3),
                        Set.of(1, 2, 3),
                        Set.of(1),
                        Kind.ELECTED,
                        state(3, 8, 3),
                        null),
                Arguments.of(
                        "unrelated broker shuts down",
                        state(1, 7, 1, 2),
                        Set.of(1, 2, 4),
                        Set.of(4),
                        Kind.UNCHANGED,
                        state(1, 7, 1, 2),
                        "leader 1 is not shutting down and neither is any ISR member"),
                Arguments.of(
                        "dead candidate is skipped",
                        state(1, 7, 1, 2, 3),
                        Set.of(1, 3),
                        Set.of(1),
                        Kind.ELECTED,
                        state(3, 8, 2, 3),
                        null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("controlledShutdownCases")
    void controlledShutdownLeader(
            String description,
            LeaderAndIsr current,
            Set<Integer> live,
            Set<Integer> shuttingDown,
            Kind kind,
            LeaderAndIsr expected,
            String reason) {
        assertOutcome(
                LeaderElection.controlledShutdownLeader(ASSIGNMENT, current, live, shuttingDown),
                kind,
                expected,
                reason);
    }

    @Test
    void emptyAssignmentIsRejected() {
        assertThatThrownBy(() -> LeaderElection.offlinePartitionLeader(List.of(), state(1, 0, 1), Set.of(1), false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anEmptyIsrCannotBeRepresented() {
        assertThatThrownBy(() -> new LeaderAndIsr(1, 0, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("never empty");
    }

    private static void assertOutcome(ElectionResult result, Kind kind, LeaderAndIsr expected, String reason) {
        assertThat(result.state()).isEqualTo(expected);
        switch (kind) {
            case ELECTED ->
                assertThat(result)
                        .isInstanceOfSatisfying(
                                ElectionResult.Elected.class,
                                e -> assertThat(e.unclean()).isFalse());
            case UNCLEAN ->
                assertThat(result)
                        .isInstanceOfSatisfying(
                                ElectionResult.Elected.class,
                                e -> assertThat(e.unclean()).isTrue());
            case ISR_CHANGED ->
                assertThat(result)
                        .isInstanceOfSatisfying(
                                ElectionResult.IsrChanged.class,
                                r -> assertThat(r.reason()).contains(reason));
            case LEADER_LOST ->
                assertThat(result)
                        .isInstanceOfSatisfying(
                                ElectionResult.LeaderLost.class,
                                r -> assertThat(r.reason()).isEqualTo(reason));
            case UNCHANGED ->
                assertThat(result)
                        .isInstanceOfSatisfying(
                                ElectionResult.Unchanged.class,
                                r -> assertThat(r.reason()).isEqualTo(reason));
        }
        assertThat(result.changed()).isEqualTo(kind != Kind.UNCHANGED);
    }
}
