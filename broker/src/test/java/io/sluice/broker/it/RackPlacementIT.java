package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rack-aware placement as clients see it: six brokers on three racks, a 12-partition RF 3 topic created through the
 * stock Admin client, checked with {@code describeCluster} (racks) and {@code describeTopics} (replicas, leaders).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RackPlacementIT {
    private static final String TOPIC = "placed";
    private static final int PARTITIONS = 12;

    @Test
    void equalRacksGiveEveryPartitionThreeRacksAndEveryBrokerTwoLeaders() throws Exception {
        try (InJvmCluster cluster = InJvmCluster.start(6, Map.of(), List.of("r1", "r1", "r2", "r2", "r3", "r3"))) {
            Placement placement = createAndDescribe(cluster);

            assertThat(placement.racks)
                    .containsExactlyInAnyOrderEntriesOf(Map.of(1, "r1", 2, "r1", 3, "r2", 4, "r2", 5, "r3", 6, "r3"));
            placement.assertEveryPartitionOnDistinctRacks(3);
            assertThat(placement.replicasPerBroker())
                    .as("36 replicas over 6 brokers")
                    .containsOnlyKeys(1, 2, 3, 4, 5, 6)
                    .allSatisfy((broker, count) -> assertThat(count).isEqualTo(6));
            assertThat(placement.leadersPerBroker())
                    .as("12 leaders over 6 brokers")
                    .containsOnlyKeys(1, 2, 3, 4, 5, 6)
                    .allSatisfy((broker, count) -> assertThat(count).isEqualTo(2));
        }
    }

    @Test
    void unequalRacksStayFairWithinEachRack() throws Exception {
        try (InJvmCluster cluster = InJvmCluster.start(6, Map.of(), List.of("r1", "r1", "r1", "r2", "r2", "r3"))) {
            Placement placement = createAndDescribe(cluster);

            placement.assertEveryPartitionOnDistinctRacks(3);
            // RF 3 on 3 racks forces one replica per rack: r1 holds 12 over 3 brokers, r2 12 over 2, r3 12 on one
            Map<Integer, Integer> replicas = placement.replicasPerBroker();
            Map<String, List<Integer>> brokersByRack = placement.brokersByRack();
            for (Map.Entry<String, List<Integer>> rack : brokersByRack.entrySet()) {
                int rackTotal = rack.getValue().stream()
                        .mapToInt(b -> replicas.getOrDefault(b, 0))
                        .sum();
                assertThat(rackTotal).as("replicas on rack %s", rack.getKey()).isEqualTo(PARTITIONS);
                int fairShare = rackTotal / rack.getValue().size();
                for (int broker : rack.getValue()) {
                    assertThat(replicas.getOrDefault(broker, 0))
                            .as("replicas of broker %d on rack %s (fair share %d)", broker, rack.getKey(), fairShare)
                            .isBetween(fairShare, fairShare + 1);
                }
            }
            assertThat(placement.leadersPerBroker())
                    .as("12 leaders over 6 brokers, 2 each give or take one")
                    .containsOnlyKeys(1, 2, 3, 4, 5, 6)
                    .allSatisfy((broker, count) -> assertThat(count).isBetween(1, 3));
        }
    }

    private static Placement createAndDescribe(InJvmCluster cluster) throws Exception {
        Admin admin = cluster.admin();
        admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3)))
                .all()
                .get(30, TimeUnit.SECONDS);
        for (int p = 0; p < PARTITIONS; p++) {
            cluster.awaitLeader(new TopicPartition(TOPIC, p));
        }
        Collection<Node> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
        Map<Integer, String> racks = new TreeMap<>();
        for (Node node : nodes) {
            racks.put(node.id(), node.rack());
        }
        TopicDescription description = admin.describeTopics(List.of(TOPIC))
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .get(TOPIC);
        assertThat(description.partitions()).hasSize(PARTITIONS);
        return new Placement(racks, description.partitions());
    }

    /** A topic's placement as {@code describeTopics} and {@code describeCluster} reported it. */
    private record Placement(Map<Integer, String> racks, List<TopicPartitionInfo> partitions) {
        void assertEveryPartitionOnDistinctRacks(int expectedRacks) {
            for (TopicPartitionInfo p : partitions) {
                List<Integer> replicas = p.replicas().stream().map(Node::id).toList();
                assertThat(replicas)
                        .as("replicas of partition %d", p.partition())
                        .hasSize(3)
                        .doesNotHaveDuplicates();
                Set<String> used = replicas.stream().map(racks::get).collect(Collectors.toSet());
                assertThat(used)
                        .as("racks of partition %d (replicas %s)", p.partition(), replicas)
                        .hasSize(expectedRacks)
                        .doesNotContainNull();
                // the racks clients see on the partition's nodes are the brokers' racks
                for (Node n : p.replicas()) {
                    assertThat(n.rack()).isEqualTo(racks.get(n.id()));
                }
                assertThat(p.leader())
                        .as("leader of partition %d", p.partition())
                        .isNotNull();
                assertThat(p.leader().id())
                        .as("a new partition is led by its preferred replica")
                        .isEqualTo(replicas.get(0));
            }
        }

        Map<Integer, Integer> replicasPerBroker() {
            Map<Integer, Integer> counts = new HashMap<>();
            partitions.forEach(p -> p.replicas().forEach(n -> counts.merge(n.id(), 1, Integer::sum)));
            return counts;
        }

        Map<Integer, Integer> leadersPerBroker() {
            Map<Integer, Integer> counts = new HashMap<>();
            partitions.forEach(p -> counts.merge(p.leader().id(), 1, Integer::sum));
            return counts;
        }

        Map<String, List<Integer>> brokersByRack() {
            return racks.entrySet().stream()
                    .collect(Collectors.groupingBy(
                            Map.Entry::getValue,
                            TreeMap::new,
                            Collectors.mapping(Map.Entry::getKey, Collectors.toList())));
        }
    }
}
