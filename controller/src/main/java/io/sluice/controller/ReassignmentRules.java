package io.sluice.controller;

import io.sluice.controller.leader.LeaderAndIsr;
import io.sluice.metadata.model.PartitionAssignment;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The pure rules of a partition reassignment (KIP-455, as Kafka's ZooKeeper-mode controller applies them). Names:
 * ORS the original replicas, TRS the target replicas, RS the replicas while moving, AR the adding and RR the
 * removing replicas.
 *
 * <pre>
 *   no reassignment:  RS = ORS, AR = RR = []
 *        │ reassignTo(TRS)
 *        ▼
 *   moving:           RS = TRS ++ (ORS − TRS), AR = TRS − ORS, RR = ORS − TRS
 *        │ every replica of TRS is in the ISR (isComplete)
 *        ▼
 *   done:             RS = TRS, AR = RR = []; leader moved into TRS if needed, ISR = ISR ∩ TRS, leader epoch + 1
 * </pre>
 *
 * A new reassignment of a moving partition starts from its ORS (RS − AR); a cancellation is a reassignment to ORS.
 *
 * <p>Concurrency: stateless.
 */
final class ReassignmentRules {
    private ReassignmentRules() {}

    /** The replicas the partition had before the reassignment in progress (RS − AR); RS if none is. */
    static List<Integer> originReplicas(PartitionAssignment a) {
        return minus(a.replicas(), a.addingReplicas());
    }

    /** The replicas the partition will have when the reassignment in progress completes (RS − RR). */
    static List<Integer> targetReplicas(PartitionAssignment a) {
        return minus(a.replicas(), a.removingReplicas());
    }

    /**
     * The assignment while moving {@code current} to {@code target}: RS = TRS followed by the origin replicas not in
     * TRS, AR = TRS − ORS, RR = ORS − TRS. Moving to the origin replicas (a cancellation) gives an assignment that is
     * complete at once when the origin replicas are in the ISR.
     */
    static PartitionAssignment reassignTo(PartitionAssignment current, List<Integer> target) {
        List<Integer> origin = originReplicas(current);
        LinkedHashSet<Integer> full = new LinkedHashSet<>(target);
        full.addAll(origin);
        List<Integer> replicas = List.copyOf(full);
        return new PartitionAssignment(replicas, minus(replicas, origin), minus(origin, target));
    }

    /** Whether every target replica is in {@code isr}: the new replicas have caught up. */
    static boolean isComplete(PartitionAssignment a, Collection<Integer> isr) {
        return new HashSet<>(isr).containsAll(targetReplicas(a));
    }

    /**
     * Why {@code target} is not a valid target for a partition currently assigned {@code current}, as Kafka checks it
     * ({@code INVALID_REPLICA_ASSIGNMENT}): empty, duplicates, a negative id, or an added replica on a broker that is
     * not live. Empty when valid.
     */
    static Optional<String> invalidTarget(List<Integer> target, PartitionAssignment current, Set<Integer> live) {
        if (target.isEmpty()) {
            return Optional.of("Empty replica list specified in partition reassignment.");
        }
        if (new HashSet<>(target).size() != target.size()) {
            return Optional.of("Duplicate replica ids in partition reassignment replica list: " + target);
        }
        if (target.stream().anyMatch(b -> b < 0)) {
            return Optional.of("Invalid broker id in replica list: " + target);
        }
        List<Integer> adding = reassignTo(current, target).addingReplicas();
        if (!live.containsAll(adding)) {
            return Optional.of("Replica assignment has brokers that are not alive. Replica list: " + adding
                    + ", live broker list: " + live);
        }
        return Optional.empty();
    }

    /**
     * The partition state that completes a reassignment to {@code target}: the current leader stays when it is in the
     * target and live, otherwise the first target replica that is live and in the ISR leads; the ISR shrinks to the
     * target replicas; the leader epoch is bumped (the brokers accept only newer epochs, and the replica set changed).
     * Empty when no target replica can lead (none is live and in the ISR): the reassignment waits.
     */
    static Optional<LeaderAndIsr> completion(LeaderAndIsr current, List<Integer> target, Set<Integer> live) {
        List<Integer> isr = new ArrayList<>();
        for (int b : current.isr()) {
            if (target.contains(b)) {
                isr.add(b);
            }
        }
        int leader = LeaderAndIsr.NO_LEADER;
        if (target.contains(current.leader()) && live.contains(current.leader())) {
            leader = current.leader();
        } else {
            for (int b : target) {
                if (live.contains(b) && isr.contains(b)) {
                    leader = b;
                    break;
                }
            }
        }
        if (leader == LeaderAndIsr.NO_LEADER || isr.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new LeaderAndIsr(leader, current.leaderEpoch() + 1, isr));
    }

    private static List<Integer> minus(List<Integer> from, Collection<Integer> remove) {
        Set<Integer> r = new HashSet<>(remove);
        return from.stream().filter(b -> !r.contains(b)).toList();
    }
}
