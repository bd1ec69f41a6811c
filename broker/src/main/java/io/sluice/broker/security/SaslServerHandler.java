package io.sluice.broker.security;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.sluice.broker.network.AnsweredRequest;
import io.sluice.broker.network.ConnectionAuthenticated;
import io.sluice.broker.network.ResponseWriter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates one SASL connection before any other request reaches the request handler. Sits between the frame
 * decoder and the request handler and sees whole request frames.
 *
 * <pre>
 *   HANDSHAKE ──SaslHandshake v1──► AUTHENTICATE ──SaslAuthenticate…──► AUTHENTICATED (frames pass through)
 *       │                                  │
 *       └──SaslHandshake v0──► RAW_TOKENS ─┴── bad credentials / bad request ──► FAILED (closed after the delay)
 * </pre>
 *
 * <p>Before authentication only ApiVersions (passed on to the request handler, which answers it), SaslHandshake and
 * SaslAuthenticate are accepted; any other request closes the connection.
 *
 * <p><b>Session lifetime (KIP-368).</b> With {@code connections.max.reauth.ms} above 0 for the mechanism, a successful
 * SaslAuthenticate tells the client the session's lifetime and the session ends that long after authentication. A
 * client re-authenticates on the same connection with SaslHandshake v1 and SaslAuthenticate, at most once a second;
 * those answers are handed to the request handler as {@link AnsweredRequest}s so that they leave after the answers to
 * earlier requests. The mechanism and the principal may not change (the connection is closed after
 * {@code connection.failed.authentication.delay.ms}). A request other than the re-authentication handshake arriving
 * after the session ended closes the connection, as Kafka does, so clients that cannot re-authenticate reconnect. After SaslHandshake v0 the client sends raw
 * SASL tokens, each framed by a 4-byte size, and gets raw tokens back. A failed authentication is answered with
 * {@code SASL_AUTHENTICATION_FAILED} (v1 and later) and the connection is closed after
 * {@code connection.failed.authentication.delay.ms}. Frames larger than {@code sasl.server.max.receive.size} before
 * authentication close the connection.
 *
 * <p>Concurrency: owned by the channel's event loop; credential lookups complete on another thread and are moved back
 * to it. Reading is paused while a token is evaluated.
 */
