package io.sluice.broker.tools;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/**
 * Plans the partition moves of {@code sluice-admin decommission} and {@code rebalance}: from the current assignment
 * (partition to replica list, the first replica being the preferred leader), the brokers with their racks, and the
 * brokers to empty, the target assignment. A pure function: no I/O, no randomness, the same input gives the same plan.
 *
 * <p><b>Constraints</b> (hard): every partition keeps its replication factor; no broker holds two replicas of one
 * partition; only target brokers (the given brokers minus the ones to empty) hold replicas; when the target brokers
 * have racks, every partition spans {@code min(RF, racks)} distinct racks, as Kafka's rack-aware assignment places
 * them.
 *
 * <p><b>Goals</b> (soft, in this order): move as few replicas as possible (a replica that may stay, stays, in its
 * position); replica counts per target broker within one of each other; preferred-leader counts within one of each
 * other. The goals can be out of reach when racks have uneven capacity; {@link Plan#replicasBalanced()} and
 * {@link Plan#leadersBalanced()} say whether they were reached.
 *
 * <p><b>Algorithm</b>:
 *
 * <ol>
 *   <li>Repair, partition by partition in (topic, partition) order: replicas on brokers that are not targets, and
 *       duplicates, leave holes; while the partition could not reach its rack spread by filling holes, the replica on
 *       the most loaded broker of its fullest rack leaves a hole too; each hole is filled (in place) by the target
 *       broker holding the fewest replicas among those that keep the rack spread reachable, preferring racks with
 *       fewer replicas of the partition, then lower load, then lower id.
 *   <li>Balance replicas: while some target broker holds at least two more replicas than another, one replica moves
 *       from the most loaded broker to the least loaded one it can go to without breaking a constraint (a follower
 *       replica preferred over a preferred leader, then the first partition in order). Every move lowers the sum of
 *       squared counts, so the loop ends.
 *   <li>Balance preferred leaders, by reordering replica lists only: while some broker is the first replica of at
 *       least two more partitions than another, the shortest chain of leadership hand-overs (found breadth-first over
 *       "a partition led by X has a replica on Y") from the busiest broker to one with at least two fewer is applied.
 * </ol>
 *
 * <p>Concurrency: stateless; every call works on its own copies.
 */
final class ReassignmentPlanner {
    private static final Comparator<TopicPartition> ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    private ReassignmentPlanner() {}

    /** A broker that may hold replicas; {@code rack} is null when it has none. */
    record Broker(int id, String rack) {}

    /** The plan cannot satisfy the constraints (nothing should be submitted); the message names why. */
    static final class InfeasiblePlanException extends Exception {
        private static final long serialVersionUID = 1L;

        InfeasiblePlanException(String message) {
            super(message);
        }
    }

    /**
     * A plan: the full current and target assignments, and the partitions whose replica list changes (set or order).
     *
     * @param current every partition's replicas before
     * @param target every partition's replicas after
     * @param moves the partitions whose list changes, with their target lists
     * @param replicasMoved how many replicas are created on a new broker (the data that is copied)
     * @param targetBrokers the brokers that may hold replicas, sorted
     */
    record Plan(
            SortedMap<TopicPartition, List<Integer>> current,
            SortedMap<TopicPartition, List<Integer>> target,
            SortedMap<TopicPartition, List<Integer>> moves,
            int replicasMoved,
            List<Integer> targetBrokers) {

        /** Replicas per broker of {@code assignment}, with 0 for target brokers that hold none. */
        SortedMap<Integer, Integer> replicaCounts(Map<TopicPartition, List<Integer>> assignment) {
            SortedMap<Integer, Integer> counts = zeros();
            assignment.values().forEach(rs -> rs.forEach(b -> counts.merge(b, 1, Integer::sum)));
            return counts;
        }

        /** Preferred leaders (first replicas) per broker of {@code assignment}, with 0 for idle target brokers. */
        SortedMap<Integer, Integer> leaderCounts(Map<TopicPartition, List<Integer>> assignment) {
            SortedMap<Integer, Integer> counts = zeros();
            assignment.values().stream()
                    .filter(rs -> !rs.isEmpty())
                    .forEach(rs -> counts.merge(rs.get(0), 1, Integer::sum));
            return counts;
        }

        private SortedMap<Integer, Integer> zeros() {
            SortedMap<Integer, Integer> counts = new TreeMap<>();
            targetBrokers.forEach(b -> counts.put(b, 0));
            return counts;
        }

        /** Whether the target brokers' replica counts differ by at most one. */
        boolean replicasBalanced() {
            return spread(replicaCounts(target)) <= 1;
        }

        /** Whether the target brokers' preferred-leader counts differ by at most one. */
        boolean leadersBalanced() {
            return spread(leaderCounts(target)) <= 1;
        }

        private int spread(SortedMap<Integer, Integer> counts) {
            List<Integer> values = targetBrokers.stream().map(counts::get).toList();
            return values.isEmpty()
                    ? 0
                    : values.stream().mapToInt(Integer::intValue).max().getAsInt()
                            - values.stream().mapToInt(Integer::intValue).min().getAsInt();
        }
    }

