package io.sluice.controller;

import static io.sluice.controller.BrokerFailureTest.assigned;
import static io.sluice.controller.BrokerFailureTest.awaitState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.zk.TopicPartitionStateZNode;
import io.sluice.metadata.zk.ZkNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.message.UpdateMetadataRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class AlterPartitionTest {

    private static final TopicPartition TP = new TopicPartition("a", 0);

    private ControllerTestCluster cluster;
    private Uuid topicId;

    private AlterPartitionResponseData send(int brokerId, long brokerEpoch, AlterPartitionRequestData.TopicData topic) {
        AlterPartitionRequestData request =
                new AlterPartitionRequestData().setBrokerId(brokerId).setBrokerEpoch(brokerEpoch);
        request.topics().add(topic);
        return cluster.awaitController()
                .controller
                .alterPartition(request)
                .toCompletableFuture()
                .join();
    }

    private AlterPartitionResponseData propose(
            int brokerId, int partition, int leaderEpoch, int partitionEpoch, List<Integer> isr) {
        AlterPartitionRequestData.TopicData topic = new AlterPartitionRequestData.TopicData().setTopicId(topicId);
        topic.partitions()
                .add(new AlterPartitionRequestData.PartitionData()
                        .setPartitionIndex(partition)
                        .setLeaderEpoch(leaderEpoch)
                        .setPartitionEpoch(partitionEpoch)
                        .setNewIsrWithEpochs(isr.stream()
                                .map(b -> new AlterPartitionRequestData.BrokerState()
                                        .setBrokerId(b)
                                        .setBrokerEpoch(cluster.broker(b).info.brokerEpoch()))
                                .toList()));
        return send(brokerId, cluster.broker(brokerId).info.brokerEpoch(), topic);
    }

    private static Errors partitionError(AlterPartitionResponseData r) {
        assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
        return Errors.forCode(r.topics().get(0).partitions().get(0).errorCode());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void validatesEveryFieldAndWritesAcceptedChangesWithANewPartitionEpoch() throws Exception {
        try (ControllerTestCluster c = ControllerTestCluster.withBrokers(4)) {
            cluster = c;
            cluster.awaitController();
            var created = cluster.createTopic(assigned("a", List.of(List.of(1, 2, 3))));
            topicId = created.topicId();
            awaitState(cluster, TP, 1, List.of(1, 2, 3), 0);
            long epoch1 = cluster.broker(1).info.brokerEpoch();

            // stale broker epoch: top-level error
            AlterPartitionRequestData.TopicData any = new AlterPartitionRequestData.TopicData().setTopicId(topicId);
            any.partitions().add(new AlterPartitionRequestData.PartitionData().setNewIsr(List.of(1)));
            assertThat(Errors.forCode(send(1, epoch1 - 1, any).errorCode())).isEqualTo(Errors.STALE_BROKER_EPOCH);

            // unknown partition (by name, request v1) and unknown topic id
            AlterPartitionRequestData.TopicData byName = new AlterPartitionRequestData.TopicData().setTopicName("a");
            byName.partitions()
                    .add(new AlterPartitionRequestData.PartitionData()
                            .setPartitionIndex(5)
                            .setNewIsr(List.of(1)));
            AlterPartitionResponseData unknown = send(1, epoch1, byName);
            assertThat(partitionError(unknown)).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
            assertThat(unknown.topics().get(0).topicName()).isEqualTo("a");
            AlterPartitionRequestData.TopicData badId =
                    new AlterPartitionRequestData.TopicData().setTopicId(Uuid.randomUuid());
            badId.partitions().add(new AlterPartitionRequestData.PartitionData().setNewIsr(List.of(1)));
            assertThat(partitionError(send(1, epoch1, badId))).isEqualTo(Errors.UNKNOWN_TOPIC_ID);

            assertThat(partitionError(propose(1, 0, 7, 0, List.of(1, 2)))).isEqualTo(Errors.FENCED_LEADER_EPOCH);
            assertThat(partitionError(propose(2, 0, 0, 0, List.of(1, 2)))).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
            assertThat(partitionError(propose(1, 0, 0, 5, List.of(1, 2)))).isEqualTo(Errors.INVALID_UPDATE_VERSION);
            assertThat(partitionError(propose(1, 0, 0, 0, List.of(1, 4)))).isEqualTo(Errors.INVALID_REQUEST);
            assertThat(partitionError(propose(1, 0, 0, 0, List.of(2, 3)))).isEqualTo(Errors.INVALID_REQUEST);
            assertThat(cluster.state(TP).orElseThrow().partitionEpoch()).isZero();

            // successful shrink: partition epoch + 1, leader epoch unchanged
            ControllerTestCluster.SimBroker controller = cluster.awaitController();
            controller.channel.clear();
            AlterPartitionResponseData shrink = propose(1, 0, 0, 0, List.of(1, 2));
            assertThat(partitionError(shrink)).isEqualTo(Errors.NONE);
            AlterPartitionResponseData.PartitionData answer =
                    shrink.topics().get(0).partitions().get(0);
            assertThat(answer.isr()).containsExactly(1, 2);
            assertThat(answer.partitionEpoch()).isEqualTo(1);
            assertThat(answer.leaderEpoch()).isZero();
            assertThat(answer.leaderId()).isEqualTo(1);
            LeaderAndIsr state = cluster.state(TP).orElseThrow();
            assertThat(state.isr()).containsExactly(1, 2);
            assertThat(state.partitionEpoch()).isEqualTo(1);
            assertThat(state.leaderEpoch()).isZero();
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(controller.channel.sentOfType(UpdateMetadataRequestData.class))
                            .hasSize(4));
            UpdateMetadataRequestData um = controller
                    .channel
                    .sentTo(1, UpdateMetadataRequestData.class)
                    .get(0);
            assertThat(um.topicStates().get(0).partitionStates().get(0).isr()).containsExactly(1, 2);
            assertThat(um.topicStates().get(0).partitionStates().get(0).zkVersion())
                    .isEqualTo(1);

            // a retry of an applied change is answered with the current state
            assertThat(partitionError(propose(1, 0, 0, 0, List.of(1, 2)))).isEqualTo(Errors.NONE);
            // the old partition epoch is stale now
            assertThat(partitionError(propose(1, 0, 0, 0, List.of(1)))).isEqualTo(Errors.INVALID_UPDATE_VERSION);

            // expansion
            AlterPartitionResponseData expand = propose(1, 0, 0, 1, List.of(1, 2, 3));
            assertThat(partitionError(expand)).isEqualTo(Errors.NONE);
            assertThat(expand.topics().get(0).partitions().get(0).partitionEpoch())
                    .isEqualTo(2);
            assertThat(cluster.state(TP).orElseThrow().isr()).containsExactly(1, 2, 3);

            // a dead broker cannot join the ISR
            cluster.killBroker(3);
            awaitState(cluster, TP, 1, List.of(1, 2), 1);
            int partitionEpoch = cluster.state(TP).orElseThrow().partitionEpoch();
            AlterPartitionRequestData.TopicData withDead =
                    new AlterPartitionRequestData.TopicData().setTopicId(topicId);
            withDead.partitions()
                    .add(new AlterPartitionRequestData.PartitionData()
                            .setLeaderEpoch(1)
                            .setPartitionEpoch(partitionEpoch)
                            .setNewIsr(List.of(1, 2, 3)));
            assertThat(partitionError(send(1, epoch1, withDead))).isEqualTo(Errors.INELIGIBLE_REPLICA);
        }
    }

    private AlterPartitionResponseData proposeWithEpochs(
            int partitionEpoch, List<Integer> isr, Map<Integer, Long> epochs) {
        AlterPartitionRequestData.TopicData topic = new AlterPartitionRequestData.TopicData().setTopicId(topicId);
        topic.partitions()
                .add(new AlterPartitionRequestData.PartitionData()
                        .setPartitionIndex(0)
                        .setLeaderEpoch(0)
                        .setPartitionEpoch(partitionEpoch)
                        .setNewIsrWithEpochs(isr.stream()
                                .map(b -> new AlterPartitionRequestData.BrokerState()
                                        .setBrokerId(b)
                                        .setBrokerEpoch(epochs.getOrDefault(
                                                b, cluster.broker(b).info.brokerEpoch())))
                                .toList()));
        return send(1, cluster.broker(1).info.brokerEpoch(), topic);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aMemberWhoseBrokerEpochIsNotTheRegisteredOneIsIneligibleAndMinusOneIsUnknown() throws Exception {
        try (ControllerTestCluster c = ControllerTestCluster.withBrokers(3)) {
            cluster = c;
            cluster.awaitController();
            topicId = cluster.createTopic(assigned("a", List.of(List.of(1, 2, 3))))
                    .topicId();
            awaitState(cluster, TP, 1, List.of(1, 2, 3), 0);
            assertThat(partitionError(propose(1, 0, 0, 0, List.of(1, 2)))).isEqualTo(Errors.NONE);
            long epoch3 = cluster.broker(3).info.brokerEpoch();

            // the leader proposes adding 3 based on a fetch of an older (or any other) incarnation of broker 3
            for (long stale : List.of(epoch3 - 1, epoch3 + 1)) {
                AlterPartitionResponseData answer = proposeWithEpochs(1, List.of(1, 2, 3), Map.of(3, stale));
                assertThat(partitionError(answer)).isEqualTo(Errors.INELIGIBLE_REPLICA);
                LeaderAndIsr unchanged = cluster.state(TP).orElseThrow();
                assertThat(unchanged.isr()).containsExactly(1, 2);
                assertThat(unchanged.partitionEpoch()).isEqualTo(1);
            }
            // a stale epoch of a member already in the ISR is refused as well
            assertThat(partitionError(proposeWithEpochs(
                            1,
                            List.of(1, 2, 3),
                            Map.of(2, cluster.broker(2).info.brokerEpoch() - 1))))
                    .isEqualTo(Errors.INELIGIBLE_REPLICA);
            assertThat(cluster.state(TP).orElseThrow().isr()).containsExactly(1, 2);

            // -1: the leader does not know the epoch (a follower fetching with Fetch before v15); accepted
            AlterPartitionResponseData unknown = proposeWithEpochs(1, List.of(1, 2, 3), Map.of(3, -1L));
            assertThat(partitionError(unknown)).isEqualTo(Errors.NONE);
            assertThat(cluster.state(TP).orElseThrow().isr()).containsExactly(1, 2, 3);
            assertThat(cluster.state(TP).orElseThrow().partitionEpoch()).isEqualTo(2);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aBatchOfThousandsOfChangesIsDecidedPerPartitionAndWrittenAndPropagatedOnce() throws Exception {
        int partitions = 1200;
        try (ControllerTestCluster c = ControllerTestCluster.withBrokers(3)) {
            cluster = c;
            cluster.awaitController();
            List<List<Integer>> replicas = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                replicas.add(List.of(1, 2, 3));
            }
            topicId = cluster.createTopic(assigned("b", replicas)).topicId();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> states(partitions).values().stream()
                            .allMatch(
                                    s -> s != null && s.leader() == 1 && s.isr().equals(List.of(1, 2, 3))));
            ControllerTestCluster.SimBroker controller = cluster.awaitController();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> controller
                                    .channel
                                    .sentTo(1, UpdateMetadataRequestData.class)
                                    .size()
                            >= 1);
            controller.channel.clear();

            // one request: every partition shrinks to {1, 2}, but three carry a mistake and one does not exist
            Map<Integer, Errors> expected = Map.of(
                    10,
                    Errors.INVALID_UPDATE_VERSION,
                    20,
                    Errors.FENCED_LEADER_EPOCH,
                    30,
                    Errors.INVALID_REQUEST,
                    partitions + 7,
                    Errors.UNKNOWN_TOPIC_OR_PARTITION);
            AlterPartitionRequestData.TopicData topic = new AlterPartitionRequestData.TopicData().setTopicId(topicId);
            for (int p = 0; p < partitions; p++) {
                topic.partitions()
                        .add(shrink(p, p == 20 ? 4 : 0, p == 10 ? 3 : 0, p == 30 ? List.of(1, 4) : List.of(1, 2)));
            }
            topic.partitions().add(shrink(partitions + 7, 0, 0, List.of(1, 2)));
            AlterPartitionResponseData response = send(1, cluster.broker(1).info.brokerEpoch(), topic);

            assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.NONE);
            assertThat(response.topics()).hasSize(1);
            List<AlterPartitionResponseData.PartitionData> answers =
                    response.topics().get(0).partitions();
            assertThat(answers).hasSize(partitions + 1);
            for (AlterPartitionResponseData.PartitionData answer : answers) {
                Errors error = expected.getOrDefault(answer.partitionIndex(), Errors.NONE);
                assertThat(Errors.forCode(answer.errorCode()))
                        .as("partition %d", answer.partitionIndex())
                        .isEqualTo(error);
                if (error == Errors.NONE) {
                    assertThat(answer.isr()).containsExactly(1, 2);
                    assertThat(answer.partitionEpoch()).isEqualTo(1);
                }
            }
            Map<Integer, LeaderAndIsr> written = states(partitions);
            for (int p = 0; p < partitions; p++) {
                LeaderAndIsr state = written.get(p);
                boolean refused = expected.containsKey(p);
                assertThat(state.isr()).as("ISR of b-%d", p).isEqualTo(refused ? List.of(1, 2, 3) : List.of(1, 2));
                assertThat(state.partitionEpoch()).isEqualTo(refused ? 0 : 1);
            }
            // one UpdateMetadata per broker carries every change of the request
            int changed = partitions - 3;
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (int b = 1; b <= 3; b++) {
                    List<UpdateMetadataRequestData> sent =
                            controller.channel.sentTo(b, UpdateMetadataRequestData.class);
                    assertThat(sent).as("UpdateMetadata to broker %d", b).hasSize(1);
                    assertThat(sent.get(0).topicStates().stream()
                                    .mapToInt(t -> t.partitionStates().size())
                                    .sum())
                            .isEqualTo(changed);
                }
            });
        }
    }

    /** The state of each partition of topic "b" in ZooKeeper (null if absent), read in one pipelined batch. */
    private Map<Integer, LeaderAndIsr> states(int partitions) {
        List<String> paths = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            paths.add(TopicPartitionStateZNode.path("b", p));
        }
        Map<String, Optional<ZkNode>> nodes = cluster.zk().getAll(paths, Duration.ofSeconds(30));
        Map<Integer, LeaderAndIsr> out = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            TopicPartition tp = new TopicPartition("b", p);
            out.put(
                    p,
                    nodes.getOrDefault(TopicPartitionStateZNode.path(tp), Optional.empty())
                            .map(n -> TopicPartitionStateZNode.decode(
                                    tp, n.data(), n.stat().getVersion()))
                            .orElse(null));
        }
        return out;
    }

    private AlterPartitionRequestData.PartitionData shrink(
            int partition, int leaderEpoch, int partitionEpoch, List<Integer> isr) {
        return new AlterPartitionRequestData.PartitionData()
                .setPartitionIndex(partition)
                .setLeaderEpoch(leaderEpoch)
                .setPartitionEpoch(partitionEpoch)
                .setNewIsrWithEpochs(isr.stream()
                        .map(b -> new AlterPartitionRequestData.BrokerState()
                                .setBrokerId(b)
                                .setBrokerEpoch(b <= 3 ? cluster.broker(b).info.brokerEpoch() : -1))
                        .toList());
    }
}
