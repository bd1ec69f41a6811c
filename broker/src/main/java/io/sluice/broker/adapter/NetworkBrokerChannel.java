package io.sluice.broker.adapter;

import io.sluice.broker.network.client.BrokerClient;
import io.sluice.broker.network.client.BrokerClientPool;
import io.sluice.controller.channel.BrokerChannel;
import io.sluice.metadata.model.BrokerInfo;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.message.LeaderAndIsrRequestData;
import org.apache.kafka.common.message.LeaderAndIsrResponseData;
import org.apache.kafka.common.message.StopReplicaRequestData;
import org.apache.kafka.common.message.StopReplicaResponseData;
import org.apache.kafka.common.message.UpdateMetadataRequestData;
import org.apache.kafka.common.message.UpdateMetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * The controller's {@link BrokerChannel} over the network: one {@link BrokerClientPool} (owned by this channel and
 * fed only by {@link #brokersChanged}) with a client per live broker on the inter-broker listener; requests go out at
 * LeaderAndIsr v7, UpdateMetadata v8 and StopReplica v4. Requests to the controller's own broker go over the network
 * too (a loopback connection): one code path, the same fencing and the same ordering as for every other broker.
 *
 * <p>A request to a broker the channel does not know fails at once with {@link DisconnectException}; network failures
 * and timeouts fail the stage with kafka-clients' exceptions. The controller retries on its own terms.
 *
 * <p>Concurrency: thread-safe; never blocks the caller (the controller's event thread); stages complete on client
 * event loops.
 */
public final class NetworkBrokerChannel implements BrokerChannel {
    private final BrokerClientPool pool;
    private final String interBrokerListener;
    private final Duration requestTimeout;

    /**
     * @param pool a pool used by this channel only
     * @param interBrokerListener the listener name whose endpoints the brokers are reached on
     * @param requestTimeout per-request timeout ({@code controller.socket.timeout.ms})
     */
    public NetworkBrokerChannel(BrokerClientPool pool, String interBrokerListener, Duration requestTimeout) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.interBrokerListener = Objects.requireNonNull(interBrokerListener, "interBrokerListener");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    }

    @Override
    public void brokersChanged(Collection<BrokerInfo> live) {
        pool.update(BrokerAddresses.of(live, interBrokerListener));
    }

    @Override
    public CompletionStage<LeaderAndIsrResponseData> leaderAndIsr(int brokerId, LeaderAndIsrRequestData request) {
        return send(brokerId, ApiKeys.LEADER_AND_ISR, LEADER_AND_ISR_VERSION, request, LeaderAndIsrResponseData.class);
    }

    @Override
    public CompletionStage<UpdateMetadataResponseData> updateMetadata(int brokerId, UpdateMetadataRequestData request) {
        return send(
                brokerId, ApiKeys.UPDATE_METADATA, UPDATE_METADATA_VERSION, request, UpdateMetadataResponseData.class);
    }

    @Override
    public CompletionStage<StopReplicaResponseData> stopReplica(int brokerId, StopReplicaRequestData request) {
        return send(brokerId, ApiKeys.STOP_REPLICA, STOP_REPLICA_VERSION, request, StopReplicaResponseData.class);
    }

    private <R extends ApiMessage> CompletionStage<R> send(
            int brokerId, ApiKeys api, short version, ApiMessage request, Class<R> responseType) {
        Optional<BrokerClient> client = pool.client(brokerId);
        if (client.isEmpty()) {
            return CompletableFuture.failedFuture(
                    new DisconnectException("No connection to broker " + brokerId + ": not a live broker"));
        }
        try {
            return client.get().send(api, version, request, requestTimeout, responseType);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
