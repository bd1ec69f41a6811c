package io.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.model.LeaderAndIsr;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class BrokerFailureTest {

    static CreateTopicsRequestData.CreatableTopic assigned(String name, List<List<Integer>> replicas) {
        CreateTopicsRequestData.CreatableTopic t = new CreateTopicsRequestData.CreatableTopic()
                .setName(name)
                .setNumPartitions(-1)
                .setReplicationFactor((short) -1);
        for (int p = 0; p < replicas.size(); p++) {
            t.assignments()
                    .add(new CreateTopicsRequestData.CreatableReplicaAssignment()
                            .setPartitionIndex(p)
                            .setBrokerIds(replicas.get(p)));
        }
        return t;
    }

    static void awaitState(ControllerTestCluster cluster, TopicPartition tp, int leader, List<Integer> isr, int epoch) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Optional<LeaderAndIsr> state = cluster.state(tp);
            assertThat(state).as("state of %s", tp).isPresent();
            LeaderAndIsr s = state.get();
            assertThat(s.leader()).as("leader of %s", tp).isEqualTo(leader);
            assertThat(s.isr()).as("ISR of %s", tp).isEqualTo(isr);
            assertThat(s.leaderEpoch()).as("leader epoch of %s", tp).isEqualTo(epoch);
        });
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void leadersMoveToLiveIsrAndTheIsrIsNeverEmptied() throws Exception {
        try (ControllerTestCluster cluster = ControllerTestCluster.withBrokers(4)) {
            cluster.awaitController();
            TopicPartition p0 = new TopicPartition("t", 0);
            TopicPartition p1 = new TopicPartition("t", 1);
            var created = cluster.createTopic(assigned("t", List.of(List.of(1, 2, 3), List.of(2, 3, 1))));
            assertThat(Errors.forCode(created.errorCode())).isEqualTo(Errors.NONE);
            awaitState(cluster, p0, 1, List.of(1, 2, 3), 0);

            cluster.killBroker(1);
            awaitState(cluster, p0, 2, List.of(2, 3), 1);
            // a follower's death shrinks the ISR and bumps the leader epoch (ZooKeeper-mode rule)
            awaitState(cluster, p1, 2, List.of(2, 3), 1);

            cluster.killBroker(2);
            awaitState(cluster, p0, 3, List.of(3), 2);
            awaitState(cluster, p1, 3, List.of(3), 2);

            cluster.killBroker(3);
            awaitState(cluster, p0, LeaderAndIsr.NO_LEADER, List.of(3), 3);
            ControllerTestCluster.SimBroker controller = cluster.awaitController();
            assertThat(controller.id).isEqualTo(4);
            awaitOfflinePartitions(controller, 2);

            // broker 1 is not in the ISR: with unclean election off the partition stays offline
            cluster.restartBroker(1);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> controller.channel.liveBrokers().contains(1));
            assertThat(cluster.leaderOf(p0)).isEqualTo(LeaderAndIsr.NO_LEADER);

            // the last ISR member returns: the partition comes back
            cluster.restartBroker(3);
            awaitState(cluster, p0, 3, List.of(3), 4);
            awaitState(cluster, p1, 3, List.of(3), 4);
            awaitOfflinePartitions(controller, 0);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void uncleanElectionByTopicOverrideElectsTheOutOfSyncReplica() throws Exception {
        try (ControllerTestCluster cluster = ControllerTestCluster.withBrokers(3)) {
            cluster.awaitController();
            CreateTopicsRequestData.CreatableTopic topic = assigned("u", List.of(List.of(1, 2)));
            topic.configs()
                    .add(new CreateTopicsRequestData.CreatableTopicConfig()
                            .setName("unclean.leader.election.enable")
                            .setValue("true"));
            assertThat(Errors.forCode(cluster.createTopic(topic).errorCode())).isEqualTo(Errors.NONE);
            TopicPartition tp = new TopicPartition("u", 0);
            cluster.killBroker(1);
            awaitState(cluster, tp, 2, List.of(2), 1);
            cluster.killBroker(2);
            awaitState(cluster, tp, LeaderAndIsr.NO_LEADER, List.of(2), 2);
            cluster.restartBroker(1);
            awaitState(cluster, tp, 1, List.of(1), 3);
        }
    }

    private static void awaitOfflinePartitions(ControllerTestCluster.SimBroker controller, int expected) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> controller
                                .registry
                                .get("sluice.controller.offline.partitions")
                                .gauge()
                                .value()
                        == expected);
    }
}
