package io.sluice.broker.network;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ServerChannel;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.broker.api.ApiHandlerRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka-protocol server: one Netty server socket per listener, sharing an acceptor thread, {@code
 * num.network.threads} event loops and a request handler pool of {@code num.io.threads} threads. Uses the native
 * epoll transport when available (file regions then go out with {@code sendfile}), NIO otherwise.
 *
 * <pre>
 *   NEW ──start()──► RUNNING ──close()──► CLOSING ──► CLOSED
 *    └────────────────────close()─────────────────────┘
 * </pre>
 *
 * <p>Per connection: {@code connections.max.idle.ms}, the in-flight limit (muting) and the cancellation of delayed
 * requests on close are described on {@link RequestChannelHandler}; {@code max.connections} and {@code
 * max.connections.per.ip} are applied at accept time by {@link ConnectionQuotas}.
 *
 * <p>Shutdown order: stop accepting; stop reading every connection; wait (up to the drain timeout) for responses to
 * requests already read; flush and close connections; stop the handler pool; stop the event loops.
 *
 * <p>Concurrency: {@link #start()} and {@link #close()} are guarded by a compare-and-set on the state; {@code close()}
 * is safe to call twice and from several threads (later callers wait for the first). Bound ports are published
 * before {@code start()} returns.
 */
public final class NetworkServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NetworkServer.class);

    /** Lifecycle states. */
    public enum State {
        NEW,
        RUNNING,
        CLOSING,
        CLOSED
    }

    private final NetworkConfig config;
    private final ApiHandlerRegistry registry;
    private final NetworkMetrics metrics;
    private final Clock clock;
    private final Duration drainTimeout;
    private final String logPrefix;
    private final Map<String, ConnectionSecurity> security;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final CountDownLatch closed = new CountDownLatch(1);
    private final InFlightRequests inFlight = new InFlightRequests();
    private final Set<RequestChannelHandler> connections = ConcurrentHashMap.newKeySet();
    private final Set<Channel> connectionChannels = ConcurrentHashMap.newKeySet();
    private final AtomicLong connectionIds = new AtomicLong();
    private final Map<String, Endpoint> bound = new LinkedHashMap<>();
    private final List<Channel> serverChannels = new ArrayList<>();
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private RequestDispatcher dispatcher;
    private ConnectionQuotas quotas;
    private volatile ConnectionPrincipals principals = ConnectionPrincipals.anonymous();

    /**
     * @param brokerId used in log lines and thread names
     * @param drainTimeout how long {@link #close()} waits for in-flight responses
     */
    public NetworkServer(
            int brokerId,
            NetworkConfig config,
            ApiHandlerRegistry registry,
            MeterRegistry meterRegistry,
            Clock clock,
            Duration drainTimeout) {
        this(brokerId, config, registry, meterRegistry, clock, drainTimeout, Map.of());
    }

    /**
     * @param security per listener name (upper case): what its security protocol adds to each connection; a listener
     *     not named is PLAINTEXT
     */
    public NetworkServer(
            int brokerId,
            NetworkConfig config,
            ApiHandlerRegistry registry,
            MeterRegistry meterRegistry,
            Clock clock,
            Duration drainTimeout,
            Map<String, ConnectionSecurity> security) {
        this.security = Map.copyOf(security);
        this.config = Objects.requireNonNull(config, "config");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.metrics = new NetworkMetrics(meterRegistry);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.drainTimeout = Objects.requireNonNull(drainTimeout, "drainTimeout");
        this.logPrefix = "[NetworkServer broker=" + brokerId + "]";
    }

    public NetworkServer(
            int brokerId, NetworkConfig config, ApiHandlerRegistry registry, MeterRegistry meterRegistry, Clock clock) {
        this(brokerId, config, registry, meterRegistry, clock, Duration.ofSeconds(10));
    }

    /**
     * Names connections' principals through {@code principals} ({@code principal.builder.class}) instead of
     * {@code User:ANONYMOUS}; call before {@link #start()}.
     */
    public NetworkServer principals(ConnectionPrincipals principals) {
        this.principals = Objects.requireNonNull(principals, "principals");
        return this;
    }

    /**
     * Binds every listener and starts serving.
     *
     * @throws IllegalStateException if already started or closed
     * @throws NetworkException if a listener cannot be bound; everything started is stopped again
     */
    public void start() {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException("NetworkServer cannot start from state " + state.get());
        }
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory ioHandlers = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelClass =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sluice-acceptor", true), ioHandlers);
        EventLoopBusyTime networkBusy = new EventLoopBusyTime();
        workerGroup = new MultiThreadIoEventLoopGroup(
                config.numNetworkThreads(),
                networkBusy.recording(new DefaultThreadFactory("sluice-network", true)),
                ioHandlers);
        metrics.networkThreads(config.numNetworkThreads(), networkBusy);
        dispatcher = new RequestDispatcher(
                config.numIoThreads(),
                config.queuedMaxRequests(),
                new DefaultThreadFactory("sluice-request-handler", true),
                metrics);
        RequestParser parser = new RequestParser(registry);
        quotas = new ConnectionQuotas(config.limits(), metrics, logPrefix);
        try {
            for (Endpoint listener : config.listeners()) {
                bind(listener, channelClass, parser);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info(
                "{} Serving {} on {} ({} transport, security {})",
                logPrefix,
                registry,
                bound.values(),
                epoll ? "epoll" : "nio",
                security);
    }

    private void bind(Endpoint listener, Class<? extends ServerChannel> channelClass, RequestParser parser) {
        ConnectionLimits limits = config.limits();
        ConnectionSecurity listenerSecurity =
                security.getOrDefault(listener.listenerName(), ConnectionSecurity.PLAINTEXT);
        RequestChannelHandler.Shared shared = new RequestChannelHandler.Shared(
                logPrefix,
                listener.listenerName(),
                registry,
                parser,
                dispatcher,
                metrics,
                inFlight,
                clock,
                listenerSecurity.zeroCopy(),
                limits.maxInFlightPerConnection(),
                principals);
        // Netty 4.2 deprecates the option for its IoHandle read-handle API; the allocator still takes effect there.
        @SuppressWarnings("deprecation")
        ChannelOption<RecvByteBufAllocator> acceptAllocator = ChannelOption.RCVBUF_ALLOCATOR;
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, 128)
                .option(ChannelOption.SO_REUSEADDR, true)
                // One accept per read, so that max.connections stops the acceptor exactly at the limit.
                .option(acceptAllocator, new ServerChannelRecvByteBufAllocator().maxMessagesPerRead(1))
                .handler(quotas.gate(listener.listenerName()))
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        String id = listener.listenerName() + "-" + connectionIds.incrementAndGet();
                        RequestChannelHandler handler = new RequestChannelHandler(shared, id);
                        connections.add(handler);
                        connectionChannels.add(ch);
                        ch.closeFuture().addListener(f -> {
                            connections.remove(handler);
                            connectionChannels.remove(ch);
                        });
                        listenerSecurity.addTransportHandlers(ch, id);
                        ch.pipeline()
                                .addLast(
                                        "frames",
                                        new RequestFrameDecoder(config.socketRequestMaxBytes(), logPrefix, metrics));
                        if (limits.idleTimeoutEnabled()) {
                            // After the decoder: only whole requests (and responses) count as activity.
                            ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, limits.idleMs(), MILLISECONDS));
                        }
                        listenerSecurity.addAuthenticationHandlers(ch, id);
                        ch.pipeline().addLast("requests", handler);
                    }
                });
        InetSocketAddress address = listener.host().isEmpty()
                ? new InetSocketAddress(listener.port())
                : new InetSocketAddress(listener.host(), listener.port());
        ChannelFuture bind = bootstrap.bind(address).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            throw new NetworkException(
                    "Cannot bind listener " + listener + ": " + bind.cause().getMessage(), bind.cause());
        }
        Channel channel = bind.channel();
        serverChannels.add(channel);
        int port = ((InetSocketAddress) channel.localAddress()).getPort();
        synchronized (bound) {
            bound.put(listener.listenerName(), listener.withPort(port));
        }
    }

    public State state() {
        return state.get();
    }

    /** The port a listener is bound to (resolves port 0). */
    public int boundPort(String listenerName) {
        synchronized (bound) {
            Endpoint endpoint = bound.get(listenerName.toUpperCase(java.util.Locale.ROOT));
            if (endpoint == null) {
                throw new IllegalArgumentException(
                        "No bound listener named " + listenerName + "; have " + bound.keySet());
            }
            return endpoint.port();
        }
    }

    /** The listeners as bound, with real ports. */
    public List<Endpoint> boundEndpoints() {
        synchronized (bound) {
            return List.copyOf(bound.values());
        }
    }

    /**
     * What clients are told to connect to: {@code advertised.listeners} with port 0 replaced by the bound port, or the
     * bound listeners when none are configured.
     */
    public List<Endpoint> advertisedEndpoints() {
        if (config.advertisedListeners().isEmpty()) {
            return boundEndpoints();
        }
        List<Endpoint> advertised = new ArrayList<>();
        for (Endpoint endpoint : config.advertisedListeners()) {
            advertised.add(endpoint.port() == 0 ? endpoint.withPort(boundPort(endpoint.listenerName())) : endpoint);
        }
        return List.copyOf(advertised);
    }

    /** Open client connections. */
    public int connectionCount() {
        return connections.size();
    }

    /** Connections counted by {@code max.connections} and {@code max.connections.per.ip}. */
    int quotaConnections() {
        return quotas == null ? 0 : quotas.open();
    }

    /** Requests read and not yet answered. */
    public int inFlightRequests() {
        return inFlight.count();
    }

    /** Stops the server, draining in-flight responses for up to the configured drain timeout; safe twice. */
    @Override
    public void close() {
        close(drainTimeout);
    }

    /**
     * Stops the server, waiting up to {@code drain} for in-flight responses ({@link Duration#ZERO}: drop them at
     * once, as a crash would); safe to call more than once.
     */
    public void close(Duration drain) {
        Objects.requireNonNull(drain, "drain");
        if (!state.compareAndSet(State.RUNNING, State.CLOSING)) {
            if (state.compareAndSet(State.NEW, State.CLOSED)) {
                closed.countDown();
                return;
            }
            awaitClosed();
            return;
        }
        try {
            shutdown(drain);
        } finally {
            state.set(State.CLOSED);
            closed.countDown();
        }
    }

    private void shutdown(Duration drain) {
        log.info(
                "{} Shutting down; {} connections, {} requests in flight",
                logPrefix,
                connections.size(),
                inFlight.count());
        for (Channel channel : serverChannels) {
            channel.close().awaitUninterruptibly(drain.toMillis());
        }
        connections.forEach(RequestChannelHandler::stopReading);
        try {
            if (!inFlight.awaitNone(drain)) {
                log.warn(
                        "{} {} requests still in flight after {}; closing their connections",
                        logPrefix,
                        inFlight.count(),
                        drain);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Channel channel : connectionChannels) {
            channel.eventLoop()
                    .execute(() ->
                            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE));
        }
        for (Channel channel : connectionChannels) {
            if (!channel.closeFuture().awaitUninterruptibly(drain.toMillis())) {
                channel.close();
            }
        }
        if (dispatcher != null) {
            dispatcher.close(drain);
        }
        shutdownGroup(bossGroup, drain);
        shutdownGroup(workerGroup, drain);
        log.info("{} Shut down", logPrefix);
    }

    private void shutdownGroup(EventLoopGroup group, Duration drain) {
        if (group != null) {
            group.shutdownGracefully(0, drain.toMillis(), TimeUnit.MILLISECONDS)
                    .awaitUninterruptibly(drain.toMillis() + 1000);
        }
    }

    private void awaitClosed() {
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
