package io.sluice.broker.server;

import io.sluice.broker.network.ConnectionLimits;
import io.sluice.broker.network.NetworkConfig;
import io.sluice.broker.network.NetworkServer;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.BrokerConfigKeys;
import io.sluice.metadata.config.ConfigException;
import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.SecurityProtocol;
import io.sluice.replication.fetcher.FetcherConfig;
import io.sluice.replication.log.LogManagerConfig;
import io.sluice.replication.partition.ReplicaManagerConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps the broker configuration onto the settings of the network layer, the log and replica managers and the replica
 * fetchers, and the bound listeners onto the endpoints a broker registers.
 *
 * <p>Thread-safety: stateless.
 */
final class BrokerConfigMapping {
    private BrokerConfigMapping() {}

    /** The network layer's settings (each listener's security is built by {@code ListenerSecurity}). */
    static NetworkConfig networkConfig(BrokerConfig config) {
        return new NetworkConfig(
                config.listeners().stream().map(BrokerConfigMapping::toNetwork).toList(),
                config.advertisedListeners().stream()
                        .map(BrokerConfigMapping::toNetwork)
                        .toList(),
                config.numNetworkThreads(),
                config.numIoThreads(),
                config.queuedMaxRequests(),
                config.socketRequestMaxBytes(),
                connectionLimits(config));
    }

    /**
     * {@code connections.max.idle.ms}, {@code max.connections} (the inter-broker listener exempt when there is more
     * than one listener, as in Kafka) and {@code max.connections.per.ip} with its overrides, whose host names are
     * resolved here; fails with a {@link ConfigException} naming {@code max.connections.per.ip.overrides} for a host
     * that does not resolve.
     */
    static ConnectionLimits connectionLimits(BrokerConfig config) {
        return connectionLimits(config, InetAddress::getByName);
    }

    /** Resolves host names of the overrides through {@code resolver}. */
    interface Resolver {
        InetAddress resolve(String host) throws UnknownHostException;
    }

    static ConnectionLimits connectionLimits(BrokerConfig config, Resolver resolver) {
        Map<InetAddress, Integer> overrides = new LinkedHashMap<>();
        config.maxConnectionsPerIpOverrides().forEach((host, limit) -> {
            try {
                overrides.put(resolver.resolve(host), limit);
            } catch (UnknownHostException e) {
                throw new ConfigException(
                        BrokerConfigKeys.MAX_CONNECTIONS_PER_IP_OVERRIDES.name(),
                        host + ":" + limit,
                        "Cannot resolve host " + host + ": " + e.getMessage());
            }
        });
        String exempt = config.listeners().size() > 1 ? config.interBrokerListenerName() : null;
        return ConnectionLimits.defaults()
                .withIdleMs(config.connectionsMaxIdleMs())
                .withMaxConnections(config.maxConnections(), exempt)
                .withMaxConnectionsPerIp(config.maxConnectionsPerIp(), overrides)
                .withMaxInFlightPerConnection(config.maxPipelinedRequestsPerConnection());
    }

    /** The replica fetchers' settings ({@code num.replica.fetchers}, {@code replica.fetch.*}). */
    static FetcherConfig fetcherConfig(BrokerConfig config) {
        return new FetcherConfig(
                config.numReplicaFetchers(),
                config.replicaFetchMaxBytes(),
                config.replicaFetchResponseMaxBytes(),
                config.replicaFetchWaitMaxMs(),
                config.replicaFetchMinBytes(),
                FetcherConfig.defaults().backoffMs());
    }

    /** The advertised endpoints with real ports, each with the security protocol of its listener. */
    static List<Endpoint> advertisedEndpoints(NetworkServer server, BrokerConfig config) {
        return server.advertisedEndpoints().stream()
                .map(e -> new Endpoint(e.listenerName(), protocolOf(config, e.listenerName()), e.host(), e.port()))
                .toList();
    }

    private static SecurityProtocol protocolOf(BrokerConfig config, String listenerName) {
        return config.listeners().stream()
                .filter(l -> l.listenerName().equalsIgnoreCase(listenerName))
                .map(Endpoint::securityProtocol)
                .findFirst()
                .orElse(SecurityProtocol.PLAINTEXT);
    }

    private static io.sluice.broker.network.Endpoint toNetwork(Endpoint e) {
        return new io.sluice.broker.network.Endpoint(e.listenerName(), e.host(), e.port());
    }

    /** The log manager's settings: recovery threads, retention check interval and the cleaner. */
    static LogManagerConfig logManagerConfig(BrokerConfig config) {
        return new LogManagerConfig(
                config.numRecoveryThreadsPerDataDir(),
                config.logRetentionCheckIntervalMs(),
                1_000L,
                60_000L,
                TopicSettingsMapping.cleanerConfig(config));
    }

    /** The replica manager's settings: {@code replica.lag.time.max.ms}, the rest Sluice's defaults. */
    static ReplicaManagerConfig replicaManagerConfig(BrokerConfig config) {
        ReplicaManagerConfig defaults = ReplicaManagerConfig.defaults(config.brokerId());
        return new ReplicaManagerConfig(
                config.brokerId(),
                config.replicaLagTimeMaxMs(),
                defaults.alterPartitionRetryBackoffMs(),
                defaults.highWatermarkCheckpointIntervalMs());
    }
}
