package io.sluice.broker.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.tools.ReassignmentPlanner.Broker;
import io.sluice.broker.tools.ReassignmentPlanner.InfeasiblePlanException;
import io.sluice.broker.tools.ReassignmentPlanner.Plan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ReassignmentPlannerTest {

    private static List<Broker> brokers(String... racks) {
        List<Broker> out = new ArrayList<>();
        for (int i = 0; i < racks.length; i++) {
            out.add(new Broker(i + 1, racks[i]));
        }
        return out;
    }

    /** {@code partitions} partitions of RF {@code rf} round-robin over brokers {@code 1..n}, as a plain create does. */
    private static Map<TopicPartition, List<Integer>> roundRobin(String topic, int partitions, int rf, int n) {
        Map<TopicPartition, List<Integer>> out =
                new TreeMap<>((a, b) -> a.topic().equals(b.topic())
                        ? Integer.compare(a.partition(), b.partition())
                        : a.topic().compareTo(b.topic()));
        for (int p = 0; p < partitions; p++) {
            List<Integer> rs = new ArrayList<>();
            for (int r = 0; r < rf; r++) {
                rs.add(1 + (p + r) % n);
            }
            out.put(new TopicPartition(topic, p), rs);
        }
        return out;
    }

    /** Every hard constraint of the planner, checked on a plan. */
    private static void assertValid(Plan plan, List<Broker> brokers, Set<Integer> empty) {
        Map<Integer, String> racks = new HashMap<>();
        brokers.stream().filter(b -> !empty.contains(b.id())).forEach(b -> racks.put(b.id(), b.rack()));
        boolean rackAware = racks.values().stream().allMatch(r -> r != null);
        int rackCount = new HashSet<>(racks.values()).size();
        assertThat(plan.target().keySet()).isEqualTo(plan.current().keySet());
        plan.target().forEach((tp, rs) -> {
            List<Integer> before = plan.current().get(tp);
            assertThat(rs).as("replicas of %s", tp).hasSize(before.size()).doesNotHaveDuplicates();
            assertThat(racks.keySet()).as("brokers of %s", tp).containsAll(rs);
            if (rackAware) {
                Set<String> spanned = new HashSet<>();
                rs.forEach(b -> spanned.add(racks.get(b)));
                assertThat(spanned).as("racks of %s %s", tp, rs).hasSize(Math.min(rs.size(), rackCount));
            }
        });
        plan.moves().forEach((tp, rs) -> assertThat(plan.target().get(tp)).isEqualTo(rs));
        plan.target().forEach((tp, rs) -> {
            if (!plan.moves().containsKey(tp)) {
                assertThat(rs).isEqualTo(plan.current().get(tp));
            }
        });
    }

    private static int spread(Map<Integer, Integer> counts) {
        return Collections.max(counts.values()) - Collections.min(counts.values());
    }

    @Test
    void decommissionEmptiesTheBrokerAndBalancesTheRest() throws Exception {
        List<Broker> brokers = brokers("a", "a", "b", "b");
        Map<TopicPartition, List<Integer>> current = roundRobin("orders", 12, 3, 4);

        Plan plan = ReassignmentPlanner.plan(current, brokers, Set.of(4));

        assertValid(plan, brokers, Set.of(4));
        assertThat(plan.target().values()).allSatisfy(rs -> assertThat(rs).doesNotContain(4));
        assertThat(plan.targetBrokers()).containsExactly(1, 2, 3);
        assertThat(plan.replicaCounts(plan.target()))
                .containsEntry(1, 12)
                .containsEntry(2, 12)
                .containsEntry(3, 12);
        assertThat(spread(plan.leaderCounts(plan.target()))).isLessThanOrEqualTo(1);
        // broker 4 held 9 replicas: each is created elsewhere once, nothing else moves
        assertThat(plan.replicasMoved()).isEqualTo(9);
        assertThat(plan.replicasBalanced()).isTrue();
        assertThat(plan.leadersBalanced()).isTrue();
    }

    @Test
    void decommissionOfOneOfSixMovesOnlyItsReplicasAndEvensTheRest() throws Exception {
        List<Broker> brokers = brokers(null, null, null, null, null, null);
        Map<TopicPartition, List<Integer>> current = new TreeMap<>(ReassignmentPlannerTest::compare);
        current.putAll(roundRobin("t1", 30, 3, 6));
        current.putAll(roundRobin("t2", 7, 2, 6));

        Plan plan = ReassignmentPlanner.plan(current, brokers, Set.of(3));

        assertValid(plan, brokers, Set.of(3));
        long onThree = current.values().stream().filter(rs -> rs.contains(3)).count();
        assertThat(plan.replicasMoved()).isEqualTo((int) onThree);
        assertThat(spread(plan.replicaCounts(plan.target()))).isLessThanOrEqualTo(1);
        assertThat(spread(plan.leaderCounts(plan.target()))).isLessThanOrEqualTo(1);
    }

    @Test
    void aRackLeftWithOneBrokerKeepsTheSpreadAndReportsTheImbalance() throws Exception {
        List<Broker> brokers = brokers("a", "b", "c", "a", "b", "c");
        Map<TopicPartition, List<Integer>> current = roundRobin("t", 12, 3, 6);

        Plan plan = ReassignmentPlanner.plan(current, brokers, Set.of(3));

        // every partition needs rack c, which only broker 6 has left: the spread wins over the balance
        assertValid(plan, brokers, Set.of(3));
        assertThat(plan.replicaCounts(plan.target())).containsEntry(6, 12);
        assertThat(plan.replicasBalanced()).isFalse();
    }

    private static int compare(TopicPartition a, TopicPartition b) {
        int byTopic = a.topic().compareTo(b.topic());
        return byTopic != 0 ? byTopic : Integer.compare(a.partition(), b.partition());
    }

    @Test
    void rebalanceOntoAnAddedBrokerMovesTheFewestReplicas() throws Exception {
        for (int partitions : new int[] {1, 4, 12, 13, 50}) {
            List<Broker> brokers = brokers("a", "a", "b", "b");
            Map<TopicPartition, List<Integer>> current = roundRobin("t", partitions, 3, 3);
            // brokers 1,2,3 on racks a,a,b hold everything; 4 (rack b) is new
            Plan plan = ReassignmentPlanner.plan(current, brokers, Set.of());

            assertValid(plan, brokers, Set.of());
            Map<Integer, Integer> replicas = plan.replicaCounts(plan.target());
            assertThat(spread(replicas))
                    .as("%d partitions: %s", partitions, replicas)
                    .isLessThanOrEqualTo(1);
            assertThat(spread(plan.leaderCounts(plan.target())))
                    .as("%d partitions: leaders", partitions)
                    .isLessThanOrEqualTo(1);
            // the new broker must receive floor(3P/4) replicas; nothing more moves
            assertThat(plan.replicasMoved()).as("%d partitions", partitions).isEqualTo(3 * partitions / 4);
        }
    }

    @Test
    void aBalancedClusterNeedsNoMove() throws Exception {
        List<Broker> brokers = brokers("a", "b", "c");
        Plan plan = ReassignmentPlanner.plan(roundRobin("t", 9, 3, 3), brokers, Set.of());

        assertThat(plan.moves()).isEmpty();
        assertThat(plan.replicasMoved()).isZero();
        assertThat(plan.target()).isEqualTo(plan.current());
    }

    @Test
    void leadersAreBalancedByReorderingWithoutMovingData() throws Exception {
        Map<TopicPartition, List<Integer>> current = new TreeMap<>(ReassignmentPlannerTest::compare);
        for (int p = 0; p < 6; p++) {
            current.put(new TopicPartition("t", p), List.of(1, 2, 3));
        }
        Plan plan = ReassignmentPlanner.plan(current, brokers("a", "b", "c"), Set.of());

        assertThat(plan.replicasMoved()).isZero();
        assertThat(plan.leaderCounts(plan.target()))
                .containsEntry(1, 2)
                .containsEntry(2, 2)
                .containsEntry(3, 2);
        assertThat(plan.moves()).hasSize(4);
        plan.moves().values().forEach(rs -> assertThat(rs).containsExactlyInAnyOrder(1, 2, 3));
    }

    @Test
    void aPartitionOnOneRackIsSpreadOverTwo() throws Exception {
        List<Broker> brokers = brokers("a", "a", "b", "b");
        Map<TopicPartition, List<Integer>> current = new TreeMap<>(ReassignmentPlannerTest::compare);
        current.put(new TopicPartition("t", 0), List.of(1, 2));
        current.put(new TopicPartition("t", 1), List.of(3, 4));

        Plan plan = ReassignmentPlanner.plan(current, brokers, Set.of());

        assertValid(plan, brokers, Set.of());
        assertThat(plan.replicasMoved()).isEqualTo(2);
        // the preferred leaders stay where they were
        assertThat(plan.target().get(new TopicPartition("t", 0)).get(0)).isEqualTo(1);
        assertThat(plan.target().get(new TopicPartition("t", 1)).get(0)).isEqualTo(3);
    }

    @Test
    void replicasOnABrokerThatIsGoneMoveToLiveOnes() throws Exception {
        List<Broker> brokers = brokers(null, null, null);
        Map<TopicPartition, List<Integer>> current = new TreeMap<>(ReassignmentPlannerTest::compare);
        current.put(new TopicPartition("t", 0), List.of(7, 1));
        current.put(new TopicPartition("t", 1), List.of(2, 7));

        Plan plan = ReassignmentPlanner.plan(current, brokers, Set.of());

        assertValid(plan, brokers, Set.of());
        assertThat(plan.target().get(new TopicPartition("t", 0))).containsExactly(3, 1);
        // 3 got the first hole, so 1 and 3 tie for the second: the lower id wins
        assertThat(plan.target().get(new TopicPartition("t", 1))).containsExactly(2, 1);
        assertThat(plan.replicaCounts(plan.current())).containsEntry(7, 2);
    }

    @Test
    void tooFewBrokersForTheReplicationFactorIsRefusedNamingThePartition() {
        Map<TopicPartition, List<Integer>> current = roundRobin("orders", 3, 3, 3);

        assertThatThrownBy(() -> ReassignmentPlanner.plan(current, brokers("a", "b", "c"), Set.of(3)))
                .isInstanceOf(InfeasiblePlanException.class)
                .hasMessageContaining("orders-0 has replication factor 3 but only 2 brokers [1, 2]");
        assertThatThrownBy(() -> ReassignmentPlanner.plan(current, brokers("a"), Set.of(1)))
                .isInstanceOf(InfeasiblePlanException.class)
                .hasMessageContaining("No broker would be left");
    }

    @Test
    void racksOnSomeBrokersOnlyAreRefused() {
        assertThatThrownBy(() -> ReassignmentPlanner.plan(roundRobin("t", 3, 2, 3), brokers("a", null, "b"), Set.of()))
                .isInstanceOf(InfeasiblePlanException.class)
                .hasMessageContaining("Brokers [2] have no broker.rack");
    }

    @Test
    void thePlanDoesNotDependOnTheInputOrder() throws Exception {
        Map<TopicPartition, List<Integer>> sorted = roundRobin("t", 20, 3, 3);
        Map<TopicPartition, List<Integer>> shuffled = new LinkedHashMap<>();
        List<TopicPartition> keys = new ArrayList<>(sorted.keySet());
        Collections.shuffle(keys, new Random(7));
        keys.forEach(k -> shuffled.put(k, sorted.get(k)));
        List<Broker> brokers = brokers("a", "b", "c", "a", "b");
        List<Broker> reversed = new ArrayList<>(brokers);
        Collections.reverse(reversed);

        Plan one = ReassignmentPlanner.plan(sorted, brokers, Set.of());
        Plan two = ReassignmentPlanner.plan(shuffled, reversed, Set.of());

        assertThat(two.target()).isEqualTo(one.target());
        assertThat(two.moves()).isEqualTo(one.moves());
    }

    /**
     * Seeded random clusters with even racks (or none), random current assignments (including replicas on departed
     * brokers) and random decommissions: every plan keeps the constraints and reaches both balances.
     */
    @Test
    void randomClustersWithEvenRacksAreAlwaysPlacedValidAndBalanced() throws Exception {
        Random random = new Random(20261208L);
        for (int run = 0; run < 200; run++) {
            int rackCount = random.nextInt(4); // 0 = no racks
            int perRack = 1 + random.nextInt(3);
            int n = Math.max(2, rackCount == 0 ? 2 + random.nextInt(6) : rackCount * perRack);
            List<Broker> brokers = new ArrayList<>();
            for (int id = 1; id <= n; id++) {
                brokers.add(new Broker(id, rackCount == 0 ? null : "r" + (id % rackCount)));
            }
            Set<Integer> empty = new HashSet<>();
            if (rackCount == 0 && random.nextBoolean()) {
                empty.add(1 + random.nextInt(n));
            }
            int targets = n - empty.size();
            Map<TopicPartition, List<Integer>> current = new HashMap<>();
            int topics = 1 + random.nextInt(3);
            // one replication factor per run: with mixed ones a broker holding only RF 1 replicas must lead them all
            int rf = 1 + random.nextInt(Math.min(3, targets));
            for (int t = 0; t < topics; t++) {
                int partitions = 1 + random.nextInt(25);
                for (int p = 0; p < partitions; p++) {
                    List<Integer> ids = new ArrayList<>();
                    for (int id = 1; id <= n + 1; id++) {
                        ids.add(id); // n + 1 is a broker that left the cluster
                    }
                    Collections.shuffle(ids, random);
                    current.put(new TopicPartition("t" + t, p), List.copyOf(ids.subList(0, rf)));
                }
            }

            Plan plan = ReassignmentPlanner.plan(current, brokers, empty);

            String what = "run " + run + " brokers " + brokers + " empty " + empty;
            assertValid(plan, brokers, empty);
            assertThat(spread(plan.replicaCounts(plan.target()))).as(what).isLessThanOrEqualTo(1);
            assertThat(spread(plan.leaderCounts(plan.target()))).as(what).isLessThanOrEqualTo(1);
            assertThat(ReassignmentPlanner.plan(current, brokers, empty))
                    .as(what)
                    .isEqualTo(plan);
        }
    }
}
