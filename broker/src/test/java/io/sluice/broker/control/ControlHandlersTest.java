package io.sluice.broker.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.testing.ControlRequests;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.LeaderAndIsrRequestData;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrTopicState;
import org.apache.kafka.common.message.LeaderAndIsrResponseData;
import org.apache.kafka.common.message.StopReplicaRequestData;
import org.apache.kafka.common.message.StopReplicaRequestData.StopReplicaPartitionState;
import org.apache.kafka.common.message.StopReplicaRequestData.StopReplicaTopicState;
import org.apache.kafka.common.message.StopReplicaResponseData;
import org.apache.kafka.common.message.UpdateMetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The control-request handlers called directly, with an in-memory {@link ReplicaControl}. */
@Timeout(10)
class ControlHandlersTest {
    private static final Uuid ORDERS = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");
    private static final long BROKER_EPOCH = 100L;

    private final AtomicLong brokerEpoch = new AtomicLong(BROKER_EPOCH);
    private final ControllerEpochTracker tracker = new ControllerEpochTracker(1, brokerEpoch::get);
    private final MetadataCache cache = new MetadataCache(1, "cluster-x");
    private final RecordingReplicaControl replicas = new RecordingReplicaControl();
    private final UpdateMetadataHandler updateMetadata = new UpdateMetadataHandler(tracker, cache);
    private final LeaderAndIsrHandler leaderAndIsr = new LeaderAndIsrHandler(tracker, replicas);
    private final StopReplicaHandler stopReplica = new StopReplicaHandler(tracker, replicas);

    /** Records what it is asked to do and answers NONE for every partition. */
    static final class RecordingReplicaControl implements ReplicaControl {
        final List<LeaderAndIsrPartitionState> becameLeaderOrFollower = new ArrayList<>();
        final List<StopReplicaPartition> stopped = new ArrayList<>();
        Map<String, Uuid> lastTopicIds = Map.of();

        @Override
        public Map<TopicPartition, Errors> becomeLeaderOrFollower(
                int controllerId,
                int controllerEpoch,
                List<LeaderAndIsrPartitionState> states,
                Map<String, Uuid> topicIds) {
            becameLeaderOrFollower.addAll(states);
            lastTopicIds = topicIds;
            Map<TopicPartition, Errors> out = new HashMap<>();
            for (LeaderAndIsrPartitionState s : states) {
                out.put(
                        new TopicPartition(s.topicName(), s.partitionIndex()),
                        s.partitionIndex() == 1 ? Errors.FENCED_LEADER_EPOCH : Errors.NONE);
            }
            return out;
        }

        @Override
        public Map<TopicPartition, Errors> stopReplicas(int controllerEpoch, List<StopReplicaPartition> partitions) {
            stopped.addAll(partitions);
            Map<TopicPartition, Errors> out = new HashMap<>();
            partitions.forEach(p -> out.put(p.topicPartition(), Errors.NONE));
            return out;
        }
    }

    private static <T extends ApiMessage> T body(ApiResponse response, Class<T> type) {
        return type.cast(((ApiResponse.Send) response).message());
    }

    private UpdateMetadataResponseData updateMetadata(int controllerEpoch, long requestBrokerEpoch) {
        ApiResponse response = updateMetadata
                .handle(
                        ControlRequests.context(ApiKeys.UPDATE_METADATA, (short) 8),
                        ControlRequests.updateMetadata(2, controllerEpoch)
                                .brokerEpoch(requestBrokerEpoch)
                                .broker(1, 9092, Optional.empty())
                                .broker(2, 9093, Optional.empty())
                                .partition("orders", ORDERS, 0, 1, List.of(1, 2))
                                .build())
                .toCompletableFuture()
                .join();
        return body(response, UpdateMetadataResponseData.class);
    }

    private static LeaderAndIsrRequestData leaderAndIsr(int controllerEpoch, long requestBrokerEpoch) {
        LeaderAndIsrTopicState topic =
                new LeaderAndIsrTopicState().setTopicName("orders").setTopicId(ORDERS);
        for (int p = 0; p < 2; p++) {
            topic.partitionStates()
                    .add(new LeaderAndIsrPartitionState()
                            .setPartitionIndex(p)
                            .setControllerEpoch(controllerEpoch)
                            .setLeader(1)
                            .setLeaderEpoch(4)
                            .setIsr(List.of(1, 2))
                            .setPartitionEpoch(7)
                            .setReplicas(List.of(1, 2)));
        }
        return new LeaderAndIsrRequestData()
                .setControllerId(2)
                .setControllerEpoch(controllerEpoch)
                .setBrokerEpoch(requestBrokerEpoch)
                .setTopicStates(List.of(topic));
    }

    private LeaderAndIsrResponseData sendLeaderAndIsr(int controllerEpoch, long requestBrokerEpoch) {
        return body(
                leaderAndIsr
                        .handle(
                                ControlRequests.context(ApiKeys.LEADER_AND_ISR, (short) 7),
                                leaderAndIsr(controllerEpoch, requestBrokerEpoch))
                        .toCompletableFuture()
                        .join(),
                LeaderAndIsrResponseData.class);
    }

