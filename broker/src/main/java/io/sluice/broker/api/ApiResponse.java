package io.sluice.broker.api;

import java.util.Objects;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * The outcome of a handler: a response message to send, or no response at all (produce with {@code acks=0}).
 *
 * <pre>
 *   ApiResponse
 *     ├── Send(message)   written in request order on the connection
 *     └── NoResponse      releases the request's slot in the order without writing anything
 * </pre>
 */
public sealed interface ApiResponse permits ApiResponse.Send, ApiResponse.NoResponse {

    /** A response carrying {@code message}, encoded at the request's version. */
    static ApiResponse of(ApiMessage message) {
        return new Send(message);
    }

    /** No response is sent to the client (its slot in the per-connection order is released). */
    static ApiResponse noResponse() {
        return NoResponse.INSTANCE;
    }

    /** A response message to encode and send. */
    record Send(ApiMessage message) implements ApiResponse {
        public Send {
            Objects.requireNonNull(message, "message");
        }
    }

    /** The request gets no response. */
    enum NoResponse implements ApiResponse {
        INSTANCE
    }
}
