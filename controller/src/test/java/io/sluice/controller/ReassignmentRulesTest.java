package io.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.controller.leader.LeaderAndIsr;
import io.sluice.metadata.model.PartitionAssignment;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReassignmentRulesTest {

    private static final Set<Integer> ALL = Set.of(1, 2, 3, 4, 5, 6);

    @Test
    void aMoveListsTargetThenOriginReplicasWithAddingAndRemoving() {
        PartitionAssignment moving = ReassignmentRules.reassignTo(PartitionAssignment.of(1, 2, 3), List.of(3, 4, 5));
        assertThat(moving.replicas()).containsExactly(3, 4, 5, 1, 2);
        assertThat(moving.addingReplicas()).containsExactly(4, 5);
        assertThat(moving.removingReplicas()).containsExactly(1, 2);
        assertThat(ReassignmentRules.originReplicas(moving)).containsExactly(3, 1, 2);
        assertThat(ReassignmentRules.targetReplicas(moving)).containsExactly(3, 4, 5);
    }

    @Test
    void aNewMoveOfAMovingPartitionStartsFromItsOriginReplicas() {
        PartitionAssignment moving = ReassignmentRules.reassignTo(PartitionAssignment.of(1, 2, 3), List.of(4, 5, 6));
        PartitionAssignment again = ReassignmentRules.reassignTo(moving, List.of(1, 5, 6));
        assertThat(again.replicas()).containsExactly(1, 5, 6, 2, 3);
        assertThat(again.addingReplicas()).containsExactly(5, 6);
        assertThat(again.removingReplicas()).containsExactly(2, 3);
    }

    @Test
    void cancellingIsAMoveBackToTheOriginReplicas() {
        PartitionAssignment moving = ReassignmentRules.reassignTo(PartitionAssignment.of(1, 2, 3), List.of(4, 5, 6));
        PartitionAssignment cancelled = ReassignmentRules.reassignTo(moving, ReassignmentRules.originReplicas(moving));
        assertThat(cancelled).isEqualTo(PartitionAssignment.of(1, 2, 3));
        assertThat(cancelled.isReassigning()).isFalse();
    }

    @Test
    void completeOnlyWhenEveryTargetReplicaIsInTheIsr() {
        PartitionAssignment moving = ReassignmentRules.reassignTo(PartitionAssignment.of(1, 2, 3), List.of(4, 5, 6));
        assertThat(ReassignmentRules.isComplete(moving, List.of(1, 2, 3, 4, 5))).isFalse();
        assertThat(ReassignmentRules.isComplete(moving, List.of(1, 2, 3, 4, 5, 6)))
                .isTrue();
        assertThat(ReassignmentRules.isComplete(moving, List.of(6, 5, 4))).isTrue();
    }

    @Test
    void invalidTargetsAreNamedAsKafkaNamesThem() {
        PartitionAssignment current = PartitionAssignment.of(1, 2, 3);
        assertThat(ReassignmentRules.invalidTarget(List.of(), current, ALL))
                .hasValueSatisfying(m -> assertThat(m).contains("Empty"));
        assertThat(ReassignmentRules.invalidTarget(List.of(4, 4, 5), current, ALL))
                .hasValueSatisfying(m -> assertThat(m).contains("Duplicate"));
        assertThat(ReassignmentRules.invalidTarget(List.of(4, -1), current, ALL))
                .hasValueSatisfying(m -> assertThat(m).contains("Invalid broker id"));
        assertThat(ReassignmentRules.invalidTarget(List.of(4, 7), current, ALL))
                .hasValueSatisfying(m -> assertThat(m).contains("not alive"));
        // a dead broker that already holds a replica may stay
        assertThat(ReassignmentRules.invalidTarget(List.of(3, 4), current, Set.of(1, 2, 4)))
                .isEmpty();
        assertThat(ReassignmentRules.invalidTarget(List.of(4, 5, 6), current, ALL))
                .isEmpty();
    }

    @Test
    void completionMovesLeadershipIntoTheTargetShrinksTheIsrAndBumpsTheEpoch() {
        LeaderAndIsr current = new LeaderAndIsr(1, 4, List.of(1, 2, 3, 4, 5, 6));
        assertThat(ReassignmentRules.completion(current, List.of(4, 5, 6), ALL))
                .contains(new LeaderAndIsr(4, 5, List.of(4, 5, 6)));
        // a dead first target replica is skipped
        assertThat(ReassignmentRules.completion(current, List.of(4, 5, 6), Set.of(1, 5, 6)))
                .contains(new LeaderAndIsr(5, 5, List.of(4, 5, 6)));
    }

    @Test
    void completionKeepsALeaderThatStaysInTheTarget() {
        LeaderAndIsr current = new LeaderAndIsr(3, 2, List.of(1, 2, 3, 4));
        assertThat(ReassignmentRules.completion(current, List.of(4, 3), ALL))
                .contains(new LeaderAndIsr(3, 3, List.of(3, 4)));
    }

    @Test
    void completionWaitsWhenNoTargetReplicaCanLead() {
        LeaderAndIsr current = new LeaderAndIsr(1, 2, List.of(1, 4));
        assertThat(ReassignmentRules.completion(current, List.of(4), Set.of(1))).isEmpty();
    }
}
