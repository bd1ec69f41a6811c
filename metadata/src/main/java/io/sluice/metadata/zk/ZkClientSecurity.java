package io.sluice.metadata.zk;

import static io.sluice.metadata.config.BrokerConfigKeys.ZOOKEEPER_CLIENT_CNXN_SOCKET;
import static io.sluice.metadata.config.BrokerConfigKeys.ZOOKEEPER_SET_ACL;
import static io.sluice.metadata.config.BrokerConfigKeys.ZOOKEEPER_SSL_CIPHER_SUITES;
import static io.sluice.metadata.config.BrokerConfigKeys.ZOOKEEPER_SSL_CLIENT_ENABLE;
import static io.sluice.metadata.config.BrokerConfigKeys.ZOOKEEPER_SSL_CRL_ENABLE;
import static io.sluice.metadata.config.BrokerConfigKeys.ZOOKEEPER_SSL_ENABLED_PROTOCOLS;
import static io.sluice.metadata.config.BrokerConfigKeys.ZOOKEEPER_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM;
import static io.sluice.metadata.config.BrokerConfigKeys.ZOOKEEPER_SSL_KEYSTORE_LOCATION;
import static io.sluice.metadata.config.BrokerConfigKeys.ZOOKEEPER_SSL_KEYSTORE_PASSWORD;
import static io.sluice.metadata.config.BrokerConfigKeys.ZOOKEEPER_SSL_KEYSTORE_TYPE;
import static io.sluice.metadata.config.BrokerConfigKeys.ZOOKEEPER_SSL_OCSP_ENABLE;
import static io.sluice.metadata.config.BrokerConfigKeys.ZOOKEEPER_SSL_PROTOCOL;
import static io.sluice.metadata.config.BrokerConfigKeys.ZOOKEEPER_SSL_TRUSTSTORE_LOCATION;
import static io.sluice.metadata.config.BrokerConfigKeys.ZOOKEEPER_SSL_TRUSTSTORE_PASSWORD;
import static io.sluice.metadata.config.BrokerConfigKeys.ZOOKEEPER_SSL_TRUSTSTORE_TYPE;

import io.sluice.metadata.config.ConfigException;
import io.sluice.metadata.config.ConfigKey;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import org.apache.zookeeper.ClientCnxnSocketNetty;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ClientX509Util;
import org.apache.zookeeper.common.X509Util;

/**
 * How a Sluice process authenticates to ZooKeeper and protects what it creates there, from Kafka's broker keys:
 * {@code zookeeper.set.acl} (see {@link ZkAcls}) and {@code zookeeper.ssl.client.enable},
 * {@code zookeeper.clientCnxnSocket}, {@code zookeeper.ssl.*} for TLS. The TLS settings go to the ZooKeeper client
 * through its own {@link ZKClientConfig} (ZooKeeper's property names, e.g. {@code zookeeper.ssl.keyStore.location}),
 * not through JVM-wide system properties; a {@code ZKClientConfig} starts from the system properties, so settings
 * made the ZooKeeper way ({@code -Dzookeeper.client.secure=true}) still apply unless a broker key overrides them.
 *
 * <p>SASL to ZooKeeper is configured the ZooKeeper way: the JAAS login configuration's {@code Client} section
 * ({@code -Djava.security.auth.login.config=FILE}; the section name and {@code zookeeper.sasl.client} may be changed
 * through the system properties ZooKeeper reads). It is JVM-wide by nature.
 *
 * <p>Immutable and thread-safe; {@link #newClientConfig()} returns a new, unshared object each time.
 */
public final class ZkClientSecurity {
    /** The ZooKeeper client socket that supports TLS. */
    public static final String NETTY_SOCKET = ClientCnxnSocketNetty.class.getName();

    private static final String FIPS_MODE = X509Util.FIPS_MODE_PROPERTY;

    /** No explicit settings: open ACLs, and whatever the ZooKeeper system properties say. */
    public static final ZkClientSecurity DEFAULT = new ZkClientSecurity(false, Map.of());

