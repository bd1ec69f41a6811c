package io.sluice.replication.partition;

/**
 * Reaches the package-private fault seam of {@link Partition} from the broker's integration tests (test code only,
 * in the partition's package).
 */
public final class PartitionFaults {
    private PartitionFaults() {}

    /** Makes every later follower append of {@code partition} throw {@code fault}; {@code null} turns it off. */
    public static void failFollowerAppends(Partition partition, Throwable fault) {
        partition.injectFollowerAppendFault(fault);
    }
}
