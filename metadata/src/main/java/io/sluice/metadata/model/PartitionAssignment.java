package io.sluice.metadata.model;

import java.util.List;

/**
 * The replicas assigned to one partition in {@code /brokers/topics/T}; the first replica is the preferred leader.
 * {@code addingReplicas} and {@code removingReplicas} are non-empty only during a reassignment.
 */
public record PartitionAssignment(
        List<Integer> replicas, List<Integer> addingReplicas, List<Integer> removingReplicas) {

    public PartitionAssignment {
        replicas = List.copyOf(replicas);
        addingReplicas = List.copyOf(addingReplicas);
        removingReplicas = List.copyOf(removingReplicas);
    }

    /** An assignment with no reassignment in progress. */
    public static PartitionAssignment of(List<Integer> replicas) {
        return new PartitionAssignment(replicas, List.of(), List.of());
    }

    public static PartitionAssignment of(Integer... replicas) {
        return of(List.of(replicas));
    }

    /** The preferred leader (first replica), or {@link LeaderAndIsr#NO_LEADER} for an empty assignment. */
    public int preferredLeader() {
        return replicas.isEmpty() ? LeaderAndIsr.NO_LEADER : replicas.get(0);
    }

    public boolean isReassigning() {
        return !addingReplicas.isEmpty() || !removingReplicas.isEmpty();
    }
}
