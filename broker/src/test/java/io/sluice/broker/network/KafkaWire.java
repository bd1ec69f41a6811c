package io.sluice.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/** Builds request frames and reads response frames with the kafka-clients codec, as a stock client would. */
final class KafkaWire {

    private KafkaWire() {}

    static RequestHeader header(ApiKeys key, short version, int correlationId) {
        return new RequestHeader(key, version, "test-client", correlationId);
    }

    /** A length-prefixed frame for {@code request} serialized by kafka-clients' own path. */
    static ByteBuffer frame(RequestHeader header, AbstractRequest request) {
        return withLength(request.serializeWithHeader(header));
    }

    /** A length-prefixed frame of a generated request message at {@code header}'s version. */
    static ByteBuffer frame(RequestHeader header, ApiMessage body) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        RequestHeaderData data = header.data();
        int size = data.size(cache, header.headerVersion()) + body.size(cache, header.apiVersion());
        ByteBuffer buffer = ByteBuffer.allocate(size);
        ByteBufferAccessor accessor = new ByteBufferAccessor(buffer);
        data.write(accessor, cache, header.headerVersion());
        body.write(accessor, cache, header.apiVersion());
        return withLength(buffer.flip());
    }

    static ByteBuffer withLength(ByteBuffer payload) {
        ByteBuffer framed = ByteBuffer.allocate(Integer.BYTES + payload.remaining());
        framed.putInt(payload.remaining()).put(payload.duplicate()).flip();
        return framed;
    }

    @SuppressWarnings("unchecked")
    static <T extends AbstractResponse> T parse(ByteBuffer frameWithoutLength, RequestHeader requestHeader) {
        return (T) AbstractResponse.parseResponse(frameWithoutLength, requestHeader);
    }

    /** Drains and releases every outbound message, reassembling file regions through {@code transferTo}. */
    static byte[] drainOutbound(EmbeddedChannel channel) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WritableByteChannel sink = Channels.newChannel(out);
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            try {
                if (msg instanceof ByteBuf buf) {
                    byte[] bytes = new byte[buf.readableBytes()];
                    buf.readBytes(bytes);
                    out.writeBytes(bytes);
                } else if (msg instanceof FileRegion region) {
                    transferAll(region, sink);
                } else {
                    throw new AssertionError("unexpected outbound message " + msg.getClass());
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        return out.toByteArray();
    }

    static void transferAll(FileRegion region, WritableByteChannel sink) {
        try {
            while (region.transferred() < region.count()) {
                region.transferTo(sink, region.transferred());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Splits concatenated response frames, stripping their length prefixes. */
    static List<ByteBuffer> splitFrames(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        List<ByteBuffer> frames = new ArrayList<>();
        while (buffer.hasRemaining()) {
            int size = buffer.getInt();
            ByteBuffer frame = buffer.slice();
            frame.limit(size);
            frames.add(frame);
            buffer.position(buffer.position() + size);
        }
        return frames;
    }

    /** The response frames written so far on {@code channel}. */
    static List<ByteBuffer> responses(EmbeddedChannel channel) {
        return splitFrames(drainOutbound(channel));
    }

    /** The correlation id of a response frame (first field of every response header). */
    static int correlationId(ByteBuffer frameWithoutLength) {
        return frameWithoutLength.getInt(frameWithoutLength.position());
    }
}
