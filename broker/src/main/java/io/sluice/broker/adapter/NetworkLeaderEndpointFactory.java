package io.sluice.broker.adapter;

import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.network.client.BrokerAddress;
import io.sluice.broker.network.client.BrokerClient;
import io.sluice.replication.fetcher.LeaderEndpoint;
import io.sluice.replication.fetcher.LeaderEndpointFactory;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * Creates a {@link NetworkLeaderEndpoint} per leader, resolving its address on the inter-broker listener and the
 * fetched topics' ids from the {@link MetadataCache} at each fetch.
 *
 * <p>Concurrency: immutable; thread-safe.
 */
public final class NetworkLeaderEndpointFactory implements LeaderEndpointFactory {
    private final MetadataCache cache;
    private final String interBrokerListener;
    private final Function<BrokerAddress, BrokerClient> clients;
    private final Duration requestTimeout;

    /**
     * @param clients creates a dedicated client (e.g. {@code a -> new BrokerClient(a, config, loops, metrics)})
     * @param requestTimeout per-fetch timeout ({@code replica.fetch.wait.max.ms} plus a margin)
     */
    public NetworkLeaderEndpointFactory(
            MetadataCache cache,
            String interBrokerListener,
            Function<BrokerAddress, BrokerClient> clients,
            Duration requestTimeout) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.interBrokerListener = Objects.requireNonNull(interBrokerListener, "interBrokerListener");
        this.clients = Objects.requireNonNull(clients, "clients");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    }

    @Override
    public LeaderEndpoint endpointFor(int leaderBrokerId) {
        return new NetworkLeaderEndpoint(
                leaderBrokerId,
                () -> cache.broker(leaderBrokerId).flatMap(b -> BrokerAddresses.of(b, interBrokerListener)),
                topic -> cache.snapshot().topicId(topic),
                clients,
                requestTimeout);
    }
}
