package io.sluice.broker.network;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The network layer's configuration, mapped from the broker's {@code server.properties}.
 *
 * @param listeners {@code listeners}: one server per entry, each speaking PLAINTEXT (the broker configuration
 *     rejects other security protocols); names are free ({@code INTERNAL}, {@code EXTERNAL}, ...)
 * @param advertisedListeners {@code advertised.listeners}: what clients are told to connect to; empty means the
 *     bound listeners. An advertised port 0 is replaced by the bound port of the listener with the same name.
 * @param numNetworkThreads {@code num.network.threads}: event loops that read and write sockets
 * @param numIoThreads {@code num.io.threads}: request handler threads for work that may block
 * @param queuedMaxRequests {@code queued.max.requests}: requests queued for the handler pool before connections stop
 *     being read
 * @param socketRequestMaxBytes {@code socket.request.max.bytes}: the largest request frame accepted
 * @param limits connection limits, idle timeout and requests in flight per connection
 */
public record NetworkConfig(
        List<Endpoint> listeners,
        List<Endpoint> advertisedListeners,
        int numNetworkThreads,
        int numIoThreads,
        int queuedMaxRequests,
        int socketRequestMaxBytes,
        ConnectionLimits limits) {

    /** Kafka's default for {@code num.network.threads}. */
    public static final int DEFAULT_NUM_NETWORK_THREADS = 3;
    /** Kafka's default for {@code num.io.threads}. */
    public static final int DEFAULT_NUM_IO_THREADS = 8;
    /** Kafka's default for {@code queued.max.requests}. */
    public static final int DEFAULT_QUEUED_MAX_REQUESTS = 500;
    /** Kafka's default for {@code socket.request.max.bytes} (100 MiB). */
    public static final int DEFAULT_SOCKET_REQUEST_MAX_BYTES = 100 * 1024 * 1024;

    public NetworkConfig {
        Objects.requireNonNull(limits, "limits");
        listeners = List.copyOf(listeners);
        advertisedListeners = List.copyOf(advertisedListeners);
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("listeners must name at least one listener");
        }
        Set<String> names = new HashSet<>();
        for (Endpoint listener : listeners) {
            if (!names.add(listener.listenerName())) {
                throw new IllegalArgumentException("listeners: listener name used twice: " + listener.listenerName());
            }
        }
        for (Endpoint advertised : advertisedListeners) {
            if (!names.contains(advertised.listenerName())) {
                throw new IllegalArgumentException(
                        "advertised.listeners: " + advertised + " names no listener in listeners " + listeners);
            }
        }
        requirePositive("num.network.threads", numNetworkThreads);
        requirePositive("num.io.threads", numIoThreads);
        requirePositive("queued.max.requests", queuedMaxRequests);
        if (socketRequestMaxBytes < 16) {
            throw new IllegalArgumentException(
                    "socket.request.max.bytes must be at least 16, got " + socketRequestMaxBytes);
        }
    }

    /** The configuration with Kafka's default connection limits. */
    public NetworkConfig(
            List<Endpoint> listeners,
            List<Endpoint> advertisedListeners,
            int numNetworkThreads,
            int numIoThreads,
            int queuedMaxRequests,
            int socketRequestMaxBytes) {
        this(
                listeners,
                advertisedListeners,
                numNetworkThreads,
                numIoThreads,
                queuedMaxRequests,
                socketRequestMaxBytes,
                ConnectionLimits.defaults());
    }

    /** This configuration with other connection limits. */
    public NetworkConfig withLimits(ConnectionLimits newLimits) {
        return new NetworkConfig(
                listeners,
                advertisedListeners,
                numNetworkThreads,
                numIoThreads,
                queuedMaxRequests,
                socketRequestMaxBytes,
                newLimits);
    }

    /** The configuration with advertised listeners equal to the bound listeners. */
    public static NetworkConfig of(
            List<Endpoint> listeners,
            int numNetworkThreads,
            int numIoThreads,
            int queuedMaxRequests,
            int socketRequestMaxBytes) {
        return new NetworkConfig(
                listeners, List.of(), numNetworkThreads, numIoThreads, queuedMaxRequests, socketRequestMaxBytes);
    }

    /** Kafka's defaults for everything but the listeners. */
    public static NetworkConfig defaults(List<Endpoint> listeners) {
        return of(
                listeners,
                DEFAULT_NUM_NETWORK_THREADS,
                DEFAULT_NUM_IO_THREADS,
                DEFAULT_QUEUED_MAX_REQUESTS,
                DEFAULT_SOCKET_REQUEST_MAX_BYTES);
    }

    private static void requirePositive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be positive, got " + value);
        }
    }
}
