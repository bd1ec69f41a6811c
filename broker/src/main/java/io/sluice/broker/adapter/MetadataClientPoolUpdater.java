package io.sluice.broker.adapter;

import io.sluice.broker.metadata.MetadataListener;
import io.sluice.broker.metadata.MetadataSnapshot;
import io.sluice.broker.network.client.BrokerClientPool;
import java.util.Objects;

/**
 * Keeps a {@link BrokerClientPool} in step with the live brokers of the metadata cache (their inter-broker listener),
 * for traffic that follows the cache, such as AlterPartition to the controller. Brokers without an endpoint on the
 * listener are left out (and logged).
 *
 * <p>Concurrency: called by the cache in update order; the pool serializes its own updates.
 */
public final class MetadataClientPoolUpdater implements MetadataListener {
    private final BrokerClientPool pool;
    private final String interBrokerListener;

    public MetadataClientPoolUpdater(BrokerClientPool pool, String interBrokerListener) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.interBrokerListener = Objects.requireNonNull(interBrokerListener, "interBrokerListener");
    }

    @Override
    public void onMetadataUpdate(MetadataSnapshot previous, MetadataSnapshot current) {
        // the pool keeps the clients whose address is unchanged, so an update with the same brokers is a no-op
        pool.update(BrokerAddresses.of(current.aliveBrokers(), interBrokerListener));
    }
}
