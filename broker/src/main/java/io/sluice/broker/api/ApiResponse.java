package io.sluice.broker.api;

import java.util.Objects;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * The outcome of a handler: a response message to send, or no response at all (produce with {@code acks=0}).
 *
 * <pre>
 *   ApiResponse
 *     ├── Send(message, throttleMs)   written in request order on the connection; with a throttle time the
 *     │                               connection then reads no further request for that long (KIP-219)
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

    /**
     * A response carrying {@code message} for a client over its quota: after it is sent the connection is muted for
     * {@code throttleMs} (the message itself should carry the same {@code throttle_time_ms}).
     */
    static ApiResponse throttled(ApiMessage message, long throttleMs) {
        return new Send(message, throttleMs);
    }

    /**
     * A response message to encode and send.
     *
     * @param throttleMs how long the connection reads no further request once this response is written (0: none)
     */
    record Send(ApiMessage message, long throttleMs) implements ApiResponse {
        public Send {
            Objects.requireNonNull(message, "message");
            if (throttleMs < 0) {
                throw new IllegalArgumentException("negative throttle time " + throttleMs);
            }
        }

        public Send(ApiMessage message) {
            this(message, 0);
        }
    }

    /** The request gets no response. */
    enum NoResponse implements ApiResponse {
        INSTANCE
    }
}
