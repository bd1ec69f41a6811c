package io.sluice.broker.network;

import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * The outcome of parsing one request frame.
 *
 * <pre>
 *   frame ─► Supported(header, body, bodyBuffer)     dispatched to the API's handler
 *        ├─► UnsupportedVersion(header, request)      answered with UNSUPPORTED_VERSION, never dispatched
 *        └─► Rejected(reason)                         the connection is closed and the reason logged
 * </pre>
 */
sealed interface ParsedRequest
        permits ParsedRequest.Supported, ParsedRequest.UnsupportedVersion, ParsedRequest.Rejected {

    /**
     * A request at a version its handler implements.
     *
     * @param bodyBuffer a read-only view of the body bytes, kept to build the API's error response if the handler
     *     fails
     */
    record Supported(RequestHeader header, ApiMessage body, ByteBuffer bodyBuffer) implements ParsedRequest {}

    /**
     * A request whose API is served but not at this version.
     *
     * @param request the parsed request to build the error response from; null for ApiVersions, which is answered
     *     in the v0 layout instead
     */
    record UnsupportedVersion(RequestHeader header, AbstractRequest request) implements ParsedRequest {}

    /** A frame that cannot be answered; the connection is closed. */
    record Rejected(String reason, String metricReason) implements ParsedRequest {}
}
