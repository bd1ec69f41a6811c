package io.sluice.broker.network;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/** A handler whose behaviour a test supplies as a function. */
record TestHandler<Req extends ApiMessage>(
        ApiKeys apiKey,
        short minVersion,
        short maxVersion,
        boolean mayBlock,
        BiFunction<RequestContext, Req, CompletionStage<ApiResponse>> body)
        implements ApiHandler<Req> {

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, Req request) {
        return body.apply(context, request);
    }
}
