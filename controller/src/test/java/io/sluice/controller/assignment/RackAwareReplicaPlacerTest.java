package io.sluice.controller.assignment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RackAwareReplicaPlacerTest {

    private static final ClusterShape EQUAL_RACKS = ClusterShape.racks("r1", "r1", "r2", "r2", "r3", "r3");
    private static final ClusterShape UNEQUAL_RACKS = ClusterShape.racks("r1", "r1", "r1", "r2", "r2", "r3");

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 2, 42, 7_777})
    void equalRacksGiveEveryBrokerTheSameReplicasAndLeaders(long seed) {
        Map<Integer, List<Integer>> placed = place(EQUAL_RACKS, 12, 3, seed);

        assertThat(placed).hasSize(12);
        placed.values()
                .forEach(replicas -> assertThat(racksOf(EQUAL_RACKS, replicas))
                        .as("racks of %s", replicas)
                        .hasSize(3));
        assertThat(EQUAL_RACKS.replicaCounts(placed.values()).values()).containsOnly(6);
        assertThat(EQUAL_RACKS.leaderCounts(placed.values()).values()).containsOnly(2);
    }

    /**
     * Racks of 3, 2 and 1 brokers, RF 3: every partition must span all three racks, so each rack
     * holds exactly 12 replicas. The fair share of a broker is its rack's total over the rack's
     * size: 4 on r1, 6 on r2, 12 on r3.
     */
    @ParameterizedTest
    @ValueSource(longs = {0, 1, 2, 42, 7_777})
    void unequalRacksGiveEveryBrokerItsFairShareWithinItsRack(long seed) {
        Map<Integer, List<Integer>> placed = place(UNEQUAL_RACKS, 12, 3, seed);

        placed.values()
                .forEach(replicas -> assertThat(racksOf(UNEQUAL_RACKS, replicas))
                        .as("racks of %s", replicas)
                        .hasSize(3));
        Map<Integer, Integer> replicas = UNEQUAL_RACKS.replicaCounts(placed.values());
        Map<String, Integer> fairShare = Map.of("r1", 4, "r2", 6, "r3", 12);
        replicas.forEach((broker, count) -> assertThat(count)
                .as("replicas of broker %d: %s", broker, replicas)
                .isLessThanOrEqualTo(fairShare.get(UNEQUAL_RACKS.rackOf(broker)) + 1));
        assertThat(UNEQUAL_RACKS.maxSpreadWithinRack(replicas))
                .as("%s", replicas)
                .isLessThanOrEqualTo(1);
        assertThat(UNEQUAL_RACKS.leaderCounts(placed.values()).values())
                .allSatisfy(leaders -> assertThat(leaders).isBetween(1, 3));
    }

    /**
     * Kafka's layout depends on its random start index and follower shift: some draws happen to be
     * even within racks, many are not. Ours is never worse and its worst case is strictly better.
     */
    @Test
    void kafkasRackAlternatingLayoutIsLessEvenWithinRacksOnUnequalRacks() {
        int oursWorst = 0;
        int kafkaWorst = 0;
        int kafkaUneven = 0;
        for (long seed = 0; seed < 50; seed++) {
            Map<Integer, List<Integer>> ours = place(UNEQUAL_RACKS, 12, 3, seed);
            Map<Integer, List<Integer>> kafka =
                    KafkaRackAlternatingPlacer.place(UNEQUAL_RACKS, 12, 3, new Random(seed));
            kafka.values()
                    .forEach(replicas -> assertThat(racksOf(UNEQUAL_RACKS, replicas))
                            .as("the baseline honours racks too")
                            .hasSize(3));
            int oursSpread = UNEQUAL_RACKS.maxSpreadWithinRack(UNEQUAL_RACKS.replicaCounts(ours.values()));
            int kafkaSpread = UNEQUAL_RACKS.maxSpreadWithinRack(UNEQUAL_RACKS.replicaCounts(kafka.values()));
            assertThat(oursSpread)
                    .as("seed %d: ours %s, Kafka's %s", seed, ours, kafka)
                    .isLessThanOrEqualTo(kafkaSpread);
            kafkaUneven += kafkaSpread > 0 ? 1 : 0;
            oursWorst = Math.max(oursWorst, oursSpread);
            kafkaWorst = Math.max(kafkaWorst, kafkaSpread);
        }
        assertThat(oursWorst).isZero();
        assertThat(kafkaWorst).isGreaterThan(oursWorst).isGreaterThanOrEqualTo(2);
        assertThat(kafkaUneven)
                .as("seeds where Kafka's layout is uneven within a rack")
                .isGreaterThan(25);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void largeUnequalClusterIsPlacedEvenlyWithinRacksAndLeadersAcrossBrokers() {
        String[] racks = new String[60];
        for (int i = 0; i < racks.length; i++) {
            racks[i] = i < 30 ? "big" : i < 50 ? "mid" : "small";
        }
        ClusterShape cluster = ClusterShape.racks(racks);
        Map<Integer, List<Integer>> placed = place(cluster, 3_000, 3, 11);

        Map<Integer, Integer> replicas = cluster.replicaCounts(placed.values());
        assertThat(cluster.maxSpreadWithinRack(replicas)).isLessThanOrEqualTo(1);
        // Every partition spans the three racks, so each rack holds 3,000 replicas.
        assertThat(replicas.get(0)).isEqualTo(100);
        assertThat(replicas.get(30)).isEqualTo(150);
        assertThat(replicas.get(50)).isEqualTo(300);
        assertThat(cluster.leaderCounts(placed.values()).values()).containsOnly(50);
    }

    @Test
    void replicationFactorAboveRackCountUsesEveryRackThenSpreadsTheRest() {
        ClusterShape twoRacks = ClusterShape.racks("a", "a", "a", "b", "b", "b");
        Map<Integer, List<Integer>> placed = place(twoRacks, 10, 4, 3);

        placed.values().forEach(replicas -> {
            Map<String, Long> perRack =
                    replicas.stream().collect(Collectors.groupingBy(twoRacks::rackOf, Collectors.counting()));
            assertThat(perRack).as("%s", replicas).containsOnly(Map.entry("a", 2L), Map.entry("b", 2L));
        });
    }

    @Test
    void addingPartitionsAgainstExistingLoadStaysBalanced() {
        RackAwareReplicaPlacer placer = new RackAwareReplicaPlacer(new Random(9));
        Map<Integer, List<Integer>> first = placer.place(PlacementRequest.newTopic(EQUAL_RACKS.brokers(), 5, 3));
        Map<Integer, List<Integer>> added = placer.place(PlacementRequest.newTopic(EQUAL_RACKS.brokers(), 7, 3)
                .startingAt(5)
                .withExistingLoad(PlacementLoad.fromAssignments(first.values())));

        assertThat(added.keySet()).containsExactly(5, 6, 7, 8, 9, 10, 11);
        List<List<Integer>> all = new ArrayList<>(first.values());
        all.addAll(added.values());
        assertThat(EQUAL_RACKS.replicaCounts(all).values()).containsOnly(6);
        assertThat(EQUAL_RACKS.leaderCounts(all).values()).containsOnly(2);
    }

    @Test
    void aNewEmptyBrokerReceivesTheNewReplicasFirst() {
        ClusterShape cluster = ClusterShape.noRacks(4);
        PlacementLoad load = new PlacementLoad(Map.of(0, 10, 1, 10, 2, 10), Map.of(0, 4, 1, 3, 2, 3));
        Map<Integer, List<Integer>> placed = new RackAwareReplicaPlacer(new Random(1))
                .place(PlacementRequest.newTopic(cluster.brokers(), 4, 1).withExistingLoad(load));

        assertThat(placed.values()).containsOnly(List.of(3));
    }

    @Test
    void withoutRacksEveryBrokerIsItsOwnRack() {
        ClusterShape cluster = ClusterShape.noRacks(5);
        Map<Integer, List<Integer>> placed = place(cluster, 10, 3, 5);

        placed.values().forEach(replicas -> assertThat(replicas).doesNotHaveDuplicates());
        assertThat(cluster.replicaCounts(placed.values()).values()).containsOnly(6);
        assertThat(cluster.leaderCounts(placed.values()).values()).containsOnly(2);
    }

    @Test
    void sameSeedSamePlacementAndDifferentSeedsVary() {
        Set<Map<Integer, List<Integer>>> distinct = new HashSet<>();
        for (long seed = 0; seed < 10; seed++) {
            assertThat(place(EQUAL_RACKS, 12, 3, seed)).isEqualTo(place(EQUAL_RACKS, 12, 3, seed));
            distinct.add(place(EQUAL_RACKS, 12, 3, seed));
        }
        assertThat(distinct).hasSizeGreaterThan(1);
    }

    @Test
    void mixedRackInformationIsRejectedNamingTheBrokersWithoutRack() {
        List<BrokerPlacementInfo> brokers = List.of(
                BrokerPlacementInfo.onRack(1, "r1"),
                BrokerPlacementInfo.withoutRack(2),
                BrokerPlacementInfo.onRack(3, "r2"),
                BrokerPlacementInfo.withoutRack(4));
        RackAwareReplicaPlacer placer = new RackAwareReplicaPlacer(new Random(0));

        assertThatThrownBy(() -> placer.place(PlacementRequest.newTopic(brokers, 3, 2)))
                .isInstanceOfSatisfying(
                        InvalidPlacementException.class,
                        e -> assertThat(e.error()).isEqualTo(Errors.INVALID_CONFIG))
                .hasMessageContaining("brokers without broker.rack: [2, 4]");

        Map<Integer, List<Integer>> placed =
                placer.place(PlacementRequest.newTopic(brokers, 4, 2).withIgnoreRacks(true));
        assertThat(placed).hasSize(4);
        assertThat(new ClusterShape(brokers).replicaCounts(placed.values()).values())
                .containsOnly(2);
    }

    @Test
    void replicationFactorAboveBrokerCountIsRejected() {
        assertRejected(
                PlacementRequest.newTopic(EQUAL_RACKS.brokers(), 3, 7),
                Errors.INVALID_REPLICATION_FACTOR,
                "Replication factor: 7 larger than available brokers: 6.");
        assertRejected(
                PlacementRequest.newTopic(List.of(), 3, 1),
                Errors.INVALID_REPLICATION_FACTOR,
                "Replication factor: 1 larger than available brokers: 0.");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1})
    void nonPositiveReplicationFactorOrPartitionCountIsRejected(int value) {
        assertRejected(
                PlacementRequest.newTopic(EQUAL_RACKS.brokers(), 3, value),
                Errors.INVALID_REPLICATION_FACTOR,
                "Replication factor must be larger than 0, got " + value);
        assertRejected(
                PlacementRequest.newTopic(EQUAL_RACKS.brokers(), value, 3),
                Errors.INVALID_PARTITIONS,
                "Number of partitions must be larger than 0, got " + value);
    }

    @Test
    void manualAssignmentRejectsDuplicatesUnknownBrokersAndMixedReplicationFactors() {
        Set<Integer> known = Set.of(1, 2, 3, 4);
        RackAwareReplicaPlacer.validateManualAssignment(Map.of(0, List.of(1, 2), 1, List.of(3, 4)), 0, known);
        RackAwareReplicaPlacer.validateManualAssignment(Map.of(4, List.of(2, 1)), 4, known);

        assertInvalidAssignment(
                Map.of(0, List.of(1, 2, 1)),
                0,
                known,
                "Duplicate brokers [1] in the replica list" + " [1, 2, 1] of partition 0.");
        assertInvalidAssignment(
                Map.of(0, List.of(1, 9), 1, List.of(7, 2)),
                0,
                known,
                "Unknown broker(s) in replica assignment: [7, 9], known brokers: [1, 2, 3, 4].");
        assertInvalidAssignment(
                Map.of(0, List.of(1, 2), 1, List.of(3), 2, List.of(4)),
                0,
                known,
                "All partitions must have the same replication factor; partitions by replication factor:"
                        + " {1=[1, 2], 2=[0]}.");
        assertInvalidAssignment(Map.of(0, List.of()), 0, known, "Partition 0 has an empty replica list.");
        assertInvalidAssignment(Map.of(), 0, known, "The replica assignment is empty.");
        assertInvalidAssignment(
                Map.of(0, List.of(1), 2, List.of(2)),
                0,
                known,
                "Partitions must be consecutive integers starting at 0, got [0, 2].");
        assertInvalidAssignment(
                Map.of(0, List.of(1)), 3, known, "Partitions must be consecutive integers starting at 3, got [0].");
    }

    private static void assertInvalidAssignment(
            Map<Integer, List<Integer>> assignment, int firstPartitionId, Set<Integer> known, String message) {
        assertThatThrownBy(() -> RackAwareReplicaPlacer.validateManualAssignment(assignment, firstPartitionId, known))
                .isInstanceOfSatisfying(
                        InvalidPlacementException.class,
                        e -> assertThat(e.error()).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT))
                .hasMessage(message);
    }

    private static void assertRejected(PlacementRequest request, Errors error, String message) {
        assertThatThrownBy(() -> new RackAwareReplicaPlacer(new Random(0)).place(request))
                .isInstanceOfSatisfying(
                        InvalidPlacementException.class,
                        e -> assertThat(e.error()).isEqualTo(error))
                .hasMessageContaining(message);
    }

    private static Map<Integer, List<Integer>> place(ClusterShape cluster, int partitions, int rf, long seed) {
        return new RackAwareReplicaPlacer(new Random(seed))
                .place(PlacementRequest.newTopic(cluster.brokers(), partitions, rf));
    }

    private static Set<String> racksOf(ClusterShape cluster, List<Integer> replicas) {
        return replicas.stream().map(cluster::rackOf).collect(Collectors.toSet());
    }
}
