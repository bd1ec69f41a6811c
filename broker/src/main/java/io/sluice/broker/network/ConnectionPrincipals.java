package io.sluice.broker.network;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.security.auth.AuthenticationContext;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.KafkaPrincipalBuilder;
import org.apache.kafka.common.security.auth.PlaintextAuthenticationContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names the principal of a connection through {@code principal.builder.class} (Kafka's {@link KafkaPrincipalBuilder}),
 * the one place the builder is called. A PLAINTEXT connection is named when it becomes active, with a
 * {@link PlaintextAuthenticationContext}; without a builder it is {@code User:ANONYMOUS}, as in Kafka. Authenticating
 * listeners pass their own {@link AuthenticationContext} to {@link #principal}.
 *
 * <p>Concurrency: immutable; the builder is called from event loops and must be thread-safe, as in Kafka.
 */
public final class ConnectionPrincipals {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPrincipals.class);
    private static final ConnectionPrincipals ANONYMOUS = new ConnectionPrincipals(Optional.empty());

    private final Optional<KafkaPrincipalBuilder> builder;

    private ConnectionPrincipals(Optional<KafkaPrincipalBuilder> builder) {
        this.builder = builder;
    }

    /** Every PLAINTEXT connection is {@code User:ANONYMOUS}. */
    public static ConnectionPrincipals anonymous() {
        return ANONYMOUS;
    }

    /** Principals named by {@code builder} (already configured by the caller). */
    public static ConnectionPrincipals builtBy(KafkaPrincipalBuilder builder) {
        return new ConnectionPrincipals(Optional.of(Objects.requireNonNull(builder, "builder")));
    }

    /** The principal of a PLAINTEXT connection from {@code clientAddress} on {@code listenerName}. */
    public KafkaPrincipal plaintext(InetAddress clientAddress, String listenerName) {
        if (builder.isEmpty()) {
            return KafkaPrincipal.ANONYMOUS;
        }
        return principal(new PlaintextAuthenticationContext(clientAddress, listenerName));
    }

    /**
     * The principal the builder names for {@code context}; {@code User:ANONYMOUS} if it fails or answers null (logged,
     * so that a broken builder never grants more than an anonymous client has).
     */
    public KafkaPrincipal principal(AuthenticationContext context) {
        if (builder.isEmpty()) {
            return KafkaPrincipal.ANONYMOUS;
        }
        try {
            KafkaPrincipal principal = builder.get().build(context);
            if (principal != null) {
                return principal;
            }
            log.warn(
                    "{} named no principal for {}; using User:ANONYMOUS",
                    builder.get().getClass().getName(),
                    context);
        } catch (RuntimeException e) {
            log.warn(
                    "{} failed for {}; using User:ANONYMOUS",
                    builder.get().getClass().getName(),
                    context,
                    e);
        }
        return KafkaPrincipal.ANONYMOUS;
    }
}
