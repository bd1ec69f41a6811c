package io.sluice.controller;

import static io.sluice.controller.BrokerFailureTest.assigned;
import static io.sluice.controller.BrokerFailureTest.awaitState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.model.LeaderAndIsr;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
}
