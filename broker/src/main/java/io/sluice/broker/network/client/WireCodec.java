package io.sluice.broker.network.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * Request encoding and response decoding for the client side of the Kafka wire protocol. Stateless.
 *
 * <p>Request frame: {@code int32 size} (bytes that follow) + request header (version
 * {@link ApiKeys#requestHeaderVersion(short)}: int16 api key, int16 api version, int32 correlation id, nullable
 * string client id, tagged fields from v2) + body. Response frame (after the size prefix, which the frame decoder
 * strips): response header (version {@link ApiKeys#responseHeaderVersion(short)}, always v0 for ApiVersions:
 * int32 correlation id, tagged fields from v1) + body.
 *
 * <p>Response buffers are heap {@link ByteBuffer}s owned by the caller: record fields (Fetch) are parsed as
 * {@code MemoryRecords} slices of that buffer and stay valid as long as the caller holds them, with no reference
 * counting.
 */
final class WireCodec {
    private WireCodec() {}

    /**
     * Encodes one request frame, size prefix included, into a heap buffer. Throws (for example
     * {@code UnsupportedVersionException} when a field is set that {@code version} cannot carry) without side
     * effects.
     */
    static ByteBuf encodeRequest(ApiKeys api, short version, String clientId, int correlationId, ApiMessage body) {
        RequestHeaderData header = new RequestHeaderData()
                .setRequestApiKey(api.id)
                .setRequestApiVersion(version)
                .setCorrelationId(correlationId)
                .setClientId(clientId);
        short headerVersion = api.requestHeaderVersion(version);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = header.size(cache, headerVersion) + body.size(cache, version);
        ByteBuffer buffer = ByteBuffer.allocate(4 + size);
        buffer.putInt(size);
        ByteBufferAccessor writer = new ByteBufferAccessor(buffer);
        header.write(writer, cache, headerVersion);
        body.write(writer, cache, version);
        if (buffer.hasRemaining()) {
            throw new IllegalStateException(
                    "encoded " + api + " v" + version + " is " + buffer.remaining() + " bytes shorter than sized");
        }
        buffer.flip();
        return Unpooled.wrappedBuffer(buffer);
    }

    /** The correlation id of a response frame (the first field of every response header version). */
    static int correlationId(ByteBuffer frame) {
        if (frame.remaining() < 4) {
            throw new IllegalArgumentException("response frame of " + frame.remaining() + " bytes has no header");
        }
        return frame.getInt(frame.position());
    }

    /**
     * Parses a response frame (size prefix already removed) into the generated response data class of {@code api}.
     * Record fields reference {@code frame}. An ApiVersions response that fails to parse at {@code version} is
     * parsed again as v0, the layout a peer uses to answer an ApiVersions request newer than it supports.
     */
    static ApiMessage decodeResponse(ByteBuffer frame, ApiKeys api, short version) {
        ResponseHeader.parse(frame, api.responseHeaderVersion(version));
        int bodyStart = frame.position();
        try {
            return readBody(frame, api, version);
        } catch (RuntimeException e) {
            if (api != ApiKeys.API_VERSIONS || version == 0) {
                throw e;
            }
            frame.position(bodyStart);
            return readBody(frame, api, (short) 0);
        }
    }

    private static ApiMessage readBody(ByteBuffer frame, ApiKeys api, short version) {
        ApiMessage body = api.messageType.newResponse();
        body.read(new ByteBufferAccessor(frame), version);
        return body;
    }
}
