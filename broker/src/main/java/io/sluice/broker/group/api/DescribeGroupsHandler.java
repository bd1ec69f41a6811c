package io.sluice.broker.group.api;

import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.group.GroupResults.DescribedGroup;
import io.sluice.broker.group.GroupResults.DescribedMember;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * DescribeGroups v0-v5. An unknown group is described as Dead with no error, as Kafka does; members carry metadata
 * and assignment only while the group is Stable; v3+ carry authorized operations (Sluice has no authorizer: READ,
 * DELETE and DESCRIBE when asked, {@code Integer.MIN_VALUE} otherwise); v4+ static instance ids.
 */
public final class DescribeGroupsHandler extends GroupApiHandler<DescribeGroupsRequestData> {
    /** Kafka's AclOperation codes READ (3), DELETE (6), DESCRIBE (8): what can be done to a group. */
    static final int GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);

    private static final short AUTHORIZED_OPERATIONS_VERSION = 3;

    public DescribeGroupsHandler(GroupCoordinator coordinator) {
        super(coordinator, ApiKeys.DESCRIBE_GROUPS, DescribeGroupsRequestData.HIGHEST_SUPPORTED_VERSION);
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, DescribeGroupsRequestData request) {
        short version = context.apiVersion();
        boolean operations = version >= AUTHORIZED_OPERATIONS_VERSION && request.includeAuthorizedOperations();
        DescribeGroupsResponseData response = new DescribeGroupsResponseData().setThrottleTimeMs(0);
        for (String groupId : request.groups()) {
            DescribedGroup group = coordinator.describeGroup(groupId);
            DescribeGroupsResponseData.DescribedGroup answer = new DescribeGroupsResponseData.DescribedGroup()
                    .setGroupId(groupId)
                    .setErrorCode(group.error().code())
                    .setGroupState(group.state().label())
                    .setProtocolType(group.protocolType())
                    .setProtocolData(group.protocol())
                    .setAuthorizedOperations(operations ? GROUP_OPERATIONS : Integer.MIN_VALUE);
            for (DescribedMember member : group.members()) {
                answer.members()
                        .add(new DescribedGroupMember()
                                .setMemberId(member.memberId())
                                .setGroupInstanceId(member.groupInstanceId().orElse(null))
                                .setClientId(member.clientId())
                                .setClientHost(member.clientHost())
                                .setMemberMetadata(member.metadata())
                                .setMemberAssignment(member.assignment()));
            }
            response.groups().add(answer);
        }
        return CompletableFuture.completedFuture(ApiResponse.of(response));
    }
}
