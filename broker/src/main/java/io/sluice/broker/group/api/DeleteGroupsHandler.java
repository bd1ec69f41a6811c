package io.sluice.broker.group.api;

import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.group.GroupCoordinator;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * DeleteGroups v0-v2: deletes Empty groups with their offsets ({@code GROUP_ID_NOT_FOUND} for unknown ones,
 * {@code NON_EMPTY_GROUP} for groups with members), answered once the tombstones are written.
 */
public final class DeleteGroupsHandler extends GroupApiHandler<DeleteGroupsRequestData> {

    public DeleteGroupsHandler(GroupCoordinator coordinator) {
        super(coordinator, ApiKeys.DELETE_GROUPS, DeleteGroupsRequestData.HIGHEST_SUPPORTED_VERSION);
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, DeleteGroupsRequestData request) {
        return coordinator.deleteGroups(request.groupsNames()).thenApply(errors -> {
            DeleteGroupsResponseData response = new DeleteGroupsResponseData().setThrottleTimeMs(0);
            errors.forEach((groupId, error) -> response.results()
                    .add(new DeletableGroupResult().setGroupId(groupId).setErrorCode(error.code())));
            return ApiResponse.of(response);
        });
    }
}
