package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.model.LeaderAndIsr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Preferred leaders come back after a broker returns: on request ({@code Admin.electLeaders(PREFERRED)}) with the
 * automatic rebalance off, and by themselves with {@code auto.leader.rebalance.enable=true}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LeaderBalanceIT {
    private static final String TOPIC = "balanced";
    private static final int PARTITIONS = 6;

    @Test
    void preferredLeaderElectionThroughAdminRestoresPreferredLeaders() throws Exception {
        try (InJvmCluster cluster = InJvmCluster.start(3, Map.of("auto.leader.rebalance.enable", "false"))) {
            Map<TopicPartition, Integer> preferred = createTopic(cluster);
            int bounced = bounceANonControllerBroker(cluster);
            Set<TopicPartition> moved = preferredOf(preferred, bounced);
            assertThat(moved).isNotEmpty();

            // without the rebalance the returned broker stays a follower
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> moved.stream().noneMatch(tp -> cluster.leaderOf(tp) == bounced));
            Map<TopicPartition, Integer> epochsBefore = leaderEpochs(cluster, preferred.keySet());

            Map<TopicPartition, Optional<Throwable>> results = cluster.admin()
                    .electLeaders(ElectionType.PREFERRED, moved)
                    .partitions()
                    .get(30, TimeUnit.SECONDS);
            assertThat(results).containsOnlyKeys(moved);
            results.forEach(
                    (tp, error) -> assertThat(error).as("election of %s", tp).isEmpty());

            assertPreferredLeadersEverywhere(cluster, preferred);
            Map<TopicPartition, Integer> epochsAfter = leaderEpochs(cluster, preferred.keySet());
            for (TopicPartition tp : preferred.keySet()) {
                int expected = epochsBefore.get(tp) + (moved.contains(tp) ? 1 : 0);
                assertThat(epochsAfter.get(tp)).as("leader epoch of %s", tp).isEqualTo(expected);
            }
            TopicDescription described = cluster.admin()
                    .describeTopics(List.of(TOPIC))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(TOPIC);
            described
                    .partitions()
                    .forEach(p -> assertThat(p.leader().id())
                            .as("leader of partition %d as clients see it", p.partition())
                            .isEqualTo(p.replicas().get(0).id()));
        }
    }

    @Test
    void autoLeaderRebalanceRestoresPreferredLeaders() throws Exception {
        try (InJvmCluster cluster = InJvmCluster.start(
                3, Map.of("auto.leader.rebalance.enable", "true", "leader.imbalance.check.interval.seconds", "2"))) {
            Map<TopicPartition, Integer> preferred = createTopic(cluster);
            bounceANonControllerBroker(cluster);
            assertPreferredLeadersEverywhere(cluster, preferred);
        }
    }

    /** Creates the topic and returns each partition's preferred leader, once every ISR is full. */
    private static Map<TopicPartition, Integer> createTopic(InJvmCluster cluster) throws Exception {
        cluster.admin()
                .createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3)))
                .all()
                .get(30, TimeUnit.SECONDS);
        Map<TopicPartition, Integer> preferred = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            TopicPartition tp = new TopicPartition(TOPIC, p);
            cluster.awaitIsr(tp, 3);
            int first = cluster.zooKeeper()
                    .topic(TOPIC)
                    .orElseThrow()
                    .value()
                    .partitions()
                    .get(p)
                    .replicas()
                    .get(0);
            assertThat(cluster.awaitLeader(tp)).isEqualTo(first);
            preferred.put(tp, first);
        }
        return preferred;
    }

    /** Kills a broker that is not the controller, waits for its leaderships to move, restarts it, awaits full ISRs. */
    private static int bounceANonControllerBroker(InJvmCluster cluster) {
        int controller = cluster.controllerId();
        int victim = cluster.brokerIds().stream()
                .filter(id -> id != controller)
                .findFirst()
                .orElseThrow();
        List<TopicPartition> all = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            all.add(new TopicPartition(TOPIC, p));
        }
        cluster.kill(victim);
        for (TopicPartition tp : all) {
            await().atMost(InJvmCluster.WAIT).until(() -> {
                int leader = cluster.leaderOf(tp);
                return leader != victim && leader != LeaderAndIsr.NO_LEADER;
            });
        }
        cluster.restart(victim);
        for (TopicPartition tp : all) {
            cluster.awaitIsr(tp, 3);
        }
        return victim;
    }

    private static void assertPreferredLeadersEverywhere(InJvmCluster cluster, Map<TopicPartition, Integer> preferred) {
        for (Map.Entry<TopicPartition, Integer> e : preferred.entrySet()) {
            await().atMost(InJvmCluster.WAIT)
                    .alias("preferred leader " + e.getValue() + " of " + e.getKey())
                    .until(() -> cluster.leaderOf(e.getKey()) == e.getValue()
                            && cluster.broker(e.getValue()).replicaManager().isLeader(e.getKey()));
        }
    }

    private static Set<TopicPartition> preferredOf(Map<TopicPartition, Integer> preferred, int broker) {
        Set<TopicPartition> out = new HashSet<>();
        preferred.forEach((tp, b) -> {
            if (b == broker) {
                out.add(tp);
            }
        });
        return out;
    }

    private static Map<TopicPartition, Integer> leaderEpochs(InJvmCluster cluster, Set<TopicPartition> tps) {
        Map<TopicPartition, Integer> out = new HashMap<>();
        for (TopicPartition tp : tps) {
            out.put(tp, cluster.zooKeeper().partitionState(tp).orElseThrow().leaderEpoch());
        }
        return out;
    }
}
