package io.sluice.metadata.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.config.ZkConnect;
import io.sluice.testsupport.EmbeddedZooKeeper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Why writes are size-checked before they are sent ({@link ZkLimits}), and that the check refuses them without
 * touching the connection: an oversized packet makes ZooKeeper close the connection, which the client reports as an
 * ordinary connection loss; a refused one leaves the session and the connection as they were.
 */
@Timeout(60)
class ZkRequestLimitsTest {
    @TempDir
    Path dataDir;

    private EmbeddedZooKeeper server;
    private CuratorFramework client;
    private ZkStore store;
    private final List<ConnectionState> states = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = EmbeddedZooKeeper.start(dataDir);
        client = ZkClients.newClient(ZkConnect.parse(server.connectString() + "/chroot"), 10_000, 10_000);
        client.start();
        assertThat(client.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
        client.getConnectionStateListenable().addListener((c, s) -> states.add(s));
        store = new ZkStore(client);
        store.create("/t", new byte[0], CreateMode.PERSISTENT);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
    }

    @Test
    void anOversizedPacketCostsTheConnectionWithoutSayingWhy() throws Exception {
        // the failure mode the limit prevents, shown on a separate client that does not retry
        try (CuratorFramework raw =
                CuratorFrameworkFactory.newClient(server.connectString(), 10_000, 10_000, new RetryNTimes(0, 0))) {
            List<ConnectionState> rawStates = new CopyOnWriteArrayList<>();
            raw.getConnectionStateListenable().addListener((c, s) -> rawStates.add(s));
            raw.start();
            assertThat(raw.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
            raw.create().forPath("/big");
            assertThatThrownBy(() -> raw.setData().forPath("/big", new byte[ZkLimits.JUTE_MAX_BUFFER + 1]))
                    .isInstanceOf(KeeperException.ConnectionLossException.class);
            await().atMost(Duration.ofSeconds(20)).until(() -> rawStates.contains(ConnectionState.SUSPENDED));
        }
    }

    @Test
    void anOversizedWriteIsRefusedBeforeItIsSentAndTheConnectionStays() throws Exception {
        long session = client.getZookeeperClient().getZooKeeper().getSessionId();
        byte[] tooBig = new byte[ZkLimits.MAX_REQUEST_BYTES];

        assertThatThrownBy(() -> store.setData("/t", tooBig, -1)).isInstanceOfSatisfying(ZkStoreException.class, e -> {
            assertThat(e.isRejectedLocally()).isTrue();
            assertThat(e.isConnectionProblem()).isFalse();
            assertThat(e.getMessage()).contains("jute.maxbuffer");
        });
        assertThatThrownBy(() -> store.create("/t/child", tooBig, CreateMode.PERSISTENT))
                .isInstanceOfSatisfying(
                        ZkStoreException.class,
                        e -> assertThat(e.isRejectedLocally()).isTrue());

        ZkTransaction tx = store.transaction();
        for (int i = 0; i < 5; i++) {
            tx.create("/t/part-" + i, new byte[ZkLimits.MAX_REQUEST_BYTES / 4], CreateMode.PERSISTENT);
        }
        assertThat(tx.estimatedBytes()).isGreaterThan(ZkLimits.MAX_REQUEST_BYTES);
        assertThatThrownBy(tx::commit)
                .isInstanceOfSatisfying(
                        ZkStoreException.class,
                        e -> assertThat(e.isRejectedLocally()).isTrue());

        ZkTransaction async = store.transaction();
        async.setData("/t", tooBig, -1);
        assertThatThrownBy(() -> async.commitAsync().get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfSatisfying(
                        ZkStoreException.class,
                        e -> assertThat(e.isRejectedLocally()).isTrue());

        assertThat(store.children("/t")).isEmpty();
        assertThat(store.setData("/t", new byte[] {1}, 0)).isEqualTo(1);
        assertThat(states)
                .as("connection states after the refused writes")
                .doesNotContain(ConnectionState.SUSPENDED, ConnectionState.LOST, ConnectionState.RECONNECTED);
        assertThat(client.getZookeeperClient().getZooKeeper().getSessionId()).isEqualTo(session);
    }

    @Test
    void aWriteJustUnderTheLimitIsSentAndReadsBack() {
        byte[] data = new byte[ZkLimits.MAX_REQUEST_BYTES - 1024];
        store.setData("/t", data, -1);
        assertThat(store.get("/t").orElseThrow().data()).hasSize(data.length);
        assertThat(states).doesNotContain(ConnectionState.SUSPENDED, ConnectionState.LOST, ConnectionState.RECONNECTED);
    }

    @Test
    void aPathZooKeeperCannotTakeIsRefusedLocally() {
        for (String bad : List.of("/t/bad\u0001name", "/t/bad\u0000name", "/t/")) {
            assertThatThrownBy(() -> store.create(bad, new byte[0], CreateMode.PERSISTENT))
                    .as(bad)
                    .isInstanceOfSatisfying(ZkStoreException.class, e -> {
                        assertThat(e.isRejectedLocally()).isTrue();
                        assertThat(e.code()).isEmpty();
                    });
            assertThatThrownBy(() -> store.get(bad))
                    .isInstanceOfSatisfying(
                            ZkStoreException.class,
                            e -> assertThat(e.isRejectedLocally()).isTrue());
            assertThatThrownBy(() -> store.transaction().create(bad, new byte[0], CreateMode.PERSISTENT))
                    .isInstanceOfSatisfying(
                            ZkStoreException.class,
                            e -> assertThat(e.isRejectedLocally()).isTrue());
        }
        assertThat(states).doesNotContain(ConnectionState.SUSPENDED, ConnectionState.LOST, ConnectionState.RECONNECTED);
    }

    @Test
    void theEstimateCoversTheNamespace() {
        ZkTransaction tx = store.transaction();
        tx.check("/t", 0);
        long expected = ZkLimits.REQUEST_OVERHEAD_BYTES + ZkLimits.OPERATION_OVERHEAD_BYTES + "/chroot/t".length();
        assertThat(tx.estimatedBytes()).isEqualTo(expected);
    }
}
