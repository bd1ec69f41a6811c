package io.sluice.broker.group;

import java.util.Objects;
import java.util.Optional;

/**
 * A member of a group as stored with the group after a completed rebalance.
 *
 * @param memberId the coordinator-assigned member id
 * @param groupInstanceId the static member's {@code group.instance.id}, empty for a dynamic member
 * @param clientId the client id of the member's JoinGroup request
 * @param clientHost the member's address as the coordinator saw it
 * @param rebalanceTimeoutMs the member's rebalance timeout
 * @param sessionTimeoutMs the member's session timeout
 * @param subscription the member's metadata for the group's selected protocol
 * @param assignment the assignment the leader gave this member in the stored generation (empty before one)
 */
public record StoredMember(
        String memberId,
        Optional<String> groupInstanceId,
        String clientId,
        String clientHost,
        int rebalanceTimeoutMs,
        int sessionTimeoutMs,
        byte[] subscription,
        byte[] assignment) {
    public StoredMember {
        Objects.requireNonNull(memberId, "memberId");
        Objects.requireNonNull(groupInstanceId, "groupInstanceId");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(clientHost, "clientHost");
        Objects.requireNonNull(subscription, "subscription");
        Objects.requireNonNull(assignment, "assignment");
    }
}
