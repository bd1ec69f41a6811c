package io.sluice.broker.group;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * What one partition of {@value OffsetsTopic#NAME} holds once its records are replayed: the latest stored state of
 * every group in it and the latest committed offset of every (group, partition), with tombstoned entries removed.
 *
 * @param groups the latest {@link StoredGroup} by group id
 * @param offsets committed offsets by group id, then by partition (a group may have offsets without a stored group)
 * @param pendingTransactionalOffsets offsets written by transactions whose marker is not in the partition yet, by
 *     producer id, then group id, then partition
 */
public record LoadedPartition(
        Map<String, StoredGroup> groups,
        Map<String, Map<TopicPartition, CommittedOffset>> offsets,
        Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> pendingTransactionalOffsets) {
    public LoadedPartition {
        groups = Map.copyOf(groups);
        offsets = Map.copyOf(offsets);
        pendingTransactionalOffsets = Map.copyOf(pendingTransactionalOffsets);
    }

    /** A partition without open transactions. */
    public LoadedPartition(Map<String, StoredGroup> groups, Map<String, Map<TopicPartition, CommittedOffset>> offsets) {
        this(groups, offsets, Map.of());
    }
}
