package io.sluice.broker.security;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;

/**
 * An API handler behind an authorization gate: the gate checks the request and either answers it itself (a refusal)
 * or hands the authorized part on to the wrapped handler, adding the refused part's errors to the answer.
 *
 * <p>Concurrency: as thread-safe as the gate and the wrapped handler (both stateless).
 */
final class GatedHandler<Req extends ApiMessage> implements ApiHandler<Req> {

    /** The check in front of one API. */
    @FunctionalInterface
    interface Gate<Req extends ApiMessage> {
        CompletionStage<ApiResponse> handle(RequestContext context, Req request, ApiHandler<Req> next);
    }

    private final ApiHandler<Req> next;
    private final Gate<Req> gate;

    GatedHandler(ApiHandler<Req> next, Gate<Req> gate) {
        this.next = next;
        this.gate = gate;
    }

    @Override
    public ApiKeys apiKey() {
        return next.apiKey();
    }

    @Override
    public short minVersion() {
        return next.minVersion();
    }

    @Override
    public short maxVersion() {
        return next.maxVersion();
    }

    @Override
    public boolean mayBlock() {
        return next.mayBlock();
    }

    @Override
    public CompletionStage<ApiResponse> handle(RequestContext context, Req request) {
        return gate.handle(context, request, next);
    }

    /** The API's own error response with {@code error} everywhere (Kafka's {@code getErrorResponse}). */
    static CompletionStage<ApiResponse> refuse(RequestContext context, ApiMessage request, Errors error) {
        AbstractRequest parsed = AbstractRequest.parseRequest(
                        context.apiKey(), context.apiVersion(), MessageUtil.toByteBuffer(request, context.apiVersion()))
                .request;
        AbstractResponse response = parsed.getErrorResponse(0, error.exception());
        return CompletableFuture.completedFuture(
                response == null ? ApiResponse.noResponse() : ApiResponse.of(response.data()));
    }
}
