package io.sluice.replication.partition;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The role and ISR of one partition replica as this broker sees it; immutable, swapped as a whole under the
 * partition's write lock.
 *
 * <pre>
 *   committed ──propose expand/shrink──► pending (one AlterPartition in flight)
 *      ▲                                   │
 *      └── controller commits / rejects ───┘   (a LeaderAndIsr resets to committed at any time)
 * </pre>
 *
 * @param leaderId the leader's broker id, -1 if none
 * @param leaderEpoch the leader epoch, -1 before the first LeaderAndIsr
 * @param partitionEpoch the partition epoch of the committed state
 * @param replicas the assigned replicas
 * @param isr the committed ISR (as last written by the controller)
 * @param maximalIsr the ISR the high watermark is computed over: the committed ISR plus the replica of a pending
 *     expansion; a pending shrink does not remove anyone here until the controller commits it
 * @param proposedIsr the ISR of the AlterPartition in flight, if any
 */
public record PartitionState(
        int leaderId,
        int leaderEpoch,
        int partitionEpoch,
        List<Integer> replicas,
        Set<Integer> isr,
        Set<Integer> maximalIsr,
        Optional<Set<Integer>> proposedIsr) {

    /** No LeaderAndIsr seen yet. */
    public static final PartitionState NONE =
            new PartitionState(-1, -1, -1, List.of(), Set.of(), Set.of(), Optional.empty());

    public PartitionState {
        replicas = List.copyOf(replicas);
        isr = sorted(isr);
        maximalIsr = sorted(maximalIsr);
        proposedIsr = proposedIsr.map(PartitionState::sorted);
    }

    private static Set<Integer> sorted(Set<Integer> ids) {
        return java.util.Collections.unmodifiableSet(new TreeSet<>(ids));
    }

    /** The committed state a LeaderAndIsr describes. */
    public static PartitionState committed(LeaderAndIsr la) {
        Set<Integer> isr = Set.copyOf(la.isr());
        return new PartitionState(
                la.leader(), la.leaderEpoch(), la.partitionEpoch(), la.replicas(), isr, isr, Optional.empty());
    }

    /** Whether an AlterPartition is in flight. */
    public boolean isPending() {
        return proposedIsr.isPresent();
    }

    /** Proposes adding {@code replica}: it counts towards the high watermark at once. */
    public PartitionState withPendingExpand(int replica) {
        Set<Integer> proposed = new TreeSet<>(isr);
        proposed.add(replica);
        return new PartitionState(
                leaderId, leaderEpoch, partitionEpoch, replicas, isr, proposed, Optional.of(proposed));
    }

    /** Proposes {@code newIsr} (a subset of the ISR): the removed replicas still count until committed. */
    public PartitionState withPendingShrink(Set<Integer> newIsr) {
        return new PartitionState(leaderId, leaderEpoch, partitionEpoch, replicas, isr, isr, Optional.of(newIsr));
    }

    /** The controller committed {@code newIsr} at {@code newPartitionEpoch}. */
    public PartitionState withCommittedIsr(Set<Integer> newIsr, int newPartitionEpoch) {
        return new PartitionState(leaderId, leaderEpoch, newPartitionEpoch, replicas, newIsr, newIsr, Optional.empty());
    }

    /** The proposal was not applied: back to the committed ISR. */
    public PartitionState withoutProposal() {
        return new PartitionState(leaderId, leaderEpoch, partitionEpoch, replicas, isr, isr, Optional.empty());
    }
}
