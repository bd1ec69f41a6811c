package io.sluice.broker.api;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;

/**
 * Answers ApiVersions v0-v3 from the handler registry: the advertised list is exactly the registered handlers' version
 * ranges. No features are supported or finalized (finalized epoch -1). A v3 request whose client software name or
 * version breaks Kafka's pattern is answered with {@code INVALID_REQUEST}, as Kafka does.
 *
 * <p>Built by {@link ApiHandlerRegistry#of}; requests outside v0-v3 never reach this handler: the network layer
 * answers them with {@link ApiHandlerRegistry#unsupportedApiVersionsResponse()} in the v0 layout.
 *
 * <p>Concurrency: immutable; runs inline on event loops.
 */
public final class ApiVersionsHandler implements ApiHandler<ApiVersionsRequestData> {

    static final short MIN_VERSION = 0;
    static final short MAX_VERSION = 3;

    private final List<ApiVersion> advertised;

    ApiVersionsHandler(List<ApiVersion> advertised) {
        this.advertised = advertised;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.API_VERSIONS;
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
    public boolean mayBlock() {
        return false;
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, ApiVersionsRequestData request) {
        ApiVersionsResponseData response = new ApiVersionsResponseData().setThrottleTimeMs(0);
        if (!new ApiVersionsRequest(request, context.apiVersion()).isValid()) {
            response.setErrorCode(Errors.INVALID_REQUEST.code());
        } else {
            response.setErrorCode(Errors.NONE.code()).setApiKeys(ApiHandlerRegistry.copyOf(advertised));
        }
        return CompletableFuture.completedFuture(ApiResponse.of(response));
    }
}
