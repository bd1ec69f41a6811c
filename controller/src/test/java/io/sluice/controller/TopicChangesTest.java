package io.sluice.controller;

import static io.sluice.controller.BrokerFailureTest.assigned;
import static io.sluice.controller.BrokerFailureTest.awaitState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.model.TopicMetadata;
import io.sluice.metadata.zk.TopicZNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class TopicChangesTest {

    private static Errors createPartitions(ControllerTestCluster cluster, String topic, int count) {
        CreatePartitionsRequestData request = new CreatePartitionsRequestData();
        request.topics()
                .add(new CreatePartitionsRequestData.CreatePartitionsTopic()
                        .setName(topic)
                        .setCount(count));
        CreatePartitionsResponseData response = cluster.awaitController()
                .controller
                .createPartitions(request, false)
                .toCompletableFuture()
                .join();
        return Errors.forCode(response.results().get(0).errorCode());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void createPartitionsAddsInitializedPartitions() throws Exception {
        try (ControllerTestCluster cluster = ControllerTestCluster.withBrokers(3)) {
            cluster.awaitController();
            assertThat(Errors.forCode(cluster.createTopic("grow", 2, 2).errorCode()))
                    .isEqualTo(Errors.NONE);
            assertThat(createPartitions(cluster, "grow", 5)).isEqualTo(Errors.NONE);
            TopicMetadata topic = cluster.zk().topic("grow").orElseThrow().value();
            assertThat(topic.partitionCount()).isEqualTo(5);
            for (int p = 2; p < 5; p++) {
                var state = cluster.state(new TopicPartition("grow", p)).orElseThrow();
                assertThat(state.leader()).isEqualTo(topic.replicas(p).get(0));
                assertThat(state.isr()).isEqualTo(topic.replicas(p));
            }
            assertThat(createPartitions(cluster, "grow", 5)).isEqualTo(Errors.INVALID_PARTITIONS);
            assertThat(createPartitions(cluster, "missing", 5)).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aTopicWrittenByAToolIsInitialized() throws Exception {
        try (ControllerTestCluster cluster = ControllerTestCluster.withBrokers(2)) {
            cluster.awaitController();
            TopicMetadata topic =
                    TopicMetadata.of("tool", Uuid.randomUuid(), Map.of(0, List.of(2, 1), 1, List.of(1, 2)));
            cluster.zk().create(TopicZNode.path("tool"), TopicZNode.encode(topic), CreateMode.PERSISTENT);
            awaitState(cluster, new TopicPartition("tool", 0), 2, List.of(2, 1), 0);
            awaitState(cluster, new TopicPartition("tool", 1), 1, List.of(1, 2), 0);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aPartitionCreatedWithoutLiveReplicasComesOnlineWhenOneRegisters() throws Exception {
        try (ControllerTestCluster cluster = ControllerTestCluster.withBrokers(3)) {
            ControllerTestCluster.SimBroker controller = cluster.awaitController();
            int away = IntStream.rangeClosed(1, 3)
                    .filter(i -> i != controller.id)
                    .findFirst()
                    .orElseThrow();
            cluster.killBroker(away);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !controller.channel.liveBrokers().contains(away));
            assertThat(cluster.createTopic(assigned("later", List.of(List.of(away))))
                            .errorCode())
                    .isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT.code());
            // a tool can still write such an assignment: the partition waits, without state, for a replica
            TopicMetadata topic = TopicMetadata.of("late", Uuid.randomUuid(), Map.of(0, List.of(away)));
            cluster.zk().create(TopicZNode.path("late"), TopicZNode.encode(topic), CreateMode.PERSISTENT);
            await().during(Duration.ofMillis(500))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> cluster.state(new TopicPartition("late", 0)).isEmpty());
            cluster.restartBroker(away);
            awaitState(cluster, new TopicPartition("late", 0), away, List.of(away), 0);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aStorageErrorInALeaderAndIsrResponseTakesTheReplicaOffline() throws Exception {
        try (ControllerTestCluster cluster = ControllerTestCluster.withBrokers(3)) {
            ControllerTestCluster.SimBroker controller = cluster.awaitController();
            int[] others =
                    IntStream.rangeClosed(1, 3).filter(i -> i != controller.id).toArray();
            int failing = others[0];
            int healthy = others[1];
            controller.channel.failLeaderAndIsr(failing, Errors.KAFKA_STORAGE_ERROR);
            assertThat(Errors.forCode(cluster.createTopic(assigned("disk", List.of(List.of(failing, healthy))))
                            .errorCode()))
                    .isEqualTo(Errors.NONE);
            awaitState(cluster, new TopicPartition("disk", 0), healthy, List.of(healthy), 1);
        }
    }
}
