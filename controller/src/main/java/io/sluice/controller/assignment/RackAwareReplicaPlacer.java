package io.sluice.controller.assignment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.protocol.Errors;

/**
 * Places the replicas of new partitions on live brokers, rack-aware and load-aware. A pure
 * function of its request and of the injected {@link Random}: the same seed and request give the
 * same placement.
 *
 * <h2>Goals</h2>
 *
 * <ol>
 *   <li>Every partition's replicas on distinct racks while racks allow: a partition uses {@code
 *       min(RF, #racks)} racks. When {@code RF > #racks} every rack is used and the extra replicas
 *       are spread as evenly over the racks as their sizes allow.
 *   <li>Replicas spread evenly over brokers, counting the load they already carry ({@link
 *       PlacementLoad}), so adding topics or partitions keeps the cluster balanced.
 *   <li>Preferred leaders (the first replica of each list) spread evenly over brokers.
 *   <li>Balance also when racks are unequal in size. Kafka's rack-alternating layout (rack-alternated
 *       broker list, random start index, shifting follower offset) overloads some brokers of the
 *       larger racks relative to their peers; this placer does not.
 * </ol>
 *
 * <h2>Constraints and the meaning of "fair share"</h2>
 *
 * <ul>
 *   <li>A partition never holds two replicas on the same broker; {@code RF > #brokers} is rejected.
 *   <li>The rack rule comes before balance. When {@code RF >= #racks} it <em>forces</em> the load of
 *       each rack: with racks of 3, 2 and 1 brokers and RF 3, every partition has one replica on the
 *       single broker of the third rack, whatever balance would prefer. Fairness is therefore defined
 *       per rack: the <b>fair share</b> of a broker is its rack's replica total divided by the number
 *       of brokers in the rack, and within a rack no two brokers differ by more than one replica
 *       (counting the existing load, provided it was balanced the same way). Across racks the
 *       placer balances only as far as the rack rule leaves it a choice.
 *   <li>Either every live broker has a rack or none has. A mix is a configuration error ({@link
 *       Errors#INVALID_CONFIG}, naming the brokers without rack) unless the request sets {@code
 *       ignoreRacks}, in which case racks are ignored altogether. Brokers without racks are treated
 *       as one rack each, which reduces the rack rule to "distinct brokers".
 *   <li>The existing load can be arbitrary. The placer starts from it and greedily adds to the least
 *       loaded brokers, so a broker that joined recently receives more of the new replicas and
 *       leaders until it catches up.
 * </ul>
 *
 * <h2>Algorithm</h2>
 *
 * <p>Draw a random permutation of the brokers; it only breaks ties, and rotates by one position
 * per partition so that equal-load brokers take turns and a broker's partitions get varied
 * followers. Keep per-broker replica and leader counts (existing load plus this call). For each
 * partition in order:
 *
 * <ol>
 *   <li><b>Replica set.</b> Fill RF slots one by one. Among brokers not yet in the partition pick
 *       the one whose rack holds the fewest replicas of this partition (0 = an unused rack, so racks
 *       are distinct while possible, and extra replicas go to the least used racks), then the
 *       fewest replicas, then the fewest leaders, then the earliest in tie-break order. Every pick
 *       is a least-loaded broker of its rack among those still eligible, which keeps the brokers of
 *       a rack within one replica of each other.
 *   <li><b>Preferred leader.</b> The member of the set with the fewest leaders goes first; the
 *       followers keep their pick order.
 * </ol>
 *
 * <p>Finally {@link LeaderBalancer} moves leaderships of the new partitions along shifting paths
 * (only reordering replica lists, never changing a replica set) until no broker leads two or more
 * partitions more than another broker it could hand one to. Placed on an empty cluster with racks
 * of equal size, leaders end within one of each other. On top of existing load, replica balance
 * within racks takes precedence, so cumulative leader balance is best effort: a small topic cannot
 * always give leaderships to brokers that must not receive more replicas.
 *
 * <p>Cost: {@code O(partitions * RF * brokers)} for the replica sets, plus one breadth-first search
 * over the new partitions per leader move; 3,000 partitions on 60 brokers take well under a second.
 *
 * <p>Concurrency: not thread-safe, since every call draws from the injected {@link Random}. The
 * controller event thread owns its instance; {@link #validateManualAssignment} is static and pure.
 */
public final class RackAwareReplicaPlacer {

    private final Random random;

