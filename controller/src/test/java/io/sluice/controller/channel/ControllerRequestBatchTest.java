package io.sluice.controller.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.controller.context.ControllerContext;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.model.SecurityProtocol;
import io.sluice.metadata.model.TopicMetadata;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.LeaderAndIsrRequestData;
import org.apache.kafka.common.message.LeaderAndIsrResponseData;
import org.apache.kafka.common.message.StopReplicaRequestData;
import org.apache.kafka.common.message.StopReplicaResponseData;
import org.apache.kafka.common.message.UpdateMetadataRequestData;
import org.apache.kafka.common.message.UpdateMetadataResponseData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ControllerRequestBatchTest {

    private final List<Object[]> sent = new ArrayList<>();

    private final BrokerChannel channel = new BrokerChannel() {
        @Override
        public void brokersChanged(Collection<BrokerInfo> live) {}

        @Override
        public CompletionStage<LeaderAndIsrResponseData> leaderAndIsr(int brokerId, LeaderAndIsrRequestData r) {
            sent.add(new Object[] {brokerId, r});
            return CompletableFuture.completedFuture(new LeaderAndIsrResponseData());
        }

        @Override
        public CompletionStage<UpdateMetadataResponseData> updateMetadata(int brokerId, UpdateMetadataRequestData r) {
            sent.add(new Object[] {brokerId, r});
            return CompletableFuture.completedFuture(new UpdateMetadataResponseData());
        }

        @Override
        public CompletionStage<StopReplicaResponseData> stopReplica(int brokerId, StopReplicaRequestData r) {
            sent.add(new Object[] {brokerId, r});
            return CompletableFuture.completedFuture(new StopReplicaResponseData());
        }
    };

    private final ControllerRequestBatch batch = new ControllerRequestBatch(
            1,
            channel,
            new ControllerRequestBatch.ResponseListener() {
                @Override
                public void onLeaderAndIsrResponse(int brokerId, LeaderAndIsrResponseData response) {}

                @Override
                public void onStopReplicaResponse(
                        int brokerId, boolean delete, List<String> topics, StopReplicaResponseData response) {}
            },
            "INTERNAL");

    private static BrokerInfo broker(int id, long epoch) {
        return new BrokerInfo(
                id,
                List.of(
                        Endpoint.plaintext("client-" + id, 9092),
                        new Endpoint("INTERNAL", SecurityProtocol.SSL, "internal-" + id, 9093)),
                id == 3 ? Optional.empty() : Optional.of("r" + id),
                epoch);
    }

    private ControllerContext context() {
        ControllerContext ctx = new ControllerContext();
        ctx.setEpoch(4, 3);
        ctx.putLiveBroker(broker(1, 100));
        ctx.putLiveBroker(broker(2, 200));
        ctx.putTopic(TopicMetadata.of(
                "t", Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ"), Map.of(0, List.of(1, 2), 1, List.of(2, 3))));
        ctx.putLeaderAndIsr(new TopicPartition("t", 0), new LeaderAndIsr(1, 2, List.of(1, 2), 4, 7));
        ctx.putLeaderAndIsr(new TopicPartition("t", 1), new LeaderAndIsr(2, 5, List.of(2), 4, 9));
        return ctx;
    }

    @Test
    void buildsOneRequestPerBrokerWithOnlyItsPartitionsAndSkipsDeadBrokers() {
        ControllerContext ctx = context();
        TopicPartition p0 = new TopicPartition("t", 0);
        TopicPartition p1 = new TopicPartition("t", 1);
        batch.addLeaderAndIsr(List.of(1, 2), p0, ctx.leaderAndIsr(p0).orElseThrow(), List.of(1, 2), false);
        batch.addLeaderAndIsr(List.of(2, 3), p1, ctx.leaderAndIsr(p1).orElseThrow(), List.of(2, 3), false);
        batch.addUpdateMetadata(List.of(1, 2, 3), List.of(p0, p1));
        batch.addStopReplica(3, p1, true, 5);
        batch.sendRequestsToBrokers(ctx);

        List<Object[]> toBroker3 = sent.stream().filter(s -> (int) s[0] == 3).toList();
        assertThat(toBroker3).as("broker 3 is not live").isEmpty();
        LeaderAndIsrRequestData lai1 = sent.stream()
                .filter(s -> (int) s[0] == 1 && s[1] instanceof LeaderAndIsrRequestData)
                .map(s -> (LeaderAndIsrRequestData) s[1])
                .findFirst()
                .orElseThrow();
        assertThat(lai1.controllerEpoch()).isEqualTo(4);
        assertThat(lai1.brokerEpoch()).isEqualTo(100);
        assertThat(lai1.topicStates()).hasSize(1);
        var ps = lai1.topicStates().get(0).partitionStates();
        assertThat(ps).hasSize(1);
        assertThat(ps.get(0).partitionIndex()).isZero();
        assertThat(ps.get(0).leaderEpoch()).isEqualTo(2);
        assertThat(ps.get(0).partitionEpoch()).isEqualTo(7);
        assertThat(lai1.liveLeaders()).hasSize(1);
        assertThat(lai1.liveLeaders().get(0).hostName()).isEqualTo("internal-1");
        assertThat(lai1.liveLeaders().get(0).port()).isEqualTo(9093);

        LeaderAndIsrRequestData lai2 = sent.stream()
                .filter(s -> (int) s[0] == 2 && s[1] instanceof LeaderAndIsrRequestData)
                .map(s -> (LeaderAndIsrRequestData) s[1])
                .findFirst()
                .orElseThrow();
        assertThat(lai2.topicStates().get(0).partitionStates()).hasSize(2);
        assertThat(lai2.brokerEpoch()).isEqualTo(200);

        UpdateMetadataRequestData um = sent.stream()
                .filter(s -> (int) s[0] == 2 && s[1] instanceof UpdateMetadataRequestData)
                .map(s -> (UpdateMetadataRequestData) s[1])
                .findFirst()
                .orElseThrow();
        assertThat(um.liveBrokers()).hasSize(2);
        assertThat(um.liveBrokers().get(0).rack()).isEqualTo("r1");
        assertThat(um.liveBrokers().get(0).endpoints().get(1).securityProtocol())
                .isEqualTo((short) 1);
        var p1State = um.topicStates().get(0).partitionStates().stream()
                .filter(p -> p.partitionIndex() == 1)
                .findFirst()
                .orElseThrow();
        assertThat(p1State.offlineReplicas()).containsExactly(3);
        assertThat(p1State.zkVersion()).isEqualTo(9);
        assertThat(batch.isEmpty()).isTrue();
    }

    @Test
    void aClearedBatchSendsNothing() {
        ControllerContext ctx = context();
        batch.addUpdateMetadata(List.of(1, 2), List.of(new TopicPartition("t", 0)));
        batch.addStopReplica(1, new TopicPartition("t", 0), false, 2);
        batch.clear();
        batch.sendRequestsToBrokers(ctx);
        assertThat(sent).isEmpty();
    }

    @Test
    void partitionsOfTopicsBeingDeletedAreAnnouncedWithLeaderMinusTwo() {
        ControllerContext ctx = context();
        ctx.queueTopicDeletion(List.of("t"));
        batch.addUpdateMetadata(List.of(1), List.of(new TopicPartition("t", 0)));
        batch.addStopReplica(1, new TopicPartition("t", 0), true, 2);
        batch.sendRequestsToBrokers(ctx);
        UpdateMetadataRequestData um = (UpdateMetadataRequestData) sent.stream()
                .filter(s -> s[1] instanceof UpdateMetadataRequestData)
                .findFirst()
                .orElseThrow()[1];
        assertThat(um.topicStates().get(0).partitionStates().get(0).leader()).isEqualTo(-2);
        StopReplicaRequestData stop = (StopReplicaRequestData) sent.stream()
                .filter(s -> s[1] instanceof StopReplicaRequestData)
                .findFirst()
                .orElseThrow()[1];
        assertThat(stop.topicStates().get(0).partitionStates().get(0).deletePartition())
                .isTrue();
        assertThat(stop.topicStates().get(0).partitionStates().get(0).leaderEpoch())
                .isEqualTo(-2);
    }
}
