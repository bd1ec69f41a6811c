package io.sluice.broker.network.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.nio.ByteBuffer;

/**
 * The Netty side of a {@link BrokerClient} connection: bootstrap options and the pipeline
 * ({@code int32}-length frame decoder bounded by {@code maxResponseBytes}, then a handler that copies each frame
 * into a heap {@link ByteBuffer}, releases the Netty buffer at once and reports it with its channel).
 *
 * <p>Concurrency: stateless; the handlers run on the channel's event loop and call {@link Events} there.
 */
final class ResponseChannels {
    private ResponseChannels() {}

    /** What a connection reports to its client, always on the client's event loop. */
    interface Events {
        /** A complete response frame (size prefix removed), copied to the heap and owned by the receiver. */
        void onFrame(Channel channel, ByteBuffer frame);

        /** The channel closed, or failed and must be closed. */
        void onClosed(Channel channel, String reason, Throwable cause);
    }

    static Bootstrap bootstrap(EventLoop loop, ClientEventLoops loops, BrokerClientConfig config, Events events) {
        return new Bootstrap()
                .group(loop)
                .channel(loops.channelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(
                                        "frames",
                                        new LengthFieldBasedFrameDecoder(config.maxResponseBytes(), 0, 4, 0, 4))
                                .addLast("responses", new ResponseHandler(events));
                    }
                });
    }

    private static final class ResponseHandler extends ChannelInboundHandlerAdapter {
        private final Events events;

        ResponseHandler(Events events) {
            this.events = events;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            ByteBuffer copy;
            try {
                copy = ByteBuffer.allocate(frame.readableBytes());
                frame.readBytes(copy);
                copy.flip();
            } finally {
                frame.release();
            }
            events.onFrame(ctx.channel(), copy);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            events.onClosed(ctx.channel(), "connection closed by peer", null);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            events.onClosed(ctx.channel(), "connection error: " + cause, cause);
        }
    }
}
