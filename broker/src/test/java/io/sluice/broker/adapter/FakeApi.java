package io.sluice.broker.adapter;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/** A handler answering synchronously with a function of the request, for adapter tests against a real server. */
final class FakeApi {
    private FakeApi() {}

    static <R extends ApiMessage> ApiHandler<R> handler(
            ApiKeys api, short min, short max, BiFunction<RequestContext, R, ApiMessage> answer) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return api;
            }

            @Override
            public short minVersion() {
                return min;
            }

            @Override
            public short maxVersion() {
                return max;
            }

            @Override
            public CompletionStage<ApiResponse> handle(RequestContext context, R request) {
                return CompletableFuture.completedFuture(ApiResponse.of(answer.apply(context, request)));
            }
        };
    }
}
