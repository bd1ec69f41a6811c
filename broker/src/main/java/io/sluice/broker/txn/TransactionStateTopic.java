package io.sluice.broker.txn;

/**
 * Facts about the internal topic that holds the transaction coordinator's state.
 *
 * <p>Thread-safety: stateless.
 */
public final class TransactionStateTopic {
    /** The topic's name, as in Kafka. */
    public static final String NAME = "__transaction_state";

    private TransactionStateTopic() {}

    /**
     * The partition of {@value #NAME} that holds {@code transactionalId}: {@code abs(hash) % partitions} with Kafka's
     * {@code String.hashCode} and sign-bit masking, so an id maps to the same partition as on Kafka.
     */
    public static int partitionFor(String transactionalId, int partitions) {
        if (partitions <= 0) {
            throw new IllegalArgumentException("partitions must be positive, got " + partitions);
        }
        return (transactionalId.hashCode() & 0x7fffffff) % partitions;
    }
}
