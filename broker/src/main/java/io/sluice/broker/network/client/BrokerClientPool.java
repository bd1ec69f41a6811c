package io.sluice.broker.network.client;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link BrokerClient} per live broker, kept in step with the broker endpoints: {@link #update(Collection)}
 * adds clients for new brokers, replaces the client of a broker whose address changed, and closes the clients of
 * brokers that left. Clients connect lazily, so creating them is cheap.
 *
 * <p>A caller holding a replaced or removed client sees its requests fail with a {@code DisconnectException}
 * (client closed) and should look the node up again.
 *
 * <p>Concurrency: lookups are lock-free on a concurrent map; {@link #update} and {@link #close} are serialized by
 * the pool's monitor. The lifecycle is an atomic enum ({@code OPEN → CLOSED}, once).
 */
public final class BrokerClientPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerClientPool.class);

    private enum Lifecycle {
        OPEN,
        CLOSED
    }

    private final int localNodeId;
    private final Function<BrokerAddress, BrokerClient> factory;
    private final Map<Integer, BrokerClient> clients = new ConcurrentHashMap<>();
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.OPEN);

    /** @param factory creates a client for an address (called under the pool's monitor) */
    public BrokerClientPool(int localNodeId, Function<BrokerAddress, BrokerClient> factory) {
        this.localNodeId = localNodeId;
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    /** A pool whose clients share {@code loops}, {@code config} and {@code metrics}. */
    public static BrokerClientPool create(BrokerClientConfig config, ClientEventLoops loops, ClientMetrics metrics) {
        return new BrokerClientPool(config.localNodeId(), address -> new BrokerClient(address, config, loops, metrics));
    }

    /** A pool whose clients share {@code loops}, {@code config} and {@code metrics} and secure connections so. */
    public static BrokerClientPool create(
            BrokerClientConfig config, ClientEventLoops loops, ClientMetrics metrics, ClientSecurity security) {
        return new BrokerClientPool(
                config.localNodeId(), address -> new BrokerClient(address, config, loops, metrics, security));
    }

    /**
     * Makes the pool hold exactly one client per address in {@code live}.
     *
     * @throws IllegalArgumentException if a node id appears twice
     * @throws IllegalStateException if the pool is closed
     */
    public synchronized void update(Collection<BrokerAddress> live) {
        if (lifecycle.get() == Lifecycle.CLOSED) {
            throw new IllegalStateException("broker client pool of broker " + localNodeId + " is closed");
        }
        Map<Integer, BrokerAddress> wanted = new HashMap<>();
        for (BrokerAddress address : live) {
            if (wanted.put(address.nodeId(), address) != null) {
                throw new IllegalArgumentException("node " + address.nodeId() + " listed twice in " + live);
            }
        }
        for (Map.Entry<Integer, BrokerClient> entry : Map.copyOf(clients).entrySet()) {
            if (!wanted.containsKey(entry.getKey())) {
                clients.remove(entry.getKey());
                log.info(
                        "[BrokerClientPool broker={}] broker {} left; closing its client", localNodeId, entry.getKey());
                entry.getValue().close();
            }
        }
        for (BrokerAddress address : wanted.values()) {
            BrokerClient existing = clients.get(address.nodeId());
            if (existing != null && existing.target().equals(address)) {
                continue;
            }
            clients.put(address.nodeId(), factory.apply(address));
            if (existing != null) {
                log.info(
                        "[BrokerClientPool broker={}] broker {} moved from {} to {}; replacing its client",
                        localNodeId,
                        address.nodeId(),
                        existing.target().hostPort(),
                        address.hostPort());
                existing.close();
            }
        }
    }

    /** The client for {@code nodeId}, if that broker is known. */
    public Optional<BrokerClient> client(int nodeId) {
        return Optional.ofNullable(clients.get(nodeId));
    }

    /** The ids of the brokers the pool holds clients for. */
    public Set<Integer> nodeIds() {
        return Set.copyOf(clients.keySet());
    }

    /** Closes every client. Idempotent. */
    @Override
    public synchronized void close() {
        if (!lifecycle.compareAndSet(Lifecycle.OPEN, Lifecycle.CLOSED)) {
            return;
        }
        for (BrokerClient client : clients.values()) {
            client.close();
        }
        clients.clear();
    }
}
