package io.sluice.broker.network;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * A request frame that a handler earlier in the pipeline answers itself (SASL re-authentication on an authenticated
 * connection) but whose response must still leave in request order: the request handler registers it like any other
 * request and writes {@code response} when it completes and every earlier request has been answered.
 *
 * @param frame the request frame (header and body), as the frame decoder split it out
 * @param response the response body; completes on any thread
 */
public record AnsweredRequest(ByteBuffer frame, CompletionStage<ApiMessage> response) {
    public AnsweredRequest {
        Objects.requireNonNull(frame, "frame");
        Objects.requireNonNull(response, "response");
    }
}
