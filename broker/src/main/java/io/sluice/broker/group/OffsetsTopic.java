package io.sluice.broker.group;

/**
 * Facts about the internal topic that holds consumer groups and their committed offsets.
 *
 * <p>Thread-safety: stateless.
 */
public final class OffsetsTopic {
    /** The topic's name, as in Kafka. */
    public static final String NAME = "__consumer_offsets";

    private OffsetsTopic() {}

    /**
     * The partition of {@value #NAME} that holds {@code groupId}: {@code abs(hash(groupId)) % partitions}, with
     * Kafka's {@code String.hashCode} and sign-bit masking, so a group maps to the same partition as on Kafka.
     */
    public static int partitionFor(String groupId, int partitions) {
        if (partitions <= 0) {
            throw new IllegalArgumentException("partitions must be positive, got " + partitions);
        }
        return (groupId.hashCode() & 0x7fffffff) % partitions;
    }
}
