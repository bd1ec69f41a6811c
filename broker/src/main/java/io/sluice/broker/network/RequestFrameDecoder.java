package io.sluice.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.ByteBuffer;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits the inbound byte stream into request frames: {@code int32 length} (big-endian, bytes that follow) then
 * {@code length} bytes of request header and body. Emits each frame's content (without the length) as a heap
 * {@link ByteBuffer}.
 *
 * <p>Buffer lifetime: each frame is copied exactly once, from Netty's socket buffers into a heap array owned by the
 * request (cumulation uses the composite cumulator, so partial frames are not copied while they accumulate). Parsed
 * request bodies, including produce {@code MemoryRecords}, are views of that array, so no reference counting crosses
 * the handler boundary and a produce batch is copied only once more, into the page cache.
 *
 * <p>A length above {@code socket.request.max.bytes} or below zero closes the connection with a logged reason before
 * the frame's bytes are buffered; the connection's remaining input is discarded. A connection that ends inside a
 * frame is logged.
 *
 * <p>Concurrency: one instance per channel, used only by that channel's event loop.
 */
final class RequestFrameDecoder extends ByteToMessageDecoder {

    private static final Logger log = LoggerFactory.getLogger(RequestFrameDecoder.class);

    private final int maxFrameBytes;
    private final String logPrefix;
    private final NetworkMetrics metrics;
    private boolean discarding;

    RequestFrameDecoder(int maxFrameBytes, String logPrefix, NetworkMetrics metrics) {
        this.maxFrameBytes = maxFrameBytes;
        this.logPrefix = logPrefix;
        this.metrics = metrics;
        setCumulator(COMPOSITE_CUMULATOR);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (discarding) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < Integer.BYTES) {
            return;
        }
        int length = in.getInt(in.readerIndex());
        if (length < 0 || length > maxFrameBytes) {
            discarding = true;
            in.skipBytes(in.readableBytes());
            metrics.connectionRejected("frame_size");
            log.warn(
                    "{} Closing connection from {}: request frame of {} bytes is outside 0..{} (socket.request.max.bytes)",
                    logPrefix,
                    ctx.channel().remoteAddress(),
                    length,
                    maxFrameBytes);
            ctx.close();
            return;
        }
        if (in.readableBytes() < Integer.BYTES + length) {
            return;
        }
        in.skipBytes(Integer.BYTES);
        byte[] frame = new byte[length];
        in.readBytes(frame);
        metrics.bytesIn(Integer.BYTES + length);
        out.add(ByteBuffer.wrap(frame));
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        decode(ctx, in, out);
        if (!discarding && in.isReadable()) {
            int have = in.readableBytes();
            String expected = have >= Integer.BYTES ? Integer.toString(in.getInt(in.readerIndex())) : "?";
            metrics.connectionRejected("truncated");
            log.warn(
                    "{} Connection from {} closed inside a request frame ({} bytes received of a {}-byte frame)",
                    logPrefix,
                    ctx.channel().remoteAddress(),
                    have - Integer.BYTES,
                    expected);
            in.skipBytes(have);
        }
    }
}
