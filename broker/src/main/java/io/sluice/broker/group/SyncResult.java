package io.sluice.broker.group;

import java.util.Optional;
import org.apache.kafka.common.protocol.Errors;

/**
 * The coordinator's answer to a SyncGroup.
 *
 * @param error the error, {@code NONE} on success
 * @param protocolType the group's protocol type (v5+)
 * @param protocolName the group's selected protocol (v5+)
 * @param assignment the member's assignment, empty on error
 */
public record SyncResult(
        Errors error, Optional<String> protocolType, Optional<String> protocolName, byte[] assignment) {
    static SyncResult error(Errors error) {
        return new SyncResult(error, Optional.empty(), Optional.empty(), GroupMember.EMPTY);
    }
}
