package io.sluice.broker.network.client;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link BrokerClient}. Immutable; use the {@code with*} methods to derive variants.
 *
 * @param localNodeId the id of the broker that sends (used in the client id and in log prefixes)
 * @param clientId the request header client id, by default {@code sluice-broker-<localNodeId>}
 * @param connectTimeout TCP connect timeout
 * @param handshakeTimeout how long the ApiVersions exchange after connecting may take
 * @param maxInFlightRequests requests written to one connection and not yet answered; more wait in the queue
 * @param maxQueuedRequests requests waiting for a connection or an in-flight slot; more fail at once
 * @param reconnectBackoffMin delay before the first reconnect after a disconnect or failed connect
 * @param reconnectBackoffMax upper bound of the exponentially growing reconnect delay
 * @param maxResponseBytes largest response frame accepted; a larger one closes the connection
 */
public record BrokerClientConfig(
        int localNodeId,
        String clientId,
        Duration connectTimeout,
        Duration handshakeTimeout,
        int maxInFlightRequests,
        int maxQueuedRequests,
        Duration reconnectBackoffMin,
        Duration reconnectBackoffMax,
        int maxResponseBytes) {

    /** Kafka's {@code reconnect.backoff.ms} default. */
    public static final Duration DEFAULT_BACKOFF_MIN = Duration.ofMillis(50);
    /** Kafka's {@code reconnect.backoff.max.ms} default. */
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(1);
    /** Same as the server's {@code socket.request.max.bytes} default (100 MiB). */
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 104_857_600;

    public BrokerClientConfig {
        Objects.requireNonNull(clientId, "clientId");
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(handshakeTimeout, "handshakeTimeout");
        requirePositive(reconnectBackoffMin, "reconnectBackoffMin");
        requirePositive(reconnectBackoffMax, "reconnectBackoffMax");
        if (reconnectBackoffMax.compareTo(reconnectBackoffMin) < 0) {
            throw new IllegalArgumentException("reconnectBackoffMax must be >= reconnectBackoffMin");
        }
        if (maxInFlightRequests < 1) {
            throw new IllegalArgumentException("maxInFlightRequests must be >= 1, was " + maxInFlightRequests);
        }
        if (maxQueuedRequests < 1) {
            throw new IllegalArgumentException("maxQueuedRequests must be >= 1, was " + maxQueuedRequests);
        }
        if (maxResponseBytes < 8) {
            throw new IllegalArgumentException("maxResponseBytes must be >= 8, was " + maxResponseBytes);
        }
    }

    /**
     * Defaults: client id {@code sluice-broker-<id>}, connect and handshake timeouts of 10 s, 5 requests in
     * flight (Kafka's {@code max.in.flight.requests.per.connection}), 1000 queued, backoff 50 ms to 1 s, 100 MiB
     * response frames.
     */
    public static BrokerClientConfig defaults(int localNodeId) {
        return new BrokerClientConfig(
                localNodeId,
                "sluice-broker-" + localNodeId,
                Duration.ofSeconds(10),
                Duration.ofSeconds(10),
                5,
                1000,
                DEFAULT_BACKOFF_MIN,
                DEFAULT_BACKOFF_MAX,
                DEFAULT_MAX_RESPONSE_BYTES);
    }

    public BrokerClientConfig withConnectTimeout(Duration value) {
        return new BrokerClientConfig(
                localNodeId,
                clientId,
                value,
                handshakeTimeout,
                maxInFlightRequests,
                maxQueuedRequests,
                reconnectBackoffMin,
                reconnectBackoffMax,
                maxResponseBytes);
    }

    public BrokerClientConfig withHandshakeTimeout(Duration value) {
        return new BrokerClientConfig(
                localNodeId,
                clientId,
                connectTimeout,
                value,
                maxInFlightRequests,
                maxQueuedRequests,
                reconnectBackoffMin,
                reconnectBackoffMax,
                maxResponseBytes);
    }

    public BrokerClientConfig withMaxInFlightRequests(int value) {
        return new BrokerClientConfig(
                localNodeId,
                clientId,
                connectTimeout,
                handshakeTimeout,
                value,
                maxQueuedRequests,
                reconnectBackoffMin,
                reconnectBackoffMax,
                maxResponseBytes);
    }

    public BrokerClientConfig withMaxQueuedRequests(int value) {
        return new BrokerClientConfig(
                localNodeId,
                clientId,
                connectTimeout,
                handshakeTimeout,
                maxInFlightRequests,
                value,
                reconnectBackoffMin,
                reconnectBackoffMax,
                maxResponseBytes);
    }

    public BrokerClientConfig withReconnectBackoff(Duration min, Duration max) {
        return new BrokerClientConfig(
                localNodeId,
                clientId,
                connectTimeout,
                handshakeTimeout,
                maxInFlightRequests,
                maxQueuedRequests,
                min,
                max,
                maxResponseBytes);
    }

    public BrokerClientConfig withMaxResponseBytes(int value) {
        return new BrokerClientConfig(
                localNodeId,
                clientId,
                connectTimeout,
                handshakeTimeout,
                maxInFlightRequests,
                maxQueuedRequests,
                reconnectBackoffMin,
                reconnectBackoffMax,
                value);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }
}
