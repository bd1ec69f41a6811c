package io.sluice.broker.group.api;

import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.group.GroupCoordinator;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/** Heartbeat v0-v4 (v3+ with the static instance id). Answered at once. */
public final class HeartbeatHandler extends GroupApiHandler<HeartbeatRequestData> {

    public HeartbeatHandler(GroupCoordinator coordinator) {
        super(coordinator, ApiKeys.HEARTBEAT, HeartbeatRequestData.HIGHEST_SUPPORTED_VERSION);
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, HeartbeatRequestData request) {
        Errors error = coordinator.heartbeat(
                request.groupId(),
                request.memberId(),
                Optional.ofNullable(request.groupInstanceId()),
                request.generationId());
        return CompletableFuture.completedFuture(
                ApiResponse.of(new HeartbeatResponseData().setThrottleTimeMs(0).setErrorCode(error.code())));
    }
}
