package io.sluice.broker.network;

import io.sluice.broker.api.ApiHandlerRegistry;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Parses a request frame (header + body, without the length prefix) with the kafka-clients generated classes.
 *
 * <p>Request header layout: {@code int16 api_key, int16 api_version, int32 correlation_id}, then from header v1
 * {@code nullable string client_id}, then from v2 tagged fields; the header version comes from
 * {@link ApiKeys#requestHeaderVersion(short)}. Decisions, in order: an API key unknown to the codec or not served by
 * the registry is rejected; a malformed header is rejected; a version the handler implements is parsed into the
 * generated request message (malformed body: rejected); ApiVersions at any other version is answered in the v0
 * layout; another API at a version the codec can parse but the handler does not implement gets
 * {@code UNSUPPORTED_VERSION}; a version beyond the codec's range is rejected, as Kafka does.
 *
 * <p>Concurrency: stateless and thread-safe.
 */
final class RequestParser {

    private final ApiHandlerRegistry registry;

    RequestParser(ApiHandlerRegistry registry) {
        this.registry = registry;
    }

    ParsedRequest parse(ByteBuffer frame) {
        if (frame.remaining() < 2 * Short.BYTES) {
            return new ParsedRequest.Rejected(
                    "frame of " + frame.remaining() + " bytes is too short for a request header", "malformed_header");
        }
        short keyId = frame.getShort(frame.position());
        short version = frame.getShort(frame.position() + Short.BYTES);
        if (!ApiKeys.hasId(keyId)) {
            return new ParsedRequest.Rejected("unknown API key " + keyId + " (version " + version + ")", "unknown_api");
        }
        ApiKeys apiKey = ApiKeys.forId(keyId);
        if (registry.handler(apiKey).isEmpty()) {
            return new ParsedRequest.Rejected(
                    "API " + apiKey + " (key " + keyId + ") is not served by this broker", "unknown_api");
        }
        RequestHeader header;
        ByteBuffer body;
        try {
            ByteBuffer buffer = frame.duplicate();
            short headerVersion = apiKey.requestHeaderVersion(version);
            RequestHeaderData data = new RequestHeaderData(new ByteBufferAccessor(buffer), headerVersion);
            if (data.clientId() == null) {
                data.setClientId("");
            }
            header = new RequestHeader(data, headerVersion);
            // Writable: a produce's batches are appended as they are, and the leader assigns offsets and its epoch in
            // place in their headers (the frame is this request's own copy, so nothing else sees the change).
            body = buffer.slice();
        } catch (RuntimeException e) {
            return new ParsedRequest.Rejected(
                    "malformed request header for " + apiKey + " v" + version + ": " + e, "malformed_header");
        }
        if (registry.supports(apiKey, version)) {
            ApiMessage message = apiKey.messageType.newRequest();
            try {
                message.read(new ByteBufferAccessor(body.duplicate()), version);
            } catch (RuntimeException e) {
                return malformedBody(header, e);
            }
            return new ParsedRequest.Supported(header, message, body);
        }
        if (apiKey == ApiKeys.API_VERSIONS) {
            return new ParsedRequest.UnsupportedVersion(header, null);
        }
        short codecMin = apiKey.messageType.lowestSupportedVersion();
        short codecMax = apiKey.messageType.highestSupportedVersion(true);
        if (version < codecMin || version > codecMax) {
            return new ParsedRequest.Rejected(
                    apiKey + " v" + version + " (correlation id " + header.correlationId()
                            + ") is outside the versions this broker can decode (v" + codecMin + "-v" + codecMax + ")",
                    "unsupported_version");
        }
        try {
            AbstractRequest request = AbstractRequest.parseRequest(apiKey, version, body.duplicate()).request;
            return new ParsedRequest.UnsupportedVersion(header, request);
        } catch (RuntimeException e) {
            return malformedBody(header, e);
        }
    }

    private static ParsedRequest.Rejected malformedBody(RequestHeader header, RuntimeException e) {
        return new ParsedRequest.Rejected(
                "malformed " + header.apiKey() + " v" + header.apiVersion() + " body (correlation id "
                        + header.correlationId() + ", client " + header.clientId() + "): " + e,
                "malformed_body");
    }
}
