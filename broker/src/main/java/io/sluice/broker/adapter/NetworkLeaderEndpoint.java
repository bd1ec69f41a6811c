package io.sluice.broker.adapter;

import io.sluice.broker.network.client.BrokerAddress;
import io.sluice.broker.network.client.BrokerClient;
import io.sluice.replication.fetcher.LeaderEndpoint;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * A follower's connection to one leader: Fetch v12 over a {@link BrokerClient} dedicated to this endpoint (replica
 * fetches do not share a connection with controller traffic). The leader's address is looked up on every fetch, so a
 * leader that moved gets a new client; a leader the metadata does not know (yet) fails the fetch with
 * {@link DisconnectException}, and the fetcher retries after its backoff.
 *
 * <p>Concurrency: {@link #fetch} may be called from any thread (in practice the one fetcher thread); the current
 * client is guarded by the endpoint's monitor. Closed once, by {@link #close()}.
 */
public final class NetworkLeaderEndpoint implements LeaderEndpoint {
    /** The Fetch version followers use: replica id in the body, topic names, diverging epochs. */
    public static final short FETCH_VERSION = 12;

    private final int leaderId;
    private final Supplier<Optional<BrokerAddress>> address;
    private final Function<BrokerAddress, BrokerClient> clients;
    private final Duration requestTimeout;

    // guarded by this
    private BrokerClient client;
    private boolean closed;

    /**
     * @param address the leader's current inter-broker address
     * @param clients creates the dedicated client for an address
     * @param requestTimeout per-fetch timeout; must exceed the fetch's {@code maxWaitMs}
     */
    public NetworkLeaderEndpoint(
            int leaderId,
            Supplier<Optional<BrokerAddress>> address,
            Function<BrokerAddress, BrokerClient> clients,
            Duration requestTimeout) {
        this.leaderId = leaderId;
        this.address = Objects.requireNonNull(address, "address");
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
            return current.send(ApiKeys.FETCH, FETCH_VERSION, request, requestTimeout, FetchResponseData.class);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
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
