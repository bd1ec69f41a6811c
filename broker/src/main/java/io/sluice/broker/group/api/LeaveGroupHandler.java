package io.sluice.broker.group.api;

import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.group.GroupResults.LeaveResult;
import io.sluice.broker.group.GroupResults.LeavingMember;
import io.sluice.broker.group.GroupResults.MemberLeave;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * LeaveGroup v0-v5. v0-v2 name one member and get one error (the member's, as Kafka folds it); v3+ name a batch of
 * members (static ones by instance id) and get one error per member.
 */
public final class LeaveGroupHandler extends GroupApiHandler<LeaveGroupRequestData> {
    private static final short BATCH_VERSION = 3;

    public LeaveGroupHandler(GroupCoordinator coordinator) {
        super(coordinator, ApiKeys.LEAVE_GROUP, LeaveGroupRequestData.HIGHEST_SUPPORTED_VERSION);
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, LeaveGroupRequestData request) {
        short version = context.apiVersion();
        List<LeavingMember> leaving = new ArrayList<>();
        if (version < BATCH_VERSION) {
            leaving.add(new LeavingMember(request.memberId(), Optional.empty()));
        } else {
            for (MemberIdentity member : request.members()) {
                leaving.add(new LeavingMember(member.memberId(), Optional.ofNullable(member.groupInstanceId())));
            }
        }
        LeaveResult result = coordinator.leaveGroup(request.groupId(), leaving);
        LeaveGroupResponseData response = new LeaveGroupResponseData().setThrottleTimeMs(0);
        if (version < BATCH_VERSION) {
            Errors error = result.error();
            for (MemberLeave member : result.members()) {
                if (error == Errors.NONE) {
                    error = member.error();
                }
            }
            response.setErrorCode(error.code());
        } else {
            response.setErrorCode(result.error().code());
            for (MemberLeave member : result.members()) {
                response.members()
                        .add(new MemberResponse()
                                .setMemberId(member.memberId())
                                .setGroupInstanceId(member.groupInstanceId().orElse(null))
                                .setErrorCode(member.error().code()));
            }
        }
        return CompletableFuture.completedFuture(ApiResponse.of(response));
    }
}
