package io.sluice.broker.security;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.sluice.broker.network.ConnectionAuthenticated;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a TLS connection's handshake: logs failures (an untrusted peer, plaintext bytes on the TLS port) with the
 * listener's context and closes the connection, and, on an SSL listener ({@code mapPrincipal}), announces the
 * principal of the client certificate mapped through {@code ssl.principal.mapping.rules} ({@code User:ANONYMOUS}
 * without a client certificate).
 *
 * <p>Concurrency: owned by the channel's event loop.
 */
final class TlsPeerHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TlsPeerHandler.class);

    private final String logPrefix;
    private final String connectionId;
    private final SslPrincipalMapper mapper;

    /** @param mapper the principal mapping, or {@code null} when another handler authenticates (SASL_SSL) */
    TlsPeerHandler(String logPrefix, String connectionId, SslPrincipalMapper mapper) {
        this.logPrefix = logPrefix;
        this.connectionId = connectionId;
        this.mapper = mapper;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent done) {
            if (!done.isSuccess()) {
                log.info(
                        "{} TLS handshake with {} on connection {} failed: {}",
                        logPrefix,
                        ctx.channel().remoteAddress(),
                        connectionId,
                        done.cause().toString());
                ctx.close();
                return;
            }
            if (mapper != null) {
                try {
                    ctx.fireUserEventTriggered(new ConnectionAuthenticated(principal(ctx)));
                } catch (IllegalArgumentException e) {
                    log.info(
                            "{} Closing TLS connection {} from {}: {}",
                            logPrefix,
                            connectionId,
                            ctx.channel().remoteAddress(),
                            e.getMessage());
                    ctx.close();
                    return;
                }
            }
        }
        ctx.fireUserEventTriggered(event);
    }

    private KafkaPrincipal principal(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate cert) {
                String name = mapper.map(cert.getSubjectX500Principal().getName());
                return new KafkaPrincipal(KafkaPrincipal.USER_TYPE, name);
            }
        } catch (SSLPeerUnverifiedException e) {
            // No client certificate (ssl.client.auth=none or requested): anonymous, as in Kafka.
        }
        return KafkaPrincipal.ANONYMOUS;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
            log.info(
                    "{} Closing connection {} from {}: not a TLS peer or TLS failure: {}",
                    logPrefix,
                    connectionId,
                    ctx.channel().remoteAddress(),
                    cause.getCause().toString());
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
