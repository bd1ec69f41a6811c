package io.sluice.broker.group.api;

import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.group.SyncResult;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * SyncGroup v0-v5. v3+ carry the static instance id; v5+ must name the protocol type and name (else
 * {@code INCONSISTENT_GROUP_PROTOCOL}), which must match the group's, and get them back. Followers' responses wait for
 * the leader's assignment to be stored.
 */
public final class SyncGroupHandler extends GroupApiHandler<SyncGroupRequestData> {
    private static final short PROTOCOL_VERSION = 5;

    public SyncGroupHandler(GroupCoordinator coordinator) {
        super(coordinator, ApiKeys.SYNC_GROUP, SyncGroupRequestData.HIGHEST_SUPPORTED_VERSION);
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, SyncGroupRequestData request) {
        short version = context.apiVersion();
        if (version >= PROTOCOL_VERSION && (request.protocolType() == null || request.protocolName() == null)) {
            return CompletableFuture.completedFuture(ApiResponse.of(response(
                    new SyncResult(Errors.INCONSISTENT_GROUP_PROTOCOL, Optional.empty(), Optional.empty(), new byte[0]),
                    version)));
        }
        Map<String, byte[]> assignments = new HashMap<>();
        for (SyncGroupRequestAssignment assignment : request.assignments()) {
            assignments.put(assignment.memberId(), assignment.assignment());
        }
        return coordinator
                .syncGroup(
                        request.groupId(),
                        request.memberId(),
                        Optional.ofNullable(request.groupInstanceId()),
                        request.generationId(),
                        Optional.ofNullable(request.protocolType()),
                        Optional.ofNullable(request.protocolName()),
                        assignments)
                .thenApply(result -> ApiResponse.of(response(result, version)));
    }

    static SyncGroupResponseData response(SyncResult result, short version) {
        SyncGroupResponseData response = new SyncGroupResponseData()
                .setThrottleTimeMs(0)
                .setErrorCode(result.error().code())
                .setAssignment(result.assignment());
        if (version >= PROTOCOL_VERSION) {
            response.setProtocolType(result.protocolType().orElse(null));
            response.setProtocolName(result.protocolName().orElse(null));
        }
        return response;
    }
}
