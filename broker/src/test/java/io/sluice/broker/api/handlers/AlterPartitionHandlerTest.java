package io.sluice.broker.api.handlers;

import static io.sluice.broker.api.handlers.CreateTopicsTestCluster.call;
import static io.sluice.broker.api.handlers.CreateTopicsTestCluster.overWire;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.model.LeaderAndIsr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterPartitionRequest;
import org.apache.kafka.common.requests.AlterPartitionResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class AlterPartitionHandlerTest extends ThreeBrokerClusterTest {
    private static final short LATEST = AlterPartitionHandler.MAX_VERSION;

    private static TopicPartition createTopic(String name) {
        CreateTopicsRequestData request = new CreateTopicsRequestData();
        request.topics()
                .add(new CreateTopicsRequestData.CreatableTopic()
                        .setName(name)
                        .setNumPartitions(1)
                        .setReplicationFactor((short) 3));
        // a broker restarted by another test may not be known to the controller yet: retry until it is
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            short error = cluster.active()
                    .createTopics(request.duplicate(), false)
                    .toCompletableFuture()
                    .join()
                    .topics()
                    .find(name)
                    .errorCode();
            return error == Errors.NONE.code() || error == Errors.TOPIC_ALREADY_EXISTS.code();
        });
        TopicPartition tp = new TopicPartition(name, 0);
        cluster.awaitPartitionState(tp);
        return tp;
    }

    /** A proposal from the current leader (or {@code brokerId}) with the given fields. */
    private static AlterPartitionRequestData proposal(
            TopicPartition tp, int brokerId, long brokerEpoch, int leaderEpoch, int partitionEpoch, List<Integer> isr) {
        Uuid topicId = cluster.zk().topic(tp.topic()).orElseThrow().value().topicId();
        AlterPartitionRequestData.PartitionData partition = new AlterPartitionRequestData.PartitionData()
                .setPartitionIndex(tp.partition())
                .setLeaderEpoch(leaderEpoch)
                .setPartitionEpoch(partitionEpoch);
        for (int member : isr) {
            partition
                    .newIsrWithEpochs()
                    .add(new AlterPartitionRequestData.BrokerState()
                            .setBrokerId(member)
                            .setBrokerEpoch(cluster.zk()
                                    .broker(member)
                                    .map(b -> b.brokerEpoch())
                                    .orElse(-1L)));
        }
        AlterPartitionRequestData data =
                new AlterPartitionRequestData().setBrokerId(brokerId).setBrokerEpoch(brokerEpoch);
        data.topics()
                .add(new AlterPartitionRequestData.TopicData()
                        .setTopicName(tp.topic())
                        .setTopicId(topicId)
                        .setPartitions(new ArrayList<>(List.of(partition))));
        return data;
    }

    private static AlterPartitionRequestData shrinkToLeaderAndOne(TopicPartition tp) {
        LeaderAndIsr state = cluster.state(tp);
        int follower = state.isr().stream()
                .filter(b -> b != state.leader())
                .findFirst()
                .orElseThrow();
        return proposal(
                tp,
                state.leader(),
                cluster.brokerEpoch(state.leader()),
                state.leaderEpoch(),
                state.partitionEpoch(),
                List.of(state.leader(), follower));
    }

    private static AlterPartitionResponse send(
            AlterPartitionHandler handler, short version, AlterPartitionRequestData data) throws Exception {
        return call(handler, version, overWire(new AlterPartitionRequest.Builder(data, true), version));
    }

    private static AlterPartitionResponseData.PartitionData onlyPartition(AlterPartitionResponse response) {
        return response.data().topics().get(0).partitions().get(0);
    }

    @Test
    void theLeaderShrinksTheIsrAndGetsTheNewPartitionEpoch() throws Exception {
        TopicPartition tp = createTopic("shrink");
        LeaderAndIsr before = cluster.state(tp);
        AlterPartitionRequestData request = shrinkToLeaderAndOne(tp);
        List<Integer> proposed = request.topics().get(0).partitions().get(0).newIsrWithEpochs().stream()
                .map(AlterPartitionRequestData.BrokerState::brokerId)
                .toList();

        AlterPartitionResponse response = send(new AlterPartitionHandler(cluster.active()), LATEST, request);

        assertThat(response.data().errorCode()).isEqualTo(Errors.NONE.code());
        AlterPartitionResponseData.PartitionData answer = onlyPartition(response);
        assertThat(answer.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(answer.leaderId()).isEqualTo(before.leader());
        assertThat(answer.isr()).containsExactlyInAnyOrderElementsOf(proposed);
        assertThat(answer.partitionEpoch()).isGreaterThan(before.partitionEpoch());
        LeaderAndIsr after = cluster.state(tp);
        assertThat(after.isr()).containsExactlyInAnyOrderElementsOf(proposed);
        assertThat(after.partitionEpoch()).isEqualTo(answer.partitionEpoch());
    }

    @Test
    void aStaleBrokerEpochIsRefusedAtTheTopLevel() throws Exception {
        TopicPartition tp = createTopic("stale-broker");
        LeaderAndIsr before = cluster.state(tp);
        AlterPartitionRequestData request =
                shrinkToLeaderAndOne(tp).setBrokerEpoch(cluster.brokerEpoch(before.leader()) - 1);

        AlterPartitionResponse response = send(new AlterPartitionHandler(cluster.active()), LATEST, request);

        assertThat(response.data().errorCode()).isEqualTo(Errors.STALE_BROKER_EPOCH.code());
        assertThat(cluster.state(tp)).isEqualTo(before);
    }

    @Test
    void aStaleLeaderEpochOrPartitionEpochPassesThrough() throws Exception {
        TopicPartition tp = createTopic("stale-epochs");
        LeaderAndIsr before = cluster.state(tp);
        AlterPartitionRequestData wrongLeaderEpoch = shrinkToLeaderAndOne(tp);
        wrongLeaderEpoch.topics().get(0).partitions().get(0).setLeaderEpoch(before.leaderEpoch() + 1);
        AlterPartitionRequestData wrongPartitionEpoch = shrinkToLeaderAndOne(tp);
        wrongPartitionEpoch.topics().get(0).partitions().get(0).setPartitionEpoch(before.partitionEpoch() + 5);

        AlterPartitionHandler handler = new AlterPartitionHandler(cluster.active());
        AlterPartitionResponse fenced = send(handler, LATEST, wrongLeaderEpoch);
        AlterPartitionResponse stale = send(handler, LATEST, wrongPartitionEpoch);

        assertThat(fenced.data().errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(onlyPartition(fenced).errorCode()).isEqualTo(Errors.FENCED_LEADER_EPOCH.code());
        assertThat(onlyPartition(stale).errorCode()).isEqualTo(Errors.INVALID_UPDATE_VERSION.code());
        assertThat(cluster.state(tp)).isEqualTo(before);
    }

    @Test
    void aBrokerThatIsNotTheControllerAnswersNotController() throws Exception {
        TopicPartition tp = createTopic("elsewhere");
        LeaderAndIsr before = cluster.state(tp);

        AlterPartitionResponse response =
                send(new AlterPartitionHandler(cluster.standby()), LATEST, shrinkToLeaderAndOne(tp));

        assertThat(response.data().errorCode()).isEqualTo(Errors.NOT_CONTROLLER.code());
        assertThat(cluster.state(tp)).isEqualTo(before);
    }

    @Test
    void anIneligibleReplicaIsOperationNotAttemptedForOldSenders() throws Exception {
        TopicPartition tp = createTopic("ineligible");
        int stopped = cluster.standbyId();
        cluster.stopBroker(stopped);
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                LeaderAndIsr s = cluster.state(tp);
                return s.leader() != stopped && !s.isr().contains(stopped);
            });
            LeaderAndIsr state = cluster.state(tp);
            List<Integer> withStopped = new ArrayList<>(state.isr());
            withStopped.add(stopped);
            AlterPartitionRequestData request = proposal(
                    tp,
                    state.leader(),
                    cluster.brokerEpoch(state.leader()),
                    state.leaderEpoch(),
                    state.partitionEpoch(),
                    withStopped);
            AlterPartitionHandler handler = new AlterPartitionHandler(cluster.active());

            AlterPartitionResponse modern = send(handler, LATEST, request.duplicate());
            AlterPartitionResponse old = send(handler, (short) 1, request.duplicate());

            assertThat(onlyPartition(modern).errorCode()).isEqualTo(Errors.INELIGIBLE_REPLICA.code());
            assertThat(onlyPartition(old).errorCode()).isEqualTo(Errors.OPERATION_NOT_ATTEMPTED.code());
            assertThat(cluster.state(tp).isr()).doesNotContain(stopped);
        } finally {
            cluster.startBroker(stopped);
        }
    }

    @ParameterizedTest
    @ValueSource(shorts = {0, 1, 2, 3})
    void everyDeclaredVersionRoundTrips(short version) throws Exception {
        TopicPartition tp = createTopic("ap-v" + version);

        AlterPartitionResponse response =
                send(new AlterPartitionHandler(cluster.active()), version, shrinkToLeaderAndOne(tp));

        assertThat(response.data().errorCode()).isEqualTo(Errors.NONE.code());
        AlterPartitionResponseData.TopicData topic = response.data().topics().get(0);
        if (version >= 2) {
            assertThat(topic.topicId())
                    .isEqualTo(
                            cluster.zk().topic(tp.topic()).orElseThrow().value().topicId());
        } else {
            assertThat(topic.topicName()).isEqualTo(tp.topic());
        }
        assertThat(topic.partitions().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(cluster.state(tp).isr()).hasSize(2);
    }
}
