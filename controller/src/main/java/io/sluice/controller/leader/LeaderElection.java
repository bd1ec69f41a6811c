package io.sluice.controller.leader;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * Leader election rules as pure functions: each takes a partition's assignment and current {@link
 * LeaderAndIsr} plus the cluster facts it needs, and returns the new state with the reason for it.
 * Nothing here writes ZooKeeper or talks to brokers; the controller writes the returned state with
 * its epoch fence and then tells the brokers.
 *
 * <p>Rules shared by all elections:
 *
 * <ul>
 *   <li>Every election that changes the leader, including losing it (leader {@code -1}), bumps the
 *       leader epoch by exactly one. A change of the ISR alone keeps the leader epoch; the write
 *       still bumps the partition epoch (the state znode's version). Kafka's ZooKeeper-mode
 *       controller also bumped the leader epoch when it shrank the ISR; Sluice follows its design
 *       rule that elections, and only elections, bump the leader epoch.
 *   <li>Candidates are taken in assignment order, so the preferred replica wins when eligible.
 *   <li>The ISR is never emptied. When every ISR member is offline the ISR is kept as it was: those
 *       replicas held every committed record when they left, so whichever comes back first can
 *       lead without unclean election.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class LeaderElection {

    private LeaderElection() {}

    /**
     * Election for a partition whose leader may have gone offline (broker failure, new partition,
     * controller failover): keeps a live leader, otherwise elects the first replica in assignment
     * order that is live and in the ISR; without one, and only if {@code uncleanEnabled}, the first
     * live replica with an ISR of just itself. The new ISR is the old ISR restricted to live
     * brokers, or the old ISR when none of it is live.
     *
     * @param assignment the partition's replicas, preferred leader first
     * @param current the current leader, leader epoch and ISR
     * @param liveBrokers brokers currently registered
     * @param uncleanEnabled {@code unclean.leader.election.enable} for the topic
     */
    public static ElectionResult offlinePartitionLeader(
            List<Integer> assignment, LeaderAndIsr current, Set<Integer> liveBrokers, boolean uncleanEnabled) {
        requireAssignment(assignment);
        List<Integer> liveIsr = retain(current.isr(), liveBrokers::contains);
        List<Integer> newIsr = liveIsr.isEmpty() ? current.isr() : liveIsr;
        int leader = current.leader();
        if (current.hasLeader()
                && liveBrokers.contains(leader)
                && current.isr().contains(leader)
                && assignment.contains(leader)) {
            if (newIsr.equals(current.isr())) {
                return new ElectionResult.Unchanged(current, "leader " + leader + " is live and in the ISR");
            }
            return new ElectionResult.IsrChanged(
                    current.withIsr(newIsr),
                    "leader " + leader + " stays; offline replicas " + removed(current.isr(), newIsr)
                            + " leave the ISR");
        }
        Optional<Integer> clean = assignment.stream()
                .filter(b -> liveBrokers.contains(b) && current.isr().contains(b))
                .findFirst();
        if (clean.isPresent()) {
            return new ElectionResult.Elected(current.withNewLeader(clean.get(), newIsr), false);
        }
        Optional<Integer> anyLive =
                assignment.stream().filter(liveBrokers::contains).findFirst();
        if (uncleanEnabled && anyLive.isPresent()) {
            return new ElectionResult.Elected(current.withNewLeader(anyLive.get(), List.of(anyLive.get())), true);
        }
        String reason = anyLive.isEmpty()
                ? "no replica of " + assignment + " is live"
                : "no live replica is in the ISR " + current.isr() + " and unclean.leader.election.enable is false"
                        + " (live replicas " + retain(assignment, liveBrokers::contains) + ")";
        if (current.hasLeader()) {
            return new ElectionResult.LeaderLost(current.withNewLeader(LeaderAndIsr.NO_LEADER, newIsr), reason);
        }
        if (!newIsr.equals(current.isr())) {
            return new ElectionResult.IsrChanged(current.withIsr(newIsr), reason);
        }
        return new ElectionResult.Unchanged(current, reason);
    }

    /**
     * Moves leadership back to the preferred (first assigned) replica if it is live and in the ISR;
     * the ISR is unchanged. Otherwise nothing changes and the reason says why.
     */
    public static ElectionResult preferredReplicaLeader(
            List<Integer> assignment, LeaderAndIsr current, Set<Integer> liveBrokers) {
        requireAssignment(assignment);
        int preferred = assignment.get(0);
        if (current.leader() == preferred) {
            return new ElectionResult.Unchanged(current, "preferred replica " + preferred + " is already the leader");
        }
        if (!liveBrokers.contains(preferred)) {
            return new ElectionResult.Unchanged(current, "preferred replica " + preferred + " is not live");
        }
        if (!current.isr().contains(preferred)) {
            return new ElectionResult.Unchanged(
                    current, "preferred replica " + preferred + " is not in the ISR " + current.isr());
        }
        return new ElectionResult.Elected(current.withNewLeader(preferred, current.isr()), false);
    }

    /**
     * Election when brokers shut down in a controlled way. If the leader is live, in the ISR and not
     * shutting down it stays and only the shutting-down brokers leave the ISR. Otherwise the first
     * replica in assignment order that is live, in the ISR and not shutting down becomes leader, and
     * the ISR drops the shutting-down brokers. If there is no such replica nothing changes: the
     * shutting-down leader keeps leading (the ISR is never emptied) and the broker's shutdown
     * reports the partition as remaining.
     */
    public static ElectionResult controlledShutdownLeader(
            List<Integer> assignment, LeaderAndIsr current, Set<Integer> liveBrokers, Set<Integer> shuttingDown) {
        requireAssignment(assignment);
        List<Integer> isrWithoutShuttingDown = retain(current.isr(), b -> !shuttingDown.contains(b));
        int leader = current.leader();
        if (current.hasLeader()
                && liveBrokers.contains(leader)
                && !shuttingDown.contains(leader)
                && current.isr().contains(leader)) {
            if (isrWithoutShuttingDown.equals(current.isr())) {
                return new ElectionResult.Unchanged(
                        current, "leader " + leader + " is not shutting down and neither is any ISR member");
            }
            return new ElectionResult.IsrChanged(
                    current.withIsr(isrWithoutShuttingDown),
                    "leader " + leader + " stays; shutting-down brokers "
                            + removed(current.isr(), isrWithoutShuttingDown) + " leave the ISR");
        }
        Optional<Integer> candidate = assignment.stream()
                .filter(b -> liveBrokers.contains(b) && current.isr().contains(b) && !shuttingDown.contains(b))
                .findFirst();
        if (candidate.isPresent()) {
            return new ElectionResult.Elected(current.withNewLeader(candidate.get(), isrWithoutShuttingDown), false);
        }
        return new ElectionResult.Unchanged(
                current,
                "no live ISR member outside the shutting-down brokers " + shuttingDown + " (ISR " + current.isr()
                        + "); leadership stays with " + leader);
    }

    private static void requireAssignment(List<Integer> assignment) {
        if (assignment.isEmpty()) {
            throw new IllegalArgumentException("a partition's assignment must not be empty");
        }
    }

    private static List<Integer> retain(List<Integer> brokers, IntPredicate keep) {
        List<Integer> kept = new ArrayList<>(brokers.size());
        for (int b : brokers) {
            if (keep.test(b)) {
                kept.add(b);
            }
        }
        return List.copyOf(kept);
    }

    private static List<Integer> removed(List<Integer> before, List<Integer> after) {
        return retain(before, b -> !after.contains(b));
    }
}