    /** @param random source of the tie-break permutation; inject a seeded one for reproducibility */
    public RackAwareReplicaPlacer(Random random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * Places {@code request.partitionCount()} partitions.
     *
     * @return partition id to replica list, the first replica being the preferred leader; ordered
     *     by partition id
     * @throws InvalidPlacementException if the request cannot be honoured (error code inside)
     */
    public Map<Integer, List<Integer>> place(PlacementRequest request) {
        validate(request);
        Layout layout = new Layout(request);
        int n = layout.ids.length;
        int[] tieOrder = new int[n]; // tieOrder[i] = position of broker i in the random permutation
        List<Integer> permutation = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            permutation.add(i);
        }
        Collections.shuffle(permutation, random);
        for (int pos = 0; pos < n; pos++) {
            tieOrder[permutation.get(pos)] = pos;
        }

        int rf = request.replicationFactor();
        int[][] partitions = new int[request.partitionCount()][];
        boolean[] inPartition = new boolean[n];
        int[] partitionReplicasInRack = new int[layout.rackCount];
        for (int p = 0; p < partitions.length; p++) {
            Arrays.fill(inPartition, false);
            Arrays.fill(partitionReplicasInRack, 0);
            int rotation = p % n;
            int[] replicas = new int[rf];
            for (int slot = 0; slot < rf; slot++) {
                int chosen = pickReplica(layout, tieOrder, rotation, inPartition, partitionReplicasInRack);
                inPartition[chosen] = true;
                partitionReplicasInRack[layout.rackOf[chosen]]++;
                layout.replicas[chosen]++;
                replicas[slot] = chosen;
            }
            int leaderSlot = pickLeaderSlot(layout, tieOrder, rotation, replicas);
            layout.leaders[replicas[leaderSlot]]++;
            // The preferred leader goes first; the followers keep their pick order.
            int leader = replicas[leaderSlot];
            System.arraycopy(replicas, 0, replicas, 1, leaderSlot);
            replicas[0] = leader;
            partitions[p] = replicas;
        }
        new LeaderBalancer(layout.leaders, partitions).balance();

        Map<Integer, List<Integer>> result = new LinkedHashMap<>();
        for (int p = 0; p < partitions.length; p++) {
            List<Integer> ids = new ArrayList<>(rf);
            for (int position : partitions[p]) {
                ids.add(layout.ids[position]);
            }
            result.put(request.firstPartitionId() + p, List.copyOf(ids));
        }
        return Collections.unmodifiableMap(result);
    }

    /**
     * The next replica of a partition: among brokers not yet in it, the one whose rack holds the
     * fewest replicas of this partition, then the fewest replicas, then the fewest leaders, then the
     * earliest in the rotated tie-break order.
     */
    private static int pickReplica(
            Layout layout, int[] tieOrder, int rotation, boolean[] inPartition, int[] partitionReplicasInRack) {
        int n = layout.ids.length;
        int best = -1;
        for (int b = 0; b < n; b++) {
            if (inPartition[b]) {
                continue;
            }
            if (best < 0) {
                best = b;
                continue;
            }
            int c = Integer.compare(
                    partitionReplicasInRack[layout.rackOf[b]], partitionReplicasInRack[layout.rackOf[best]]);
            if (c == 0) {
                c = Integer.compare(layout.replicas[b], layout.replicas[best]);
            }
            if (c == 0) {
                c = Integer.compare(layout.leaders[b], layout.leaders[best]);
            }
            if (c == 0) {
                c = tie(tieOrder, rotation, n, b, best);
            }
            if (c < 0) {
                best = b;
            }
        }
        return best;
    }

    /** Index in {@code replicas} of the member with the fewest leaders, then the earliest in tie order. */
    private static int pickLeaderSlot(Layout layout, int[] tieOrder, int rotation, int[] replicas) {
        int n = layout.ids.length;
        int best = 0;
        for (int slot = 1; slot < replicas.length; slot++) {
            int b = replicas[slot];
            int c = Integer.compare(layout.leaders[b], layout.leaders[replicas[best]]);
            if (c == 0) {
                c = tie(tieOrder, rotation, n, b, replicas[best]);
            }
            if (c < 0) {
                best = slot;
            }
        }
        return best;
    }

    private static int tie(int[] tieOrder, int rotation, int n, int b, int other) {
        return Integer.compare(Math.floorMod(tieOrder[b] - rotation, n), Math.floorMod(tieOrder[other] - rotation, n));
    }

    private static void validate(PlacementRequest request) {
        int brokerCount = request.brokers().size();
        if (request.partitionCount() <= 0) {
            throw new InvalidPlacementException(
                    Errors.INVALID_PARTITIONS,
                    "Number of partitions must be larger than 0, got " + request.partitionCount() + ".");
        }
        if (request.replicationFactor() <= 0) {
            throw new InvalidPlacementException(
                    Errors.INVALID_REPLICATION_FACTOR,
                    "Replication factor must be larger than 0, got " + request.replicationFactor() + ".");
        }
        if (request.replicationFactor() > brokerCount) {
            throw new InvalidPlacementException(
                    Errors.INVALID_REPLICATION_FACTOR,
                    "Replication factor: " + request.replicationFactor() + " larger than available brokers: "
                            + brokerCount + ".");
        }
        Set<Integer> seen = new HashSet<>();
        for (BrokerPlacementInfo broker : request.brokers()) {
            if (!seen.add(broker.id())) {
                throw new IllegalArgumentException("broker " + broker.id() + " listed twice");
            }
        }
        if (!request.ignoreRacks()) {
            Set<Integer> withoutRack = new TreeSet<>();
            for (BrokerPlacementInfo broker : request.brokers()) {
                if (broker.rack().isEmpty()) {
                    withoutRack.add(broker.id());
                }
            }
            if (!withoutRack.isEmpty() && withoutRack.size() < brokerCount) {
                throw new InvalidPlacementException(
                        Errors.INVALID_CONFIG,
                        "Not all brokers have rack information; brokers without broker.rack: " + withoutRack
                                + ". Set broker.rack on every broker, or place replicas with racks ignored.");
            }
        }
    }

