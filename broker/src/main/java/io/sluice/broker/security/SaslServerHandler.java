package io.sluice.broker.security;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.sluice.broker.network.ConnectionAuthenticated;
import io.sluice.broker.network.ResponseWriter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
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
 * SaslAuthenticate are accepted; any other request closes the connection. After SaslHandshake v0 the client sends raw
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
        FAILED
    }

    private final String logPrefix;
    private final String connectionId;
    private final SaslMechanisms mechanisms;
    private final Duration failedAuthenticationDelay;
    private final int maxReceiveSize;
    private State state = State.HANDSHAKE;
    private SaslMechanismServer server;
    private String mechanism;

    SaslServerHandler(
            String logPrefix,
            String connectionId,
            SaslMechanisms mechanisms,
            Duration failedAuthenticationDelay,
            int maxReceiveSize) {
        this.logPrefix = logPrefix;
        this.connectionId = connectionId;
        this.mechanisms = mechanisms;
        this.failedAuthenticationDelay = failedAuthenticationDelay;
        this.maxReceiveSize = maxReceiveSize;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.AUTHENTICATED) {
            ctx.fireChannelRead(msg);
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
        if (header != null) {
            respond(
                    ctx,
                    header,
                    new SaslAuthenticateResponseData()
                            .setErrorCode(Errors.NONE.code())
                            .setAuthBytes(reply)
                            .setSessionLifetimeMs(0));
        } else {
            io.netty.buffer.ByteBuf raw = ctx.alloc().buffer(Integer.BYTES + reply.length);
            raw.writeInt(reply.length).writeBytes(reply);
            ctx.write(raw);
        }
        if (current.isComplete()) {
            state = State.AUTHENTICATED;
            KafkaPrincipal principal = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, current.authorizationId());
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