    /**
     * Plans the assignment of {@code current} onto {@code brokers} minus {@code empty}.
     *
     * @param current every partition's replica list (first = preferred leader); replicas may name brokers that are
     *     not in {@code brokers} (dead or removed ones), which then move
     * @param brokers the brokers that may hold replicas (the live ones) with their racks
     * @param empty brokers that must end with no replica (decommissioned); empty for a plain rebalance
     * @throws InfeasiblePlanException when some partition cannot be placed: fewer target brokers than its replication
     *     factor, no target broker, or racks on only some target brokers
     */
    static Plan plan(Map<TopicPartition, List<Integer>> current, Collection<Broker> brokers, Set<Integer> empty)
            throws InfeasiblePlanException {
        Map<Integer, String> racks = new TreeMap<>();
        for (Broker b : brokers) {
            if (!empty.contains(b.id())) {
                racks.put(b.id(), b.rack());
            }
        }
        if (racks.isEmpty()) {
            throw new InfeasiblePlanException("No broker would be left to hold replicas");
        }
        List<Integer> without = racks.entrySet().stream()
                .filter(e -> e.getValue() == null)
                .map(Map.Entry::getKey)
                .toList();
        if (!without.isEmpty() && without.size() < racks.size()) {
            throw new InfeasiblePlanException("Brokers " + without
                    + " have no broker.rack while others have one; rack-aware placement needs a rack on every broker");
        }
        SortedMap<TopicPartition, List<Integer>> before = new TreeMap<>(ORDER);
        current.forEach((tp, rs) -> before.put(tp, List.copyOf(rs)));
        int brokerCount = racks.size();
        for (Map.Entry<TopicPartition, List<Integer>> e : before.entrySet()) {
            if (e.getValue().size() > brokerCount) {
                throw new InfeasiblePlanException("Partition " + e.getKey() + " has replication factor "
                        + e.getValue().size() + " but only " + brokerCount + " broker" + (brokerCount == 1 ? "" : "s")
                        + " " + racks.keySet() + " would hold replicas");
            }
        }
        Work work = new Work(before, racks);
        work.repair();
        work.balanceReplicas();
        work.balanceLeaders();
        SortedMap<TopicPartition, List<Integer>> target = new TreeMap<>(ORDER);
        SortedMap<TopicPartition, List<Integer>> moves = new TreeMap<>(ORDER);
        int moved = 0;
        for (Map.Entry<TopicPartition, List<Integer>> e : work.assignment.entrySet()) {
            List<Integer> after = List.copyOf(e.getValue());
            List<Integer> was = before.get(e.getKey());
            target.put(e.getKey(), after);
            if (!after.equals(was)) {
                moves.put(e.getKey(), after);
                moved += (int) after.stream().filter(b -> !was.contains(b)).count();
            }
        }
        return new Plan(
                unmodifiable(before), unmodifiable(target), unmodifiable(moves), moved, List.copyOf(racks.keySet()));
    }

    private static SortedMap<TopicPartition, List<Integer>> unmodifiable(SortedMap<TopicPartition, List<Integer>> m) {
        return java.util.Collections.unmodifiableSortedMap(m);
    }

    /** The mutable state of one planning run. */
    private static final class Work {
        final SortedMap<TopicPartition, List<Integer>> assignment = new TreeMap<>(ORDER);
        final Map<Integer, String> racks;
        final List<Integer> brokers;
        final boolean rackAware;
        final int rackCount;
        final Map<Integer, Integer> load = new HashMap<>();
        final Map<Integer, Integer> leaders = new HashMap<>();

        Work(SortedMap<TopicPartition, List<Integer>> before, Map<Integer, String> racks) {
            this.racks = racks;
            this.brokers = List.copyOf(racks.keySet());
            this.rackAware = racks.values().stream().allMatch(Objects::nonNull);
            this.rackCount = rackAware ? new HashSet<>(racks.values()).size() : 0;
            brokers.forEach(b -> {
                load.put(b, 0);
                leaders.put(b, 0);
            });
            before.forEach((tp, rs) -> {
                List<Integer> copy = new ArrayList<>(rs);
                assignment.put(tp, copy);
                countUnique(copy);
            });
        }

