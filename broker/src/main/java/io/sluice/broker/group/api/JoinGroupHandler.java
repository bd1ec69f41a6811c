package io.sluice.broker.group.api;

import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.group.JoinRequest;
import io.sluice.broker.group.JoinResult;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * JoinGroup v0-v9. v0 has no rebalance timeout (the session timeout serves), v4+ new members first get
 * {@code MEMBER_ID_REQUIRED}, v5+ static members, v7+ protocol type and name in the response, v9 skip-assignment for
 * a rejoining static leader. The response waits for the rebalance.
 */
public final class JoinGroupHandler extends GroupApiHandler<JoinGroupRequestData> {
    private static final short REQUIRE_MEMBER_ID_VERSION = 4;
    private static final short PROTOCOL_IN_RESPONSE_VERSION = 7;
    private static final short SKIP_ASSIGNMENT_VERSION = 9;

    public JoinGroupHandler(GroupCoordinator coordinator) {
        super(coordinator, ApiKeys.JOIN_GROUP, JoinGroupRequestData.HIGHEST_SUPPORTED_VERSION);
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, JoinGroupRequestData request) {
        short version = context.apiVersion();
        Map<String, byte[]> protocols = new LinkedHashMap<>();
        for (JoinGroupRequestProtocol protocol : request.protocols()) {
            protocols.putIfAbsent(protocol.name(), protocol.metadata());
        }
        JoinRequest join = new JoinRequest(
                request.groupId(),
                request.memberId(),
                Optional.ofNullable(request.groupInstanceId()),
                request.protocolType(),
                protocols,
                request.sessionTimeoutMs(),
                version == 0 ? request.sessionTimeoutMs() : request.rebalanceTimeoutMs(),
                context.clientId(),
                clientHost(context.remoteAddress()),
                version >= REQUIRE_MEMBER_ID_VERSION,
                version >= SKIP_ASSIGNMENT_VERSION);
        return coordinator.joinGroup(join).thenApply(result -> ApiResponse.of(response(result, version)));
    }

    static JoinGroupResponseData response(JoinResult result, short version) {
        JoinGroupResponseData response = new JoinGroupResponseData()
                .setThrottleTimeMs(0)
                .setErrorCode(result.error().code())
                .setGenerationId(result.generationId())
                .setLeader(result.leaderId())
                .setMemberId(result.memberId());
        if (version >= PROTOCOL_IN_RESPONSE_VERSION) {
            response.setProtocolType(result.protocolType().orElse(null));
            response.setProtocolName(result.protocolName().orElse(null));
        } else {
            response.setProtocolName(result.protocolName().orElse(""));
        }
        if (version >= SKIP_ASSIGNMENT_VERSION) {
            response.setSkipAssignment(result.skipAssignment());
        }
        for (JoinResult.Member member : result.members()) {
            response.members()
                    .add(new JoinGroupResponseMember()
                            .setMemberId(member.memberId())
                            .setGroupInstanceId(member.groupInstanceId().orElse(null))
                            .setMetadata(member.metadata()));
        }
        return response;
    }
}
