package io.sluice.broker.registration;

/** Told when the broker (re-)registers and so gets a new broker epoch. */
@FunctionalInterface
public interface BrokerEpochListener {

    /**
     * Called on the registration thread after the new registration is in ZooKeeper; must not block for long.
     *
     * @param previousEpoch the epoch before, {@code -1} for the first registration
     * @param newEpoch the czxid of the new {@code /brokers/ids/N} znode
     */
    void onBrokerEpochChanged(long previousEpoch, long newEpoch);
}