        private void countUnique(List<Integer> rs) {
            Set<Integer> seen = new HashSet<>();
            for (Integer b : rs) {
                if (seen.add(b) && load.containsKey(b)) {
                    load.merge(b, 1, Integer::sum);
                }
            }
        }

        /** The number of distinct racks a partition of {@code rf} replicas must span. */
        int requiredRacks(int rf) {
            return rackAware ? Math.min(rf, rackCount) : 0;
        }

        int distinctRacks(Collection<Integer> replicas) {
            Set<String> seen = new HashSet<>();
            for (Integer b : replicas) {
                if (b != null) {
                    seen.add(racks.get(b));
                }
            }
            return seen.size();
        }

        // ---------------------------------------------------------- 1. repair

        void repair() {
            for (Map.Entry<TopicPartition, List<Integer>> e : assignment.entrySet()) {
                List<Integer> slots = e.getValue();
                int rf = slots.size();
                Set<Integer> seen = new HashSet<>();
                for (int i = 0; i < rf; i++) {
                    Integer b = slots.get(i);
                    if (!racks.containsKey(b) || !seen.add(b)) {
                        slots.set(i, null); // not a target broker, or a duplicate (its load was counted once)
                    }
                }
                while (!spreadReachable(slots)) {
                    int drop = replicaToDrop(slots);
                    load.merge(slots.get(drop), -1, Integer::sum);
                    slots.set(drop, null);
                }
                for (int i = 0; i < rf; i++) {
                    if (slots.get(i) == null) {
                        int chosen = fill(slots);
                        slots.set(i, chosen);
                        load.merge(chosen, 1, Integer::sum);
                    }
                }
            }
        }

        /** Whether filling the holes of {@code slots} with new racks can reach the required spread. */
        private boolean spreadReachable(List<Integer> slots) {
            int holes = (int) slots.stream().filter(Objects::isNull).count();
            int distinct = distinctRacks(slots);
            return distinct + Math.min(holes, rackCount - distinct) >= requiredRacks(slots.size());
        }

        /** The slot to empty: on the rack with most replicas of the partition, then a follower, the busiest broker. */
        private int replicaToDrop(List<Integer> slots) {
            Map<String, Integer> perRack = new HashMap<>();
            slots.stream().filter(Objects::nonNull).forEach(b -> perRack.merge(racks.get(b), 1, Integer::sum));
            int best = -1;
            for (int i = 0; i < slots.size(); i++) {
                Integer b = slots.get(i);
                if (b == null) {
                    continue;
                }
                if (best < 0 || dropBefore(slots, perRack, i, best)) {
                    best = i;
                }
            }
            return best;
        }

        private boolean dropBefore(List<Integer> slots, Map<String, Integer> perRack, int i, int j) {
            int bi = slots.get(i);
            int bj = slots.get(j);
            int byRack = Integer.compare(perRack.get(racks.get(bi)), perRack.get(racks.get(bj)));
            if (byRack != 0) {
                return byRack > 0;
            }
            if ((i == 0) != (j == 0)) {
                return j == 0;
            }
            int byLoad = Integer.compare(load.get(bi), load.get(bj));
            return byLoad != 0 ? byLoad > 0 : bi > bj;
        }

        /** The broker for one hole of {@code slots}. */
        private int fill(List<Integer> slots) {
            boolean needNewRack = rackAware && distinctRacks(slots) < requiredRacks(slots.size());
            Set<String> present = new HashSet<>();
            Map<String, Integer> perRack = new HashMap<>();
            for (Integer b : slots) {
                if (b != null) {
                    present.add(racks.get(b));
                    perRack.merge(racks.get(b), 1, Integer::sum);
                }
            }
            Integer best = null;
            for (int b : brokers) {
                if (slots.contains(b) || (needNewRack && present.contains(racks.get(b)))) {
                    continue;
                }
                if (best == null || fillBefore(perRack, b, best)) {
                    best = b;
                }
            }
            if (best == null) {
                // unreachable: plan() checked that there are at least RF target brokers
                throw new IllegalStateException("no broker for a replica of " + slots);
            }
            return best;
        }

