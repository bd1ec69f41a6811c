package io.sluice.controller.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every (current, target) pair of both state machines against a table written out here by hand
 * (from Kafka's PartitionStateMachine / ReplicaStateMachine), not derived from the enums.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class StateTransitionTableTest {

    /** Valid transitions as "from>to". */
    private static final Set<String> VALID_PARTITION_TRANSITIONS = Set.of(
            "NonExistent>New",
            "New>Online",
            "Online>Online",
            "Offline>Online",
            "New>Offline",
            "Online>Offline",
            "Offline>Offline",
            "Offline>NonExistent");

    private static final Set<String> VALID_REPLICA_TRANSITIONS = Set.of(
            "NonExistentReplica>New",
            "New>Online",
            "Online>Online",
            "Offline>Online",
            "ReplicaDeletionIneligible>Online",
            "New>Offline",
            "Online>Offline",
            "Offline>Offline",
            "ReplicaDeletionIneligible>Offline",
            "Offline>ReplicaDeletionStarted",
            "ReplicaDeletionStarted>ReplicaDeletionSuccessful",
            "Offline>ReplicaDeletionIneligible",
            "ReplicaDeletionStarted>ReplicaDeletionIneligible",
            "ReplicaDeletionSuccessful>NonExistentReplica");

    static Stream<Arguments> partitionPairs() {
        List<Arguments> pairs = new ArrayList<>();
        for (PartitionState from : PartitionState.values()) {
            for (PartitionState to : PartitionState.values()) {
                pairs.add(Arguments.of(from, to));
            }
        }
        return pairs.stream();
    }

    static Stream<Arguments> replicaPairs() {
        List<Arguments> pairs = new ArrayList<>();
        for (ReplicaState from : ReplicaState.values()) {
            for (ReplicaState to : ReplicaState.values()) {
                pairs.add(Arguments.of(from, to));
            }
        }
        return pairs.stream();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("partitionPairs")
    void partitionTransition(PartitionState from, PartitionState to) {
        boolean expectedValid = VALID_PARTITION_TRANSITIONS.contains(from + ">" + to);
        TransitionCheck check = PartitionState.transition(from, to);

        assertThat(check.isValid()).isEqualTo(expectedValid);
        assertThat(to.validPreviousStates().contains(from)).isEqualTo(expectedValid);
        if (expectedValid) {
            assertThat(check).isEqualTo(new TransitionCheck.Valid(from, to));
        } else {
            assertThat(check).isInstanceOfSatisfying(IllegalStateTransition.class, illegal -> {
                assertThat(illegal.from()).isEqualTo(from);
                assertThat(illegal.to()).isEqualTo(to);
                assertThat(illegal.describe()).startsWith("Illegal transition " + from + " -> " + to + "; ");
            });
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("replicaPairs")
    void replicaTransition(ReplicaState from, ReplicaState to) {
        boolean expectedValid = VALID_REPLICA_TRANSITIONS.contains(from + ">" + to);
        TransitionCheck check = ReplicaState.transition(from, to);

        assertThat(check.isValid()).isEqualTo(expectedValid);
        assertThat(to.validPreviousStates().contains(from)).isEqualTo(expectedValid);
        if (expectedValid) {
            assertThat(check).isEqualTo(new TransitionCheck.Valid(from, to));
        } else {
            assertThat(check).isInstanceOfSatisfying(IllegalStateTransition.class, illegal -> {
                assertThat(illegal.from()).isEqualTo(from);
                assertThat(illegal.to()).isEqualTo(to);
                assertThat(illegal.validPrevious()).isEqualTo(to.validPreviousStates());
            });
        }
    }

    @Test
    void tablesNameOnlyExistingStatesAndEveryStateIsReachable() {
        assertThat(PartitionState.values()).hasSize(4);
        assertThat(ReplicaState.values()).hasSize(7);
        for (PartitionState s : PartitionState.values()) {
            assertThat(s.validPreviousStates()).as("%s", s).isNotEmpty();
        }
        for (ReplicaState s : ReplicaState.values()) {
            assertThat(s.validPreviousStates()).as("%s", s).isNotEmpty();
        }
    }

    @Test
    void illegalTransitionDescriptionNamesTheAllowedPreviousStates() {
        TransitionCheck check = PartitionState.transition(PartitionState.Online, PartitionState.NonExistent);

        assertThat(check)
                .isInstanceOfSatisfying(
                        IllegalStateTransition.class,
                        illegal -> assertThat(illegal.describe())
                                .isEqualTo(
                                        "Illegal transition Online -> NonExistent; NonExistent may only be entered from [Offline]"));
        assertThat(ReplicaState.transition(ReplicaState.Online, ReplicaState.ReplicaDeletionStarted))
                .isInstanceOfSatisfying(
                        IllegalStateTransition.class,
                        illegal -> assertThat(illegal.describe())
                                .isEqualTo(
                                        "Illegal transition Online -> ReplicaDeletionStarted; ReplicaDeletionStarted may only"
                                                + " be entered from [Offline]"));
        assertThat(ReplicaState.transition(ReplicaState.Offline, ReplicaState.New))
                .isInstanceOfSatisfying(
                        IllegalStateTransition.class,
                        illegal -> assertThat(illegal.describe())
                                .isEqualTo("Illegal transition Offline -> New; New may only be entered from"
                                        + " [NonExistentReplica]"));
    }
}