    private StopReplicaResponseData sendStopReplica(int controllerEpoch, long requestBrokerEpoch) {
        StopReplicaRequestData request = new StopReplicaRequestData()
                .setControllerId(2)
                .setControllerEpoch(controllerEpoch)
                .setBrokerEpoch(requestBrokerEpoch)
                .setTopicStates(List.of(new StopReplicaTopicState()
                        .setTopicName("orders")
                        .setPartitionStates(List.of(new StopReplicaPartitionState()
                                .setPartitionIndex(0)
                                .setLeaderEpoch(-2)
                                .setDeletePartition(true)))));
        return body(
                stopReplica
                        .handle(ControlRequests.context(ApiKeys.STOP_REPLICA, (short) 4), request)
                        .toCompletableFuture()
                        .join(),
                StopReplicaResponseData.class);
    }

    @Test
    void declaresTheVersionsTheControllerSends() {
        assertThat(updateMetadata.maxVersion()).isEqualTo((short) 8);
        assertThat(leaderAndIsr.maxVersion()).isEqualTo((short) 7);
        assertThat(stopReplica.maxVersion()).isEqualTo((short) 4);
    }

    @Test
    void anAcceptedUpdateMetadataIsAppliedAndRaisesTheControllerEpoch() {
        assertThat(updateMetadata(3, BROKER_EPOCH).errorCode()).isEqualTo(Errors.NONE.code());

        assertThat(tracker.controllerEpoch()).isEqualTo(3);
        assertThat(cache.controllerId()).hasValue(2);
        assertThat(cache.contains("orders")).isTrue();
    }

    @Test
    void aStaleControllerEpochIsRejectedAndNothingIsApplied() {
        updateMetadata(5, BROKER_EPOCH);

        UpdateMetadataResponseData stale = updateMetadata(4, BROKER_EPOCH);
        LeaderAndIsrResponseData staleLeaderAndIsr = sendLeaderAndIsr(4, BROKER_EPOCH);
        StopReplicaResponseData staleStop = sendStopReplica(4, BROKER_EPOCH);

        assertThat(stale.errorCode()).isEqualTo(Errors.STALE_CONTROLLER_EPOCH.code());
        assertThat(cache.snapshot().controllerEpoch()).isEqualTo(5);
        assertThat(staleLeaderAndIsr.errorCode()).isEqualTo(Errors.STALE_CONTROLLER_EPOCH.code());
        assertThat(staleLeaderAndIsr.topics().iterator().next().partitionErrors())
                .allSatisfy(e -> assertThat(e.errorCode()).isEqualTo(Errors.STALE_CONTROLLER_EPOCH.code()));
        assertThat(staleStop.errorCode()).isEqualTo(Errors.STALE_CONTROLLER_EPOCH.code());
        assertThat(replicas.becameLeaderOrFollower).isEmpty();
        assertThat(replicas.stopped).isEmpty();
        assertThat(tracker.controllerEpoch()).isEqualTo(5);
    }

    @Test
    void aStaleBrokerEpochIsRejected() {
        UpdateMetadataResponseData response = updateMetadata(1, BROKER_EPOCH - 1);
        LeaderAndIsrResponseData lai = sendLeaderAndIsr(1, BROKER_EPOCH - 1);

        assertThat(response.errorCode()).isEqualTo(Errors.STALE_BROKER_EPOCH.code());
        assertThat(lai.errorCode()).isEqualTo(Errors.STALE_BROKER_EPOCH.code());
        assertThat(cache.contains("orders")).isFalse();
        assertThat(replicas.becameLeaderOrFollower).isEmpty();
        assertThat(tracker.controllerEpoch()).isEqualTo(-1);
    }

    @Test
    void anUnsetOrNewerBrokerEpochIsAccepted() {
        assertThat(updateMetadata(1, -1).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(updateMetadata(1, BROKER_EPOCH + 5).errorCode()).isEqualTo(Errors.NONE.code());
    }

    @Test
    void aNewerControllerEpochRaisesTheTrackerAndIsDelegated() {
        sendLeaderAndIsr(3, BROKER_EPOCH);
        LeaderAndIsrResponseData response = sendLeaderAndIsr(4, BROKER_EPOCH);

        assertThat(tracker.controllerEpoch()).isEqualTo(4);
        assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
        LeaderAndIsrResponseData.LeaderAndIsrTopicError topic =
                response.topics().iterator().next();
        assertThat(topic.topicId()).isEqualTo(ORDERS);
        assertThat(topic.partitionErrors())
                .extracting(e -> Errors.forCode(e.errorCode()))
                .containsExactly(Errors.NONE, Errors.FENCED_LEADER_EPOCH);
        assertThat(replicas.becameLeaderOrFollower)
                .extracting(LeaderAndIsrPartitionState::topicName)
                .containsOnly("orders");
        assertThat(replicas.lastTopicIds).containsEntry("orders", ORDERS);

        StopReplicaResponseData stop = sendStopReplica(4, BROKER_EPOCH);
        assertThat(stop.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(replicas.stopped)
                .containsExactly(new StopReplicaPartition(new TopicPartition("orders", 0), -2, true));
    }

    @Test
    void aReRegisteredBrokerRejectsRequestsForItsOldIncarnation() {
        assertThat(sendLeaderAndIsr(1, BROKER_EPOCH).errorCode()).isEqualTo(Errors.NONE.code());
        brokerEpoch.set(BROKER_EPOCH + 10);
        assertThat(sendLeaderAndIsr(1, BROKER_EPOCH).errorCode()).isEqualTo(Errors.STALE_BROKER_EPOCH.code());
    }
}
