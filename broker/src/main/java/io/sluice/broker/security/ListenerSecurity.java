package io.sluice.broker.security;

import static io.sluice.metadata.config.BrokerConfigKeys.*;

import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.sluice.broker.network.ConnectionSecurity;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.ConfigException;
import io.sluice.metadata.config.ListenerConfig;
import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.SecurityProtocol;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link ConnectionSecurity} of one listener, built from its {@link ListenerConfig}: a TLS server context for SSL
 * and SASL_SSL, the SASL mechanisms for SASL_PLAINTEXT and SASL_SSL, the certificate principal mapping for SSL. All
 * settings are checked when the broker starts; a bad one fails startup with a {@link ConfigException} naming the key.
 *
 * <p>Thread-safety: immutable; shared by every connection of the listener.
 */
public final class ListenerSecurity implements ConnectionSecurity {

    /** The SASL mechanisms this broker serves. */
    public static final List<String> SUPPORTED_MECHANISMS = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");

    private final String logPrefix;
    private final SecurityProtocol protocol;
    private final SslContext ssl;
    private final SaslMechanisms sasl;
    private final SslPrincipalMapper principalMapper;
    private final Duration failedAuthenticationDelay;
    private final int maxReceiveSize;
    private final SaslServerHandler.Reauthentication reauthentication;

    private ListenerSecurity(
            String logPrefix,
            SecurityProtocol protocol,
            SslContext ssl,
            SaslMechanisms sasl,
            SslPrincipalMapper principalMapper,
            Duration failedAuthenticationDelay,
            int maxReceiveSize,
            SaslServerHandler.Reauthentication reauthentication) {
        this.logPrefix = logPrefix;
        this.protocol = protocol;
        this.ssl = ssl;
        this.sasl = sasl;
        this.principalMapper = principalMapper;
        this.failedAuthenticationDelay = failedAuthenticationDelay;
        this.maxReceiveSize = maxReceiveSize;
        this.reauthentication = reauthentication;
    }

    /** The security of every listener of {@code config}, by listener name. */
    public static Map<String, ConnectionSecurity> forListeners(
            BrokerConfig config,
            ScramServer.CredentialLookup credentials,
            SecureRandom random,
            SaslMetrics saslMetrics) {
        Map<String, ConnectionSecurity> out = new LinkedHashMap<>();
        for (Endpoint listener : config.listeners()) {
            out.put(
                    listener.listenerName(),
                    of(
                            config.brokerId(),
                            config.listenerConfig(listener.listenerName()),
                            credentials,
                            random,
                            saslMetrics));
        }
        return out;
    }

    /** The security of one listener. */
    public static ConnectionSecurity of(
            int brokerId,
            ListenerConfig config,
            ScramServer.CredentialLookup credentials,
            SecureRandom random,
            SaslMetrics saslMetrics) {
        SecurityProtocol protocol = config.securityProtocol();
        if (protocol == SecurityProtocol.PLAINTEXT) {
            return ConnectionSecurity.PLAINTEXT;
        }
        boolean tls = protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
        boolean sasl = protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL;
        String logPrefix = "[Listener broker=" + brokerId + " listener=" + config.listenerName() + " " + protocol + "]";
        SslContext context = tls ? SslContexts.server(config) : null;
        SslPrincipalMapper mapper = null;
        if (protocol == SecurityProtocol.SSL) {
            try {
                mapper = SslPrincipalMapper.parse(config.get(SSL_PRINCIPAL_MAPPING_RULES));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(
                        config.sourceName(SSL_PRINCIPAL_MAPPING_RULES),
                        config.get(SSL_PRINCIPAL_MAPPING_RULES),
                        e.getMessage());
            }
        }
        SaslMechanisms mechanisms = sasl ? mechanisms(config, credentials, random) : null;
        return new ListenerSecurity(
                logPrefix,
                protocol,
                context,
                mechanisms,
                mapper,
                Duration.ofMillis(config.get(CONNECTION_FAILED_AUTHENTICATION_DELAY_MS)),
                config.get(SASL_SERVER_MAX_RECEIVE_SIZE),
                new SaslServerHandler.Reauthentication(
                        config.listenerName(), config::connectionsMaxReauthMs, System::nanoTime, saslMetrics));
    }

    private static SaslMechanisms mechanisms(
            ListenerConfig config, ScramServer.CredentialLookup credentials, SecureRandom random) {
        List<String> enabled = config.get(SASL_ENABLED_MECHANISMS);
        String key = config.sourceName(SASL_ENABLED_MECHANISMS);
        if (enabled.isEmpty()) {
            throw new ConfigException(
                    key,
                    "No SASL mechanism enabled for listener " + config.listenerName() + " "
                            + config.securityProtocol());
        }
        for (String mechanism : enabled) {
            if (!SUPPORTED_MECHANISMS.contains(mechanism)) {
                throw new ConfigException(
                        key,
                        String.join(",", enabled),
                        "SASL mechanism " + mechanism + " is not supported (supported: " + SUPPORTED_MECHANISMS + ")");
            }
        }
        Map<String, String> plainUsers = Map.of();
        if (enabled.contains("PLAIN")) {
            Map.Entry<String, String> jaas = config.saslJaasConfig("PLAIN")
                    .orElseThrow(() -> new ConfigException(
                            "listener.name." + config.listenerName().toLowerCase(java.util.Locale.ROOT)
                                    + ".plain.sasl.jaas.config",
                            "PLAIN is enabled on listener " + config.listenerName()
                                    + " but no JAAS configuration names its users"));
            plainUsers = plainUsers(jaas.getKey(), jaas.getValue());
        }
        return SaslMechanisms.of(enabled, plainUsers, credentials, random);
    }

    /** The {@code user_<name>="<password>"} options of a PlainLoginModule configuration. */
    static Map<String, String> plainUsers(String key, String jaasConfig) {
        JaasOptions options;
        try {
            options = JaasOptions.parse(jaasConfig);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, "Invalid JAAS configuration in " + key + ": " + e.getMessage());
        }
        if (!options.loginModule().equals(JaasOptions.PLAIN_LOGIN_MODULE)) {
            throw new ConfigException(
                    key, key + " must configure " + JaasOptions.PLAIN_LOGIN_MODULE + ", not " + options.loginModule());
        }
        Map<String, String> users = new HashMap<>();
        options.options().forEach((name, value) -> {
            if (name.startsWith("user_") && name.length() > 5) {
                users.put(name.substring(5), value);
            }
        });
        return users;
    }

    @Override
    public void addTransportHandlers(SocketChannel channel, String connectionId) {
        if (ssl != null) {
            channel.pipeline().addLast("tls", ssl.newHandler(channel.alloc()));
        }
    }

    @Override
    public void addAuthenticationHandlers(SocketChannel channel, String connectionId) {
        if (ssl != null) {
            channel.pipeline().addLast("tls-peer", new TlsPeerHandler(logPrefix, connectionId, principalMapper));
        }
        if (sasl != null) {
            channel.pipeline()
                    .addLast(
                            "sasl",
                            new SaslServerHandler(
                                    logPrefix,
                                    connectionId,
                                    sasl,
                                    failedAuthenticationDelay,
                                    maxReceiveSize,
                                    reauthentication));
        }
    }

    @Override
    public boolean zeroCopy() {
        return ssl == null;
    }

    @Override
    public String toString() {
        return protocol + (sasl == null ? "" : " " + sasl);
    }
}