        private boolean fillBefore(Map<String, Integer> perRack, int a, int b) {
            if (rackAware) {
                int byRack =
                        Integer.compare(perRack.getOrDefault(racks.get(a), 0), perRack.getOrDefault(racks.get(b), 0));
                if (byRack != 0) {
                    return byRack < 0;
                }
            }
            int byLoad = Integer.compare(load.get(a), load.get(b));
            return byLoad != 0 ? byLoad < 0 : a < b;
        }

        // ---------------------------------------------------------- 2. replica balance

        void balanceReplicas() {
            while (moveOneReplica()) {
                // each move lowers the sum of squared loads
            }
        }

        private boolean moveOneReplica() {
            List<Integer> donors = sorted(load, true);
            List<Integer> receivers = sorted(load, false);
            for (int donor : donors) {
                for (int receiver : receivers) {
                    if (load.get(donor) - load.get(receiver) < 2) {
                        break;
                    }
                    if (move(donor, receiver, false) || move(donor, receiver, true)) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** Moves one replica of {@code donor} (a preferred leader only when {@code leaderSlot}) to {@code receiver}. */
        private boolean move(int donor, int receiver, boolean leaderSlot) {
            for (List<Integer> rs : assignment.values()) {
                int slot = rs.indexOf(donor);
                if (slot < 0 || (slot == 0) != leaderSlot || rs.contains(receiver)) {
                    continue;
                }
                List<Integer> after = new ArrayList<>(rs);
                after.set(slot, receiver);
                if (distinctRacks(after) < requiredRacks(after.size())) {
                    continue;
                }
                rs.set(slot, receiver);
                load.merge(donor, -1, Integer::sum);
                load.merge(receiver, 1, Integer::sum);
                return true;
            }
            return false;
        }

        /** Brokers by count, descending or ascending, ties by id. */
        private List<Integer> sorted(Map<Integer, Integer> counts, boolean descending) {
            Comparator<Integer> byCount = Comparator.comparing(counts::get);
            return brokers.stream()
                    .sorted((descending ? byCount.reversed() : byCount).thenComparing(Comparator.naturalOrder()))
                    .toList();
        }

        // ---------------------------------------------------------- 3. leader balance

        void balanceLeaders() {
            brokers.forEach(b -> leaders.put(b, 0));
            assignment.values().forEach(rs -> leaders.merge(rs.get(0), 1, Integer::sum));
            while (handOverOnce()) {
                // each hand-over chain lowers the sum of squared leader counts
            }
        }

        private boolean handOverOnce() {
            for (int donor : sorted(leaders, true)) {
                List<Map.Entry<Integer, TopicPartition>> chain = chainFrom(donor);
                if (!chain.isEmpty()) {
                    for (Map.Entry<Integer, TopicPartition> step : chain) {
                        List<Integer> rs = assignment.get(step.getValue());
                        rs.remove(step.getKey());
                        rs.add(0, step.getKey());
                    }
                    leaders.merge(donor, -1, Integer::sum);
                    leaders.merge(chain.get(chain.size() - 1).getKey(), 1, Integer::sum);
                    return true;
                }
            }
            return false;
        }

        /**
         * The shortest chain of hand-overs (new leader, partition) from {@code donor} to a broker leading at least two
         * partitions fewer; empty when there is none.
         */
        private List<Map.Entry<Integer, TopicPartition>> chainFrom(int donor) {
            Map<Integer, List<TopicPartition>> ledBy = new TreeMap<>();
            assignment.forEach((tp, rs) ->
                    ledBy.computeIfAbsent(rs.get(0), k -> new ArrayList<>()).add(tp));
            Map<Integer, Map.Entry<Integer, TopicPartition>> via = new LinkedHashMap<>();
            Set<Integer> visited = new TreeSet<>(List.of(donor));
            ArrayDeque<Integer> queue = new ArrayDeque<>(List.of(donor));
            int limit = leaders.get(donor) - 2;
            while (!queue.isEmpty()) {
                int from = queue.poll();
                for (TopicPartition tp : ledBy.getOrDefault(from, List.of())) {
                    for (int to : assignment.get(tp)) {
                        if (!visited.add(to)) {
                            continue;
                        }
                        via.put(to, Map.entry(from, tp));
                        if (leaders.get(to) <= limit) {
                            List<Map.Entry<Integer, TopicPartition>> chain = new ArrayList<>();
                            for (int at = to; at != donor; at = via.get(at).getKey()) {
                                chain.add(0, Map.entry(at, via.get(at).getValue()));
                            }
                            return chain;
                        }
                        queue.add(to);
                    }
                }
            }
            return List.of();
        }
    }
}
