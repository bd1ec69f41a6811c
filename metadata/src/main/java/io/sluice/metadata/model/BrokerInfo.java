package io.sluice.metadata.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A live broker as registered in {@code /brokers/ids/N}.
 *
 * @param id the broker id
 * @param endpoints the advertised endpoints, in registration order
 * @param rack the rack, if configured
 * @param brokerEpoch the czxid of the broker's registration znode; {@code -1} when unknown
 */
public record BrokerInfo(int id, List<Endpoint> endpoints, Optional<String> rack, long brokerEpoch) {

    /** Broker epoch of a registration that has not been read back from ZooKeeper. */
    public static final long UNKNOWN_EPOCH = -1L;

    public BrokerInfo {
        endpoints = List.copyOf(endpoints);
        Objects.requireNonNull(rack, "rack");
    }

    /** The endpoint of listener {@code listenerName} (case-insensitive). */
    public Optional<Endpoint> endpoint(String listenerName) {
        for (Endpoint e : endpoints) {
            if (e.listenerName().equalsIgnoreCase(listenerName)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** A copy carrying {@code epoch}. */
    public BrokerInfo withBrokerEpoch(long epoch) {
        return new BrokerInfo(id, endpoints, rack, epoch);
    }
}
