package io.sluice.broker.security;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * SaslHandshake v0-1 and SaslAuthenticate v0-2 as the request handler sees them: on a SASL listener they are consumed
 * by {@link SaslServerHandler} before authentication completes, so one that reaches a handler arrived on a listener
 * without SASL, or after authentication on a connection whose session has no end or re-authenticated less than a
 * second ago, and is answered with {@code ILLEGAL_SASL_STATE}, as Kafka answers it. Registered so that ApiVersions advertises the versions clients
 * choose from.
 */
public final class SaslOutOfBandHandlers {
    private SaslOutOfBandHandlers() {}

    /** Both handlers. */
    public static List<ApiHandler<?>> all() {
        return List.of(new Handshake(), new Authenticate());
    }

    static final class Handshake implements ApiHandler<SaslHandshakeRequestData> {
        @Override
        public ApiKeys apiKey() {
            return ApiKeys.SASL_HANDSHAKE;
        }

        @Override
        public short minVersion() {
            return 0;
        }

        @Override
        public short maxVersion() {
            return 1;
        }

        @Override
        public boolean mayBlock() {
            return false;
        }

        @Override
        public CompletionStage<ApiResponse> handle(RequestContext context, SaslHandshakeRequestData request) {
            return CompletableFuture.completedFuture(
                    ApiResponse.of(new SaslHandshakeResponseData().setErrorCode(Errors.ILLEGAL_SASL_STATE.code())));
        }
    }

    static final class Authenticate implements ApiHandler<SaslAuthenticateRequestData> {
        @Override
        public ApiKeys apiKey() {
            return ApiKeys.SASL_AUTHENTICATE;
        }

        @Override
        public short minVersion() {
            return 0;
        }

        @Override
        public short maxVersion() {
            return 2;
        }

        @Override
        public boolean mayBlock() {
            return false;
        }

        @Override
        public CompletionStage<ApiResponse> handle(RequestContext context, SaslAuthenticateRequestData request) {
            return CompletableFuture.completedFuture(ApiResponse.of(new SaslAuthenticateResponseData()
                    .setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                    .setErrorMessage("SaslAuthenticate outside of a SASL handshake")));
        }
    }
}
