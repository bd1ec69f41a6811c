package io.sluice.broker.group;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A JoinGroup as the coordinator needs it, whatever the request's version.
 *
 * @param groupId the group
 * @param memberId the member id, empty for a member joining for the first time
 * @param groupInstanceId the static member's instance id (v5+), empty for a dynamic member
 * @param protocolType the protocol type, e.g. {@code consumer}
 * @param protocols protocol name to metadata, in the member's order of preference
 * @param sessionTimeoutMs the member's session timeout
 * @param rebalanceTimeoutMs the member's rebalance timeout (the session timeout before v1)
 * @param clientId the request's client id
 * @param clientHost the member's address
 * @param requireKnownMemberId whether a new member must first obtain an id ({@code MEMBER_ID_REQUIRED}, v4+)
 * @param supportSkippingAssignment whether a rejoining static leader may skip the assignment (v9+)
 */
public record JoinRequest(
        String groupId,
        String memberId,
        Optional<String> groupInstanceId,
        String protocolType,
        Map<String, byte[]> protocols,
        int sessionTimeoutMs,
        int rebalanceTimeoutMs,
        String clientId,
        String clientHost,
        boolean requireKnownMemberId,
        boolean supportSkippingAssignment) {
    public JoinRequest {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(memberId, "memberId");
        Objects.requireNonNull(groupInstanceId, "groupInstanceId");
        Objects.requireNonNull(protocolType, "protocolType");
        Objects.requireNonNull(protocols, "protocols");
    }

    /** The same request without the v4+ member-id round trip (as a v0-v3 client joins). */
    public JoinRequest withoutMemberIdRequirement() {
        return new JoinRequest(
                groupId,
                memberId,
                groupInstanceId,
                protocolType,
                protocols,
                sessionTimeoutMs,
                rebalanceTimeoutMs,
                clientId,
                clientHost,
                false,
                supportSkippingAssignment);
    }
}
