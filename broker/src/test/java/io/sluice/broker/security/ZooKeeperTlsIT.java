package io.sluice.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.broker.server.BrokerServer;
import io.sluice.broker.server.BrokerStartupException;
import io.sluice.metadata.config.BrokerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS to ZooKeeper ({@code zookeeper.ssl.client.enable} and {@code zookeeper.ssl.*}) against a ZooKeeper that
 * {@code bin/sluice-zookeeper --secure-port --no-plain-port} started: the broker connects with its certificate, which
 * becomes the owner of its znodes under {@code zookeeper.set.acl=true}; a client whose certificate no trusted authority
 * signed is refused; {@code zookeeper.set.acl=true} without any identity stops the broker at startup.
 */
@Timeout(180)
class ZooKeeperTlsIT {
    private static final Id BROKER_CERTIFICATE = new Id("x509", "CN=localhost,OU=brokers");

    @TempDir
    static Path dir;

    private static TestCertificates certs;
    private static ScriptZooKeeper zooKeeper;

    @BeforeAll
    static void startZooKeeper() throws Exception {
        certs = TestCertificates.generate(Files.createDirectories(dir.resolve("certs")));
        Path password = dir.resolve("certs/password");
        Files.writeString(password, certs.password());
        zooKeeper = ScriptZooKeeper.start(
                dir.resolve("zookeeper"),
                true,
                List.of(
                        "--no-plain-port",
                        "--keystore",
                        certs.brokerKeyStore().toString(),
                        "--keystore-password-file",
                        password.toString(),
                        "--truststore",
                        certs.trustStore().toString(),
                        "--truststore-password-file",
                        password.toString()));
    }

    @AfterAll
    static void stopZooKeeper() {
        if (zooKeeper != null) {
            zooKeeper.close();
        }
    }

    private static Map<String, String> brokerProps(String zookeeperConnect) {
        Map<String, String> props = new HashMap<>();
        props.put("broker.id", "1");
        props.put("listeners", "PLAINTEXT://127.0.0.1:0");
        props.put("zookeeper.connect", zookeeperConnect);
        props.put("zookeeper.set.acl", "true");
        props.put("zookeeper.session.timeout.ms", "10000");
        props.put("log.dirs", dir.resolve("broker-1").toString());
        props.put("offsets.topic.replication.factor", "1");
        props.put("metrics.port", "0");
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        return props;
    }

    private static BrokerServer broker(Map<String, String> props) {
        return new BrokerServer(
                BrokerConfig.fromMap(props),
                Clock.systemUTC(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new Random(11));
    }

    @Test
    void brokerConnectsOverTlsAndOwnsItsZnodesByCertificate() throws Exception {
        Map<String, String> props = brokerProps(zooKeeper.secureConnectString() + "/sluice");
        props.put("zookeeper.ssl.client.enable", "true");
        props.put("zookeeper.clientCnxnSocket", "org.apache.zookeeper.ClientCnxnSocketNetty");
        props.put("zookeeper.ssl.keystore.location", certs.brokerKeyStore().toString());
        props.put("zookeeper.ssl.keystore.password", certs.password());
        props.put("zookeeper.ssl.keystore.type", "PKCS12");
        props.put("zookeeper.ssl.truststore.location", certs.trustStore().toString());
        props.put("zookeeper.ssl.truststore.password", certs.password());
        props.put("zookeeper.ssl.truststore.type", "PKCS12");
        BrokerServer broker = broker(props);
        broker.startup();
        try {
            CuratorFramework zk = broker.zooKeeperClient();
            ACL owner = new ACL(Perms.ALL, BROKER_CERTIFICATE);
            ACL worldRead = new ACL(Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE);
            assertThat(zk.getACL().forPath("/brokers/ids/1")).containsExactly(owner, worldRead);
            assertThat(zk.usingNamespace(null).getACL().forPath("/sluice")).containsExactly(owner, worldRead);
        } finally {
            broker.close();
        }
    }

    @Test
    void clientWithAnUntrustedCertificateIsRefused() throws Exception {
        // other-ca.p12 holds a self-signed key pair that the server's trust store does not know
        SSLContext context = SSLContext.getInstance("TLS");
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(
                load(certs.brokerKeyStore().resolveSibling("other-ca.p12")),
                certs.password().toCharArray());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(certs.trustStore()));
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket)
                context.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), zooKeeper.securePort())) {
            socket.setSoTimeout(30_000);
            // TLS 1.3 reports the server's verdict on the client certificate after the client's side of the handshake
            try {
                socket.startHandshake();
                InputStream in = socket.getInputStream();
                int read = in.read();
                assertThat(read).as("the server closes the connection").isEqualTo(-1);
            } catch (SocketTimeoutException e) {
                fail("the server kept a connection with an untrusted certificate open", e);
            } catch (SSLException expected) {
                assertThat(expected).hasMessageContaining("certificate");
            }
        }
    }

    @Test
    void setAclWithoutAnIdentityStopsTheBrokerAtStartup() {
        // TLS without a key store: no certificate, and this JVM has no JAAS Client section
        Map<String, String> props = brokerProps(zooKeeper.secureConnectString() + "/sluice");
        props.put("zookeeper.ssl.client.enable", "true");
        props.put("zookeeper.clientCnxnSocket", "org.apache.zookeeper.ClientCnxnSocketNetty");
        props.put("zookeeper.ssl.truststore.location", certs.trustStore().toString());
        props.put("zookeeper.ssl.truststore.password", certs.password());
        BrokerServer broker = broker(props);
        assertThatThrownBy(broker::startup)
                .isInstanceOf(BrokerStartupException.class)
                .hasMessageContaining("zookeeper.set.acl is true")
                .hasMessageContaining("zookeeper.ssl.keystore.location");
        broker.close();
    }

    private static KeyStore load(Path file) throws IOException, java.security.GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, certs.password().toCharArray());
        }
        return store;
    }
}
