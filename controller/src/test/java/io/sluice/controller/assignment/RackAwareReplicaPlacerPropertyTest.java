package io.sluice.controller.assignment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Placement invariants over many random cluster shapes: 1-12 brokers, no racks or 1-5 racks of
 * random (often unequal) sizes, RF 1..min(brokers, 4), 1-60 partitions, placed onto an empty
 * cluster or after up to three earlier topics of the same or of mixed RF (whose load is passed as
 * existing load).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RackAwareReplicaPlacerPropertyTest {

    private static final int SHAPES = 3_000;

    @Test
    void invariantsHoldForRandomClusterShapes() {
        Random shapes = new Random(20_261_121L);
        int withExistingLoad = 0;
        int unequalRacks = 0;
        for (int i = 0; i < SHAPES; i++) {
            ClusterShape cluster = randomCluster(shapes);
            long seed = shapes.nextLong();
            Random random = new Random(seed);
            RackAwareReplicaPlacer placer = new RackAwareReplicaPlacer(random);

            // Earlier topics placed by the same placer form the existing load.
            List<List<Integer>> all = new ArrayList<>();
            int rf = randomRf(shapes, cluster);
            boolean mixedRf = shapes.nextBoolean();
            int earlierTopics = shapes.nextBoolean() ? 0 : 1 + shapes.nextInt(3);
            for (int t = 0; t < earlierTopics; t++) {
                int earlierRf = mixedRf ? randomRf(shapes, cluster) : rf;
                Map<Integer, List<Integer>> earlier =
                        placer.place(PlacementRequest.newTopic(cluster.brokers(), 1 + shapes.nextInt(20), earlierRf)
                                .withExistingLoad(PlacementLoad.fromAssignments(all)));
                all.addAll(earlier.values());
            }
            withExistingLoad += earlierTopics > 0 ? 1 : 0;
            unequalRacks += cluster.hasRacks() && !cluster.racksEqualInSize() ? 1 : 0;

            int partitions = 1 + shapes.nextInt(60);
            int firstId = shapes.nextInt(3);
            PlacementRequest request = new PlacementRequest(
                    cluster.brokers(), firstId, partitions, rf, PlacementLoad.fromAssignments(all), false);
            long finalSeed = shapes.nextLong();
            String context = "shape " + i + " racks=" + cluster.brokersByRack() + " partitions=" + partitions + " rf="
                    + rf + " earlierTopics=" + earlierTopics;

            Map<Integer, List<Integer>> placed = new RackAwareReplicaPlacer(new Random(finalSeed)).place(request);
            all.addAll(placed.values());

            assertThat(placed.keySet()).as(context).containsExactlyElementsOf(range(firstId, partitions));
            for (List<Integer> replicas : placed.values()) {
                assertPartitionInvariants(cluster, rf, replicas, context);
            }
            Map<Integer, Integer> replicaCounts = cluster.replicaCounts(all);
            assertThat(cluster.maxSpreadWithinRack(replicaCounts))
                    .as("replica spread within a rack, %s: %s", context, replicaCounts)
                    .isLessThanOrEqualTo(1);
            if (cluster.racksEqualInSize()) {
                Map<Integer, Integer> leaderCounts = cluster.leaderCounts(all);
                // Replica balance within racks takes precedence, so on top of existing load the
                // cumulative leader balance is best effort (see the placer's Javadoc).
                assertThat(spread(leaderCounts))
                        .as("leader spread, %s: %s", context, leaderCounts)
                        .isLessThanOrEqualTo(earlierTopics == 0 ? 1 : 2);
            }
            if (!cluster.hasRacks() || cluster.rackCount() == 1) {
                assertThat(spread(replicaCounts))
                        .as("replica spread without a rack constraint, %s: %s", context, replicaCounts)
                        .isLessThanOrEqualTo(1);
            }
            assertThat(new RackAwareReplicaPlacer(new Random(finalSeed)).place(request))
                    .as("same seed, same placement: %s", context)
                    .isEqualTo(placed);
        }
        assertThat(withExistingLoad).as("shapes with existing load").isGreaterThan(SHAPES / 4);
        assertThat(unequalRacks).as("shapes with unequal racks").isGreaterThan(SHAPES / 4);
    }

    private static void assertPartitionInvariants(
            ClusterShape cluster, int rf, List<Integer> replicas, String context) {
        assertThat(replicas).as(context).hasSize(rf).doesNotHaveDuplicates();
        Map<String, Integer> perRack = new HashMap<>();
        replicas.forEach(b -> perRack.merge(cluster.rackOf(b), 1, Integer::sum));
        assertThat(perRack)
                .as("distinct racks while possible, %s: %s", context, replicas)
                .hasSize(Math.min(rf, cluster.rackCount()));
        // Extra replicas spread evenly: a rack may hold 2+ more than another only if the other is full.
        Map<String, List<Integer>> byRack = cluster.brokersByRack();
        for (String a : perRack.keySet()) {
            for (String b : byRack.keySet()) {
                int countB = perRack.getOrDefault(b, 0);
                if (perRack.get(a) >= countB + 2) {
                    assertThat(countB)
                            .as("rack %s is full when %s holds 2 more, %s: %s", b, a, context, replicas)
                            .isEqualTo(byRack.get(b).size());
                }
            }
        }
    }

    private static ClusterShape randomCluster(Random random) {
        int brokers = 1 + random.nextInt(12);
        if (random.nextInt(5) == 0) {
            return ClusterShape.noRacks(brokers);
        }
        int racks = 1 + random.nextInt(Math.min(5, brokers));
        String[] rackOf = new String[brokers];
        // Every rack gets one broker; the rest land on random racks, so sizes are often unequal.
        List<Integer> order = new ArrayList<>(range(0, brokers));
        Collections.shuffle(order, random);
        for (int i = 0; i < brokers; i++) {
            int rack = i < racks ? i : random.nextInt(racks);
            rackOf[order.get(i)] = "rack-" + rack;
        }
        return ClusterShape.racks(rackOf);
    }

    private static int randomRf(Random random, ClusterShape cluster) {
        return 1 + random.nextInt(Math.min(cluster.brokers().size(), 4));
    }

    private static int spread(Map<Integer, Integer> counts) {
        Set<Integer> values = new HashSet<>(counts.values());
        return values.stream().mapToInt(Integer::intValue).max().orElseThrow()
                - values.stream().mapToInt(Integer::intValue).min().orElseThrow();
    }

    private static List<Integer> range(int from, int count) {
        List<Integer> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(from + i);
        }
        return list;
    }
}
