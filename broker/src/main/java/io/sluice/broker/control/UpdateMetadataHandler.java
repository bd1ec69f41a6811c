package io.sluice.broker.control;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.metadata.MetadataCache;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.UpdateMetadataRequestData;
import org.apache.kafka.common.message.UpdateMetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Answers UpdateMetadata v5-v8 (topic-grouped partition states with the target's broker epoch; v7 adds topic ids,
 * v8 the KRaft flag, which Sluice ignores): after the {@link ControllerEpochTracker} accepts the request it is applied
 * to the {@link MetadataCache}, whose listeners then see it.
 *
 * <p>Concurrency: stateless; serialized with the other control requests by the tracker's lock.
 */
public final class UpdateMetadataHandler implements ApiHandler<UpdateMetadataRequestData> {
    static final short MIN_VERSION = 5;
    static final short MAX_VERSION = 8;

    private final ControllerEpochTracker tracker;
    private final MetadataCache cache;

    public UpdateMetadataHandler(ControllerEpochTracker tracker, MetadataCache cache) {
        this.tracker = Objects.requireNonNull(tracker, "tracker");
        this.cache = Objects.requireNonNull(cache, "cache");
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.UPDATE_METADATA;
    }

    @Override
    public short minVersion() {
        return MIN_VERSION;
    }

    @Override
    public short maxVersion() {
        return MAX_VERSION;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, UpdateMetadataRequestData request) {
        Errors error = tracker.fenced(
                "UpdateMetadata",
                request.controllerId(),
                request.controllerEpoch(),
                request.brokerEpoch(),
                () -> {
                    cache.update(request);
                    return Errors.NONE;
                },
                rejected -> rejected);
        return CompletableFuture.completedFuture(
                ApiResponse.of(new UpdateMetadataResponseData().setErrorCode(error.code())));
    }
}
