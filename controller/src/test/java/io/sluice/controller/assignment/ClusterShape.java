package io.sluice.controller.assignment;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Test helper: a set of brokers with optional racks, and the load figures the tests assert on. */
record ClusterShape(List<BrokerPlacementInfo> brokers) {

    /** Brokers 0..n-1 on the given racks, in order ({@code racks("r1","r1","r2")}). */
    static ClusterShape racks(String... racks) {
        List<BrokerPlacementInfo> brokers = new ArrayList<>();
        for (int i = 0; i < racks.length; i++) {
            brokers.add(BrokerPlacementInfo.onRack(i, racks[i]));
        }
        return new ClusterShape(brokers);
    }

    /** Brokers 0..n-1 without racks. */
    static ClusterShape noRacks(int n) {
        List<BrokerPlacementInfo> brokers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            brokers.add(BrokerPlacementInfo.withoutRack(i));
        }
        return new ClusterShape(brokers);
    }

    boolean hasRacks() {
        return brokers.stream().allMatch(b -> b.rack().isPresent());
    }

    /** Rack of a broker; without racks every broker is its own rack. */
    String rackOf(int brokerId) {
        Optional<String> rack = brokers.stream()
                .filter(b -> b.id() == brokerId)
                .findFirst()
                .orElseThrow()
                .rack();
        return rack.orElse("broker-" + brokerId);
    }

    /** Rack name to broker ids. */
    Map<String, List<Integer>> brokersByRack() {
        Map<String, List<Integer>> byRack = new TreeMap<>();
        for (BrokerPlacementInfo b : brokers) {
            byRack.computeIfAbsent(rackOf(b.id()), r -> new ArrayList<>()).add(b.id());
        }
        return byRack;
    }

    int rackCount() {
        return brokersByRack().size();
    }

    boolean racksEqualInSize() {
        return brokersByRack().values().stream().map(List::size).distinct().count() == 1;
    }

    /** Replicas per broker (every broker present) in the given assignments. */
    Map<Integer, Integer> replicaCounts(Iterable<List<Integer>> assignments) {
        Map<Integer, Integer> counts = zeroes();
        assignments.forEach(replicas -> replicas.forEach(b -> counts.merge(b, 1, Integer::sum)));
        return counts;
    }

    /** Preferred leaderships per broker (every broker present) in the given assignments. */
    Map<Integer, Integer> leaderCounts(Iterable<List<Integer>> assignments) {
        Map<Integer, Integer> counts = zeroes();
        assignments.forEach(replicas -> counts.merge(replicas.get(0), 1, Integer::sum));
        return counts;
    }

    /** Largest max-minus-min of replica counts among the brokers of one rack. */
    int maxSpreadWithinRack(Map<Integer, Integer> replicaCounts) {
        int worst = 0;
        for (List<Integer> members : brokersByRack().values()) {
            int max = members.stream().mapToInt(replicaCounts::get).max().orElseThrow();
            int min = members.stream().mapToInt(replicaCounts::get).min().orElseThrow();
            worst = Math.max(worst, max - min);
        }
        return worst;
    }

    private Map<Integer, Integer> zeroes() {
        Map<Integer, Integer> counts = new HashMap<>();
        brokers.forEach(b -> counts.put(b.id(), 0));
        return counts;
    }
}
