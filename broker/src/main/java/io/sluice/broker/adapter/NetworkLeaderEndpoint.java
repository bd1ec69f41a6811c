package io.sluice.broker.adapter;

import io.sluice.broker.network.client.BrokerAddress;
import io.sluice.broker.network.client.BrokerClient;
import io.sluice.replication.fetcher.LeaderEndpoint;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * A follower's connection to one leader: Fetch over a {@link BrokerClient} dedicated to this endpoint (replica fetches
 * do not share a connection with controller traffic). A fetch is sent as v15 when this broker's metadata knows the id
 * of every topic in it: topics named by id, the follower in {@code replicaState} with its broker epoch (so that the
 * leader's ISR expansions name it, KIP-903), and the answer's topics named again from the ids sent. Otherwise it is
 * sent as v12 (topic names, {@code replicaId}, no broker epoch: the leader sees epoch -1); the leader then refuses an
 * incremental fetch session made at the other version ({@code FETCH_SESSION_TOPIC_ID_ERROR}) and the fetcher starts a
 * new one. The leader's address is
 * looked up on every fetch, so a leader that moved gets a new client; a leader the metadata does not know (yet) fails
 * the fetch with {@link DisconnectException}, and the fetcher retries after its backoff.
 *
 * <p>Concurrency: {@link #fetch} may be called from any thread (in practice the one fetcher thread); the current
 * client is guarded by the endpoint's monitor. Closed once, by {@link #close()}.
 */
public final class NetworkLeaderEndpoint implements LeaderEndpoint {
    /** The Fetch version followers use: topic ids, replica id and broker epoch in {@code replicaState}. */
    public static final short FETCH_VERSION = 15;
    /** The version used when a topic id is unknown: replica id in the body, topic names, diverging epochs. */
    public static final short NAMED_TOPICS_FETCH_VERSION = 12;

    private static final int NO_REPLICA_ID = -1;

    private final int leaderId;
    private final Supplier<Optional<BrokerAddress>> address;
    private final Function<String, Uuid> topicIds;
    private final Function<BrokerAddress, BrokerClient> clients;
    private final Duration requestTimeout;
    /**
     * Names of every topic id this endpoint sent: an incremental fetch session's answer carries partitions of topics
     * the request itself did not name.
     */
    private final Map<Uuid, String> sentNames = new ConcurrentHashMap<>();

    // guarded by this
    private BrokerClient client;
    private boolean closed;

    /**
     * @param address the leader's current inter-broker address
     * @param topicIds a topic's id in this broker's metadata, {@link Uuid#ZERO_UUID} if unknown
     * @param clients creates the dedicated client for an address
     * @param requestTimeout per-fetch timeout; must exceed the fetch's {@code maxWaitMs}
     */
    public NetworkLeaderEndpoint(
            int leaderId,
            Supplier<Optional<BrokerAddress>> address,
            Function<String, Uuid> topicIds,
            Function<BrokerAddress, BrokerClient> clients,
            Duration requestTimeout) {
        this.leaderId = leaderId;
        this.address = Objects.requireNonNull(address, "address");
        this.topicIds = Objects.requireNonNull(topicIds, "topicIds");
        this.clients = Objects.requireNonNull(clients, "clients");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    }

    @Override
    public int leaderId() {
        return leaderId;
    }

    @Override
    public CompletionStage<FetchResponseData> fetch(FetchRequestData request) {
        BrokerClient current;
        try {
            current = currentClient();
        } catch (DisconnectException e) {
            return CompletableFuture.failedFuture(e);
        }
        try {
            Map<Uuid, String> names = new HashMap<>();
            FetchRequestData wire = request.duplicate();
            if (resolveTopicIds(wire, names)) {
                sentNames.putAll(names);
                if (wire.replicaState().replicaId() < 0) {
                    wire.replicaState().setReplicaId(request.replicaId());
                }
                wire.setReplicaId(NO_REPLICA_ID);
                return current.send(ApiKeys.FETCH, FETCH_VERSION, wire, requestTimeout, FetchResponseData.class)
                        .thenApply(response -> withTopicNames(response, sentNames));
            }
            if (request.replicaId() < 0) {
                wire.setReplicaId(request.replicaState().replicaId());
            }
            wire.setReplicaState(new FetchRequestData.ReplicaState());
            return current.send(
                    ApiKeys.FETCH, NAMED_TOPICS_FETCH_VERSION, wire, requestTimeout, FetchResponseData.class);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Sets every topic's id from the metadata; false (and nothing to rely on) if one is unknown. */
    private boolean resolveTopicIds(FetchRequestData wire, Map<Uuid, String> names) {
        for (FetchRequestData.FetchTopic topic : wire.topics()) {
            Uuid id = topicIds.apply(topic.topic());
            if (id == null || Uuid.ZERO_UUID.equals(id)) {
                return false;
            }
            topic.setTopicId(id);
            names.put(id, topic.topic());
        }
        for (FetchRequestData.ForgottenTopic topic : wire.forgottenTopicsData()) {
            Uuid id = topicIds.apply(topic.topic());
            if (id == null || Uuid.ZERO_UUID.equals(id)) {
                return false;
            }
            topic.setTopicId(id);
        }
        return true;
    }

    /** Names the answer's topics by the ids sent; an id never sent gets an empty name (the fetcher ignores it). */
    private static FetchResponseData withTopicNames(FetchResponseData response, Map<Uuid, String> names) {
        for (FetchResponseData.FetchableTopicResponse topic : response.responses()) {
            topic.setTopic(names.getOrDefault(topic.topicId(), ""));
        }
        return response;
    }

    private synchronized BrokerClient currentClient() {
        if (closed) {
            throw new DisconnectException("Endpoint of leader " + leaderId + " is closed");
        }
        Optional<BrokerAddress> target = address.get();
        if (target.isEmpty()) {
            throw new DisconnectException("Leader " + leaderId + " has no known inter-broker address");
        }
        if (client == null || client.isClosed() || !client.target().equals(target.get())) {
            if (client != null) {
                client.close();
            }
            client = clients.apply(target.get());
        }
        return client;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
