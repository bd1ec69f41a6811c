package io.sluice.broker.registration;

import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;

/**
 * Decides whether the broker holding our id in ZooKeeper is certainly gone, so that a broker restarted right after a
 * crash waits for ZooKeeper to expire its previous session instead of failing as a duplicate.
 *
 * <p>Thread-safety: implementations must be safe to call from the registration thread.
 */
@FunctionalInterface
public interface HolderProbe {

    /** Probe timeout per endpoint: a live broker accepts a TCP connection well within it. */
    int CONNECT_TIMEOUT_MS = 1_000;

    /**
     * Refused connections on every advertised endpoint mean nobody listens there: the holder is dead. A connection
     * that is accepted, times out, or an address that does not resolve is not proof, so a live duplicate still fails
     * fast.
     */
    HolderProbe TCP = holder -> {
        if (holder.endpoints().isEmpty()) {
            return false;
        }
        for (Endpoint endpoint : holder.endpoints()) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), CONNECT_TIMEOUT_MS);
                return false;
            } catch (ConnectException refused) {
                // nobody listens on this endpoint; check the others
            } catch (IOException | IllegalArgumentException | SecurityException inconclusive) {
                return false;
            }
        }
        return true;
    };

    /** Whether {@code holder} (decoded from the znode that holds our id) is certainly not running. */
    boolean isCertainlyDead(BrokerInfo holder);

    /**
     * {@code delegate} over the holder's endpoints other than {@code own} (same host and port). A broker binds its
     * listeners before it registers, so after a restart with the same listeners a probe of those endpoints reaches the
     * broker itself, not the holder. A holder whose endpoints are all ours is taken as our previous incarnation: if it
     * is in fact alive elsewhere, its session does not end and the registration fails once the stale-holder wait ends.
     */
    static HolderProbe excluding(List<Endpoint> own, HolderProbe delegate) {
        List<Endpoint> ours = List.copyOf(own);
        return holder -> {
            List<Endpoint> others = holder.endpoints().stream()
                    .filter(e -> ours.stream()
                            .noneMatch(o -> o.port() == e.port() && o.host().equalsIgnoreCase(e.host())))
                    .toList();
            if (others.isEmpty()) {
                return !holder.endpoints().isEmpty();
            }
            return delegate.isCertainlyDead(new BrokerInfo(holder.id(), others, holder.rack(), holder.brokerEpoch()));
        };
    }
}
