package io.sluice.metadata.config;

import java.util.Optional;

/**
 * Bounds on partition creation, so that one request cannot swamp the controller (its event thread places and
 * initializes every new partition) or the brokers (one log per replica), checked by the broker's request handlers
 * first and by the controller again before anything is written:
 *
 * <ul>
 *   <li>{@code max.partitions.per.request}: the partitions one CreateTopics or CreatePartitions request may add,
 *       summed over its topics in request order; a topic that would go beyond is refused ({@code INVALID_PARTITIONS})
 *       and the topics after it are checked against what is left;
 *   <li>{@code max.partitions.per.cluster}: the partitions the cluster may have after the request
 *       ({@code POLICY_VIOLATION}).
 * </ul>
 *
 * The defaults follow Kafka's experience: its KRaft controller refuses an operation of more than 10,000 records, and
 * the long-standing advice for ZooKeeper-based clusters is at most 200,000 partitions. Counts are checked with
 * {@code long} arithmetic, so a request for {@link Integer#MAX_VALUE} partitions is refused without overflow.
 *
 * @param maxPerRequest {@code max.partitions.per.request}
 * @param maxPerCluster {@code max.partitions.per.cluster}
 */
public record PartitionLimits(int maxPerRequest, int maxPerCluster) {
    public static final int DEFAULT_MAX_PER_REQUEST = 10_000;
    public static final int DEFAULT_MAX_PER_CLUSTER = 200_000;

    /** The defaults. */
    public static final PartitionLimits DEFAULTS =
            new PartitionLimits(DEFAULT_MAX_PER_REQUEST, DEFAULT_MAX_PER_CLUSTER);

    public PartitionLimits {
        if (maxPerRequest < 1 || maxPerCluster < 1) {
            throw new IllegalArgumentException(
                    "limits must be positive: " + maxPerRequest + " per request, " + maxPerCluster + " per cluster");
        }
    }

    /**
     * Why a topic adding {@code adding} partitions to a request whose earlier topics add {@code addedBefore} is
     * refused, empty if it fits. The message names the limit and its key.
     */
    public Optional<String> requestLimitExceeded(long addedBefore, long adding) {
        if (addedBefore + adding <= maxPerRequest) {
            return Optional.empty();
        }
        String before = addedBefore > 0 ? " after the " + addedBefore + " added by the request's earlier topics" : "";
        return Optional.of("Adding " + adding + " partitions" + before + " exceeds the limit of " + maxPerRequest
                + " partitions per request (" + BrokerConfigKeys.MAX_PARTITIONS_PER_REQUEST.name() + ")");
    }

    /**
     * Why adding {@code adding} partitions to a cluster that has {@code existing} is refused, empty if it fits. The
     * message names the limit and its key.
     */
    public Optional<String> clusterLimitExceeded(long existing, long adding) {
        if (existing + adding <= maxPerCluster) {
            return Optional.empty();
        }
        return Optional.of("Adding " + adding + " partitions to the cluster's " + existing + " exceeds the limit of "
                + maxPerCluster + " partitions per cluster (" + BrokerConfigKeys.MAX_PARTITIONS_PER_CLUSTER.name()
                + ")");
    }
}
