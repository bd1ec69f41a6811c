package io.sluice.broker.network.client;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A minimal Kafka-protocol server for client tests on 127.0.0.1: decodes request frames with kafka-clients,
 * answers ApiVersions from a table of version ranges and hands every other request to a {@link Responder}.
 * Responses go out in request order per connection, whatever order the responder completes them in.
 *
 * <p>Concurrency: Netty event loops own the connections; the recorded requests and counters are thread-safe.
 */
final class FakeKafkaServer implements AutoCloseable {

    /** One decoded request. */
    record Received(RequestHeader header, ApiMessage body) {}

    /** Produces the response to a request; a stage that never completes means "never answer". */
    @FunctionalInterface
    interface Responder {
        CompletionStage<ApiMessage> respond(Received request);
    }

    private final Map<ApiKeys, PeerApiVersions.Range> versions;
    private final Responder responder;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicInteger maxOutstanding = new AtomicInteger();
    private volatile Channel serverChannel;
    private volatile int correlationSkew;
    private volatile boolean answerApiVersions = true;
    private volatile int port;

    /** @param versions the ranges to advertise in ApiVersions (ApiVersions itself must be listed) */
    FakeKafkaServer(Map<ApiKeys, PeerApiVersions.Range> versions, Responder responder) {
        this.versions = versions;
        this.responder = responder;
    }

    /** Every API this codec knows, at its full version range. */
    static Map<ApiKeys, PeerApiVersions.Range> allVersions() {
        Map<ApiKeys, PeerApiVersions.Range> map = new java.util.EnumMap<>(ApiKeys.class);
        for (ApiKeys api : ApiKeys.values()) {
            map.put(api, new PeerApiVersions.Range(api.oldestVersion(), api.latestVersion()));
        }
        return map;
    }

    /** Starts listening on {@code port} (0 for an ephemeral port); returns the bound port. */
    int start(int port) {
        serverChannel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted.incrementAndGet();
                        connections.add(ch);
                        ch.pipeline()
                                .addLast(new LengthFieldBasedFrameDecoder(1 << 24, 0, 4, 0, 4))
                                .addLast(new Connection());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port))
                .syncUninterruptibly()
                .channel();
        this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        return this.port;
    }

    int port() {
        return port;
    }

    /** Stops listening and closes every connection; {@link #start(int)} may be called again. */
    void stop() {
        Channel ch = serverChannel;
        if (ch != null) {
            ch.close().syncUninterruptibly();
            serverChannel = null;
        }
        dropConnections();
    }

    /** Closes every accepted connection but keeps listening. */
    void dropConnections() {
        connections.close().syncUninterruptibly();
    }

    List<Received> received() {
        return received;
    }

    /** Received requests other than ApiVersions. */
    List<Received> receivedExceptApiVersions() {
        return received.stream()
                .filter(r -> r.header().apiKey() != ApiKeys.API_VERSIONS)
                .toList();
    }

    int connectionsAccepted() {
        return accepted.get();
    }

    /** The most requests received and not yet answered at the same time, over all connections. */
    int maxOutstanding() {
        return maxOutstanding.get();
    }

    @Override
    public void close() {
        stop();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Whether ApiVersions requests are answered (true) or left unanswered from now on. */
    void answerApiVersions(boolean answer) {
        answerApiVersions = answer;
    }

    private CompletionStage<ApiMessage> answer(Received request) {
        if (request.header().apiKey() != ApiKeys.API_VERSIONS) {
            return responder.respond(request);
        }
        if (!answerApiVersions) {
            return new CompletableFuture<>();
        }
        ApiVersionsResponseData response = new ApiVersionsResponseData();
        versions.forEach((api, range) -> response.apiKeys()
                .add(new ApiVersionsResponseData.ApiVersion()
                        .setApiKey(api.id)
                        .setMinVersion(range.min())
                        .setMaxVersion(range.max())));
        PeerApiVersions.Range ours = versions.get(ApiKeys.API_VERSIONS);
        if (request.header().apiVersion() > ours.max()) {
            // Kafka's answer to a too-new ApiVersions request: v0 layout, UNSUPPORTED_VERSION, its own range only.
            ApiVersionsResponseData error =
                    new ApiVersionsResponseData().setErrorCode(Errors.UNSUPPORTED_VERSION.code());
            error.apiKeys()
                    .add(new ApiVersionsResponseData.ApiVersion()
                            .setApiKey(ApiKeys.API_VERSIONS.id)
                            .setMinVersion(ours.min())
                            .setMaxVersion(ours.max()));
            return CompletableFuture.completedFuture(error);
        }
        return CompletableFuture.completedFuture(response);
    }

    /** Added to the correlation id of every response from now on (0 answers correctly). */
    void skewCorrelationIds(int skew) {
        correlationSkew = skew;
    }

    private ByteBuf encodeResponse(RequestHeader header, ApiMessage body) {
        short version = header.apiVersion();
        ApiKeys api = header.apiKey();
        if (api == ApiKeys.API_VERSIONS
                && ((ApiVersionsResponseData) body).errorCode() == Errors.UNSUPPORTED_VERSION.code()) {
            version = 0;
        }
        short headerVersion = api.responseHeaderVersion(header.apiVersion());
        ResponseHeaderData responseHeader =
                new ResponseHeaderData().setCorrelationId(header.correlationId() + correlationSkew);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = responseHeader.size(cache, headerVersion) + body.size(cache, version);
        ByteBuffer buffer = ByteBuffer.allocate(4 + size);
        buffer.putInt(size);
        ByteBufferAccessor writer = new ByteBufferAccessor(buffer);
        responseHeader.write(writer, cache, headerVersion);
        body.write(writer, cache, version);
        buffer.flip();
        return Unpooled.wrappedBuffer(buffer);
    }

    /** One accepted connection: answers strictly in request order. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        private final ArrayDeque<Pending> pending = new ArrayDeque<>();

        private record Pending(RequestHeader header, CompletableFuture<ApiMessage> response) {}

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            ByteBuffer buffer = ByteBuffer.allocate(frame.readableBytes());
            frame.readBytes(buffer);
            frame.release();
            buffer.flip();
            RequestHeader header = RequestHeader.parse(buffer);
            ApiMessage body = header.apiKey().messageType.newRequest();
            body.read(new ByteBufferAccessor(buffer), header.apiVersion());
            Received request = new Received(header, body);
            received.add(request);
            maxOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
            CompletableFuture<ApiMessage> response =
                    answer(request).toCompletableFuture().copy();
            pending.add(new Pending(header, response));
            response.whenComplete((r, e) -> ctx.executor().execute(() -> flushReady(ctx)));
        }

        private void flushReady(ChannelHandlerContext ctx) {
            boolean wrote = false;
            while (!pending.isEmpty() && pending.peek().response().isDone()) {
                Pending head = pending.poll();
                outstanding.decrementAndGet();
                ApiMessage body = head.response().isCompletedExceptionally()
                        ? null
                        : head.response().getNow(null);
                if (body != null && ctx.channel().isActive()) {
                    ctx.write(encodeResponse(head.header(), body));
                    wrote = true;
                }
            }
            if (wrote) {
                ctx.flush();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a client resetting its connection is part of the tests
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            outstanding.addAndGet(-pending.size());
            pending.clear();
        }
    }
}
