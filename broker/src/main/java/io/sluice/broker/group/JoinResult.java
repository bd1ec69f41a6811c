package io.sluice.broker.group;

import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.protocol.Errors;

/**
 * The coordinator's answer to a JoinGroup, before it is laid out for the request's version.
 *
 * @param error the error, {@code NONE} on success
 * @param memberId the member's id (the newly assigned one for new members)
 * @param generationId the generation joined, -1 on error
 * @param protocolType the group's protocol type, empty on error
 * @param protocolName the selected protocol, empty on error
 * @param leaderId the generation's leader, empty on error
 * @param skipAssignment whether the leader should skip computing an assignment (static leader rejoin, v9+)
 * @param members the members and their metadata, only for the leader
 */
public record JoinResult(
        Errors error,
        String memberId,
        int generationId,
        Optional<String> protocolType,
        Optional<String> protocolName,
        String leaderId,
        boolean skipAssignment,
        List<Member> members) {

    /** A member as the leader sees it. */
    public record Member(String memberId, Optional<String> groupInstanceId, byte[] metadata) {}

    static JoinResult error(String memberId, Errors error) {
        return new JoinResult(error, memberId, -1, Optional.empty(), Optional.empty(), "", false, List.of());
    }
}
