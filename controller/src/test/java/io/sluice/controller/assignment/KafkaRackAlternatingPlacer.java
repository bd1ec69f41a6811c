package io.sluice.controller.assignment;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Baseline for comparison only: Kafka's rack-aware assignment as described for ZooKeeper-mode
 * topic creation. Brokers are listed rack-alternated (one broker of each rack in turn, racks and
 * brokers in id order), the leader of partition p is {@code list[(p + start) % n]} with a random
 * start, and followers are taken at a shifting offset from the leader, skipping brokers whose rack
 * already holds a replica until every rack has one.
 */
final class KafkaRackAlternatingPlacer {

    private KafkaRackAlternatingPlacer() {}

    static Map<Integer, List<Integer>> place(ClusterShape cluster, int partitions, int rf, Random random) {
        List<Integer> arranged = rackAlternated(cluster);
        int n = arranged.size();
        int numRacks = cluster.rackCount();
        int startIndex = random.nextInt(n);
        int nextReplicaShift = random.nextInt(n);
        Map<Integer, List<Integer>> result = new LinkedHashMap<>();
        for (int p = 0; p < partitions; p++) {
            if (p > 0 && p % n == 0) {
                nextReplicaShift++;
            }
            int firstReplicaIndex = (p + startIndex) % n;
            int leader = arranged.get(firstReplicaIndex);
            List<Integer> replicas = new ArrayList<>(List.of(leader));
            Set<String> racksWithReplicas = new HashSet<>(Set.of(cluster.rackOf(leader)));
            Set<Integer> brokersWithReplicas = new HashSet<>(Set.of(leader));
            int k = 0;
            for (int r = 0; r < rf - 1; r++) {
                boolean done = false;
                while (!done) {
                    int broker = arranged.get(replicaIndex(firstReplicaIndex, nextReplicaShift * numRacks, k, n));
                    String rack = cluster.rackOf(broker);
                    if ((!racksWithReplicas.contains(rack) || racksWithReplicas.size() == numRacks)
                            && (!brokersWithReplicas.contains(broker) || brokersWithReplicas.size() == n)) {
                        replicas.add(broker);
                        racksWithReplicas.add(rack);
                        brokersWithReplicas.add(broker);
                        done = true;
                    }
                    k++;
                }
            }
            result.put(p, List.copyOf(replicas));
        }
        return result;
    }

    private static int replicaIndex(int firstReplicaIndex, int secondReplicaShift, int replicaIndex, int n) {
        int shift = 1 + (secondReplicaShift + replicaIndex) % (n - 1);
        return (firstReplicaIndex + shift) % n;
    }

    private static List<Integer> rackAlternated(ClusterShape cluster) {
        Map<String, Iterator<Integer>> iterators = new TreeMap<>();
        cluster.brokersByRack().forEach((rack, brokers) -> iterators.put(rack, brokers.iterator()));
        List<Integer> arranged = new ArrayList<>();
        while (arranged.size() < cluster.brokers().size()) {
            for (Iterator<Integer> it : iterators.values()) {
                if (it.hasNext()) {
                    arranged.add(it.next());
                }
            }
        }
        return arranged;
    }
}
