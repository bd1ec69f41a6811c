package io.sluice.metadata.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.config.ZkConnect;
import io.sluice.testsupport.EmbeddedZooKeeper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Pipelined operations of {@link ZkStore} and {@link ZkTransaction#commitAsync()} against an embedded ZooKeeper. */
@Timeout(60)
class ZkStorePipelineTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dataDir;

    private EmbeddedZooKeeper server;
    private CuratorFramework client;
    private ZkStore store;

    @BeforeEach
    void start() throws Exception {
        server = EmbeddedZooKeeper.start(dataDir);
        client = ZkClients.newClient(ZkConnect.parse(server.connectString()), 10_000, 10_000);
        client.start();
        assertThat(client.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
        store = new ZkStore(client);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ZkStoreException failureOf(CompletableFuture<?> future) throws InterruptedException {
        try {
            future.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ZkStoreException.class);
            return (ZkStoreException) e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no answer", e);
        }
        throw new AssertionError("the transaction committed");
    }

    @Test
    void pipelinedTransactionsEachCommitAtomicallyAndReportTheirOwnFailure() throws Exception {
        store.create("/fence", bytes("1"), CreateMode.PERSISTENT);
        List<CompletableFuture<List<ZkTransaction.Result>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ZkTransaction tx = store.transaction().check("/fence", 0);
            for (int j = 0; j < 100; j++) {
                tx.create("/n" + i + "-" + j, bytes("x"), CreateMode.PERSISTENT);
            }
            if (i == 2) {
                // fails on its last operation: none of this transaction's creates may apply
                tx.setData("/fence", bytes("2"), 7);
            }
            inFlight.add(tx.commitAsync());
        }
        for (int i = 0; i < 5; i++) {
            if (i == 2) {
                ZkStoreException e = failureOf(inFlight.get(i));
                assertThat(e.failedOperation()).isEqualTo(101);
                assertThat(e.isBadVersion()).isTrue();
                assertThat(e.path()).contains("/fence");
            } else {
                List<ZkTransaction.Result> results = inFlight.get(i).get(20, TimeUnit.SECONDS);
                assertThat(results).hasSize(101);
                assertThat(results.get(100).type()).isEqualTo(ZkTransaction.OpType.CREATE);
                assertThat(results.get(100).path()).isEqualTo("/n" + i + "-99");
            }
        }
        assertThat(store.exists("/n1-99")).isPresent();
        assertThat(store.exists("/n2-0")).isEmpty();
        assertThat(store.exists("/n4-0")).isPresent();
    }

    @Test
    void aFailedCheckFailsEveryPipelinedTransactionAtOperationZero() throws Exception {
        store.create("/fence", bytes("1"), CreateMode.PERSISTENT);
        store.setData("/fence", bytes("2"), 0);
        List<CompletableFuture<List<ZkTransaction.Result>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            inFlight.add(store.transaction()
                    .check("/fence", 0)
                    .create("/z" + i, bytes("x"), CreateMode.PERSISTENT)
                    .commitAsync());
        }
        for (CompletableFuture<List<ZkTransaction.Result>> f : inFlight) {
            ZkStoreException e = failureOf(f);
            assertThat(e.failedOperation()).isZero();
            assertThat(e.isBadVersion()).isTrue();
        }
        assertThat(store.exists("/z0")).isEmpty();
        assertThat(store.exists("/z2")).isEmpty();
    }

    @Test
    void getAllReadsManyNodesAndReportsTheMissingOnesEmpty() {
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            paths.add("/r/" + i);
            if (i % 3 != 0) {
                store.create("/r/" + i, bytes("v" + i), CreateMode.PERSISTENT);
            }
        }
        Map<String, Optional<ZkNode>> read = store.getAll(paths, TIMEOUT);
        assertThat(read.keySet()).containsExactlyElementsOf(paths);
        assertThat(read.get("/r/0")).isEmpty();
        assertThat(new String(read.get("/r/299").orElseThrow().data(), StandardCharsets.UTF_8))
                .isEqualTo("v299");
        assertThat(read.values().stream().filter(Optional::isPresent).count()).isEqualTo(200);
    }

    @Test
    void watchDataAllArmsAWatchOnEveryNodeIncludingMissingOnes() {
        store.create("/w/a", bytes("1"), CreateMode.PERSISTENT);
        store.create("/w/b", bytes("1"), CreateMode.PERSISTENT);
        Map<String, AtomicInteger> fired =
                Map.of("/w/a", new AtomicInteger(), "/w/b", new AtomicInteger(), "/w/c", new AtomicInteger());
        Map<String, Optional<ZkNode>> read =
                store.watchDataAll(List.of("/w/a", "/w/b", "/w/c"), p -> fired.get(p)::incrementAndGet, TIMEOUT);
        assertThat(read.get("/w/a")).isPresent();
        assertThat(read.get("/w/c")).isEmpty();

        store.setData("/w/a", bytes("2"), 0);
        store.create("/w/c", bytes("1"), CreateMode.PERSISTENT);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(fired.get("/w/a")).hasValue(1);
            assertThat(fired.get("/w/c")).hasValue(1);
        });
        assertThat(fired.get("/w/b")).hasValue(0);
    }
}
