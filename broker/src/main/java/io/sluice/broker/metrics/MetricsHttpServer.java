package io.sluice.broker.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's HTTP endpoint for operators, on {@code metrics.port}:
 *
 * <ul>
 *   <li>{@code GET /metrics}: the registry in the Prometheus text format (version 0.0.4);
 *   <li>{@code GET /health}: {@code 200 {"status":"UP","broker":N}} while the supplied health check says so (the
 *       broker wires it to "registered in ZooKeeper and caught up"), else {@code 503
 *       {"status":"DOWN","broker":N,"reason":"..."}};
 *   <li>any page added with {@link #addPage} (the broker adds its cluster page, {@code /ui}).
 * </ul>
 *
 * Other paths answer 404, other methods 405 ({@code HEAD} is served like {@code GET}, without a body).
 *
 * <p><b>Slow clients cannot stall it.</b> It runs on one Netty event loop of its own: reading a request never blocks,
 * so a client that sends its request slowly (or not at all) holds only its own connection. A connection must complete
 * a request within the request timeout (10 s by default) of being opened or of its previous response, or it is closed;
 * requests are limited to {@value #MAX_REQUEST_BYTES} bytes; one connection has one request in hand at a time (it is
 * not read while its response is being built and written), and at most {@value #MAX_CONNECTIONS} connections are
 * open (more are closed at once).
 *
 * <p>Lifecycle: {@code NEW → STARTED → CLOSED} (or {@code NEW → CLOSED}), each step a compare-and-set; {@link #start}
 * runs at most once, {@link #close} is safe to call twice and from any thread.
 *
 * <p>Concurrency: every request is answered on the event loop thread owned by this server (building a response takes
 * a scrape or a health check: milliseconds); the registry and the health suppliers must be safe to call from that
 * thread. {@link #start} and {@link #close} are serialized by the monitor of this object; {@code channel} and
 * {@code group} are written under it and read by {@link #port()} via volatile.
 */
public final class MetricsHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsHttpServer.class);
    private static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String JSON_CONTENT_TYPE = "application/json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The default time a connection has to complete a request. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    static final int MAX_REQUEST_BYTES = 64 * 1024;
    static final int MAX_CONNECTIONS = 1024;

    /** A read-only page: its content type and its body, built per request on the event loop thread. */
    private record Page(String contentType, Supplier<String> body) {}

    private enum State {
        NEW,
        STARTED,
        CLOSED
    }

    private final int brokerId;
    private final String logPrefix;
    private final InetSocketAddress bindAddress;
    private final PrometheusMeterRegistry registry;
    private final Supplier<Optional<String>> healthProblem;
    private final Duration requestTimeout;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final AtomicInteger connections = new AtomicInteger();
    private final Map<String, Page> pages = new ConcurrentHashMap<>();
    private volatile Channel channel;
    private volatile EventLoopGroup group;

    /**
     * @param brokerId the broker id, for logs and the health document
     * @param bindAddress where to listen; port 0 picks a free port (see {@link #port()})
     * @param registry the registry scraped by {@code /metrics}
     * @param healthy whether {@code /health} answers 200
     * @param unhealthyReason the reason given with a 503
     */
    public MetricsHttpServer(
            int brokerId,
            InetSocketAddress bindAddress,
            PrometheusMeterRegistry registry,
            BooleanSupplier healthy,
            Supplier<String> unhealthyReason) {
        this(brokerId, bindAddress, registry, problemOf(healthy, unhealthyReason), DEFAULT_REQUEST_TIMEOUT);
    }

    /** @param requestTimeout how long a connection may take to complete a request before it is closed */
    public MetricsHttpServer(
            int brokerId,
            InetSocketAddress bindAddress,
            PrometheusMeterRegistry registry,
            BooleanSupplier healthy,
            Supplier<String> unhealthyReason,
            Duration requestTimeout) {
        this(brokerId, bindAddress, registry, problemOf(healthy, unhealthyReason), requestTimeout);
    }

    /**
     * @param healthProblem why {@code /health} answers 503, empty for 200; evaluated once per request
     */
    public MetricsHttpServer(
            int brokerId,
            InetSocketAddress bindAddress,
            PrometheusMeterRegistry registry,
            Supplier<Optional<String>> healthProblem) {
        this(brokerId, bindAddress, registry, healthProblem, DEFAULT_REQUEST_TIMEOUT);
    }

    /**
     * @param healthProblem why {@code /health} answers 503, empty for 200; evaluated once per request
     * @param requestTimeout how long a connection may take to complete a request before it is closed
     */
    public MetricsHttpServer(
            int brokerId,
            InetSocketAddress bindAddress,
            PrometheusMeterRegistry registry,
            Supplier<Optional<String>> healthProblem,
            Duration requestTimeout) {
        this.brokerId = brokerId;
        this.logPrefix = "[MetricsHttpServer broker=" + brokerId + "]";
        this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.healthProblem = Objects.requireNonNull(healthProblem, "healthProblem");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive, got " + requestTimeout);
        }
    }

    private static Supplier<Optional<String>> problemOf(BooleanSupplier healthy, Supplier<String> unhealthyReason) {
        Objects.requireNonNull(healthy, "healthy");
        Objects.requireNonNull(unhealthyReason, "unhealthyReason");
        return () -> healthy.getAsBoolean() ? Optional.empty() : Optional.of(String.valueOf(unhealthyReason.get()));
    }

    /**
     * Serves {@code body} at {@code path} ({@code GET} and {@code HEAD}), from the next request on.
     *
     * @param body built once per request on the event loop thread: it must be quick and must not block
     * @throws IllegalArgumentException if the path is taken
     */
    public void addPage(String path, String contentType, Supplier<String> body) {
        Objects.requireNonNull(path, "path");
        if (path.equals("/metrics") || path.equals("/health")) {
            throw new IllegalArgumentException(path + " is served already");
        }
        Page page = new Page(Objects.requireNonNull(contentType, "contentType"), Objects.requireNonNull(body, "body"));
        if (pages.putIfAbsent(path, page) != null) {
            throw new IllegalArgumentException(path + " is served already");
        }
    }

    /**
     * Binds the socket and starts serving.
     *
     * @throws IllegalStateException if started before or closed
     * @throws UncheckedIOException if the address cannot be bound (for example, the port is in use)
     */
    public synchronized void start() {
        if (!state.compareAndSet(State.NEW, State.STARTED)) {
            throw new IllegalStateException(logPrefix + " cannot start in state " + state.get());
        }
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("sluice-metrics-http-" + brokerId, true), NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loop)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 64)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (connections.incrementAndGet() > MAX_CONNECTIONS) {
                            connections.decrementAndGet();
                            log.warn(
                                    "{} Closing a connection from {}: {} connections are open already",
                                    logPrefix,
                                    ch.remoteAddress(),
                                    MAX_CONNECTIONS);
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> connections.decrementAndGet());
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                .addLast(new Handler());
                    }
                });
        ChannelFuture bind = bootstrap.bind(bindAddress).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            state.set(State.CLOSED);
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            Throwable cause = bind.cause();
            throw new UncheckedIOException(
                    logPrefix + " cannot bind " + bindAddress + ": " + cause.getMessage(),
                    cause instanceof IOException io ? io : new IOException(cause));
        }
        this.group = loop;
        this.channel = bind.channel();
        log.info(
                "{} serving /metrics and /health on {} (request timeout {})",
                logPrefix,
                bind.channel().localAddress(),
                requestTimeout);
    }

    /** The bound port, or -1 before {@link #start}. */
    public int port() {
        Channel bound = channel;
        return bound == null ? -1 : ((InetSocketAddress) bound.localAddress()).getPort();
    }

    /** Open HTTP connections. */
    int openConnections() {
        return connections.get();
    }

    @Override
    public synchronized void close() {
        State previous = state.getAndSet(State.CLOSED);
        if (previous != State.STARTED) {
            return;
        }
        Channel bound = channel;
        if (bound != null) {
            bound.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        EventLoopGroup loop = group;
        if (loop != null) {
            loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        log.info("{} stopped", logPrefix);
    }

    /**
     * One connection: closes it unless a whole request arrives within the request timeout of its opening or of its
     * previous request (the response to which must be taken within that time too); answers one request at a time (not
     * reading while its response is written).
     */
    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private ScheduledFuture<?> deadline;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            armDeadline(ctx);
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cancelDeadline();
            ctx.fireChannelInactive();
        }

        private void armDeadline(ChannelHandlerContext ctx) {
            cancelDeadline();
            try {
                deadline = ctx.executor()
                        .schedule(
                                () -> {
                                    log.debug(
                                            "{} Closing {}: no complete request within {}",
                                            logPrefix,
                                            ctx.channel().remoteAddress(),
                                            requestTimeout);
                                    ctx.close();
                                },
                                requestTimeout.toNanos(),
                                TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                ctx.close();
            }
        }

        private void cancelDeadline() {
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            cancelDeadline();
            ctx.channel().config().setAutoRead(false);
            boolean keepAlive =
                    HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
            FullHttpResponse response;
            try {
                response = answer(request);
            } catch (RuntimeException e) {
                log.warn("{} request {} failed", logPrefix, request.uri(), e);
                response = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "Internal error\n", false);
                keepAlive = false;
            }
            HttpUtil.setKeepAlive(response, keepAlive);
            ChannelFuture written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
                return;
            }
            armDeadline(ctx);
            written.addListener(f -> {
                if (f.isSuccess()) {
                    ctx.channel().config().setAutoRead(true);
                } else {
                    ctx.close();
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("{} Closing {}: {}", logPrefix, ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    private FullHttpResponse answer(FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            return text(HttpResponseStatus.BAD_REQUEST, "Bad request\n", false);
        }
        HttpMethod method = request.method();
        boolean head = HttpMethod.HEAD.equals(method);
        if (!head && !HttpMethod.GET.equals(method)) {
            FullHttpResponse response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method not allowed\n", false);
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            return response;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        return switch (path) {
            case "/metrics" -> respond(HttpResponseStatus.OK, PROMETHEUS_CONTENT_TYPE, registry.scrape(), head);
            case "/health" -> health(head);
            default -> {
                Page page = pages.get(path);
                yield page == null
                        ? text(HttpResponseStatus.NOT_FOUND, "Not found; try /metrics or /health\n", head)
                        : respond(
                                HttpResponseStatus.OK,
                                page.contentType(),
                                page.body().get(),
                                head);
            }
        };
    }

    private FullHttpResponse health(boolean head) {
        Map<String, Object> doc = new LinkedHashMap<>();
        Optional<String> problem = healthProblem.get();
        boolean up = problem.isEmpty();
        doc.put("status", up ? "UP" : "DOWN");
        doc.put("broker", brokerId);
        problem.ifPresent(reason -> doc.put("reason", reason));
        String body;
        try {
            body = JSON.writeValueAsString(doc) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the health document", e);
        }
        return respond(
                up ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, JSON_CONTENT_TYPE, body, head);
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body, boolean head) {
        return respond(status, "text/plain", body, head);
    }

    /** A response with {@code Content-Length} of the body; a HEAD response carries the length but not the body. */
    private static FullHttpResponse respond(HttpResponseStatus status, String contentType, String body, boolean head) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, status, head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return response;
    }
}
