package io.sluice.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.broker.server.BrokerServer;
import io.sluice.metadata.config.BrokerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.AppConfigurationEntry.LoginModuleControlFlag;
import javax.security.auth.login.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.X509Util;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code zookeeper.set.acl=true} with SASL (DIGEST-MD5) to a ZooKeeper that {@code bin/sluice-zookeeper --sasl-jaas}
 * started: the broker's znodes belong to its SASL identity, everyone else may read the public ones but change none,
 * and only the broker may read the SCRAM credentials; a client without SASL is turned away.
 *
 * <p>The client side's JAAS configuration is JVM-wide: it is installed for this class only and the previous one is
 * restored afterwards (ITs of one fork run one after another).
 */
@Timeout(180)
class ZooKeeperSaslAclIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Id BROKER = new Id("sasl", "broker");
    private static final ACL WORLD_READ = new ACL(Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE);

    @TempDir
    static Path dir;

    private static ScriptZooKeeper zooKeeper;
    private static Configuration previousJaas;

    @BeforeAll
    static void startZooKeeper() throws Exception {
        Path jaas = dir.resolve("zookeeper-jaas.conf");
        Files.writeString(jaas, """
                Server {
                  org.apache.zookeeper.server.auth.DigestLoginModule required
                  user_broker="broker-secret"
                  user_guest="guest-secret";
                };
                """);
        zooKeeper = ScriptZooKeeper.start(dir.resolve("zookeeper"), false, List.of("--sasl-jaas", jaas.toString()));
        previousJaas = Configuration.getConfiguration();
        Configuration.setConfiguration(new ClientJaas(Map.of("Client", "broker", "Guest", "guest")));
    }

    @AfterAll
    static void stopZooKeeper() {
        Configuration.setConfiguration(previousJaas);
        if (zooKeeper != null) {
            zooKeeper.close();
        }
    }

    @Test
    void brokerZnodesBelongToItsSaslIdentity() throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put("broker.id", "1");
        props.put("listeners", "PLAINTEXT://127.0.0.1:0");
        props.put("zookeeper.connect", zooKeeper.connectString() + "/sluice");
        props.put("zookeeper.set.acl", "true");
        props.put("zookeeper.session.timeout.ms", "10000");
        props.put("log.dirs", dir.resolve("broker-1").toString());
        props.put("offsets.topic.replication.factor", "1");
        props.put("metrics.port", "0");
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        BrokerServer broker = new BrokerServer(
                BrokerConfig.fromMap(props),
                Clock.systemUTC(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new Random(7));
        broker.startup();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
                ZooKeeper owner = connect("Client");
                ZooKeeper guest = connect("Guest")) {
            admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                            "alice", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "alice-secret")))
                    .all()
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            await("controller elected").atMost(WAIT).until(() -> owner.exists("/sluice/controller", false) != null);

            ACL brokerAll = new ACL(Perms.ALL, BROKER);
            for (String path : List.of(
                    "/sluice",
                    "/sluice/brokers/ids/1",
                    "/sluice/controller",
                    "/sluice/brokers/topics/t",
                    "/sluice/cluster/id",
                    "/sluice/config/topics/t")) {
                assertThat(owner.getACL(path, null)).as(path).containsExactly(brokerAll, WORLD_READ);
            }
            for (String path : List.of("/sluice/config/users", "/sluice/config/users/alice")) {
                assertThat(owner.getACL(path, null)).as(path).containsExactly(brokerAll);
            }

            // another identity reads the public znodes, changes none and cannot see the credentials
            assertThat(guest.getData("/sluice/brokers/topics/t", false, null)).isNotEmpty();
            assertThat(guest.getChildren("/sluice/brokers/ids", false)).containsExactly("1");
            assertThatThrownBy(() -> guest.setData("/sluice/brokers/topics/t", new byte[] {'{', '}'}, -1))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            assertThatThrownBy(() -> guest.delete("/sluice/brokers/topics/t/partitions/0/state", -1))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            assertThatThrownBy(() -> guest.delete("/sluice/controller", -1))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            assertThatThrownBy(() -> guest.create(
                            "/sluice/admin/delete_topics/t",
                            new byte[0],
                            ZooDefs.Ids.OPEN_ACL_UNSAFE,
                            CreateMode.PERSISTENT))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            assertThatThrownBy(() -> guest.getData("/sluice/config/users/alice", false, null))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            assertThatThrownBy(() -> guest.getChildren("/sluice/config/users", false))
                    .isInstanceOf(KeeperException.NoAuthException.class);

            // the broker still works: its own writes pass the ACLs
            admin.createTopics(List.of(new NewTopic("t2", 1, (short) 1))).all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(owner.getACL("/sluice/brokers/topics/t2", null)).containsExactly(brokerAll, WORLD_READ);
        } finally {
            broker.close();
        }
    }

    /** {@code enforce.auth.enabled}: a session that does not authenticate is closed before its first request. */
    @Test
    void clientWithoutSaslIsTurnedAway() throws Exception {
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");
        config.setProperty(ZKClientConfig.ZOOKEEPER_REQUEST_TIMEOUT, "20000");
        try (ZooKeeper anonymous = new ZooKeeper(zooKeeper.connectString(), 10_000, event -> {}, config)) {
            assertThatThrownBy(() -> anonymous.getChildren("/", false))
                    .isInstanceOf(KeeperException.class)
                    .satisfies(e -> assertThat(((KeeperException) e).code())
                            .isIn(
                                    KeeperException.Code.SESSIONCLOSEDREQUIRESASLAUTH,
                                    KeeperException.Code.AUTHFAILED,
                                    KeeperException.Code.CONNECTIONLOSS,
                                    KeeperException.Code.SESSIONEXPIRED));
        }
    }

    /** A raw ZooKeeper client logging in with the JAAS section {@code section}, connected. */
    private static ZooKeeper connect(String section) throws Exception {
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty(ZKClientConfig.LOGIN_CONTEXT_NAME_KEY, section);
        config.setProperty(X509Util.FIPS_MODE_PROPERTY, "false"); // ZooKeeper 3.9's FIPS mode refuses DIGEST-MD5
        CountDownLatch authenticated = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(
                zooKeeper.connectString(),
                10_000,
                event -> {
                    if (event.getState() == Watcher.Event.KeeperState.SaslAuthenticated) {
                        authenticated.countDown();
                    }
                },
                config);
        if (!authenticated.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            zk.close();
            throw new IllegalStateException("no SASL login as " + section + ": " + zooKeeper.output());
        }
        return zk;
    }

    /** JAAS sections for ZooKeeper's digest login: section name to user, whose password is {@code <user>-secret}. */
    private static final class ClientJaas extends Configuration {
        private final Map<String, String> users;

        ClientJaas(Map<String, String> users) {
            this.users = users;
        }

        @Override
        public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
            String user = users.get(name);
            if (user == null) {
                return null;
            }
            return new AppConfigurationEntry[] {
                new AppConfigurationEntry(
                        "org.apache.zookeeper.server.auth.DigestLoginModule",
                        LoginModuleControlFlag.REQUIRED,
                        Map.of("username", user, "password", user + "-secret"))
            };
        }
    }
}
