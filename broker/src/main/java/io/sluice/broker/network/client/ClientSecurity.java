package io.sluice.broker.network.client;

import io.netty.handler.ssl.SslContext;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * How a broker client secures its connections to the inter-broker listener: TLS (with or without host name
 * verification of the peer's certificate) and a SASL mechanism run after ApiVersions (SaslHandshake v1, then
 * SaslAuthenticate until the mechanism completes).
 *
 * @param tls the client TLS context, if the listener speaks TLS
 * @param verifyHostname whether the peer certificate must match the host connected to ({@code
 *     ssl.endpoint.identification.algorithm=https})
 * @param saslMechanism the SASL mechanism name, if the listener speaks SASL
 * @param sasl a fresh client side of {@code saslMechanism} per connection
 */
public record ClientSecurity(
        Optional<SslContext> tls,
        boolean verifyHostname,
        Optional<String> saslMechanism,
        Supplier<SaslClientMechanism> sasl) {

    /** No TLS, no SASL. */
    public static final ClientSecurity PLAINTEXT = new ClientSecurity(Optional.empty(), false, Optional.empty(), () -> {
        throw new IllegalStateException("no SASL on a PLAINTEXT client");
    });

    public ClientSecurity {
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(saslMechanism, "saslMechanism");
        Objects.requireNonNull(sasl, "sasl");
    }

    /** The client side of one SASL exchange. Not thread-safe: one connection's event loop drives it. */
    public interface SaslClientMechanism {
        /** The first token the client sends. */
        byte[] initialResponse();

        /**
         * Evaluates the server's token; returns the next token to send, or {@code null} when the exchange is complete.
         *
         * @throws org.apache.kafka.common.errors.SaslAuthenticationException if the server's token is not acceptable
         */
        byte[] evaluate(byte[] challenge);
    }

    @Override
    public String toString() {
        return (tls.isPresent() ? "TLS" : "plaintext")
                + saslMechanism.map(m -> " SASL " + m).orElse("");
    }
}
