package io.sluice.broker.security;

import static io.sluice.metadata.config.BrokerConfigKeys.*;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.sluice.metadata.config.ConfigException;
import io.sluice.metadata.config.ConfigKey;
import io.sluice.metadata.config.ListenerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Netty {@link SslContext}s (JDK provider) from a listener's {@code ssl.*} settings: key store ({@code
 * ssl.keystore.location/password/type}, {@code ssl.key.password}), trust store ({@code ssl.truststore.*}), {@code
 * ssl.client.auth}, {@code ssl.enabled.protocols}, {@code ssl.cipher.suites}. Every problem fails with a
 * {@link ConfigException} naming the key (its per-listener name when it was set per listener).
 *
 * <p>Thread-safety: stateless.
 */
public final class SslContexts {
    private SslContexts() {}

    /** The server context of a TLS listener; the key store is required. */
    public static SslContext server(ListenerConfig config) {
        KeyManagerFactory keys = keyManagers(config)
                .orElseThrow(() -> new ConfigException(
                        config.sourceName(SSL_KEYSTORE_LOCATION),
                        "A key store is required for listener " + config.listenerName() + " ("
                                + config.securityProtocol() + "): set " + config.sourceName(SSL_KEYSTORE_LOCATION)));
        SslContextBuilder builder = SslContextBuilder.forServer(keys);
        trustManagers(config).ifPresent(builder::trustManager);
        builder.clientAuth(
                switch (config.get(SSL_CLIENT_AUTH)) {
                    case "required" -> ClientAuth.REQUIRE;
                    case "requested" -> ClientAuth.OPTIONAL;
                    default -> ClientAuth.NONE;
                });
        return build(config, builder);
    }

    /** The client context brokers use towards a TLS inter-broker listener (key store optional, for mutual TLS). */
    public static SslContext client(ListenerConfig config) {
        SslContextBuilder builder = SslContextBuilder.forClient();
        keyManagers(config).ifPresent(builder::keyManager);
        trustManagers(config).ifPresent(builder::trustManager);
        return build(config, builder);
    }

    private static SslContext build(ListenerConfig config, SslContextBuilder builder) {
        builder.sslProvider(SslProvider.JDK).protocols(config.get(SSL_ENABLED_PROTOCOLS));
        List<String> ciphers = config.get(SSL_CIPHER_SUITES);
        if (!ciphers.isEmpty()) {
            builder.ciphers(ciphers);
        }
        try {
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new ConfigException(
                    config.sourceName(ciphers.isEmpty() ? SSL_ENABLED_PROTOCOLS : SSL_CIPHER_SUITES),
                    "Cannot build the TLS context of listener " + config.listenerName() + ": " + e.getMessage());
        }
    }

    private static java.util.Optional<KeyManagerFactory> keyManagers(ListenerConfig config) {
        String location = config.get(SSL_KEYSTORE_LOCATION);
        if (location == null) {
            return java.util.Optional.empty();
        }
        String password = config.get(SSL_KEYSTORE_PASSWORD);
        KeyStore store =
                load(config, SSL_KEYSTORE_LOCATION, SSL_KEYSTORE_TYPE, SSL_KEYSTORE_PASSWORD, location, password);
        String keyPassword = config.get(SSL_KEY_PASSWORD);
        char[] key = keyPassword != null
                ? keyPassword.toCharArray()
                : password == null ? new char[0] : password.toCharArray();
        try {
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, key);
            return java.util.Optional.of(factory);
        } catch (GeneralSecurityException e) {
            throw new ConfigException(
                    config.sourceName(SSL_KEY_PASSWORD),
                    "Cannot read the private key in " + location + " for listener " + config.listenerName() + ": "
                            + e.getMessage());
        }
    }

    private static java.util.Optional<TrustManagerFactory> trustManagers(ListenerConfig config) {
        String location = config.get(SSL_TRUSTSTORE_LOCATION);
        if (location == null) {
            return java.util.Optional.empty();
        }
        KeyStore store = load(
                config,
                SSL_TRUSTSTORE_LOCATION,
                SSL_TRUSTSTORE_TYPE,
                SSL_TRUSTSTORE_PASSWORD,
                location,
                config.get(SSL_TRUSTSTORE_PASSWORD));
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return java.util.Optional.of(factory);
        } catch (GeneralSecurityException e) {
            throw new ConfigException(
                    config.sourceName(SSL_TRUSTSTORE_LOCATION),
                    "Cannot use trust store " + location + ": " + e.getMessage());
        }
    }

    private static KeyStore load(
            ListenerConfig config,
            ConfigKey<String> locationKey,
            ConfigKey<String> typeKey,
            ConfigKey<String> passwordKey,
            String location,
            String password) {
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            KeyStore store = KeyStore.getInstance(config.get(typeKey));
            store.load(in, password == null ? null : password.toCharArray());
            return store;
        } catch (IOException e) {
            boolean badPassword = e.getCause() instanceof java.security.UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).contains("password");
            throw new ConfigException(
                    config.sourceName(badPassword ? passwordKey : locationKey),
                    "Cannot load " + config.get(typeKey) + " store " + location + " for listener "
                            + config.listenerName() + ": " + e);
        } catch (GeneralSecurityException e) {
            throw new ConfigException(
                    config.sourceName(typeKey),
                    "Cannot load " + config.get(typeKey) + " store " + location + " for listener "
                            + config.listenerName() + ": " + e);
        }
    }
}
