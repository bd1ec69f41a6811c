package io.sluice.broker.group;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A group's membership as the coordinator stores it: written when a rebalance completes (the leader's SyncGroup)
 * and when the group becomes empty, so a new coordinator resumes the generation after a failover.
 *
 * @param groupId the group
 * @param protocolType the members' protocol type (e.g. {@code consumer}), empty for a group that only commits offsets
 * @param generationId the generation; 0 for a group that never completed a rebalance
 * @param protocolName the selected protocol (assignor), empty while the group is empty
 * @param leaderId the leader's member id, empty while the group is empty
 * @param currentStateTimestampMs when the group entered its current state (the base of offset retention for an
 *     empty group)
 * @param members the members of the generation (empty list for an empty group)
 */
public record StoredGroup(
        String groupId,
        String protocolType,
        int generationId,
        Optional<String> protocolName,
        Optional<String> leaderId,
        long currentStateTimestampMs,
        List<StoredMember> members) {
    public StoredGroup {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(protocolType, "protocolType");
        Objects.requireNonNull(protocolName, "protocolName");
        Objects.requireNonNull(leaderId, "leaderId");
        members = List.copyOf(members);
    }
}
