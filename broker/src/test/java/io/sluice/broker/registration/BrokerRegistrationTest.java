package io.sluice.broker.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.testing.EmbeddedZooKeeper;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.zk.BrokerIdZNode;
import io.sluice.metadata.zk.ZkNode;
import io.sluice.metadata.zk.ZkStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class BrokerRegistrationTest {
    @TempDir
    Path dataDir;

    private EmbeddedZooKeeper zk;
    private final List<Throwable> fatal = new CopyOnWriteArrayList<>();
    private final List<BrokerRegistration> registrations = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        zk = new EmbeddedZooKeeper(dataDir.toFile());
    }

    @AfterEach
    void stop() throws Exception {
        registrations.forEach(BrokerRegistration::close);
        zk.close();
    }

    private static BrokerInfo broker(int id, int port) {
        return new BrokerInfo(id, List.of(Endpoint.plaintext("127.0.0.1", port)), Optional.of("rack-a"), -1);
    }

    private BrokerRegistration registration(ZkStore store, BrokerInfo broker) {
        BrokerRegistration registration =
                new BrokerRegistration(store, broker, Clock.systemUTC(), fatal::add, Duration.ofMillis(100));
        registrations.add(registration);
        return registration;
    }

    @Test
    void registersAnEphemeralNodeWhoseCzxidIsTheBrokerEpoch() throws Exception {
        ZkStore store = zk.newSession();
        BrokerRegistration registration = registration(store, broker(1, 9092));

        BrokerInfo registered = registration.register();

        ZkNode node = store.get(BrokerIdZNode.path(1)).orElseThrow();
        assertThat(registered.brokerEpoch()).isEqualTo(node.czxid()).isPositive();
        assertThat(registration.brokerEpoch()).isEqualTo(node.czxid());
        assertThat(node.ephemeralOwner()).isEqualTo(EmbeddedZooKeeper.sessionId(store));
        BrokerInfo decoded = BrokerIdZNode.decode(1, node.data(), node.czxid());
        assertThat(decoded.endpoints()).containsExactly(Endpoint.plaintext("127.0.0.1", 9092));
        assertThat(decoded.rack()).contains("rack-a");
    }

    @Test
    void aSecondBrokerWithTheSameIdFailsNamingTheIdAndTheHolder() throws Exception {
        registration(zk.newSession(), broker(7, 9092)).register();
        BrokerRegistration second = registration(zk.newSession(), broker(7, 9093));

        assertThatThrownBy(second::register)
                .isInstanceOf(BrokerIdConflictException.class)
                .hasMessageContaining("Broker id 7")
                .hasMessageContaining("127.0.0.1:9092");
        assertThat(second.brokerEpoch()).isEqualTo(-1);
    }

    @Test
    void aRestartRightAfterACrashWaitsForTheDeadIncarnationsSessionToGo() throws Exception {
        int deadPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            deadPort = probe.getLocalPort();
        }
        ZkStore crashed = zk.newSession();
        new BrokerRegistration(crashed, broker(5, deadPort), Clock.systemUTC(), fatal::add, Duration.ofMillis(100))
                .register();
        BrokerRegistration restarted = new BrokerRegistration(
                zk.newSession(),
                broker(5, deadPort),
                Clock.systemUTC(),
                fatal::add,
                Duration.ofMillis(100),
                Duration.ofSeconds(30),
                HolderProbe.TCP);
        registrations.add(restarted);

        java.util.concurrent.CompletableFuture<BrokerInfo> registering =
                java.util.concurrent.CompletableFuture.supplyAsync(restarted::register);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !registering.isDone());

        crashed.curator().close(); // the dead incarnation's session finally ends
        BrokerInfo registered = registering.get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(registered.brokerEpoch()).isPositive();
        assertThat(fatal).isEmpty();
    }

    @Test
    void aLiveDuplicateFailsFastEvenWhenWaitingForDeadIncarnationsIsOn() throws Exception {
        try (java.net.ServerSocket live = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            registration(zk.newSession(), broker(6, live.getLocalPort())).register();
            BrokerRegistration second = new BrokerRegistration(
                    zk.newSession(),
                    broker(6, live.getLocalPort()),
                    Clock.systemUTC(),
                    fatal::add,
                    Duration.ofMillis(100),
                    Duration.ofSeconds(30),
                    HolderProbe.TCP);
            registrations.add(second);
            long start = System.nanoTime();
            assertThatThrownBy(second::register)
                    .isInstanceOf(BrokerIdConflictException.class)
                    .hasMessageContaining("Broker id 6");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void sessionExpiryLeadsToReRegistrationWithANewEpoch() throws Exception {
        ZkStore store = zk.newSession();
        BrokerRegistration registration = registration(store, broker(3, 9092));
        List<long[]> changes = new CopyOnWriteArrayList<>();
        registration.addListener((previous, current) -> changes.add(new long[] {previous, current}));
        long firstEpoch = registration.register().brokerEpoch();
        long firstSession = EmbeddedZooKeeper.sessionId(store);

        EmbeddedZooKeeper.expireSession(store);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(registration.brokerEpoch()).isNotEqualTo(firstEpoch);
            ZkNode node = store.get(BrokerIdZNode.path(3)).orElseThrow();
            assertThat(node.czxid()).isEqualTo(registration.brokerEpoch());
            assertThat(node.ephemeralOwner()).isNotEqualTo(firstSession).isEqualTo(EmbeddedZooKeeper.sessionId(store));
        });
        assertThat(registration.brokerEpoch()).isGreaterThan(firstEpoch);
        await().atMost(Duration.ofSeconds(5)).until(() -> !changes.isEmpty());
        assertThat(changes.get(0)).containsExactly(firstEpoch, registration.brokerEpoch());
        assertThat(fatal).isEmpty();
    }

    @Test
    void aRivalHoldingOurIdAfterASessionChangeFailsTheBroker() throws Exception {
        ZkStore store = zk.newSession();
        BrokerRegistration registration = registration(store, broker(5, 9092));
        registration.register();
        ZkStore rival = zk.newSession();
        rival.delete(BrokerIdZNode.path(5), -1);
        rival.registerBroker(broker(5, 9999), 0L);

        EmbeddedZooKeeper.expireSession(store);

        await().atMost(Duration.ofSeconds(30)).until(() -> !fatal.isEmpty());
        assertThat(fatal.get(0))
                .isInstanceOf(BrokerIdConflictException.class)
                .hasMessageContaining("Broker id 5")
                .hasMessageContaining("127.0.0.1:9999");
        ZkNode node = store.get(BrokerIdZNode.path(5)).orElseThrow();
        assertThat(node.ephemeralOwner()).isEqualTo(EmbeddedZooKeeper.sessionId(rival));
    }

    @Test
    void closeRemovesTheRegistration() throws Exception {
        ZkStore store = zk.newSession();
        BrokerRegistration registration = registration(store, broker(4, 9092));
        registration.register();

        registration.close();
        registration.close();

        assertThat(store.get(BrokerIdZNode.path(4))).isEmpty();
    }
}
