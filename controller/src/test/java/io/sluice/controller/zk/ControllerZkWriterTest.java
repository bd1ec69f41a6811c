package io.sluice.controller.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.model.TopicMetadata;
import io.sluice.metadata.zk.ControllerEpochZNode;
import io.sluice.metadata.zk.TopicPartitionStateZNode;
import io.sluice.metadata.zk.ZkStore;
import io.sluice.testsupport.EmbeddedZooKeeper;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ControllerZkWriterTest {

    private EmbeddedZooKeeper server;
    private CuratorFramework client;
    private ZkStore store;
    private ControllerZkWriter writer;

    @BeforeEach
    void setUp() throws Exception {
        server = EmbeddedZooKeeper.start();
        client = CuratorFrameworkFactory.newClient(server.connectString(), new RetryNTimes(5, 100));
        client.start();
        store = new ZkStore(client);
        store.ensurePersistentPaths();
        store.create(ControllerEpochZNode.PATH, ControllerEpochZNode.encode(1), CreateMode.PERSISTENT);
        writer = new ControllerZkWriter(store);
        writer.fence(0);
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close();
        server.close();
    }

    private Map<TopicPartition, LeaderAndIsr> createTopicWithStates(String name, int partitions) {
        Map<Integer, List<Integer>> assignment = new LinkedHashMap<>();
        Map<TopicPartition, LeaderAndIsr> states = new LinkedHashMap<>();
        for (int p = 0; p < partitions; p++) {
            assignment.put(p, List.of(1, 2));
            states.put(new TopicPartition(name, p), LeaderAndIsr.initial(1, List.of(1, 2), 1));
        }
        writer.createTopic(TopicMetadata.of(name, Uuid.randomUuid(), assignment), Map.of("retention.ms", "1000"));
        return writer.createPartitionStates(states);
    }

    @Test
    void writesManyPartitionStatesAcrossSeveralTransactionsAndReturnsTheirNewEpochs() {
        Map<TopicPartition, LeaderAndIsr> created = createTopicWithStates("t", 1200);
        assertThat(created).hasSize(1200);
        assertThat(created.values()).allMatch(s -> s.partitionEpoch() == 0);
        assertThat(store.topicConfig("t")).containsEntry("retention.ms", "1000");
        Map<TopicPartition, LeaderAndIsr> updates = new LinkedHashMap<>();
        created.forEach((tp, s) -> updates.put(tp, new LeaderAndIsr(2, 1, List.of(2), 1, s.partitionEpoch())));
        ControllerZkWriter.UpdateResult result = writer.updatePartitionStates(updates);
        assertThat(result.conflicts()).isEmpty();
        assertThat(result.written()).hasSize(1200);
        assertThat(result.written().values()).allMatch(s -> s.partitionEpoch() == 1);
        assertThat(store.partitionState(new TopicPartition("t", 1199))
                        .orElseThrow()
                        .leader())
                .isEqualTo(2);
    }

    @Test
    void aStateZnodeThatMovedIsReportedAndTheOthersAreWritten() {
        Map<TopicPartition, LeaderAndIsr> created = createTopicWithStates("t", 3);
        TopicPartition moved = new TopicPartition("t", 1);
        store.setData(
                TopicPartitionStateZNode.path(moved),
                TopicPartitionStateZNode.encode(LeaderAndIsr.initial(2, List.of(2), 1)),
                0);
        Map<TopicPartition, LeaderAndIsr> updates = new LinkedHashMap<>();
        created.forEach((tp, s) -> updates.put(tp, new LeaderAndIsr(1, 1, List.of(1), 1, s.partitionEpoch())));
        ControllerZkWriter.UpdateResult result = writer.updatePartitionStates(updates);
        assertThat(result.conflicts()).containsExactly(moved);
        assertThat(result.written()).containsOnlyKeys(new TopicPartition("t", 0), new TopicPartition("t", 2));
        assertThat(store.partitionState(moved).orElseThrow().leader()).isEqualTo(2);
    }

    @Test
    void aWriteAfterAnotherControllerWasElectedFailsOnTheFenceAndChangesNothing() {
        Map<TopicPartition, LeaderAndIsr> created = createTopicWithStates("t", 2);
        // another controller wins: /controller_epoch moves to a new version
        store.setData(ControllerEpochZNode.PATH, ControllerEpochZNode.encode(2), 0);
        Map<TopicPartition, LeaderAndIsr> updates = new LinkedHashMap<>();
        created.forEach((tp, s) -> updates.put(tp, new LeaderAndIsr(2, 1, List.of(2), 1, s.partitionEpoch())));
        assertThatThrownBy(() -> writer.updatePartitionStates(updates)).isInstanceOf(ControllerMovedException.class);
        assertThatThrownBy(() ->
                        writer.createTopic(TopicMetadata.of("u", Uuid.randomUuid(), Map.of(0, List.of(1))), Map.of()))
                .isInstanceOf(ControllerMovedException.class);
        assertThatThrownBy(() -> writer.deleteTopic("t", java.util.Set.of(0, 1)))
                .isInstanceOf(ControllerMovedException.class);
        assertThat(store.partitionState(new TopicPartition("t", 0))
                        .orElseThrow()
                        .leader())
                .isEqualTo(1);
        assertThat(store.topic("u")).isEmpty();
    }

    @Test
    void deletesATopicsZnodesChildrenFirst() {
        createTopicWithStates("gone", 3);
        writer.requestTopicDeletion("gone");
        assertThat(store.topicsPendingDeletion()).containsExactly("gone");
        writer.deleteTopic("gone", java.util.Set.of(0, 1, 2));
        assertThat(store.topic("gone")).isEmpty();
        assertThat(store.topicConfig("gone")).isEmpty();
        assertThat(store.topicsPendingDeletion()).isEmpty();
    }

    @Test
    void pipelinedTransactionsReportConflictsInSeveralChunksAndWriteEverythingElse() {
        Map<TopicPartition, LeaderAndIsr> created = createTopicWithStates("t", 2500);
        // one moved partition in the first and one in the third transaction
        List<TopicPartition> moved = List.of(new TopicPartition("t", 10), new TopicPartition("t", 2400));
        for (TopicPartition tp : moved) {
            store.setData(
                    TopicPartitionStateZNode.path(tp),
                    TopicPartitionStateZNode.encode(LeaderAndIsr.initial(2, List.of(2), 1)),
                    0);
        }
        Map<TopicPartition, LeaderAndIsr> updates = new LinkedHashMap<>();
        created.forEach((tp, s) -> updates.put(tp, new LeaderAndIsr(2, 1, List.of(2, 1), 1, s.partitionEpoch())));
        ControllerZkWriter.UpdateResult result = writer.updatePartitionStates(updates);
        assertThat(result.conflicts()).containsExactlyInAnyOrderElementsOf(moved);
        assertThat(result.written()).hasSize(2498).doesNotContainKeys(moved.toArray(TopicPartition[]::new));
        assertThat(result.written().values()).allMatch(s -> s.partitionEpoch() == 1);
        assertThat(store.partitionState(new TopicPartition("t", 11)).orElseThrow())
                .isEqualTo(new LeaderAndIsr(2, 1, List.of(2, 1), 1, 1));
        assertThat(store.partitionState(moved.get(1)).orElseThrow().isr()).containsExactly(2);
    }

    @Test
    void aTransactionFailingForAnotherReasonReportsWhatTheOthersCommitted() throws Exception {
        Map<TopicPartition, LeaderAndIsr> created = createTopicWithStates("t", 2500);
        // the middle transaction (partitions 999..1997) hits a state znode it may not write
        TopicPartition locked = new TopicPartition("t", 1500);
        client.setACL()
                .withACL(List.of(new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE)))
                .forPath(TopicPartitionStateZNode.path(locked));
        Map<TopicPartition, LeaderAndIsr> updates = new LinkedHashMap<>();
        created.forEach((tp, s) -> updates.put(tp, new LeaderAndIsr(2, 1, List.of(2, 1), 1, s.partitionEpoch())));
        assertThatThrownBy(() -> writer.updatePartitionStates(updates))
                .isInstanceOfSatisfying(PartialUpdateException.class, e -> {
                    assertThat(e.code()).contains(KeeperException.Code.NOAUTH);
                    assertThat(e.committed()).hasSize(2500 - 999);
                    assertThat(e.committed()).containsKeys(new TopicPartition("t", 0), new TopicPartition("t", 2499));
                    assertThat(e.committed()).doesNotContainKeys(new TopicPartition("t", 999), locked);
                    // what the exception says committed is exactly what ZooKeeper holds
                    e.committed()
                            .forEach((tp, s) ->
                                    assertThat(store.partitionState(tp)).contains(s));
                });
        assertThat(store.partitionState(new TopicPartition("t", 1000))
                        .orElseThrow()
                        .partitionEpoch())
                .isZero();
    }

    @Test
    void aFailedFenceFailsEveryPipelinedTransaction() {
        Map<TopicPartition, LeaderAndIsr> created = createTopicWithStates("t", 2500);
        store.setData(ControllerEpochZNode.PATH, ControllerEpochZNode.encode(2), 0);
        Map<TopicPartition, LeaderAndIsr> updates = new LinkedHashMap<>();
        created.forEach((tp, s) -> updates.put(tp, new LeaderAndIsr(2, 1, List.of(2), 1, s.partitionEpoch())));
        assertThatThrownBy(() -> writer.updatePartitionStates(updates)).isInstanceOf(ControllerMovedException.class);
        for (int p : new int[] {0, 1200, 2499}) {
            assertThat(store.partitionState(new TopicPartition("t", p))
                            .orElseThrow()
                            .partitionEpoch())
                    .isZero();
        }
    }

    @Test
    void deletesALargeTopicWithPipelinedTransactions() {
        createTopicWithStates("big", 1500);
        writer.requestTopicDeletion("big");
        Set<Integer> partitions = new HashSet<>();
        for (int p = 0; p < 1500; p++) {
            partitions.add(p);
        }
        writer.deleteTopic("big", partitions);
        assertThat(store.topic("big")).isEmpty();
        assertThat(store.exists("/brokers/topics/big/partitions")).isEmpty();
        assertThat(store.topicsPendingDeletion()).isEmpty();
    }

    @Test
    void statesTooLargeForOneRequestAtTheOperationLimitGoInMoreTransactions() {
        Map<TopicPartition, LeaderAndIsr> created = createTopicWithStates("wide", 1200);
        // an ISR of 300 six-digit broker ids: about 2 KiB per state, so 999 of them would be about 2 MiB, twice
        // ZooKeeper's request limit
        List<Integer> isr = new java.util.ArrayList<>();
        for (int b = 0; b < 300; b++) {
            isr.add(100_000 + b);
        }
        Map<TopicPartition, LeaderAndIsr> updates = new LinkedHashMap<>();
        created.forEach((tp, s) -> updates.put(tp, new LeaderAndIsr(100_000, 1, isr, 1, s.partitionEpoch())));
        assertThat(TopicPartitionStateZNode.encode(updates.values().iterator().next()).length * 999L)
                .isGreaterThan(io.sluice.metadata.zk.ZkLimits.MAX_REQUEST_BYTES);

        ControllerZkWriter.UpdateResult result = writer.updatePartitionStates(updates);

        assertThat(result.conflicts()).isEmpty();
        assertThat(result.written()).hasSize(1200);
        assertThat(result.written().values()).allMatch(s -> s.partitionEpoch() == 1);
        assertThat(store.partitionState(new TopicPartition("wide", 1199))
                        .orElseThrow()
                        .isr())
                .isEqualTo(isr);
    }
}
