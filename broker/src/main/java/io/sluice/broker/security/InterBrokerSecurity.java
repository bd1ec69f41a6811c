package io.sluice.broker.security;

import static io.sluice.metadata.config.BrokerConfigKeys.*;

import io.sluice.broker.network.client.ClientSecurity;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.ConfigException;
import io.sluice.metadata.config.ListenerConfig;
import io.sluice.metadata.model.SecurityProtocol;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.ScramMechanism;

/**
 * How this broker connects to the inter-broker listener of its peers ({@code inter.broker.listener.name} or {@code
 * security.inter.broker.protocol}): the listener's TLS settings (its trust store, its key store for mutual TLS,
 * {@code ssl.endpoint.identification.algorithm}) and, for SASL, {@code sasl.mechanism.inter.broker.protocol} with the
 * {@code username} and {@code password} options of the listener's JAAS configuration for that mechanism, as Kafka
 * reads them.
 *
 * <p>Thread-safety: stateless.
 */
public final class InterBrokerSecurity {
    private InterBrokerSecurity() {}

    /**
     * The client security for the inter-broker listener.
     *
     * @throws ConfigException naming the key that is missing or wrong
     */
    public static ClientSecurity of(BrokerConfig config, SecureRandom random) {
        ListenerConfig listener = config.listenerConfig(config.interBrokerListenerName());
        SecurityProtocol protocol = listener.securityProtocol();
        if (protocol == SecurityProtocol.PLAINTEXT) {
            return ClientSecurity.PLAINTEXT;
        }
        boolean tls = protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
        boolean sasl = protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL;
        boolean verifyHostname = "https".equalsIgnoreCase(listener.get(SSL_ENDPOINT_IDENTIFICATION_ALGORITHM));
        if (!sasl) {
            return new ClientSecurity(
                    Optional.of(SslContexts.client(listener)), verifyHostname, Optional.empty(), () -> {
                        throw new IllegalStateException("no SASL on an SSL listener");
                    });
        }
        String mechanism = config.get(SASL_MECHANISM_INTER_BROKER_PROTOCOL);
        if (!ListenerSecurity.SUPPORTED_MECHANISMS.contains(mechanism)) {
            throw new ConfigException(
                    SASL_MECHANISM_INTER_BROKER_PROTOCOL.name(),
                    mechanism,
                    "Not supported for inter-broker connections (supported: " + ListenerSecurity.SUPPORTED_MECHANISMS
                            + ")");
        }
        if (!listener.get(SASL_ENABLED_MECHANISMS).contains(mechanism)) {
            throw new ConfigException(
                    SASL_MECHANISM_INTER_BROKER_PROTOCOL.name(),
                    mechanism,
                    "Must be enabled in " + listener.sourceName(SASL_ENABLED_MECHANISMS) + " of the inter-broker"
                            + " listener " + listener.listenerName());
        }
        String jaasKey = ListenerConfig.PREFIX + listener.listenerName().toLowerCase(Locale.ROOT) + "."
                + mechanism.toLowerCase(Locale.ROOT) + ".sasl.jaas.config";
        Map.Entry<String, String> jaas = listener.saslJaasConfig(mechanism)
                .orElseThrow(() -> new ConfigException(
                        jaasKey, "The broker's own " + mechanism + " credentials (username, password) are missing"));
        JaasOptions options;
        try {
            options = JaasOptions.parse(jaas.getValue());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(jaas.getKey(), "Invalid JAAS configuration: " + e.getMessage());
        }
        String username = options.option("username");
        String password = options.option("password");
        if (username == null || password == null) {
            throw new ConfigException(
                    jaas.getKey(),
                    "The broker's own credentials need the username and password options in " + jaas.getKey());
        }
        Optional<ScramMechanism> scram = Scram.mechanism(mechanism);
        return new ClientSecurity(
                tls ? Optional.of(SslContexts.client(listener)) : Optional.empty(),
                verifyHostname,
                Optional.of(mechanism),
                () -> scram.isPresent()
                        ? new ScramClient(scram.get(), username, password, Scram.nonce(random))
                        : new PlainClient(username, password));
    }

    /** SASL/PLAIN: one token, {@code NUL user NUL password}. */
    static final class PlainClient implements ClientSecurity.SaslClientMechanism {
        private final String username;
        private final String password;

        PlainClient(String username, String password) {
            this.username = username;
            this.password = password;
        }

        @Override
        public byte[] initialResponse() {
            return ("\0" + username + "\0" + password).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] evaluate(byte[] challenge) {
            return null;
        }
    }
}
