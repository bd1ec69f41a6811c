package io.sluice.controller.assignment;

import java.util.List;
import java.util.Objects;

/**
 * Input of {@link RackAwareReplicaPlacer#place}. Range checks that depend on the cluster (RF vs.
 * broker count, racks) are made by the placer so they can be answered with a Kafka error code.
 *
 * @param brokers the live brokers that may receive replicas
 * @param firstPartitionId id of the first partition to place (0 for a new topic, the current
 *     partition count when partitions are added)
 * @param partitionCount number of partitions to place
 * @param replicationFactor replicas per partition
 * @param existingLoad load already on the brokers (other topics, earlier partitions of this topic)
 * @param ignoreRacks place as if no broker had a rack (required when only some brokers have one)
 */
public record PlacementRequest(
        List<BrokerPlacementInfo> brokers,
        int firstPartitionId,
        int partitionCount,
        int replicationFactor,
        PlacementLoad existingLoad,
        boolean ignoreRacks) {

    public PlacementRequest {
        brokers = List.copyOf(brokers);
        Objects.requireNonNull(existingLoad, "existingLoad");
        if (firstPartitionId < 0) {
            throw new IllegalArgumentException("firstPartitionId must be non-negative: " + firstPartitionId);
        }
    }

    /** Partitions 0..partitionCount-1 of a new topic, no existing load, racks honoured. */
    public static PlacementRequest newTopic(
            List<BrokerPlacementInfo> brokers, int partitionCount, int replicationFactor) {
        return new PlacementRequest(brokers, 0, partitionCount, replicationFactor, PlacementLoad.empty(), false);
    }

    /** This request with the given existing load. */
    public PlacementRequest withExistingLoad(PlacementLoad load) {
        return new PlacementRequest(brokers, firstPartitionId, partitionCount, replicationFactor, load, ignoreRacks);
    }

    /** This request starting at the given partition id. */
    public PlacementRequest startingAt(int firstId) {
        return new PlacementRequest(brokers, firstId, partitionCount, replicationFactor, existingLoad, ignoreRacks);
    }

    /** This request with racks ignored (or honoured). */
    public PlacementRequest withIgnoreRacks(boolean ignore) {
        return new PlacementRequest(brokers, firstPartitionId, partitionCount, replicationFactor, existingLoad, ignore);
    }
}
