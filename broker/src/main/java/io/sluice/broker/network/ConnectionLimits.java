package io.sluice.broker.network;

import java.net.InetAddress;
import java.util.Map;
import java.util.Objects;

/**
 * What one client may hold on the broker, mapped from the broker's {@code server.properties}.
 *
 * @param idleMs {@code connections.max.idle.ms}: a connection with no request in flight that has neither completed a
 *     request nor been sent a response for this long is closed; zero or negative turns this off
 * @param maxConnections {@code max.connections}: open connections (all listeners) at which the acceptor stops taking
 *     connections off the listen backlog until one closes; {@code protectedListener} is exempt
 * @param maxConnectionsPerIp {@code max.connections.per.ip}: open connections from one address (all listeners); one
 *     more is closed at once
 * @param maxConnectionsPerIpOverrides {@code max.connections.per.ip.overrides}, with host names resolved: limits that
 *     replace {@code maxConnectionsPerIp} for those addresses
 * @param protectedListener the listener exempt from {@code max.connections} (the inter-broker listener when there is
 *     more than one listener, as Kafka does), or {@code null}
 * @param maxInFlightPerConnection requests one connection may have read and not yet answered; at the limit the
 *     connection is muted (not read) until its oldest response is written. 1 is Kafka's behaviour.
 */
public record ConnectionLimits(
        long idleMs,
        int maxConnections,
        int maxConnectionsPerIp,
        Map<InetAddress, Integer> maxConnectionsPerIpOverrides,
        String protectedListener,
        int maxInFlightPerConnection) {

    /** Kafka's default for {@code connections.max.idle.ms} (10 minutes). */
    public static final long DEFAULT_IDLE_MS = 600_000L;

    /** One request per connection at a time, as Kafka's muting. */
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = 1;

    public ConnectionLimits {
        maxConnectionsPerIpOverrides = Map.copyOf(maxConnectionsPerIpOverrides);
        requireAtLeast("max.connections", maxConnections, 0);
        requireAtLeast("max.connections.per.ip", maxConnectionsPerIp, 0);
        maxConnectionsPerIpOverrides.forEach(
                (address, limit) -> requireAtLeast("max.connections.per.ip.overrides of " + address, limit, 0));
        requireAtLeast("maxInFlightPerConnection", maxInFlightPerConnection, 1);
        if (protectedListener != null) {
            protectedListener = protectedListener.toUpperCase(java.util.Locale.ROOT);
        }
    }

    /** Kafka's defaults: a 10-minute idle timeout, no connection limits, one request in flight per connection. */
    public static ConnectionLimits defaults() {
        return new ConnectionLimits(
                DEFAULT_IDLE_MS,
                Integer.MAX_VALUE,
                Integer.MAX_VALUE,
                Map.of(),
                null,
                DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION);
    }

    /** Whether idle connections are closed. */
    public boolean idleTimeoutEnabled() {
        return idleMs > 0;
    }

    /** The limit for connections from {@code address}. */
    public int maxConnectionsFrom(InetAddress address) {
        return maxConnectionsPerIpOverrides.getOrDefault(address, maxConnectionsPerIp);
    }

    public ConnectionLimits withIdleMs(long idle) {
        return new ConnectionLimits(
                idle,
                maxConnections,
                maxConnectionsPerIp,
                maxConnectionsPerIpOverrides,
                protectedListener,
                maxInFlightPerConnection);
    }

    public ConnectionLimits withMaxConnections(int max, String exemptListener) {
        return new ConnectionLimits(
                idleMs,
                max,
                maxConnectionsPerIp,
                maxConnectionsPerIpOverrides,
                exemptListener,
                maxInFlightPerConnection);
    }

    public ConnectionLimits withMaxConnectionsPerIp(int perIp, Map<InetAddress, Integer> overrides) {
        return new ConnectionLimits(
                idleMs, maxConnections, perIp, overrides, protectedListener, maxInFlightPerConnection);
    }

    public ConnectionLimits withMaxInFlightPerConnection(int inFlight) {
        return new ConnectionLimits(
                idleMs, maxConnections, maxConnectionsPerIp, maxConnectionsPerIpOverrides, protectedListener, inFlight);
    }

    boolean isProtected(String listenerName) {
        return Objects.equals(protectedListener, listenerName);
    }

    private static void requireAtLeast(String key, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(key + " must be at least " + min + ", got " + value);
        }
    }
}
