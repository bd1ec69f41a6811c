package io.sluice.broker.network.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLParameters;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound connection from this broker to one other broker: one TCP connection at a time, opened lazily by
 * the first request, requests matched to responses by correlation id.
 *
 * <p><b>Connection states</b> (owned by the event loop):
 *
 * <pre>
 *  DISCONNECTED ─request─▶ CONNECTING ─tcp up─▶ NEGOTIATING ─ApiVersions ok─▶ READY
 *       ▲  └─backoff pending─▶ BACKOFF ─timer─▶ CONNECTING        │              │
 *       └────────────── connect failure / disconnect / timeout ◀───┴──────────────┘
 * </pre>
 *
 * After connecting, the client sends ApiVersions (stepping down to the version the peer names if it answers
 * UNSUPPORTED_VERSION) and caches the peer's ranges; requests are written only in READY. A request whose version
 * the connected peer does not support fails at once with {@link UnsupportedVersionException}. On a SASL connection
 * whose peer announces a session lifetime (KIP-368), the client re-authenticates at 85-95 % of it: READY ⇄
 * REAUTHENTICATING, requests queueing meanwhile.
 *
 * <p><b>Failures.</b> Futures fail with Kafka's exception types so that {@code Errors.forException} maps them:
 * {@link DisconnectException} when the connection closes under an in-flight request, when connecting or the
 * handshake fails (then the queued requests fail too) and on {@link #close()}; {@link TimeoutException} when a
 * request's own timeout passes; {@link RequestQueueFullException} beyond {@code maxQueuedRequests}. A request that
 * times out while in flight also closes the connection (as Kafka's NetworkClient does): its response may still
 * arrive, and dropping the connection keeps the strict in-order matching simple rather than skipping orphaned
 * responses; the other in-flight requests fail with {@link DisconnectException}, unsent queued ones stay queued and
 * go out on the next connection. Reconnects wait an exponential backoff ({@code reconnectBackoffMin} doubling to
 * {@code reconnectBackoffMax}, with jitter), reset by a successful handshake.
 *
 * <p><b>Response buffers.</b> Each response frame is copied once into a heap {@link ByteBuffer} and parsed from
 * it, so the {@code MemoryRecords} inside a {@code FetchResponseData} are slices the caller owns outright: no
 * reference counting, valid for as long as they are referenced.
 *
 * <p><b>Concurrency.</b> Public methods are thread-safe. All connection state (the channel, queue, in-flight
 * requests, correlation ids, backoff) is confined to one event loop chosen at construction; public methods hand
 * work to it. The lifecycle is an atomic enum ({@code OPEN → CLOSED}, once). The negotiated versions are
 * published through a volatile field, non-null only while READY. Futures are completed on the event loop:
 * dependent stages must not block (use the {@code *Async} variants for blocking work).
 */
public final class BrokerClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerClient.class);
    private static final String SOFTWARE_NAME = "sluice";
    private static final String SOFTWARE_VERSION = softwareVersion();

    enum Lifecycle {
        OPEN,
        CLOSED
    }

    enum ConnectionState {
        DISCONNECTED,
        BACKOFF,
        CONNECTING,
        NEGOTIATING,
        READY,
        /** Authenticated and re-authenticating (KIP-368): requests queue until the new session begins. */
        REAUTHENTICATING
    }

    private final BrokerAddress target;
    private final BrokerClientConfig config;
    private final ClientMetrics metrics;
    private final LongSupplier nanoClock;
    private final ReconnectBackoff backoff;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final ClientSecurity security;
    private final String logPrefix;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.OPEN);
    /** The current connection's peer versions; non-null only while READY. */
    private volatile PeerApiVersions peerVersions;

    // ---- confined to loop ----
    private ConnectionState state = ConnectionState.DISCONNECTED;
    private Channel channel;
    private final ArrayDeque<PendingRequest> queued = new ArrayDeque<>();
    private final ArrayDeque<PendingRequest> inFlight = new ArrayDeque<>();
    private final List<CompletableFuture<PeerApiVersions>> versionWaiters = new ArrayList<>();
    private int nextCorrelationId;
    private int consecutiveFailures;
    private long nextConnectAtNanos;
    private ScheduledFuture<?> backoffTask;
    /** When the current SASL session must be renewed ({@code Long.MAX_VALUE}: never). */
    private long reauthenticateAtNanos = Long.MAX_VALUE;

    private final Random jitter;

    /**
     * @param target the broker to talk to
     * @param loops shared event loops; this client pins itself to one of them
     * @param nanoClock monotonic nanosecond clock (latency, backoff deadlines)
     * @param random jitter source for the reconnect backoff
     */
    public BrokerClient(
            BrokerAddress target,
            BrokerClientConfig config,
            ClientEventLoops loops,
            ClientMetrics metrics,
            LongSupplier nanoClock,
            Random random) {
        this(target, config, loops, metrics, nanoClock, random, ClientSecurity.PLAINTEXT);
    }

    /** A client that secures its connections as {@code security} says. */
    public BrokerClient(
            BrokerAddress target,
            BrokerClientConfig config,
            ClientEventLoops loops,
            ClientMetrics metrics,
            LongSupplier nanoClock,
            Random random,
            ClientSecurity security) {
        this.security = Objects.requireNonNull(security, "security");
        this.target = Objects.requireNonNull(target, "target");
        this.config = Objects.requireNonNull(config, "config");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.backoff = new ReconnectBackoff(
                config.reconnectBackoffMin(), config.reconnectBackoffMax(), ReconnectBackoff.DEFAULT_JITTER, random);
        this.jitter = random;
        this.loop = loops.group().next();
        this.logPrefix =
                "[BrokerClient from=" + config.localNodeId() + " to=" + target.nodeId() + " " + target.hostPort() + "]";
        this.bootstrap = ResponseChannels.bootstrap(loop, loops, config, new ResponseChannels.Events() {
            @Override
            public void onFrame(Channel channel, ByteBuffer frame) {
                onResponse(channel, frame);
            }

            @Override
            public void onClosed(Channel channel, String reason, Throwable cause) {
                disconnect(channel, new DisconnectException(logPrefix + " " + reason, cause));
            }
        });
    }

    /** A client with the system nano clock and an unseeded jitter source. */
    public BrokerClient(
            BrokerAddress target, BrokerClientConfig config, ClientEventLoops loops, ClientMetrics metrics) {
        this(target, config, loops, metrics, System::nanoTime, new Random());
    }

    /** As the four-argument constructor, securing connections as {@code security} says. */
    public BrokerClient(
            BrokerAddress target,
            BrokerClientConfig config,
            ClientEventLoops loops,
            ClientMetrics metrics,
            ClientSecurity security) {
        this(target, config, loops, metrics, System::nanoTime, new Random(), security);
    }

    /** The broker this client talks to. */
    public BrokerAddress target() {
        return target;
    }

    /** True once {@link #close()} has been called. */
    public boolean isClosed() {
        return lifecycle.get() == Lifecycle.CLOSED;
    }

    /** True while a connection is up and its versions negotiated. */
    public boolean isReady() {
        return peerVersions != null;
    }

    /**
     * Sends {@code request} at exactly {@code version}. Connects first if needed.
     *
     * @return the response data (for example {@code FetchResponseData}), or a failed future as described in the
     *     class comment
     * @throws IllegalArgumentException if {@code request} is not an {@code api} message, the version is outside
     *     what this codec can encode, or the timeout is not positive
     */
    public CompletableFuture<ApiMessage> send(ApiKeys api, short version, ApiMessage request, Duration timeout) {
        return submit(api, version, version, request, timeout);
    }

    /** {@link #send(ApiKeys, short, ApiMessage, Duration)} with the response cast to {@code responseType}. */
    public <R extends ApiMessage> CompletableFuture<R> send(
            ApiKeys api, short version, ApiMessage request, Duration timeout, Class<R> responseType) {
        return submit(api, version, version, request, timeout).thenApply(responseType::cast);
    }

    /**
     * Sends {@code request} at the highest version in {@code [minVersion, maxVersion]} that the peer supports,
     * chosen when the request is written (after the handshake of the connection that carries it).
     */
    public CompletableFuture<ApiMessage> sendLatest(
            ApiKeys api, short minVersion, short maxVersion, ApiMessage request, Duration timeout) {
        return submit(api, minVersion, maxVersion, request, timeout);
    }

    /**
     * The highest version of {@code api} up to {@code ourMax} that the connected peer supports.
     *
     * @throws UnsupportedVersionException if there is none
     * @throws DisconnectException if no connection is negotiated at the moment (see {@link #negotiatedVersions()})
     */
    public short latestUsableVersion(ApiKeys api, short ourMax) {
        PeerApiVersions versions = peerVersions;
        if (versions == null) {
            throw new DisconnectException(logPrefix + " not connected: peer versions unknown");
        }
        return versions.latestUsableVersion(api, api.oldestVersion(), ourMax);
    }

    /** The connected peer's versions, connecting and negotiating first if needed. */
    public CompletableFuture<PeerApiVersions> negotiatedVersions() {
        PeerApiVersions versions = peerVersions;
        if (versions != null) {
            return CompletableFuture.completedFuture(versions);
        }
        CompletableFuture<PeerApiVersions> future = new CompletableFuture<>();
        if (isClosed()) {
            future.completeExceptionally(closedException());
            return future;
        }
        if (!runOnLoop(() -> {
            if (isClosed()) {
                future.completeExceptionally(closedException());
            } else if (state == ConnectionState.READY) {
                future.complete(peerVersions);
            } else {
                versionWaiters.add(future);
                ensureConnecting();
            }
        })) {
            future.completeExceptionally(closedException());
        }
        return future;
    }

    /**
     * Closes the connection and fails every queued and in-flight request with {@link DisconnectException}. Waits
     * (up to 5 s) until that is done unless called on the client's own event loop. Idempotent.
     */
    @Override
    public void close() {
        if (!lifecycle.compareAndSet(Lifecycle.OPEN, Lifecycle.CLOSED)) {
            return;
        }
        if (loop.inEventLoop()) {
            shutdown();
            return;
        }
        try {
            loop.submit(this::shutdown).awaitUninterruptibly(5, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("{} event loop already stopped while closing", logPrefix);
        }
    }

    @Override
    public String toString() {
        return logPrefix;
    }

    // ------------------------------------------------------------------ caller side

    private CompletableFuture<ApiMessage> submit(
            ApiKeys api, short minVersion, short maxVersion, ApiMessage request, Duration timeout) {
        PendingRequest request0 = PendingRequest.validated(api, minVersion, maxVersion, request, timeout);
        if (isClosed()) {
            fail(request0, closedException());
            return request0.future;
        }
        PeerApiVersions versions = peerVersions;
        if (versions != null) {
            try {
                versions.latestUsableVersion(api, minVersion, maxVersion);
            } catch (UnsupportedVersionException e) {
                fail(request0, new UnsupportedVersionException(logPrefix + " " + e.getMessage()));
                return request0.future;
            }
        }
        if (!runOnLoop(() -> enqueue(request0))) {
            fail(request0, closedException());
        }
        return request0.future;
    }

    private boolean runOnLoop(Runnable task) {
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ event loop side

    private void enqueue(PendingRequest request) {
        if (isClosed()) {
            fail(request, closedException());
            return;
        }
        if (queued.size() >= config.maxQueuedRequests()) {
            fail(
                    request,
                    new RequestQueueFullException(
                            logPrefix + " " + queued.size() + " requests already wait for a connection slot"));
            return;
        }
        request.timeoutTask = loop.schedule(() -> onTimeout(request), request.timeout.toNanos(), TimeUnit.NANOSECONDS);
        queued.add(request);
        ensureConnecting();
        drain();
    }

    private void ensureConnecting() {
        if (state != ConnectionState.DISCONNECTED || isClosed()) {
            return;
        }
        long wait = nextConnectAtNanos - nanoClock.getAsLong();
        if (wait > 0) {
            state = ConnectionState.BACKOFF;
            log.debug("{} reconnecting in {} ms", logPrefix, TimeUnit.NANOSECONDS.toMillis(wait));
            backoffTask = loop.schedule(this::connect, wait, TimeUnit.NANOSECONDS);
        } else {
            connect();
        }
    }

    private void connect() {
        backoffTask = null;
        if (isClosed()) {
            return;
        }
        if (queued.isEmpty() && versionWaiters.isEmpty()) {
            state = ConnectionState.DISCONNECTED; // nothing wants the connection any more
            return;
        }
        state = ConnectionState.CONNECTING;
        log.debug("{} connecting", logPrefix);
        ChannelFuture connectFuture = bootstrap.connect(target.host(), target.port());
        Channel ch = connectFuture.channel();
        channel = ch;
        security.tls().ifPresent(tls -> {
            SslHandler handler = tls.newHandler(ch.alloc(), target.host(), target.port());
            if (security.verifyHostname()) {
                SSLParameters parameters = handler.engine().getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                handler.engine().setSSLParameters(parameters);
            }
            ch.pipeline().addFirst("tls", handler);
        });
        connectFuture.addListener(f -> {
            if (ch != channel) {
                ch.close();
            } else if (f.isSuccess()) {
                state = ConnectionState.NEGOTIATING;
                sendApiVersions(ch, ApiKeys.API_VERSIONS.latestVersion());
            } else {
                disconnect(ch, new DisconnectException(logPrefix + " connect failed: " + f.cause(), f.cause()));
            }
        });
    }

    private void sendApiVersions(Channel ch, short version) {
        ApiVersionsRequestData data = new ApiVersionsRequestData()
                .setClientSoftwareName(SOFTWARE_NAME)
                .setClientSoftwareVersion(SOFTWARE_VERSION);
        PendingRequest handshake =
                new PendingRequest(ApiKeys.API_VERSIONS, version, version, data, config.handshakeTimeout(), true);
        handshake.timeoutTask = loop.schedule(
                () -> onTimeout(handshake), config.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        handshake.future.whenComplete((response, error) -> {
            if (error == null) {
                onApiVersions(ch, (ApiVersionsResponseData) response, version);
            }
        });
        if (write(handshake, version)) {
            ch.flush();
        }
    }

    private void onApiVersions(Channel ch, ApiVersionsResponseData response, short sentVersion) {
        if (ch != channel) {
            return;
        }
        Errors error = Errors.forCode(response.errorCode());
        if (error == Errors.UNSUPPORTED_VERSION && sentVersion > 0) {
            ApiVersionsResponseData.ApiVersion theirs = response.apiKeys().find(ApiKeys.API_VERSIONS.id);
            short retry = theirs == null ? 0 : (short) Math.max(0, Math.min(theirs.maxVersion(), sentVersion - 1));
            log.debug("{} peer rejected ApiVersions v{}, retrying with v{}", logPrefix, sentVersion, retry);
            sendApiVersions(ch, retry);
            return;
        }
        if (error != Errors.NONE) {
            disconnect(ch, new DisconnectException(logPrefix + " ApiVersions failed: " + error));
            return;
        }
        PeerApiVersions versions = PeerApiVersions.from(response);
        if (security.saslMechanism().isPresent()) {
            sendSaslHandshake(ch, versions, false);
            return;
        }
        ready(versions, false);
    }

    /**
     * SaslHandshake v1 naming the mechanism, then SaslAuthenticate rounds until the mechanism completes; on a connection
     * already authenticated ({@code reauthenticating}) the same exchange renews the session.
     */
    private void sendSaslHandshake(Channel ch, PeerApiVersions versions, boolean reauthenticating) {
        String mechanism = security.saslMechanism().orElseThrow();
        PendingRequest handshake = new PendingRequest(
                ApiKeys.SASL_HANDSHAKE,
                (short) 1,
                (short) 1,
                new SaslHandshakeRequestData().setMechanism(mechanism),
                config.handshakeTimeout(),
                true);
        sendNegotiation(ch, handshake, response -> {
            Errors error = Errors.forCode(((SaslHandshakeResponseData) response).errorCode());
            if (error != Errors.NONE) {
                disconnect(
                        ch,
                        new DisconnectException(logPrefix + " SaslHandshake for " + mechanism + " failed: " + error
                                + "; peer offers " + ((SaslHandshakeResponseData) response).mechanisms()));
                return;
            }
            ClientSecurity.SaslClientMechanism client = security.sasl().get();
            sendSaslAuthenticate(ch, versions, client, client.initialResponse(), reauthenticating);
        });
    }

    private void sendSaslAuthenticate(
            Channel ch,
            PeerApiVersions versions,
            ClientSecurity.SaslClientMechanism client,
            byte[] token,
            boolean reauthenticating) {
        PendingRequest authenticate = new PendingRequest(
                ApiKeys.SASL_AUTHENTICATE,
                (short) 1,
                (short) 1,
                new SaslAuthenticateRequestData().setAuthBytes(token),
                config.handshakeTimeout(),
                true);
        sendNegotiation(ch, authenticate, response -> {
            SaslAuthenticateResponseData data = (SaslAuthenticateResponseData) response;
            if (data.errorCode() != Errors.NONE.code()) {
                disconnect(
                        ch,
                        new DisconnectException(
                                logPrefix + " SASL " + security.saslMechanism().orElseThrow()
                                        + " authentication failed: " + Errors.forCode(data.errorCode()) + " "
                                        + data.errorMessage()));
                return;
            }
            byte[] next;
            try {
                next = client.evaluate(data.authBytes());
            } catch (RuntimeException e) {
                disconnect(ch, new DisconnectException(logPrefix + " SASL authentication failed: " + e, e));
                return;
            }
            if (next == null) {
                log.debug(
                        "{} {} with SASL {}; session lifetime {} ms",
                        logPrefix,
                        reauthenticating ? "re-authenticated" : "authenticated",
                        security.saslMechanism().orElseThrow(),
                        data.sessionLifetimeMs());
                scheduleReauthentication(data.sessionLifetimeMs());
                ready(versions, reauthenticating);
            } else {
                sendSaslAuthenticate(ch, versions, client, next, reauthenticating);
            }
        });
    }

    private void sendNegotiation(Channel ch, PendingRequest request, java.util.function.Consumer<ApiMessage> next) {
        request.timeoutTask = loop.schedule(
                () -> onTimeout(request), config.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        request.future.whenComplete((response, error) -> {
            if (error == null && ch == channel) {
                next.accept(response);
            }
        });
        if (write(request, request.maxVersion)) {
            ch.flush();
        }
    }

    /**
     * Notes when a session that ends (KIP-368: the peer announced a lifetime) must be renewed: at 85-95 % of its
     * lifetime, as Kafka's clients do. Like theirs, the renewal starts when a request is about to be written after
     * that point (an idle connection renews on its next request; the peer accepts a re-authentication even after the
     * session ended), so no request leaves late for a session that is about to end.
     */
    private void scheduleReauthentication(long lifetimeMs) {
        reauthenticateAtNanos = lifetimeMs <= 0
                ? Long.MAX_VALUE
                : nanoClock.getAsLong()
                        + TimeUnit.MILLISECONDS.toNanos((long) (lifetimeMs * (0.85 + 0.1 * jitter.nextDouble())));
    }

    /** Starts re-authenticating if the session is due for it; requests queue until it is done. */
    private boolean reauthenticateIfDue(Channel ch) {
        if (reauthenticateAtNanos == Long.MAX_VALUE || nanoClock.getAsLong() - reauthenticateAtNanos < 0) {
            return false;
        }
        reauthenticateAtNanos = Long.MAX_VALUE;
        state = ConnectionState.REAUTHENTICATING;
        sendSaslHandshake(ch, peerVersions, true);
        return true;
    }

    private void ready(PeerApiVersions versions, boolean reauthenticated) {
        Channel ch = channel;
        peerVersions = versions;
        state = ConnectionState.READY;
        if (reauthenticated) {
            for (CompletableFuture<PeerApiVersions> waiter : drainWaiters()) {
                waiter.complete(versions);
            }
            drain();
            return;
        }
        consecutiveFailures = 0;
        log.info(
                "{} connected; peer offers {} APIs",
                logPrefix,
                versions.ranges().size());
        for (CompletableFuture<PeerApiVersions> waiter : drainWaiters()) {
            waiter.complete(versions);
        }
        drain();
    }

    /** Moves queued requests into free in-flight slots, in order. */
    private void drain() {
        if (state != ConnectionState.READY) {
            return;
        }
        Channel ch = channel;
        if (!queued.isEmpty() && reauthenticateIfDue(ch)) {
            return;
        }
        boolean wrote = false;
        while (!queued.isEmpty() && inFlight.size() < config.maxInFlightRequests() && ch == channel) {
            PendingRequest request = queued.poll();
            if (request.future.isDone()) { // cancelled by the caller
                request.finish();
                continue;
            }
            short version;
            try {
                version = peerVersions.latestUsableVersion(request.api, request.minVersion, request.maxVersion);
            } catch (UnsupportedVersionException e) {
                fail(request, new UnsupportedVersionException(logPrefix + " " + e.getMessage()));
                continue;
            }
            wrote |= write(request, version);
        }
        if (wrote && ch == channel) {
            ch.flush();
        }
    }

    /** Encodes and writes (without flushing) one request; false if encoding failed the request. */
    private boolean write(PendingRequest request, short version) {
        int correlationId = nextCorrelationId;
        ByteBuf frame;
        try {
            frame = WireCodec.encodeRequest(request.api, version, config.clientId(), correlationId, request.body);
        } catch (RuntimeException e) {
            log.warn("{} cannot encode {} v{}: {}", logPrefix, request.api, version, e.toString());
            fail(request, e);
            return false;
        }
        nextCorrelationId = correlationId == Integer.MAX_VALUE ? 0 : correlationId + 1;
        request.stage = PendingRequest.Stage.IN_FLIGHT;
        request.correlationId = correlationId;
        request.version = version;
        request.sentAtNanos = nanoClock.getAsLong();
        inFlight.add(request);
        metrics.requestSent(request.api, target.nodeId());
        Channel ch = channel;
        ch.write(frame).addListener(f -> {
            if (!f.isSuccess()) {
                disconnect(ch, new DisconnectException(logPrefix + " write failed: " + f.cause(), f.cause()));
            }
        });
        return true;
    }

    private void onResponse(Channel ch, ByteBuffer frame) {
        if (ch != channel) {
            return;
        }
        PendingRequest request = inFlight.peek();
        int correlationId;
        try {
            correlationId = WireCodec.correlationId(frame);
        } catch (IllegalArgumentException e) {
            protocolError(ch, e.getMessage());
            return;
        }
        if (request == null) {
            protocolError(ch, "response with correlation id " + correlationId + " while nothing is in flight");
            return;
        }
        if (request.correlationId != correlationId) {
            protocolError(
                    ch,
                    "expected response to correlation id " + request.correlationId + " (" + request.describe()
                            + ") but got " + correlationId);
            return;
        }
        inFlight.poll();
        ApiMessage response;
        try {
            response = WireCodec.decodeResponse(frame, request.api, request.version);
        } catch (RuntimeException e) {
            DisconnectException error =
                    new DisconnectException(logPrefix + " malformed response to " + request.describe(), e);
            fail(request, error);
            disconnect(ch, error);
            return;
        }
        if (request.finish()) {
            metrics.requestCompleted(request.api, target.nodeId(), nanoClock.getAsLong() - request.sentAtNanos);
            request.future.complete(response);
        }
        drain();
    }

    private void protocolError(Channel ch, String reason) {
        log.warn("{} protocol error, closing connection: {}", logPrefix, reason);
        disconnect(ch, new DisconnectException(logPrefix + " protocol error: " + reason));
    }

    private void onTimeout(PendingRequest request) {
        if (request.stage == PendingRequest.Stage.DONE) {
            return;
        }
        request.timeoutTask = null;
        boolean wasInFlight = request.stage == PendingRequest.Stage.IN_FLIGHT;
        String where = wasInFlight ? "response" : "connection";
        fail(
                request,
                new TimeoutException(logPrefix + " " + request.describe() + " got no " + where + " within "
                        + request.timeout.toMillis() + " ms"));
        if (wasInFlight) {
            disconnect(
                    channel,
                    new DisconnectException(
                            logPrefix + " connection closed after " + request.describe() + " timed out"));
        } else {
            queued.remove(request);
        }
    }

    /**
     * Drops the connection {@code ch} if it is still the current one. In-flight requests fail with {@code cause};
     * if the connection never became READY the queued requests fail too, otherwise they trigger a reconnect.
     */
    private void disconnect(Channel ch, DisconnectException cause) {
        if (ch == null || ch != channel) {
            return;
        }
        boolean wasReady = state == ConnectionState.READY || state == ConnectionState.REAUTHENTICATING;
        reauthenticateAtNanos = Long.MAX_VALUE;
        channel = null;
        peerVersions = null;
        state = ConnectionState.DISCONNECTED;
        ch.close();
        consecutiveFailures++;
        nextConnectAtNanos = nanoClock.getAsLong() + backoff.delayNanos(consecutiveFailures);
        if (wasReady) {
            log.info("{} disconnected: {}", logPrefix, reason(cause));
        } else {
            log.warn("{} {} (attempt {})", logPrefix, reason(cause), consecutiveFailures);
        }
        failAll(inFlight, cause);
        if (!wasReady) {
            failAll(queued, cause);
            for (CompletableFuture<PeerApiVersions> waiter : drainWaiters()) {
                waiter.completeExceptionally(cause);
            }
        } else if (!queued.isEmpty()) {
            ensureConnecting();
        }
    }

    private void shutdown() {
        if (backoffTask != null) {
            backoffTask.cancel(false);
            backoffTask = null;
        }
        DisconnectException cause = closedException();
        Channel ch = channel;
        channel = null;
        peerVersions = null;
        state = ConnectionState.DISCONNECTED;
        if (ch != null) {
            ch.close();
        }
        failAll(inFlight, cause);
        failAll(queued, cause);
        for (CompletableFuture<PeerApiVersions> waiter : drainWaiters()) {
            waiter.completeExceptionally(cause);
        }
        log.info("{} closed", logPrefix);
    }

    private List<CompletableFuture<PeerApiVersions>> drainWaiters() {
        List<CompletableFuture<PeerApiVersions>> waiters = new ArrayList<>(versionWaiters);
        versionWaiters.clear();
        return waiters;
    }

    private void failAll(ArrayDeque<PendingRequest> requests, RuntimeException cause) {
        PendingRequest request;
        while ((request = requests.poll()) != null) {
            fail(request, cause);
        }
    }

    private void fail(PendingRequest request, RuntimeException cause) {
        if (request.finish()) {
            metrics.requestFailed(request.api, target.nodeId(), cause);
            request.future.completeExceptionally(cause);
        }
    }

    /** The exception's message without this client's log prefix. */
    private String reason(RuntimeException cause) {
        String message = String.valueOf(cause.getMessage());
        return message.startsWith(logPrefix)
                ? message.substring(logPrefix.length()).strip()
                : message;
    }

    private DisconnectException closedException() {
        return new DisconnectException(logPrefix + " client closed");
    }

    private static String softwareVersion() {
        String version = BrokerClient.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
