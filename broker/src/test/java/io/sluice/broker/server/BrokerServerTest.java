package io.sluice.broker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.broker.registration.BrokerIdConflictException;
import io.sluice.broker.testing.EmbeddedZooKeeper;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.zk.ZkStore;
import io.sluice.replication.log.LogManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class BrokerServerTest {
    @TempDir
    Path dir;

    private EmbeddedZooKeeper zooKeeper;
    private ZkStore observer;
    private String connect;

    @BeforeEach
    void startZooKeeper() throws Exception {
        zooKeeper = new EmbeddedZooKeeper(dir.resolve("zk").toFile());
        observer = zooKeeper.newSession();
        connect = observer.curator().getZookeeperClient().getCurrentConnectionString();
    }

    @AfterEach
    void stopZooKeeper() throws Exception {
        zooKeeper.close();
    }

    private BrokerServer broker(int id, String logDir, Map<String, String> extra) {
        Map<String, String> props = new HashMap<>();
        props.put("broker.id", Integer.toString(id));
        props.put("listeners", "PLAINTEXT://127.0.0.1:0");
        props.put("zookeeper.connect", connect);
        props.put("log.dirs", dir.resolve(logDir).toString());
        props.put("zookeeper.session.timeout.ms", "6000");
        props.put("num.network.threads", "1");
        props.put("num.io.threads", "2");
        props.putAll(extra);
        return new BrokerServer(BrokerConfig.fromMap(props), Clock.systemUTC(), new SimpleMeterRegistry());
    }

    private boolean cleanShutdownMarker(String logDir) {
        return Files.exists(dir.resolve(logDir).resolve(LogManager.CLEAN_SHUTDOWN_FILE));
    }

    @Test
    void registersTheBoundPortBecomesControllerAndShutsDownOnce() {
        BrokerServer broker = broker(1, "logs-1", Map.of());
        broker.startup();
        try {
            assertThat(broker.isRunning()).isTrue();
            assertThat(broker.boundPort()).isPositive();
            assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + broker.boundPort());
            BrokerInfo registered = observer.broker(1).orElseThrow();
            assertThat(registered.endpoints()).extracting(Endpoint::port).containsExactly(broker.boundPort());
            assertThat(registered.brokerEpoch()).isEqualTo(broker.brokerEpoch()).isPositive();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> broker.controller().isActive());
            assertThat(observer.controllerId()).contains(1);
            assertThatThrownBy(broker::startup).isInstanceOf(IllegalStateException.class);
        } finally {
            broker.shutdown();
        }
        broker.shutdown();
        assertThat(broker.state()).isEqualTo(BrokerServer.State.SHUT_DOWN);
        assertThat(observer.broker(1)).isEmpty();
        assertThat(cleanShutdownMarker("logs-1")).isTrue();
    }

    @Test
    void aDuplicateBrokerIdFailsStartupAndStopsWhatWasStarted() {
        BrokerServer first = broker(1, "logs-a", Map.of());
        first.startup();
        BrokerServer second = broker(1, "logs-b", Map.of());
        try {
            assertThatThrownBy(second::startup)
                    .isInstanceOf(BrokerStartupException.class)
                    .hasRootCauseInstanceOf(BrokerIdConflictException.class);
            assertThat(second.state()).isEqualTo(BrokerServer.State.SHUT_DOWN);
            assertThat(cleanShutdownMarker("logs-b"))
                    .as("the log manager was stopped")
                    .isTrue();
            assertThat(observer.broker(1).orElseThrow().brokerEpoch()).isEqualTo(first.brokerEpoch());
        } finally {
            second.shutdown();
            first.shutdown();
        }
    }

    @Test
    void anUnreachableZooKeeperFailsStartup() {
        BrokerServer broker = broker(
                1, "logs-1", Map.of("zookeeper.connect", "127.0.0.1:1", "zookeeper.connection.timeout.ms", "500"));

        assertThatThrownBy(broker::startup)
                .isInstanceOf(BrokerStartupException.class)
                .hasMessageContaining("ZooKeeper");
        assertThat(broker.state()).isEqualTo(BrokerServer.State.SHUT_DOWN);
        assertThat(cleanShutdownMarker("logs-1")).isTrue();
    }

    @Test
    void shutdownBeforeStartupEndsTheLifecycle() throws Exception {
        BrokerServer broker = broker(1, "logs-1", Map.of());

        broker.shutdown();
        broker.awaitShutdown();

        assertThat(broker.state()).isEqualTo(BrokerServer.State.SHUT_DOWN);
        assertThatThrownBy(broker::startup).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void haltEndsTheSessionWithoutACleanShutdownMarker() throws Exception {
        BrokerServer broker = broker(1, "logs-1", Map.of("controlled.shutdown.enable", "true"));
        broker.startup();
        assertThat(observer.broker(1)).isPresent();

        broker.halt();
        broker.halt();

        assertThat(broker.state()).isEqualTo(BrokerServer.State.SHUT_DOWN);
        await().atMost(Duration.ofSeconds(20)).until(() -> observer.broker(1).isEmpty());
        assertThat(cleanShutdownMarker("logs-1")).isFalse();
    }
}
