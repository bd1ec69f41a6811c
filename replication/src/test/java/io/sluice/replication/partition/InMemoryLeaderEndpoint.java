package io.sluice.replication.partition;

import io.sluice.replication.fetcher.LeaderEndpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.record.MemoryRecords;

/** A follower's connection to a leader in the same JVM: Fetch requests go straight to the leader's ReplicaManager. */
final class InMemoryLeaderEndpoint implements LeaderEndpoint {
    private final int leaderId;
    private final Supplier<ReplicaManager> leader;

    InMemoryLeaderEndpoint(int leaderId, Supplier<ReplicaManager> leader) {
        this.leaderId = leaderId;
        this.leader = leader;
    }

    @Override
    public int leaderId() {
        return leaderId;
    }

    @Override
    public CompletableFuture<FetchResponseData> fetch(FetchRequestData request) {
        List<PartitionFetch> fetches = new ArrayList<>();
        for (FetchRequestData.FetchTopic topic : request.topics()) {
            for (FetchRequestData.FetchPartition p : topic.partitions()) {
                fetches.add(new PartitionFetch(
                        new TopicPartition(topic.topic(), p.partition()),
                        p.fetchOffset(),
                        p.logStartOffset(),
                        p.partitionMaxBytes(),
                        p.currentLeaderEpoch(),
                        p.lastFetchedEpoch()));
            }
        }
        FetchParams params = new FetchParams(
                request.replicaId(),
                request.maxWaitMs(),
                request.minBytes(),
                request.maxBytes(),
                FetchIsolation.LOG_END,
                request.replicaState().replicaEpoch());
        CompletableFuture<FetchResponseData> response = new CompletableFuture<>();
        try {
            leader.get().fetchMessages(params, fetches, results -> response.complete(toResponse(results)));
        } catch (RuntimeException e) {
            response.completeExceptionally(e);
        }
        return response;
    }

    private static FetchResponseData toResponse(Map<TopicPartition, ReadResult> results) {
        Map<String, FetchResponseData.FetchableTopicResponse> topics = new LinkedHashMap<>();
        results.forEach((tp, r) -> {
            FetchResponseData.PartitionData data = new FetchResponseData.PartitionData()
                    .setPartitionIndex(tp.partition())
                    .setErrorCode(r.error().code())
                    .setHighWatermark(r.highWatermark())
                    .setLastStableOffset(r.lastStableOffset())
                    .setLogStartOffset(r.logStartOffset())
                    .setRecords(r.records()
                            .map(slice -> {
                                try {
                                    return slice.readRecords();
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            })
                            .orElse(MemoryRecords.EMPTY));
            r.divergingEpoch()
                    .ifPresent(d -> data.setDivergingEpoch(new FetchResponseData.EpochEndOffset()
                            .setEpoch(d.epoch())
                            .setEndOffset(d.endOffset())));
            topics.computeIfAbsent(tp.topic(), t -> new FetchResponseData.FetchableTopicResponse().setTopic(t))
                    .partitions()
                    .add(data);
        });
        return new FetchResponseData().setResponses(new ArrayList<>(topics.values()));
    }

    @Override
    public void close() {}
}