    /**
     * Validates an explicit replica assignment (CreateTopics / CreatePartitions with assignments).
     *
     * @param assignment partition id to replica list, first replica = preferred leader
     * @param firstPartitionId the id the partitions must start at (0 for a new topic, the current
     *     partition count when adding partitions); ids must be consecutive from there
     * @param knownBrokers ids of the brokers replicas may be assigned to
     * @throws InvalidPlacementException with {@link Errors#INVALID_REPLICA_ASSIGNMENT} naming the
     *     offending partitions and brokers
     */
    public static void validateManualAssignment(
            Map<Integer, List<Integer>> assignment, int firstPartitionId, Set<Integer> knownBrokers) {
        if (assignment.isEmpty()) {
            throw invalidAssignment("The replica assignment is empty.");
        }
        Map<Integer, List<Integer>> sorted = new TreeMap<>(assignment);
        int expected = firstPartitionId;
        for (int partition : sorted.keySet()) {
            if (partition != expected) {
                throw invalidAssignment("Partitions must be consecutive integers starting at " + firstPartitionId
                        + ", got " + sorted.keySet() + ".");
            }
            expected++;
        }
        Map<Integer, Set<Integer>> partitionsByRf = new TreeMap<>();
        Set<Integer> unknown = new TreeSet<>();
        for (Map.Entry<Integer, List<Integer>> entry : sorted.entrySet()) {
            List<Integer> replicas = entry.getValue();
            if (replicas.isEmpty()) {
                throw invalidAssignment("Partition " + entry.getKey() + " has an empty replica list.");
            }
            Map<Integer, Integer> counts = new HashMap<>();
            for (Integer broker : replicas) {
                Objects.requireNonNull(broker, "broker id");
                counts.merge(broker, 1, Integer::sum);
                if (!knownBrokers.contains(broker)) {
                    unknown.add(broker);
                }
            }
            Set<Integer> duplicates = new TreeSet<>();
            counts.forEach((broker, count) -> {
                if (count > 1) {
                    duplicates.add(broker);
                }
            });
            if (!duplicates.isEmpty()) {
                throw invalidAssignment("Duplicate brokers " + duplicates + " in the replica list " + replicas
                        + " of partition " + entry.getKey() + ".");
            }
            partitionsByRf
                    .computeIfAbsent(replicas.size(), rf -> new TreeSet<>())
                    .add(entry.getKey());
        }
        if (!unknown.isEmpty()) {
            throw invalidAssignment("Unknown broker(s) in replica assignment: " + unknown + ", known brokers: "
                    + new TreeSet<>(knownBrokers) + ".");
        }
        if (partitionsByRf.size() > 1) {
            throw invalidAssignment("All partitions must have the same replication factor; partitions by replication"
                    + " factor: " + partitionsByRf + ".");
        }
    }

    private static InvalidPlacementException invalidAssignment(String message) {
        return new InvalidPlacementException(Errors.INVALID_REPLICA_ASSIGNMENT, message);
    }

    /** Mutable per-call view of the brokers, indexed by position in id order. Confined to one call. */
    private static final class Layout {
        final int[] ids;
        final int[] rackOf;
        final int rackCount;
        final int[] replicas;
        final int[] leaders;

        Layout(PlacementRequest request) {
            List<BrokerPlacementInfo> brokers = new ArrayList<>(request.brokers());
            brokers.sort((a, b) -> Integer.compare(a.id(), b.id()));
            int n = brokers.size();
            ids = new int[n];
            rackOf = new int[n];
            replicas = new int[n];
            leaders = new int[n];
            boolean useRacks = !request.ignoreRacks()
                    && brokers.stream().allMatch(b -> b.rack().isPresent());
            Map<String, Integer> rackIndex = new TreeMap<>();
            if (useRacks) {
                brokers.forEach(b -> rackIndex.putIfAbsent(b.rack().orElseThrow(), 0));
                int next = 0;
                for (Map.Entry<String, Integer> e : rackIndex.entrySet()) {
                    e.setValue(next++);
                }
            }
            for (int i = 0; i < n; i++) {
                BrokerPlacementInfo broker = brokers.get(i);
                ids[i] = broker.id();
                // Without racks every broker is a rack of its own: the rack rule becomes "distinct brokers".
                rackOf[i] = useRacks ? rackIndex.get(broker.rack().orElseThrow()) : i;
                replicas[i] = request.existingLoad().replicas(broker.id());
                leaders[i] = request.existingLoad().leaders(broker.id());
            }
            rackCount = useRacks ? rackIndex.size() : n;
        }
    }
}
