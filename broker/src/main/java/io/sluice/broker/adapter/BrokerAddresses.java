package io.sluice.broker.adapter;

import io.sluice.broker.network.client.BrokerAddress;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns registered brokers into the addresses of their inter-broker listener. */
final class BrokerAddresses {
    private static final Logger log = LoggerFactory.getLogger(BrokerAddresses.class);

    private BrokerAddresses() {}

    /** The address of {@code broker} on {@code listenerName}, empty (and logged) if it has no such endpoint. */
    static Optional<BrokerAddress> of(BrokerInfo broker, String listenerName) {
        Optional<Endpoint> endpoint = broker.endpoint(listenerName);
        if (endpoint.isEmpty()
                || endpoint.get().host().isEmpty()
                || endpoint.get().port() == 0) {
            log.warn(
                    "Broker {} has no usable endpoint on inter-broker listener {} (endpoints {})",
                    broker.id(),
                    listenerName,
                    broker.endpoints());
            return Optional.empty();
        }
        return Optional.of(new BrokerAddress(
                broker.id(), endpoint.get().host(), endpoint.get().port()));
    }

    /** The addresses of those of {@code brokers} that have an endpoint on {@code listenerName}. */
    static List<BrokerAddress> of(Collection<BrokerInfo> brokers, String listenerName) {
        List<BrokerAddress> out = new ArrayList<>(brokers.size());
        for (BrokerInfo broker : brokers) {
            of(broker, listenerName).ifPresent(out::add);
        }
        return out;
    }
}
