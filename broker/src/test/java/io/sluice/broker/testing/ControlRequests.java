package io.sluice.broker.testing;

import io.sluice.broker.api.RequestCancellation;
import io.sluice.broker.api.RequestContext;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.UpdateMetadataRequestData;
import org.apache.kafka.common.message.UpdateMetadataRequestData.UpdateMetadataBroker;
import org.apache.kafka.common.message.UpdateMetadataRequestData.UpdateMetadataEndpoint;
import org.apache.kafka.common.message.UpdateMetadataRequestData.UpdateMetadataPartitionState;
import org.apache.kafka.common.message.UpdateMetadataRequestData.UpdateMetadataTopicState;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.RequestHeader;

/** Builds controller requests the way Sluice's controller fills them (UpdateMetadata v8 layout). */
public final class ControlRequests {
    private ControlRequests() {}

    public static RequestContext context(ApiKeys api, short version) {
        return context(api, version, "PLAINTEXT");
    }

    public static RequestContext context(ApiKeys api, short version, String listener) {
        return new RequestContext(
                new RequestHeader(api, version, "test-client", 1),
                listener,
                new InetSocketAddress("127.0.0.1", 40000),
                "test-connection",
                0L);
    }

    /** A request on the PLAINTEXT listener whose connection closing the test signals through {@code cancellation}. */
    public static RequestContext context(ApiKeys api, short version, RequestCancellation cancellation) {
        RequestContext plain = context(api, version);
        return new RequestContext(
                plain.header(),
                plain.listenerName(),
                plain.remoteAddress(),
                plain.connectionId(),
                plain.receiveTimeMs(),
                cancellation);
    }

    /** An UpdateMetadata request builder. */
    public static UpdateMetadataBuilder updateMetadata(int controllerId, int controllerEpoch) {
        return new UpdateMetadataBuilder(controllerId, controllerEpoch);
    }

    public static final class UpdateMetadataBuilder {
        private final UpdateMetadataRequestData data;
        private final Map<String, UpdateMetadataTopicState> topics = new java.util.LinkedHashMap<>();

        UpdateMetadataBuilder(int controllerId, int controllerEpoch) {
            data = new UpdateMetadataRequestData()
                    .setControllerId(controllerId)
                    .setControllerEpoch(controllerEpoch)
                    .setBrokerEpoch(-1);
        }

        public UpdateMetadataBuilder brokerEpoch(long epoch) {
            data.setBrokerEpoch(epoch);
            return this;
        }

        /** A live broker with a PLAINTEXT endpoint on 127.0.0.1:{@code port} and optionally more listeners. */
        public UpdateMetadataBuilder broker(int id, int port, Optional<String> rack, String... extraListeners) {
            List<UpdateMetadataEndpoint> endpoints = new ArrayList<>();
            endpoints.add(new UpdateMetadataEndpoint()
                    .setHost("127.0.0.1")
                    .setPort(port)
                    .setListener("PLAINTEXT")
                    .setSecurityProtocol((short) 0));
            int extraPort = port + 1000;
            for (String listener : extraListeners) {
                endpoints.add(new UpdateMetadataEndpoint()
                        .setHost("10.0.0." + id)
                        .setPort(extraPort++)
                        .setListener(listener)
                        .setSecurityProtocol((short) 0));
            }
            data.liveBrokers()
                    .add(new UpdateMetadataBroker()
                            .setId(id)
                            .setEndpoints(endpoints)
                            .setRack(rack.orElse(null)));
            return this;
        }

        public UpdateMetadataBuilder partition(
                String topic,
                Uuid topicId,
                int partition,
                int leader,
                int leaderEpoch,
                List<Integer> isr,
                List<Integer> replicas,
                List<Integer> offline) {
            UpdateMetadataTopicState state = topics.computeIfAbsent(
                    topic, t -> new UpdateMetadataTopicState().setTopicName(t).setTopicId(topicId));
            state.partitionStates()
                    .add(new UpdateMetadataPartitionState()
                            .setTopicName(topic)
                            .setPartitionIndex(partition)
                            .setControllerEpoch(data.controllerEpoch())
                            .setLeader(leader)
                            .setLeaderEpoch(leaderEpoch)
                            .setIsr(isr)
                            .setZkVersion(leaderEpoch)
                            .setReplicas(replicas)
                            .setOfflineReplicas(offline));
            return this;
        }

        public UpdateMetadataBuilder partition(
                String topic, Uuid topicId, int partition, int leader, List<Integer> replicas) {
            return partition(topic, topicId, partition, leader, 1, replicas, replicas, List.of());
        }

        /** Marks {@code topic}-{@code partition} deleted (leader -2). */
        public UpdateMetadataBuilder deleted(String topic, Uuid topicId, int partition) {
            return partition(topic, topicId, partition, -2, 1, List.of(), List.of(), List.of());
        }

        public UpdateMetadataRequestData build() {
            data.setTopicStates(new ArrayList<>(topics.values()));
            return data;
        }
    }
}
