package io.sluice.controller.assignment;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Evens out preferred leaderships among freshly placed partitions without touching their replica
 * sets: it only changes which member of a partition's replica list comes first.
 *
 * <p>Repeatedly looks for a <em>shifting path</em> from a broker {@code u} to a broker {@code y}
 * with {@code leaders[y] <= leaders[u] - 2}: {@code u} leads partition q1 which has {@code x1} as a
 * replica, {@code x1} leads q2 which has {@code x2}, ..., ending at {@code y}. Moving each
 * leadership one step along the path lowers {@code u} by one and raises {@code y} by one, leaving
 * the brokers in between unchanged; the sum of squared leader counts strictly drops, so the loop
 * ends. When no such path exists the leader counts are optimally balanced for the given replica
 * sets and the fixed existing leaders (the classic characterisation of balanced semi-matchings).
 *
 * <p>Not thread-safe; used within one {@link RackAwareReplicaPlacer#place} call.
 */
final class LeaderBalancer {

    private final int[] leaders;
    private final int[][] partitions;

    /**
     * @param leaders per-broker leader counts including the given partitions' current leaders;
     *     updated in place
     * @param partitions broker positions of each new partition, leader first; reordered in place
     */
    LeaderBalancer(int[] leaders, int[][] partitions) {
        this.leaders = leaders;
        this.partitions = partitions;
    }

    void balance() {
        boolean improved = true;
        while (improved) {
            improved = false;
            List<List<Integer>> ledBy = ledBy();
            for (int u = 0; u < leaders.length && !improved; u++) {
                if (!ledBy.get(u).isEmpty()) {
                    improved = shiftFrom(u, ledBy);
                }
            }
        }
    }

    /** Breadth-first search for a shifting path from {@code u}; applies the first one found. */
    private boolean shiftFrom(int u, List<List<Integer>> ledBy) {
        int n = leaders.length;
        int[] viaPartition = new int[n];
        int[] previous = new int[n];
        Arrays.fill(viaPartition, -1);
        boolean[] visited = new boolean[n];
        visited[u] = true;
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        queue.add(u);
        while (!queue.isEmpty()) {
            int x = queue.poll();
            for (int q : ledBy.get(x)) {
                for (int y : partitions[q]) {
                    if (visited[y]) {
                        continue;
                    }
                    visited[y] = true;
                    viaPartition[y] = q;
                    previous[y] = x;
                    if (leaders[y] <= leaders[u] - 2) {
                        applyPath(u, y, viaPartition, previous);
                        return true;
                    }
                    queue.add(y);
                }
            }
        }
        return false;
    }

    private void applyPath(int u, int y, int[] viaPartition, int[] previous) {
        leaders[u]--;
        leaders[y]++;
        for (int to = y; to != u; to = previous[to]) {
            makeLeader(partitions[viaPartition[to]], to);
        }
    }

    /** Moves {@code broker} to the front of the replica list, keeping the others' relative order. */
    private static void makeLeader(int[] replicas, int broker) {
        int slot = 0;
        while (replicas[slot] != broker) {
            slot++;
        }
        System.arraycopy(replicas, 0, replicas, 1, slot);
        replicas[0] = broker;
    }

    private List<List<Integer>> ledBy() {
        List<List<Integer>> ledBy = new ArrayList<>(leaders.length);
        for (int b = 0; b < leaders.length; b++) {
            ledBy.add(new ArrayList<>());
        }
        for (int q = 0; q < partitions.length; q++) {
            ledBy.get(partitions[q][0]).add(q);
        }
        return ledBy;
    }
}