    private final boolean setAcl;
    /** ZooKeeper client property name to value, only what the Kafka keys set. */
    private final Map<String, String> clientProperties;

    private ZkClientSecurity(boolean setAcl, Map<String, String> clientProperties) {
        this.setAcl = setAcl;
        this.clientProperties = Map.copyOf(clientProperties);
    }

    /**
     * Reads the Kafka keys from a broker's (or a plugin's) raw configuration; absent keys take their defaults.
     *
     * @throws ConfigException naming the key whose value is invalid, or {@code zookeeper.clientCnxnSocket} when TLS is
     *     asked for without the Netty socket
     */
    public static ZkClientSecurity fromProperties(Map<String, ?> props) {
        Map<String, String> out = new LinkedHashMap<>();
        try (X509Util x509 = new ClientX509Util()) {
            Boolean secure = value(props, ZOOKEEPER_SSL_CLIENT_ENABLE);
            if (secure != null) {
                out.put(ZKClientConfig.SECURE_CLIENT, secure.toString());
            }
            put(out, ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, value(props, ZOOKEEPER_CLIENT_CNXN_SOCKET));
            put(out, x509.getSslKeystoreLocationProperty(), value(props, ZOOKEEPER_SSL_KEYSTORE_LOCATION));
            put(out, x509.getSslKeystorePasswdProperty(), value(props, ZOOKEEPER_SSL_KEYSTORE_PASSWORD));
            put(out, x509.getSslKeystoreTypeProperty(), value(props, ZOOKEEPER_SSL_KEYSTORE_TYPE));
            put(out, x509.getSslTruststoreLocationProperty(), value(props, ZOOKEEPER_SSL_TRUSTSTORE_LOCATION));
            put(out, x509.getSslTruststorePasswdProperty(), value(props, ZOOKEEPER_SSL_TRUSTSTORE_PASSWORD));
            put(out, x509.getSslTruststoreTypeProperty(), value(props, ZOOKEEPER_SSL_TRUSTSTORE_TYPE));
            put(out, x509.getSslProtocolProperty(), value(props, ZOOKEEPER_SSL_PROTOCOL));
            List<String> protocols = value(props, ZOOKEEPER_SSL_ENABLED_PROTOCOLS);
            if (protocols != null && !protocols.isEmpty()) {
                out.put(x509.getSslEnabledProtocolsProperty(), String.join(",", protocols));
            }
            List<String> ciphers = value(props, ZOOKEEPER_SSL_CIPHER_SUITES);
            if (ciphers != null && !ciphers.isEmpty()) {
                out.put(x509.getSslCipherSuitesProperty(), String.join(",", ciphers));
            }
            String identification = value(props, ZOOKEEPER_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM);
            out.put(
                    x509.getSslHostnameVerificationEnabledProperty(),
                    Boolean.toString(
                            identification != null && identification.trim().equalsIgnoreCase("https")));
            out.put(
                    x509.getSslCrlEnabledProperty(),
                    value(props, ZOOKEEPER_SSL_CRL_ENABLE).toString());
            out.put(
                    x509.getSslOcspEnabledProperty(),
                    value(props, ZOOKEEPER_SSL_OCSP_ENABLE).toString());
        }
        ZkClientSecurity security = new ZkClientSecurity(value(props, ZOOKEEPER_SET_ACL), out);
        ZKClientConfig effective = security.newClientConfig();
        if (effective.getBoolean(ZKClientConfig.SECURE_CLIENT)
                && !NETTY_SOCKET.equals(effective.getProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET))) {
            throw new ConfigException(
                    ZOOKEEPER_CLIENT_CNXN_SOCKET.name(),
                    effective.getProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET),
                    "Must be " + NETTY_SOCKET + " when " + ZOOKEEPER_SSL_CLIENT_ENABLE.name()
                            + " is true (only the Netty socket speaks TLS)");
        }
        return security;
    }

    /** {@code zookeeper.set.acl}. */
    public boolean setAcl() {
        return setAcl;
    }

    /** The ACLs for znodes created under {@code namespace} (a Curator namespace, or {@code null}). */
    public ZkAcls acls(String namespace) {
        return new ZkAcls(setAcl, namespace);
    }

    /**
     * A new ZooKeeper client configuration: the ZooKeeper system properties, overridden by the Kafka keys. Unless the
     * {@code zookeeper.fips-mode} system property says otherwise, FIPS mode is off, as in the ZooKeeper 3.8 client of
     * Kafka 3.9: the 3.9 client turns it on by default, which refuses SASL DIGEST-MD5 (the usual SASL to ZooKeeper).
     */
    public ZKClientConfig newClientConfig() {
        ZKClientConfig config = new ZKClientConfig();
        if (System.getProperty(FIPS_MODE) == null) {
            config.setProperty(FIPS_MODE, "false");
        }
        clientProperties.forEach(config::setProperty);
        return config;
    }

    /** Whether the client connects over TLS with a certificate ZooKeeper can take as its identity. */
    public boolean hasTlsIdentity() {
        ZKClientConfig config = newClientConfig();
        try (X509Util x509 = new ClientX509Util()) {
            return config.getBoolean(ZKClientConfig.SECURE_CLIENT)
                    && NETTY_SOCKET.equals(config.getProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET))
                    && config.getProperty(x509.getSslKeystoreLocationProperty()) != null;
        }
    }

    /** Whether the client authenticates with SASL: enabled, and the JAAS configuration has its login section. */
    public boolean hasSaslIdentity() {
        ZKClientConfig config = newClientConfig();
        if (!config.isSaslClientEnabled()) {
            return false;
        }
        String section = config.getProperty(
                ZKClientConfig.LOGIN_CONTEXT_NAME_KEY, ZKClientConfig.LOGIN_CONTEXT_NAME_KEY_DEFAULT);
        try {
            AppConfigurationEntry[] entries = Configuration.getConfiguration().getAppConfigurationEntry(section);
            return entries != null && entries.length > 0;
        } catch (SecurityException e) {
            // no readable JAAS configuration at all
            return false;
        }
    }

    /**
     * Refuses {@code zookeeper.set.acl=true} without an identity: the znodes would be created for no one in
     * particular, which ZooKeeper either refuses or turns into world-writable nodes.
     *
     * @throws ConfigException naming {@code zookeeper.set.acl}
     */
    public void requireIdentityForAcls() {
        if (setAcl && !hasSaslIdentity() && !hasTlsIdentity()) {
            throw new ConfigException(
                    ZOOKEEPER_SET_ACL.name(),
                    "zookeeper.set.acl is true, but the ZooKeeper client has no identity to own the znodes: give it"
                            + " either a JAAS login configuration with a 'Client' section"
                            + " (-Djava.security.auth.login.config=FILE) for SASL, or TLS with a client certificate"
                            + " (zookeeper.ssl.client.enable=true, zookeeper.clientCnxnSocket=" + NETTY_SOCKET
                            + ", zookeeper.ssl.keystore.location)");
        }
    }

    private static void put(Map<String, String> out, String property, String value) {
        if (value != null) {
            out.put(property, value);
        }
    }

    /** The key's value in {@code props} (parsed and validated), else its default, else {@code null}. */
    private static <T> T value(Map<String, ?> props, ConfigKey<T> key) {
        Object raw = props.get(key.name());
        if (raw == null) {
            return key.defaultValue().orElse(null);
        }
        return key.parse(
                raw instanceof Collection<?> c
                        ? String.join(",", c.stream().map(String::valueOf).toList())
                        : raw.toString());
    }

    @Override
    public String toString() {
        return "ZkClientSecurity{setAcl=" + setAcl + ", tls="
                + clientProperties.getOrDefault(ZKClientConfig.SECURE_CLIENT, "(system property)") + "}";
    }
}
