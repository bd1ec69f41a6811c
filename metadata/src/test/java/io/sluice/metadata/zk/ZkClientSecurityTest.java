package io.sluice.metadata.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.metadata.config.ConfigException;
import java.util.List;
import java.util.Map;
import org.apache.zookeeper.client.ZKClientConfig;
import org.junit.jupiter.api.Test;

/** Kafka's {@code zookeeper.ssl.*} keys mapped onto the ZooKeeper client's configuration, and their checks. */
class ZkClientSecurityTest {
    private static final String NETTY = "org.apache.zookeeper.ClientCnxnSocketNetty";

    @Test
    void defaultsAreOpenAclsAndKafkasTlsDefaults() {
        ZkClientSecurity security = ZkClientSecurity.fromProperties(Map.of());
        assertThat(security.setAcl()).isFalse();
        ZKClientConfig config = security.newClientConfig();
        assertThat(config.getProperty("zookeeper.ssl.protocol")).isEqualTo("TLSv1.2");
        assertThat(config.getProperty("zookeeper.ssl.hostnameVerification")).isEqualTo("true");
        assertThat(security.hasTlsIdentity()).isFalse();
        security.requireIdentityForAcls(); // nothing to require without zookeeper.set.acl
    }

    @Test
    void tlsKeysBecomeZooKeeperClientProperties() {
        ZkClientSecurity security = ZkClientSecurity.fromProperties(Map.of(
                "zookeeper.ssl.client.enable", "true",
                "zookeeper.clientCnxnSocket", NETTY,
                "zookeeper.ssl.keystore.location", "/k.p12",
                "zookeeper.ssl.keystore.password", "kp",
                "zookeeper.ssl.keystore.type", "PKCS12",
                "zookeeper.ssl.truststore.location", "/t.jks",
                "zookeeper.ssl.truststore.password", "tp",
                "zookeeper.ssl.enabled.protocols", List.of("TLSv1.3", "TLSv1.2"),
                "zookeeper.ssl.endpoint.identification.algorithm", "",
                "zookeeper.set.acl", true));
        ZKClientConfig config = security.newClientConfig();
        assertThat(config.getProperty("zookeeper.client.secure")).isEqualTo("true");
        assertThat(config.getProperty("zookeeper.clientCnxnSocket")).isEqualTo(NETTY);
        assertThat(config.getProperty("zookeeper.ssl.keyStore.location")).isEqualTo("/k.p12");
        assertThat(config.getProperty("zookeeper.ssl.keyStore.password")).isEqualTo("kp");
        assertThat(config.getProperty("zookeeper.ssl.keyStore.type")).isEqualTo("PKCS12");
        assertThat(config.getProperty("zookeeper.ssl.trustStore.location")).isEqualTo("/t.jks");
        assertThat(config.getProperty("zookeeper.ssl.trustStore.password")).isEqualTo("tp");
        assertThat(config.getProperty("zookeeper.ssl.enabledProtocols")).isEqualTo("TLSv1.3,TLSv1.2");
        assertThat(config.getProperty("zookeeper.ssl.hostnameVerification")).isEqualTo("false");
        assertThat(security.setAcl()).isTrue();
        assertThat(security.hasTlsIdentity()).isTrue();
        security.requireIdentityForAcls(); // the certificate is the identity
        assertThat(security.newClientConfig()).isNotSameAs(config);
    }

    @Test
    void tlsNeedsTheNettySocket() {
        assertThatThrownBy(() -> ZkClientSecurity.fromProperties(Map.of("zookeeper.ssl.client.enable", "true")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("zookeeper.clientCnxnSocket"))
                .hasMessageContaining(NETTY);
    }

    @Test
    void invalidValuesNameTheirKey() {
        assertThatThrownBy(() -> ZkClientSecurity.fromProperties(Map.of("zookeeper.set.acl", "maybe")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("zookeeper.set.acl"));
        assertThatThrownBy(() -> ZkClientSecurity.fromProperties(Map.of("zookeeper.ssl.keystore.type", "P12")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("zookeeper.ssl.keystore.type"));
    }

    /** Kafka refuses to start: ACLs owned by nobody in particular would protect nothing. */
    @Test
    void setAclWithoutAnIdentityIsRefused() {
        // this test JVM has no JAAS configuration, so no SASL identity either
        ZkClientSecurity security = ZkClientSecurity.fromProperties(
                Map.of("zookeeper.set.acl", "true", "zookeeper.ssl.client.enable", "false"));
        assertThat(security.hasTlsIdentity()).isFalse();
        assertThat(security.hasSaslIdentity()).isFalse();
        assertThatThrownBy(security::requireIdentityForAcls)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("zookeeper.set.acl is true")
                .hasMessageContaining("java.security.auth.login.config")
                .hasMessageContaining("zookeeper.ssl.keystore.location");
    }
}
