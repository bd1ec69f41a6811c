package io.sluice.metadata.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.config.ZkConnect;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.model.ProducerIdBlock;
import io.sluice.metadata.model.TopicMetadata;
import io.sluice.testsupport.EmbeddedZooKeeper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.kafka.common.TopicPartition;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link ZkStore} against an embedded ZooKeeper on 127.0.0.1. */
@Timeout(60)
class ZkStoreTest {
    @TempDir
    Path dataDir;

    private EmbeddedZooKeeper server;
    private CuratorFramework client;
    private ZkStore store;

    @BeforeEach
    void start() throws Exception {
        server = EmbeddedZooKeeper.start(dataDir);
        client = newClient(server.connectString());
        store = new ZkStore(client);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
    }

    private static CuratorFramework newClient(String connect) throws InterruptedException {
        CuratorFramework c = ZkClients.newClient(ZkConnect.parse(connect), 10_000, 10_000);
        c.start();
        assertThat(c.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
        return c;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void createIfAbsentCreatesOnceAndKeepsTheFirstData() {
        assertThat(store.createIfAbsent("/a/b/c", bytes("first"), CreateMode.PERSISTENT))
                .isTrue();
        assertThat(store.createIfAbsent("/a/b/c", bytes("second"), CreateMode.PERSISTENT))
                .isFalse();
        ZkNode node = store.get("/a/b/c").orElseThrow();
        assertThat(new String(node.data(), StandardCharsets.UTF_8)).isEqualTo("first");
        assertThat(node.zkVersion()).isZero();
        assertThatThrownBy(() -> store.create("/a/b/c", bytes("x"), CreateMode.PERSISTENT))
                .isInstanceOfSatisfying(
                        ZkStoreException.class,
                        e -> assertThat(e.isNodeExists()).isTrue());
        assertThat(store.get("/missing")).isEmpty();
        assertThat(store.exists("/a/b")).isPresent();
    }

    @Test
    void conditionalSetFailsWithBadVersion() {
        store.create("/node", bytes("v0"), CreateMode.PERSISTENT);
        int v1 = store.setData("/node", bytes("v1"), 0);
        assertThat(v1).isEqualTo(1);
        assertThatThrownBy(() -> store.setData("/node", bytes("stale"), 0))
                .isInstanceOfSatisfying(ZkStoreException.class, e -> {
                    assertThat(e.isBadVersion()).isTrue();
                    assertThat(e.code()).contains(KeeperException.Code.BADVERSION);
                    assertThat(e.path()).contains("/node");
                });
        assertThat(new String(store.get("/node").orElseThrow().data(), StandardCharsets.UTF_8))
                .isEqualTo("v1");
        assertThat(store.setData("/node", bytes("any"), Versioned.MATCH_ANY_VERSION))
                .isEqualTo(2);
        assertThatThrownBy(() -> store.setData("/none", bytes("x"), 0))
                .isInstanceOfSatisfying(
                        ZkStoreException.class, e -> assertThat(e.isNoNode()).isTrue());
        assertThatThrownBy(() -> store.delete("/node", 1))
                .isInstanceOfSatisfying(
                        ZkStoreException.class,
                        e -> assertThat(e.isBadVersion()).isTrue());
        store.delete("/node", 2);
        assertThat(store.exists("/node")).isEmpty();
    }

    @Test
    void fencedTransactionAppliesAllOrNothing() {
        store.ensurePersistentPaths();
        store.create(ControllerEpochZNode.PATH, ControllerEpochZNode.encode(1), CreateMode.PERSISTENT);
        int epochVersion = store.controllerEpoch().orElseThrow().zkVersion();
        String state = TopicPartitionStateZNode.path("t", 0);
        store.create(
                state,
                TopicPartitionStateZNode.encode(LeaderAndIsr.initial(1, List.of(1, 2), 1)),
                CreateMode.PERSISTENT);

        List<ZkTransaction.Result> results = store.fencedTransaction(epochVersion)
                .setData(state, TopicPartitionStateZNode.encode(new LeaderAndIsr(2, 1, List.of(2), 1, 0)), 0)
                .create(DeleteTopicsZNode.path("t"), DeleteTopicsZNode.encode(), CreateMode.PERSISTENT)
                .commit();
        assertThat(results)
                .extracting(ZkTransaction.Result::type)
                .containsExactly(
                        ZkTransaction.OpType.CHECK, ZkTransaction.OpType.SET_DATA, ZkTransaction.OpType.CREATE);
        assertThat(results.get(1).stat().getVersion()).isEqualTo(1);
        assertThat(store.partitionState(new TopicPartition("t", 0))).contains(new LeaderAndIsr(2, 1, List.of(2), 1, 1));
        assertThat(store.topicsPendingDeletion()).containsExactly("t");

        // another controller bumps the epoch: the zombie's fenced write applies nothing
        store.setData(ControllerEpochZNode.PATH, ControllerEpochZNode.encode(2), epochVersion);
        ZkTransaction zombie = store.fencedTransaction(epochVersion)
                .setData(state, TopicPartitionStateZNode.encode(new LeaderAndIsr(1, 2, List.of(1), 1, 0)), 1)
                .create("/brokers/topics/t/marker", new byte[0], CreateMode.PERSISTENT);
        assertThatThrownBy(zombie::commit).isInstanceOfSatisfying(ZkStoreException.class, e -> {
            assertThat(e.isBadVersion()).isTrue();
            assertThat(e.failedOperation()).isZero();
            assertThat(e.path()).contains(ControllerEpochZNode.PATH);
        });
        assertThat(store.partitionState(new TopicPartition("t", 0))
                        .orElseThrow()
                        .leader())
                .isEqualTo(2);
        assertThat(store.exists("/brokers/topics/t/marker")).isEmpty();
        assertThatThrownBy(zombie::commit).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void transactionReportsTheFailingOperation() {
        store.create("/x", bytes("0"), CreateMode.PERSISTENT);
        ZkTransaction tx = store.transaction()
                .check("/x", 0)
                .create("/y", bytes("1"), CreateMode.PERSISTENT)
                .setData("/x", bytes("2"), 5);
        assertThatThrownBy(tx::commit).isInstanceOfSatisfying(ZkStoreException.class, e -> {
            assertThat(e.failedOperation()).isEqualTo(2);
            assertThat(e.isBadVersion()).isTrue();
        });
        assertThat(store.exists("/y")).isEmpty();
    }

    @Test
    void brokerRegistrationIsEphemeralAndUnique() throws Exception {
        store.ensurePersistentPaths();
        BrokerInfo broker = new BrokerInfo(1, List.of(Endpoint.plaintext("127.0.0.1", 9092)), Optional.of("r1"), -1);
        BrokerInfo registered = store.registerBroker(broker, 1000L);
        Stat stat = store.exists(BrokerIdZNode.path(1)).orElseThrow();
        assertThat(registered.brokerEpoch()).isEqualTo(stat.getCzxid()).isPositive();
        assertThat(stat.getEphemeralOwner())
                .isEqualTo(client.getZookeeperClient().getZooKeeper().getSessionId());
        assertThat(store.broker(1)).contains(registered);

        try (CuratorFramework other = newClient(server.connectString())) {
            ZkStore otherStore = new ZkStore(other);
            assertThatThrownBy(() -> otherStore.registerBroker(broker, 2000L))
                    .isInstanceOfSatisfying(
                            ZkStoreException.class,
                            e -> assertThat(e.isNodeExists()).isTrue())
                    .hasMessageContaining("Broker id 1 is already registered");
            BrokerInfo second = otherStore.registerBroker(
                    new BrokerInfo(2, List.of(Endpoint.plaintext("127.0.0.1", 9093)), Optional.empty(), -1), 3000L);
            assertThat(store.brokers()).containsOnlyKeys(1, 2);
            assertThat(store.brokers().get(2)).isEqualTo(second);
            assertThat(second.brokerEpoch()).isGreaterThan(registered.brokerEpoch());
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> store.broker(2).isEmpty());
        assertThat(store.brokers()).containsOnlyKeys(1);
    }

    @Test
    void typedReads() {
        store.ensurePersistentPaths();
        assertThat(store.controllerId()).isEmpty();
        assertThat(store.controllerEpoch()).isEmpty();
        store.create(ControllerZNode.PATH, ControllerZNode.encode(3, 1L), CreateMode.EPHEMERAL);
        store.create(ControllerEpochZNode.PATH, ControllerEpochZNode.encode(4), CreateMode.PERSISTENT);
        assertThat(store.controllerId()).contains(3);
        assertThat(store.controllerEpoch()).contains(new Versioned<>(4, 0));

        TopicMetadata topic = TopicMetadata.of(
                "orders", TopicZNode.newTopicId(new Random(3)), Map.of(0, List.of(1, 2), 1, List.of(2, 1)));
        store.create(TopicZNode.path("orders"), TopicZNode.encode(topic), CreateMode.PERSISTENT);
        store.create(
                TopicZNode.path("audit"),
                TopicZNode.encode(TopicMetadata.of("audit", topic.topicId(), Map.of(0, List.of(1)))),
                CreateMode.PERSISTENT);
        assertThat(store.topicNames()).containsExactly("audit", "orders");
        assertThat(store.topic("orders")).contains(new Versioned<>(topic, 0));
        assertThat(store.topic("nope")).isEmpty();

        store.create(
                ConfigEntityZNode.topicPath("orders"),
                ConfigEntityZNode.encode(Map.of("retention.ms", "5")),
                CreateMode.PERSISTENT);
        assertThat(store.topicConfig("orders")).containsExactly(Map.entry("retention.ms", "5"));
        assertThat(store.topicConfig("audit")).isEmpty();
        assertThat(store.children("/nothing/here")).isEmpty();
        assertThat(store.children(ZkPaths.BROKERS)).containsExactly("ids", "seqid", "topics");
    }

    @Test
    void clusterIdIsCreatedOnce() {
        String first = store.getOrCreateClusterId(() -> "first-id");
        String second = store.getOrCreateClusterId(() -> "second-id");
        assertThat(first).isEqualTo("first-id");
        assertThat(second).isEqualTo("first-id");
    }

    @Test
    void chrootIsTheNamespace() throws Exception {
        try (CuratorFramework chrooted = newClient(server.connectString() + "/sluice/c1")) {
            ZkStore chrootStore = new ZkStore(chrooted);
            chrootStore.ensurePersistentPaths();
            chrootStore.registerBroker(
                    new BrokerInfo(7, List.of(Endpoint.plaintext("h", 1)), Optional.empty(), -1), 1L);
            assertThat(store.exists("/sluice/c1/brokers/ids/7")).isPresent();
            assertThat(store.exists("/brokers/ids/7")).isEmpty();
            assertThat(chrootStore.brokers()).containsOnlyKeys(7);
        }
    }

    @Test
    void deleteRecursive() {
        store.create("/brokers/topics/t/partitions/0/state", bytes("{}"), CreateMode.PERSISTENT);
        assertThat(store.deleteRecursiveIfExists("/brokers/topics/t")).isTrue();
        assertThat(store.exists("/brokers/topics/t")).isEmpty();
        assertThat(store.deleteRecursiveIfExists("/brokers/topics/t")).isFalse();
    }

    @Test
    void childWatchFiresOnceOnChangeAndCanBeRearmed() {
        store.ensurePersistentPaths();
        AtomicInteger fired = new AtomicInteger();
        assertThat(store.watchChildren(ZkPaths.BROKER_IDS, fired::incrementAndGet))
                .isEmpty();
        store.registerBroker(new BrokerInfo(1, List.of(Endpoint.plaintext("h", 1)), Optional.empty(), -1), 1L);
        await().atMost(Duration.ofSeconds(10)).until(() -> fired.get() == 1);
        assertThat(store.watchChildren(ZkPaths.BROKER_IDS, fired::incrementAndGet))
                .containsExactly("1");
        store.delete(BrokerIdZNode.path(1), -1);
        await().atMost(Duration.ofSeconds(10)).until(() -> fired.get() == 2);
    }

    @Test
    void dataWatchFiresOnCreateAndOnChange() {
        AtomicInteger fired = new AtomicInteger();
        assertThat(store.watchData(ControllerZNode.PATH, fired::incrementAndGet))
                .isEmpty();
        assertThat(store.watchChildren("/not/yet", fired::incrementAndGet)).isEmpty();
        store.create(ControllerZNode.PATH, ControllerZNode.encode(1, 1L), CreateMode.EPHEMERAL);
        await().atMost(Duration.ofSeconds(10)).until(() -> fired.get() == 1);
        ZkNode node =
                store.watchData(ControllerZNode.PATH, fired::incrementAndGet).orElseThrow();
        assertThat(ControllerZNode.decode(node.data())).isEqualTo(1);
        store.setData(ControllerZNode.PATH, ControllerZNode.encode(2, 2L), node.zkVersion());
        await().atMost(Duration.ofSeconds(10)).until(() -> fired.get() == 2);
        store.create("/not/yet", new byte[0], CreateMode.PERSISTENT);
        await().atMost(Duration.ofSeconds(10)).until(() -> fired.get() == 3);
    }

    @Test
    void producerIdBlocksNeverOverlap() throws Exception {
        ProducerIdBlock first = store.claimProducerIdBlock(1, ProducerIdBlock.DEFAULT_BLOCK_SIZE, 5);
        assertThat(first).isEqualTo(new ProducerIdBlock(1, 0, 1000));
        try (CuratorFramework other = newClient(server.connectString())) {
            ZkStore otherStore = new ZkStore(other);
            ProducerIdBlock second = otherStore.claimProducerIdBlock(2, ProducerIdBlock.DEFAULT_BLOCK_SIZE, 5);
            assertThat(second).isEqualTo(new ProducerIdBlock(2, 1000, 1000));
        }
        assertThat(ProducerIdBlockZNode.decode(
                        store.get(ProducerIdBlockZNode.PATH).orElseThrow().data()))
                .contains(new ProducerIdBlock(2, 1000, 1000));
        assertThat(store.claimProducerIdBlock(1, 10, 5)).isEqualTo(new ProducerIdBlock(1, 2000, 10));
    }

    @Test
    void concurrentClaimsGetDisjointBlocks() throws Exception {
        try (CuratorFramework other = newClient(server.connectString())) {
            ZkStore otherStore = new ZkStore(other);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<List<ProducerIdBlock>> a = pool.submit(() -> claim(store, 1));
                Future<List<ProducerIdBlock>> b = pool.submit(() -> claim(otherStore, 2));
                List<ProducerIdBlock> all = new java.util.ArrayList<>(a.get(30, TimeUnit.SECONDS));
                all.addAll(b.get(30, TimeUnit.SECONDS));
                assertThat(all)
                        .extracting(ProducerIdBlock::firstProducerId)
                        .doesNotHaveDuplicates()
                        .containsExactlyInAnyOrderElementsOf(java.util.stream.LongStream.range(0, 40)
                                .map(i -> i * 10)
                                .boxed()
                                .toList());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static List<ProducerIdBlock> claim(ZkStore s, int broker) {
        List<ProducerIdBlock> out = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            out.add(s.claimProducerIdBlock(broker, 10, 100));
        }
        return out;
    }
}
