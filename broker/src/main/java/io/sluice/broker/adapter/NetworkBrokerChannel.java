package io.sluice.broker.adapter;

import io.sluice.broker.network.client.BrokerClient;
import io.sluice.broker.network.client.BrokerClientPool;
import io.sluice.controller.channel.BrokerChannel;
import io.sluice.metadata.model.BrokerInfo;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.message.LeaderAndIsrRequestData;
import org.apache.kafka.common.message.LeaderAndIsrResponseData;
import org.apache.kafka.common.message.StopReplicaRequestData;
import org.apache.kafka.common.message.StopReplicaResponseData;
import org.apache.kafka.common.message.UpdateMetadataRequestData;
import org.apache.kafka.common.message.UpdateMetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's {@link BrokerChannel} over the network: one {@link BrokerClientPool} (owned by this channel and
 * fed only by {@link #brokersChanged}) with a client per live broker on the inter-broker listener; requests go out at
 * LeaderAndIsr v7, UpdateMetadata v8 and StopReplica v4. Requests to the controller's own broker go over the network
 * too (a loopback connection): one code path, the same fencing and the same ordering as for every other broker.
 *
 * <p><b>Delivery, as Kafka's controller channel does it.</b> Requests to one broker go out one at a time, in the order
 * they were given. A request that fails without an answer (timeout, lost connection, refused connect: a kafka-clients
 * {@link RetriableException}) is sent again after {@value #RETRY_BACKOFF_MS} ms, before any later request to that
 * broker, for as long as the broker is in the pool; so a slow broker (a LeaderAndIsr creating thousands of logs can
 * outlast {@code controller.socket.timeout.ms}) still receives every request, in order. A duplicate the broker did
 * process is harmless: it answers it with the usual epoch errors. A request to a broker the channel does not know
 * fails at once with {@link DisconnectException}; once a broker leaves the pool (or the pool is closed) its queued
 * requests fail the same way; any other error fails only that request.
 *
 * <p>Concurrency: thread-safe; never blocks the caller (the controller's event thread); stages complete on client
 * event loops or on the retry timer's thread. Each broker's queue is guarded by its own monitor, which is never held
 * while sending or completing.
 */
public final class NetworkBrokerChannel implements BrokerChannel {
    private static final Logger log = LoggerFactory.getLogger(NetworkBrokerChannel.class);
    static final long RETRY_BACKOFF_MS = 100;

    private final BrokerClientPool pool;
    private final String interBrokerListener;
    private final Duration requestTimeout;
    private final Map<Integer, BrokerQueue> queues = new ConcurrentHashMap<>();

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
        if (pool.client(brokerId).isEmpty()) {
            return CompletableFuture.failedFuture(notLive(brokerId));
        }
        Pending pending = new Pending(api, version, request, new CompletableFuture<>());
        queues.computeIfAbsent(brokerId, BrokerQueue::new).enqueue(pending);
        return pending.result().thenApply(responseType::cast);
    }

    private static DisconnectException notLive(int brokerId) {
        return new DisconnectException("No connection to broker " + brokerId + ": not a live broker");
    }

    private record Pending(ApiKeys api, short version, ApiMessage request, CompletableFuture<ApiMessage> result) {}

    /** One broker's requests: the head is in flight (or waiting to be retried), the rest wait behind it. */
    private final class BrokerQueue {
        private final int brokerId;
        private final ArrayDeque<Pending> waiting = new ArrayDeque<>(); // guarded by this; head = in flight

        BrokerQueue(int brokerId) {
            this.brokerId = brokerId;
        }

        void enqueue(Pending pending) {
            boolean idle;
            synchronized (this) {
                idle = waiting.isEmpty();
                waiting.add(pending);
            }
            if (idle) {
                attempt(pending, 1);
            }
        }

        private void attempt(Pending pending, int attempt) {
            Optional<BrokerClient> client = pool.client(brokerId);
            if (client.isEmpty() || client.get().isClosed()) {
                failAll();
                return;
            }
            CompletableFuture<ApiMessage> sent;
            try {
                sent = client.get().send(pending.api(), pending.version(), pending.request(), requestTimeout);
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete((response, error) -> {
                Throwable cause =
                        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                if (cause instanceof RetriableException) {
                    if (attempt == 1 || attempt % 10 == 0) {
                        log.warn(
                                "[NetworkBrokerChannel] {} to broker {} failed (attempt {}): {}; sending it again in {}"
                                        + " ms",
                                pending.api(),
                                brokerId,
                                attempt,
                                cause.toString(),
                                RETRY_BACKOFF_MS);
                    }
                    CompletableFuture.delayedExecutor(RETRY_BACKOFF_MS, TimeUnit.MILLISECONDS)
                            .execute(() -> attempt(pending, attempt + 1));
                } else {
                    finish(pending, response, cause);
                }
            });
        }

        private void finish(Pending pending, ApiMessage response, Throwable error) {
            Pending next;
            synchronized (this) {
                waiting.poll();
                next = waiting.peek();
            }
            if (error != null) {
                pending.result().completeExceptionally(error);
            } else {
                pending.result().complete(response);
            }
            if (next != null) {
                attempt(next, 1);
            }
        }

        private void failAll() {
            List<Pending> failed;
            synchronized (this) {
                failed = List.copyOf(waiting);
                waiting.clear();
            }
            failed.forEach(p -> p.result().completeExceptionally(notLive(brokerId)));
        }
    }
}
