package io.sluice.broker.network.client;

import java.util.Objects;

/**
 * Where one broker listens for inter-broker traffic.
 *
 * @param nodeId the broker id ({@code broker.id})
 * @param host host name or address to connect to
 * @param port TCP port
 */
public record BrokerAddress(int nodeId, String host, int port) {
    public BrokerAddress {
        if (nodeId < 0) {
            throw new IllegalArgumentException("nodeId must be >= 0, was " + nodeId);
        }
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 1..65535, was " + port);
        }
    }

    /** {@code host:port}, for logs. */
    public String hostPort() {
        return host + ":" + port;
    }
}
