package io.sluice.broker.group;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * What one partition of {@value OffsetsTopic#NAME} holds once its records are replayed: the latest stored state of
 * every group in it and the latest committed offset of every (group, partition), with tombstoned entries removed.
 *
 * @param groups the latest {@link StoredGroup} by group id
 * @param offsets committed offsets by group id, then by partition (a group may have offsets without a stored group)
 */
public record LoadedPartition(
        Map<String, StoredGroup> groups, Map<String, Map<TopicPartition, CommittedOffset>> offsets) {
    public LoadedPartition {
        groups = Map.copyOf(groups);
        offsets = Map.copyOf(offsets);
    }
}
