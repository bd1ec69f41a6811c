package io.sluice.broker.adapter;

import io.sluice.broker.api.handlers.WriteTxnMarkersHandler;
import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.metadata.PartitionMetadata;
import io.sluice.broker.network.client.BrokerClient;
import io.sluice.broker.network.client.BrokerClientPool;
import io.sluice.broker.txn.MarkerChannel;
import io.sluice.replication.partition.ReplicaManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * {@link MarkerChannel} over the broker: a partition this broker leads gets its marker straight through the
 * {@link ReplicaManager}; others get a WriteTxnMarkers request (v0-v1) over the inter-broker client pool to the leader
 * the metadata cache names.
 *
 * <p>Concurrency: stateless over thread-safe collaborators; never blocks.
 */
public final class NetworkMarkerChannel implements MarkerChannel {
    private final int brokerId;
    private final ReplicaManager replicas;
    private final MetadataCache cache;
    private final BrokerClientPool pool;
    private final Duration timeout;
    private final WriteTxnMarkersHandler.OffsetsMarkerListener offsetsListener;

    public NetworkMarkerChannel(
            int brokerId,
            ReplicaManager replicas,
            MetadataCache cache,
            BrokerClientPool pool,
            Duration timeout,
            WriteTxnMarkersHandler.OffsetsMarkerListener offsetsListener) {
        this.offsetsListener = Objects.requireNonNull(offsetsListener, "offsetsListener");
        this.brokerId = brokerId;
        this.replicas = Objects.requireNonNull(replicas, "replicas");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    @Override
    public OptionalInt leaderOf(TopicPartition tp) {
        if (replicas.isLeader(tp)) {
            return OptionalInt.of(brokerId);
        }
        Optional<PartitionMetadata> state = cache.partitionState(tp);
        if (state.isEmpty() || state.get().leader() < 0) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(state.get().leader());
    }

    @Override
    public CompletableFuture<Map<TopicPartition, Errors>> send(int leader, WritableTxnMarker marker) {
        if (leader == brokerId) {
            return WriteTxnMarkersHandler.append(replicas::appendTxnMarkers, offsetsListener, marker)
                    .thenApply(NetworkMarkerChannel::errors);
        }
        Optional<BrokerClient> client = pool.client(leader);
        if (client.isEmpty()) {
            return CompletableFuture.failedFuture(new DisconnectException("no client for broker " + leader));
        }
        WriteTxnMarkersRequestData request = new WriteTxnMarkersRequestData().setMarkers(List.of(marker));
        return client.get()
                .sendLatest(ApiKeys.WRITE_TXN_MARKERS, (short) 0, (short) 1, request, timeout)
                .thenApply(response -> {
                    List<WritableTxnMarkerResult> results = ((WriteTxnMarkersResponseData) response).markers();
                    return results.isEmpty() ? Map.of() : errors(results.get(0));
                });
    }

    private static Map<TopicPartition, Errors> errors(WritableTxnMarkerResult result) {
        Map<TopicPartition, Errors> errors = new HashMap<>();
        for (WritableTxnMarkerTopicResult topic : result.topics()) {
            for (WritableTxnMarkerPartitionResult p : topic.partitions()) {
                errors.put(new TopicPartition(topic.name(), p.partitionIndex()), Errors.forCode(p.errorCode()));
            }
        }
        return errors;
    }
}
