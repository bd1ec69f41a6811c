package io.sluice.controller.assignment;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Replicas and preferred leaderships already held per broker, so that a new topic or new
 * partitions are placed against the whole cluster's load rather than in isolation. Immutable.
 *
 * @param replicasPerBroker broker id to number of replicas it already holds (absent = 0)
 * @param leadersPerBroker broker id to number of partitions it is already the preferred leader of
 *     (absent = 0)
 */
public record PlacementLoad(Map<Integer, Integer> replicasPerBroker, Map<Integer, Integer> leadersPerBroker) {

    private static final PlacementLoad EMPTY = new PlacementLoad(Map.of(), Map.of());

    public PlacementLoad {
        replicasPerBroker = Map.copyOf(replicasPerBroker);
        leadersPerBroker = Map.copyOf(leadersPerBroker);
        for (Map<Integer, Integer> m : List.of(replicasPerBroker, leadersPerBroker)) {
            m.forEach((broker, count) -> {
                if (count < 0) {
                    throw new IllegalArgumentException("negative load " + count + " for broker " + broker);
                }
            });
        }
    }

    /** No existing load. */
    public static PlacementLoad empty() {
        return EMPTY;
    }

    /** The load of existing assignments; the first replica of each list is its preferred leader. */
    public static PlacementLoad fromAssignments(Collection<List<Integer>> assignments) {
        return EMPTY.plus(assignments);
    }

    /** This load plus the given assignments (first replica of each list = preferred leader). */
    public PlacementLoad plus(Collection<List<Integer>> assignments) {
        Map<Integer, Integer> replicas = new HashMap<>(replicasPerBroker);
        Map<Integer, Integer> leaders = new HashMap<>(leadersPerBroker);
        for (List<Integer> replicaList : assignments) {
            if (replicaList.isEmpty()) {
                continue;
            }
            leaders.merge(replicaList.get(0), 1, Integer::sum);
            for (int broker : replicaList) {
                replicas.merge(broker, 1, Integer::sum);
            }
        }
        return new PlacementLoad(replicas, leaders);
    }

    /** Replicas already on the broker. */
    public int replicas(int brokerId) {
        return replicasPerBroker.getOrDefault(brokerId, 0);
    }

    /** Preferred leaderships already on the broker. */
    public int leaders(int brokerId) {
        return leadersPerBroker.getOrDefault(brokerId, 0);
    }
}
