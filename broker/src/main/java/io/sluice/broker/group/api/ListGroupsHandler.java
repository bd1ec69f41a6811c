package io.sluice.broker.group.api;

import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.group.GroupResults.ListResult;
import io.sluice.broker.group.GroupResults.ListedGroup;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * ListGroups v0-v5: the groups this broker coordinates; v4+ filter by state and report it, v5+ filter by type and
 * report it (every group here is {@code classic}). While a partition is loading the groups known so far are listed
 * with {@code COORDINATOR_LOAD_IN_PROGRESS}.
 */
public final class ListGroupsHandler extends GroupApiHandler<ListGroupsRequestData> {
    private static final short STATE_VERSION = 4;
    private static final short TYPE_VERSION = 5;

    public ListGroupsHandler(GroupCoordinator coordinator) {
        super(coordinator, ApiKeys.LIST_GROUPS, ListGroupsRequestData.HIGHEST_SUPPORTED_VERSION);
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, ListGroupsRequestData request) {
        short version = context.apiVersion();
        ListResult result = coordinator.listGroups(
                version >= STATE_VERSION ? new HashSet<>(request.statesFilter()) : Set.of(),
                version >= TYPE_VERSION ? new HashSet<>(request.typesFilter()) : Set.of());
        ListGroupsResponseData response = new ListGroupsResponseData()
                .setThrottleTimeMs(0)
                .setErrorCode(result.error().code());
        for (ListedGroup group : result.groups()) {
            ListGroupsResponseData.ListedGroup answer = new ListGroupsResponseData.ListedGroup()
                    .setGroupId(group.groupId())
                    .setProtocolType(group.protocolType());
            if (version >= STATE_VERSION) {
                answer.setGroupState(group.state().label());
            }
            if (version >= TYPE_VERSION) {
                answer.setGroupType("classic");
            }
            response.groups().add(answer);
        }
        return CompletableFuture.completedFuture(ApiResponse.of(response));
    }
}
