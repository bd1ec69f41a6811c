package io.sluice.controller;

import io.sluice.controller.channel.BrokerChannel;
import io.sluice.metadata.model.BrokerInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.message.LeaderAndIsrRequestData;
import org.apache.kafka.common.message.LeaderAndIsrResponseData;
import org.apache.kafka.common.message.StopReplicaRequestData;
import org.apache.kafka.common.message.StopReplicaResponseData;
import org.apache.kafka.common.message.UpdateMetadataRequestData;
import org.apache.kafka.common.message.UpdateMetadataResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * An in-memory {@link BrokerChannel}: records every request per broker and answers success (or the error a test
 * configured for a broker's LeaderAndIsr partitions). Thread-safe.
 */
final class RecordingBrokerChannel implements BrokerChannel {

    /** One request as sent. */
    record Sent(int brokerId, Object request) {}

    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final Map<Integer, Errors> leaderAndIsrErrors = new ConcurrentHashMap<>();
    private volatile Set<Integer> live = Set.of();

    @Override
    public void brokersChanged(Collection<BrokerInfo> brokers) {
        live = brokers.stream().map(BrokerInfo::id).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    @Override
    public CompletionStage<LeaderAndIsrResponseData> leaderAndIsr(int brokerId, LeaderAndIsrRequestData request) {
        sent.add(new Sent(brokerId, request));
        Errors error = leaderAndIsrErrors.getOrDefault(brokerId, Errors.NONE);
        LeaderAndIsrResponseData response = new LeaderAndIsrResponseData().setErrorCode(Errors.NONE.code());
        for (LeaderAndIsrRequestData.LeaderAndIsrTopicState t : request.topicStates()) {
            LeaderAndIsrResponseData.LeaderAndIsrTopicError te =
                    new LeaderAndIsrResponseData.LeaderAndIsrTopicError().setTopicId(t.topicId());
            t.partitionStates()
                    .forEach(p -> te.partitionErrors()
                            .add(new LeaderAndIsrResponseData.LeaderAndIsrPartitionError()
                                    .setPartitionIndex(p.partitionIndex())
                                    .setErrorCode(error.code())));
            response.topics().add(te);
        }
        return CompletableFuture.completedFuture(response);
    }

    @Override
    public CompletionStage<UpdateMetadataResponseData> updateMetadata(int brokerId, UpdateMetadataRequestData request) {
        sent.add(new Sent(brokerId, request));
        return CompletableFuture.completedFuture(new UpdateMetadataResponseData());
    }

    @Override
    public CompletionStage<StopReplicaResponseData> stopReplica(int brokerId, StopReplicaRequestData request) {
        sent.add(new Sent(brokerId, request));
        StopReplicaResponseData response = new StopReplicaResponseData();
        request.topicStates()
                .forEach(t -> t.partitionStates()
                        .forEach(p -> response.partitionErrors()
                                .add(new StopReplicaResponseData.StopReplicaPartitionError()
                                        .setTopicName(t.topicName())
                                        .setPartitionIndex(p.partitionIndex()))));
        return CompletableFuture.completedFuture(response);
    }

    /** Makes broker {@code brokerId} answer every LeaderAndIsr partition with {@code error}. */
    void failLeaderAndIsr(int brokerId, Errors error) {
        leaderAndIsrErrors.put(brokerId, error);
    }

    List<Sent> all() {
        return List.copyOf(sent);
    }

    int count() {
        return sent.size();
    }

    void clear() {
        sent.clear();
    }

    Set<Integer> liveBrokers() {
        return live;
    }

    /** Requests of type {@code type} sent to {@code brokerId}. */
    <T> List<T> sentTo(int brokerId, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Sent s : sent) {
            if (s.brokerId() == brokerId && type.isInstance(s.request())) {
                out.add(type.cast(s.request()));
            }
        }
        return out;
    }

    <T> List<Sent> sentOfType(Class<T> type) {
        return sent.stream().filter(s -> type.isInstance(s.request())).toList();
    }
}