final class SaslServerHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(SaslServerHandler.class);

    private enum State {
        HANDSHAKE,
        AUTHENTICATE,
        RAW_TOKENS,
        AUTHENTICATED,
        REAUTHENTICATE,
        FAILED
    }

    /** The shortest time between two re-authentications of one connection, as in Kafka. */
    static final long MIN_REAUTHENTICATION_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String logPrefix;
    private final String connectionId;
    private final SaslMechanisms mechanisms;
    private final Duration failedAuthenticationDelay;
    private final int maxReceiveSize;
    private final Reauthentication reauthentication;
    private State state = State.HANDSHAKE;
    private SaslMechanismServer server;
    private String mechanism;
    /** Who the connection authenticated as (set once authenticated). */
    private KafkaPrincipal principal;
    /** Whether the session has an end ({@code connections.max.reauth.ms} above 0 for the mechanism). */
    private boolean sessionExpires;
    /** When the session ends, on {@link Reauthentication#nanoClock()}; meaningful while {@link #sessionExpires}. */
    private long sessionExpiryNanos;
    /** When the last re-authentication began; meaningful once one has begun. */
    private long lastReauthenticationNanos;

    private boolean reauthenticatedBefore;

    /**
     * What re-authentication needs.
     *
     * @param listener the listener's name, for metrics
     * @param sessionLifetimeMs the session lifetime per mechanism ({@code connections.max.reauth.ms}), 0 for none
     * @param nanoClock monotonic time in nanoseconds
     * @param metrics where re-authentications and expired connections are counted
     */
    record Reauthentication(
            String listener, ToLongFunction<String> sessionLifetimeMs, LongSupplier nanoClock, SaslMetrics metrics) {
        static Reauthentication disabled() {
            return new Reauthentication("", mechanism -> 0L, System::nanoTime, SaslMetrics.discarding());
        }
    }

    SaslServerHandler(
            String logPrefix,
            String connectionId,
            SaslMechanisms mechanisms,
            Duration failedAuthenticationDelay,
            int maxReceiveSize,
            Reauthentication reauthentication) {
        this.logPrefix = logPrefix;
        this.connectionId = connectionId;
        this.mechanisms = mechanisms;
        this.failedAuthenticationDelay = failedAuthenticationDelay;
        this.maxReceiveSize = maxReceiveSize;
        this.reauthentication = reauthentication;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.AUTHENTICATED) {
            authenticatedRead(ctx, (ByteBuffer) msg);
            return;
        }
        if (state == State.REAUTHENTICATE) {
            reauthenticationRead(ctx, (ByteBuffer) msg);
            return;
        }
        if (state == State.FAILED) {
            return;
        }
        ByteBuffer frame = (ByteBuffer) msg;
        if (frame.remaining() > maxReceiveSize) {
            fail(
                    ctx,
                    "a frame of " + frame.remaining() + " bytes before authentication exceeds "
                            + "sasl.server.max.receive.size=" + maxReceiveSize);
            return;
        }
        if (state == State.RAW_TOKENS) {
            byte[] token = new byte[frame.remaining()];
            frame.get(token);
            evaluate(ctx, token, null, (short) 0);
            return;
        }
        RequestHeaderData header;
        ByteBuffer body;
        ApiKeys apiKey;
        short version;
        try {
            short keyId = frame.getShort(frame.position());
            version = frame.getShort(frame.position() + Short.BYTES);
            apiKey = ApiKeys.forId(keyId);
            if (apiKey == ApiKeys.API_VERSIONS) {
                ctx.fireChannelRead(frame);
                return;
            }
            ByteBuffer buffer = frame.duplicate();
            header = new RequestHeaderData(new ByteBufferAccessor(buffer), apiKey.requestHeaderVersion(version));
            body = buffer.slice();
        } catch (RuntimeException e) {
            fail(ctx, "malformed request before authentication: " + e);
            return;
        }
        try {
            if (apiKey == ApiKeys.SASL_HANDSHAKE && state == State.HANDSHAKE && version <= 1) {
                SaslHandshakeRequestData request = new SaslHandshakeRequestData(new ByteBufferAccessor(body), version);
                handshake(ctx, header, request);
            } else if (apiKey == ApiKeys.SASL_AUTHENTICATE && state == State.AUTHENTICATE && version <= 2) {
                SaslAuthenticateRequestData request =
                        new SaslAuthenticateRequestData(new ByteBufferAccessor(body), version);
                evaluate(ctx, request.authBytes(), header, version);
            } else {
                fail(ctx, "unexpected " + apiKey + " v" + version + " in SASL state " + state);
            }
        } catch (RuntimeException e) {
            fail(ctx, "malformed " + apiKey + " v" + version + ": " + e);
        }
    }

    private void handshake(ChannelHandlerContext ctx, RequestHeaderData header, SaslHandshakeRequestData request) {
        SaslHandshakeResponseData response = new SaslHandshakeResponseData().setMechanisms(mechanisms.enabled());
        server = mechanisms.create(request.mechanism()).orElse(null);
        if (server == null) {
            respond(ctx, header, response.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code()));
            fail(ctx, "client asked for SASL mechanism " + request.mechanism() + "; enabled: " + mechanisms);
            return;
        }
        mechanism = request.mechanism();
        state = header.requestApiVersion() == 0 ? State.RAW_TOKENS : State.AUTHENTICATE;
        respond(ctx, header, response.setErrorCode(Errors.NONE.code()));
        ctx.flush();
    }

    /** Evaluates a token; {@code header} is null for a raw token (after SaslHandshake v0). */
    private void evaluate(ChannelHandlerContext ctx, byte[] token, RequestHeaderData header, short version) {
        ctx.channel().config().setAutoRead(false);
        SaslMechanismServer current = server;
        current.evaluate(token).whenComplete((reply, error) -> {
            if (ctx.executor().inEventLoop()) {
                onEvaluated(ctx, current, reply, error, header, version);
            } else {
                ctx.executor().execute(() -> onEvaluated(ctx, current, reply, error, header, version));
            }
        });
    }

    private void onEvaluated(
            ChannelHandlerContext ctx,
            SaslMechanismServer current,
            byte[] reply,
            Throwable error,
            RequestHeaderData header,
            short version) {
        if (!ctx.channel().isActive() || state == State.FAILED) {
            return;
        }
        if (error != null) {
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            String message = cause instanceof SaslAuthenticationException
                    ? cause.getMessage()
                    : "Authentication failed: " + cause.getMessage();
            if (!(cause instanceof SaslAuthenticationException)) {
                log.warn("{} SASL {} on connection {} failed unexpectedly", logPrefix, mechanism, connectionId, cause);
            }
            if (header != null) {
                respond(
                        ctx,
                        header,
                        new SaslAuthenticateResponseData()
                                .setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code())
                                .setErrorMessage(message)
                                .setAuthBytes(new byte[0]));
                ctx.flush();
            }
            log.info(
                    "{} Failed authentication with {} on connection {} ({}): {}",
                    logPrefix,
                    ctx.channel().remoteAddress(),
                    connectionId,
                    mechanism,
                    message);
            state = State.FAILED;
            ctx.executor()
                    .schedule(
                            () -> {
                                ctx.close();
                            },
                            failedAuthenticationDelay.toMillis(),
                            TimeUnit.MILLISECONDS);
            return;
        }
        long lifetimeMs =
                current.isComplete() ? reauthentication.sessionLifetimeMs().applyAsLong(mechanism) : 0L;
        if (header != null) {
            respond(
                    ctx,
                    header,
                    new SaslAuthenticateResponseData()
                            .setErrorCode(Errors.NONE.code())
                            .setAuthBytes(reply)
                            .setSessionLifetimeMs(lifetimeMs));
        } else {
            io.netty.buffer.ByteBuf raw = ctx.alloc().buffer(Integer.BYTES + reply.length);
            raw.writeInt(reply.length).writeBytes(reply);
            ctx.write(raw);
        }
        if (current.isComplete()) {
            state = State.AUTHENTICATED;
            principal = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, current.authorizationId());
            startSession(lifetimeMs);
            log.debug(
                    "{} Connection {} from {} authenticated with {} as {}",
                    logPrefix,
                    connectionId,
                    ctx.channel().remoteAddress(),
                    mechanism,
                    principal);
            ctx.fireUserEventTriggered(new ConnectionAuthenticated(principal));
            server = null;
        }
        ctx.flush();
        ctx.channel().config().setAutoRead(true);
    }

    private void startSession(long lifetimeMs) {
        sessionExpires = lifetimeMs > 0;
        sessionExpiryNanos = reauthentication.nanoClock().getAsLong() + TimeUnit.MILLISECONDS.toNanos(lifetimeMs);
    }

    /**
     * A frame on an authenticated connection: the start of a re-authentication, a request of a session that has
     * ended (the connection is closed), or a request passed on.
     */
    private void authenticatedRead(ChannelHandlerContext ctx, ByteBuffer frame) {
        if (sessionExpires) {
            long now = reauthentication.nanoClock().getAsLong();
            if (apiKeyOf(frame) == ApiKeys.SASL_HANDSHAKE.id
                    && (!reauthenticatedBefore
                            || now - lastReauthenticationNanos >= MIN_REAUTHENTICATION_INTERVAL_NANOS)) {
                reauthenticatedBefore = true;
                lastReauthenticationNanos = now;
                beginReauthentication(ctx, frame);
                return;
            }
            if (now - sessionExpiryNanos >= 0) {
                log.info(
                        "{} Closing connection {} from {} ({}): its SASL session ended {} ms ago and it did not"
                                + " re-authenticate",
                        logPrefix,
                        connectionId,
                        ctx.channel().remoteAddress(),
                        principal,
                        TimeUnit.NANOSECONDS.toMillis(now - sessionExpiryNanos));
                reauthentication.metrics().expiredConnectionKilled(reauthentication.listener());
                state = State.FAILED;
                ctx.channel().config().setAutoRead(false);
                ctx.close();
                return;
            }
        }
        // Without a session end a SaslHandshake goes on too: the request handler answers it ILLEGAL_SASL_STATE.
        ctx.fireChannelRead(frame);
    }

    /** SaslHandshake on an authenticated connection: answered in request order; the mechanism may not change. */
    private void beginReauthentication(ChannelHandlerContext ctx, ByteBuffer frame) {
        short version = versionOf(frame);
        SaslHandshakeRequestData request;
        try {
            ByteBuffer body = bodyOf(frame);
            request = new SaslHandshakeRequestData(new ByteBufferAccessor(body), version);
        } catch (RuntimeException e) {
            failReauthentication(ctx, "malformed SaslHandshake v" + version + ": " + e);
            return;
        }
        CompletableFuture<ApiMessage> answer = new CompletableFuture<>();
        ctx.fireChannelRead(new AnsweredRequest(frame, answer));
        SaslHandshakeResponseData response = new SaslHandshakeResponseData().setMechanisms(mechanisms.enabled());
        if (version < 1 || !mechanism.equals(request.mechanism())) {
            String reason = version < 1
                    ? "re-authentication needs SaslHandshake v1 or later, not v" + version
                    : "SASL mechanism " + request.mechanism() + " requested to re-authenticate a session of "
                            + mechanism;
            answer.complete(response.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code()));
            failReauthentication(ctx, reason);
            return;
        }
        server = mechanisms.create(mechanism).orElseThrow();
        state = State.REAUTHENTICATE;
        answer.complete(response.setErrorCode(Errors.NONE.code()));
    }

    /** A frame while re-authenticating: the next SaslAuthenticate token, anything else is refused. */
    private void reauthenticationRead(ChannelHandlerContext ctx, ByteBuffer frame) {
        short version = versionOf(frame);
        if (apiKeyOf(frame) != ApiKeys.SASL_AUTHENTICATE.id || version < 1 || version > 2) {
            failReauthentication(
                    ctx, "unexpected " + describe(frame) + " while re-authenticating (SaslAuthenticate v1-2 expected)");
            return;
        }
        SaslAuthenticateRequestData request;
        try {
            request = new SaslAuthenticateRequestData(new ByteBufferAccessor(bodyOf(frame)), version);
        } catch (RuntimeException e) {
            failReauthentication(ctx, "malformed SaslAuthenticate v" + version + ": " + e);
            return;
        }
        CompletableFuture<ApiMessage> answer = new CompletableFuture<>();
        ctx.fireChannelRead(new AnsweredRequest(frame, answer));
        SaslMechanismServer current = server;
        current.evaluate(request.authBytes()).whenComplete((reply, error) -> {
            if (ctx.executor().inEventLoop()) {
                onReauthenticationEvaluated(ctx, current, reply, error, answer);
            } else {
                ctx.executor().execute(() -> onReauthenticationEvaluated(ctx, current, reply, error, answer));
            }
        });
    }

    private void onReauthenticationEvaluated(
            ChannelHandlerContext ctx,
            SaslMechanismServer current,
            byte[] reply,
            Throwable error,
            CompletableFuture<ApiMessage> answer) {
        if (!ctx.channel().isActive() || state != State.REAUTHENTICATE) {
            answer.cancel(false);
            return;
        }
        String failure = null;
        if (error != null) {
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            failure = cause instanceof SaslAuthenticationException
                    ? cause.getMessage()
                    : "Authentication failed: " + cause.getMessage();
        } else if (current.isComplete()) {
            KafkaPrincipal now = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, current.authorizationId());
            if (!now.equals(principal)) {
                failure = "Cannot change principals during re-authentication from " + principal + ": " + now;
            }
        }
        if (failure != null) {
            answer.complete(new SaslAuthenticateResponseData()
                    .setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code())
                    .setErrorMessage(failure)
                    .setAuthBytes(new byte[0]));
            failReauthentication(ctx, failure);
            return;
        }
        long lifetimeMs = 0;
        if (current.isComplete()) {
            lifetimeMs = reauthentication.sessionLifetimeMs().applyAsLong(mechanism);
            state = State.AUTHENTICATED;
            server = null;
            startSession(lifetimeMs);
            reauthentication.metrics().reauthenticated(reauthentication.listener(), true);
            log.debug(
                    "{} Connection {} from {} re-authenticated with {} as {}; session lifetime {} ms",
                    logPrefix,
                    connectionId,
                    ctx.channel().remoteAddress(),
                    mechanism,
                    principal,
                    lifetimeMs);
        }
        answer.complete(new SaslAuthenticateResponseData()
                .setErrorCode(Errors.NONE.code())
                .setAuthBytes(reply)
                .setSessionLifetimeMs(lifetimeMs));
    }

    private void failReauthentication(ChannelHandlerContext ctx, String reason) {
        reauthentication.metrics().reauthenticated(reauthentication.listener(), false);
        log.info(
                "{} Failed re-authentication of connection {} from {} ({}): {}",
                logPrefix,
                connectionId,
                ctx.channel().remoteAddress(),
                principal,
                reason);
        state = State.FAILED;
        server = null;
        ctx.channel().config().setAutoRead(false);
        ctx.executor().schedule(() -> ctx.close(), failedAuthenticationDelay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static short apiKeyOf(ByteBuffer frame) {
        return frame.remaining() >= 2 * Short.BYTES ? frame.getShort(frame.position()) : -1;
    }

    private static short versionOf(ByteBuffer frame) {
        return frame.remaining() >= 2 * Short.BYTES ? frame.getShort(frame.position() + Short.BYTES) : -1;
    }

    private static String describe(ByteBuffer frame) {
        short key = apiKeyOf(frame);
        String name = ApiKeys.hasId(key) ? ApiKeys.forId(key).name : "API key " + key;
        return name + " v" + versionOf(frame);
    }

    /** The request body of a frame, after its header. */
    private static ByteBuffer bodyOf(ByteBuffer frame) {
        ApiKeys apiKey = ApiKeys.forId(apiKeyOf(frame));
        ByteBuffer buffer = frame.duplicate();
        new RequestHeaderData(new ByteBufferAccessor(buffer), apiKey.requestHeaderVersion(versionOf(frame)));
        return buffer.slice();
    }

    private void respond(ChannelHandlerContext ctx, RequestHeaderData header, ApiMessage message) {
        ApiKeys apiKey = ApiKeys.forId(header.requestApiKey());
        short version = header.requestApiVersion();
        ResponseWriter.EncodedResponse encoded = ResponseWriter.encode(
                ctx.alloc(), header.correlationId(), apiKey.responseHeaderVersion(version), message, version, true);
        for (Object part : encoded.parts()) {
            ctx.write(part);
        }
    }

    private void fail(ChannelHandlerContext ctx, String reason) {
        log.warn(
                "{} Closing connection {} from {} during SASL authentication: {}",
                logPrefix,
                connectionId,
                ctx.channel().remoteAddress(),
                reason);
        state = State.FAILED;
        ctx.flush();
        ctx.channel().config().setAutoRead(false);
        ctx.executor()
                .schedule(
                        () -> {
                            ctx.close();
                        },
                        failedAuthenticationDelay.toMillis(),
                        TimeUnit.MILLISECONDS);
    }
}
