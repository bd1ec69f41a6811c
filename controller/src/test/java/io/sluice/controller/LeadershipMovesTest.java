package io.sluice.controller;

import static io.sluice.controller.BrokerFailureTest.assigned;
import static io.sluice.controller.BrokerFailureTest.awaitState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.message.ControlledShutdownResponseData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.StopReplicaRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class LeadershipMovesTest {

    private static final TopicPartition P0 = new TopicPartition("m", 0);
    private static final TopicPartition P1 = new TopicPartition("m", 1);
    private static final TopicPartition P2 = new TopicPartition("m", 2);

    /**
     * Picks the three brokers that are not the controller as x, y, z: x leads p0 and p1 (preferred) and follows p2, so
     * moving x's leaderships exercises the request path and never a controller failover.
     */
    private static int[] createTopic(ControllerTestCluster cluster) {
        int controller = cluster.awaitController().id;
        int[] b = java.util.stream.IntStream.rangeClosed(1, 4)
                .filter(i -> i != controller)
                .toArray();
        int x = b[0];
        int y = b[1];
        int z = b[2];
        var created = cluster.createTopic(assigned("m", List.of(List.of(x, y, z), List.of(x, z, y), List.of(y, x, z))));
        assertThat(Errors.forCode(created.errorCode())).isEqualTo(Errors.NONE);
        awaitState(cluster, P0, x, List.of(x, y, z), 0);
        return b;
    }

    private static ControlledShutdownResponseData shutdown(ControllerTestCluster cluster, int brokerId) {
        ControllerTestCluster.SimBroker broker = cluster.broker(brokerId);
        return cluster.awaitController()
                .controller
                .controlledShutdown(brokerId, broker == null ? -1 : broker.info.brokerEpoch())
                .toCompletableFuture()
                .join();
    }

    /** Sends the controller an AlterPartition from {@code tp}'s current leader, at its current epochs. */
    private static AlterPartitionResponseData alterIsr(
            ControllerTestCluster cluster, TopicPartition tp, List<Integer> newIsr) {
        var s = cluster.state(tp).orElseThrow();
        var request = new AlterPartitionRequestData()
                .setBrokerId(s.leader())
                .setBrokerEpoch(cluster.broker(s.leader()).info.brokerEpoch());
        var topic = new AlterPartitionRequestData.TopicData().setTopicName(tp.topic());
        topic.partitions()
                .add(new AlterPartitionRequestData.PartitionData()
                        .setPartitionIndex(tp.partition())
                        .setLeaderEpoch(s.leaderEpoch())
                        .setPartitionEpoch(s.partitionEpoch())
                        .setNewIsr(newIsr));
        request.topics().add(topic);
        return cluster.awaitController()
                .controller
                .alterPartition(request)
                .toCompletableFuture()
                .join();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void controlledShutdownMovesLeadershipsAwayAndPreferredElectionBringsThemBack() throws Exception {
        try (ControllerTestCluster cluster = ControllerTestCluster.withBrokers(4)) {
            int[] b = createTopic(cluster);
            int x = b[0];
            int y = b[1];
            int z = b[2];
            ControllerTestCluster.SimBroker controller = cluster.awaitController();
            controller.channel.clear();

            ControlledShutdownResponseData response = shutdown(cluster, x);
            assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.NONE);
            assertThat(response.remainingPartitions()).isEmpty();
            awaitState(cluster, P0, y, List.of(y, z), 1);
            awaitState(cluster, P1, z, List.of(z, y), 1);
            // x only followed p2: it leaves the ISR, the leader stays, the leader epoch is bumped
            awaitState(cluster, P2, y, List.of(y, z), 1);
            assertThat(controller.channel.sentTo(x, StopReplicaRequestData.class))
                    .isNotEmpty();
            assertThat(shutdown(cluster, 99).errorCode()).isEqualTo(Errors.BROKER_NOT_AVAILABLE.code());

            // the broker restarts with a new epoch and catches up (its leader adds it back to the ISR)
            cluster.restartBroker(x);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> cluster.awaitController().channel.liveBrokers().contains(x));
            for (TopicPartition tp : List.of(P0, P1)) {
                var answer = alterIsr(cluster, tp, List.of(y, z, x));
                assertThat(answer.topics().get(0).partitions().get(0).errorCode())
                        .isZero();
            }

            ElectLeadersRequestData elect = new ElectLeadersRequestData().setElectionType((byte) 0);
            ElectLeadersRequestData.TopicPartitionsCollection partitions =
                    new ElectLeadersRequestData.TopicPartitionsCollection();
            partitions.add(
                    new ElectLeadersRequestData.TopicPartitions().setTopic("m").setPartitions(List.of(0, 1, 2)));
            elect.setTopicPartitions(partitions);
            ElectLeadersResponseData result = cluster.awaitController()
                    .controller
                    .electLeaders(elect)
                    .toCompletableFuture()
                    .join();
            var perPartition = result.replicaElectionResults().get(0).partitionResult();
            assertThat(perPartition.get(0).errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(perPartition.get(1).errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(perPartition.get(2).errorCode()).isEqualTo(Errors.ELECTION_NOT_NEEDED.code());
            assertThat(cluster.leaderOf(P0)).isEqualTo(x);
            assertThat(cluster.leaderOf(P1)).isEqualTo(x);

            // every partition asked for (topicPartitions null) on a balanced cluster: nothing to report
            ElectLeadersResponseData all = cluster.awaitController()
                    .controller
                    .electLeaders(new ElectLeadersRequestData()
                            .setElectionType((byte) 0)
                            .setTopicPartitions(null))
                    .toCompletableFuture()
                    .join();
            assertThat(all.errorCode()).isZero();
            assertThat(all.replicaElectionResults()).isEmpty();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void autoRebalanceRestoresPreferredLeadersAfterTheBrokerReturns() throws Exception {
        try (ControllerTestCluster cluster = new ControllerTestCluster(
                List.of(
                        java.util.Optional.empty(),
                        java.util.Optional.empty(),
                        java.util.Optional.empty(),
                        java.util.Optional.empty()),
                c -> c.withAutoLeaderRebalance(true, Duration.ofMillis(300)))) {
            int[] b = createTopic(cluster);
            int x = b[0];
            int y = b[1];
            int z = b[2];
            cluster.killBroker(x);
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.leaderOf(P0) == y && cluster.leaderOf(P1) == z);
            cluster.restartBroker(x);
            // x is back but out of the ISR: no preferred election is possible until it rejoins
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> cluster.awaitController().channel.liveBrokers().contains(x));
            assertThat(cluster.leaderOf(P0)).isEqualTo(y);
            for (TopicPartition tp : List.of(P0, P1)) {
                List<Integer> isr = cluster.state(tp).orElseThrow().isr();
                alterIsr(cluster, tp, Stream.concat(isr.stream(), Stream.of(x)).toList());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.leaderOf(P0) == x && cluster.leaderOf(P1) == x);
        }
    }
}
