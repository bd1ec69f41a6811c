package io.sluice.controller;

import static io.sluice.controller.BrokerFailureTest.assigned;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.zk.ConfigEntityZNode;
import io.sluice.metadata.zk.DeleteTopicsZNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.common.message.StopReplicaRequestData;
import org.apache.kafka.common.message.UpdateMetadataRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class TopicDeletionTest {

    private static boolean deletesOn(ControllerTestCluster.SimBroker controller, int brokerId) {
        return controller.channel.sentTo(brokerId, StopReplicaRequestData.class).stream()
                .anyMatch(r -> r.topicStates().stream()
                        .anyMatch(t -> t.topicName().equals("d")
                                && t.partitionStates().stream().allMatch(p -> p.deletePartition())));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void deletionWithAnOfflineReplicaCompletesWhenItReturns() throws Exception {
        try (ControllerTestCluster cluster = ControllerTestCluster.withBrokers(3)) {
            ControllerTestCluster.SimBroker controller = cluster.awaitController();
            int[] others =
                    IntStream.rangeClosed(1, 3).filter(i -> i != controller.id).toArray();
            int offline = others[0];
            int online = others[1];
            var created = cluster.createTopic(
                    assigned("d", List.of(List.of(offline, online), List.of(online, controller.id))));
            assertThat(Errors.forCode(created.errorCode())).isEqualTo(Errors.NONE);
            cluster.killBroker(offline);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !controller.channel.liveBrokers().contains(offline));
            controller.channel.clear();

            CompletableFuture<Map<String, Errors>> deleted = controller
                    .controller
                    .deleteTopics(List.of("d", "nope"), Duration.ofSeconds(60))
                    .toCompletableFuture();
            await().atMost(Duration.ofSeconds(10)).until(() -> deletesOn(controller, online));
            assertThat(deletesOn(controller, controller.id)).isTrue();
            // brokers were told the topic is going away (leader -2)
            UpdateMetadataRequestData um = controller
                    .channel
                    .sentTo(online, UpdateMetadataRequestData.class)
                    .get(0);
            assertThat(um.topicStates().get(0).partitionStates().get(0).leader())
                    .isEqualTo(-2);
            assertThat(deleted).isNotDone();
            assertThat(cluster.zk().topic("d")).isPresent();
            assertThat(cluster.zk().get(DeleteTopicsZNode.path("d"))).isPresent();

            cluster.restartBroker(offline);
            Map<String, Errors> result = deleted.get(30, TimeUnit.SECONDS);
            assertThat(result).containsEntry("d", Errors.NONE).containsEntry("nope", Errors.UNKNOWN_TOPIC_OR_PARTITION);
            assertThat(deletesOn(controller, offline)).isTrue();
            assertThat(cluster.zk().topic("d")).isEmpty();
            assertThat(cluster.zk().get(DeleteTopicsZNode.path("d"))).isEmpty();
            assertThat(cluster.zk().get(ConfigEntityZNode.topicPath("d"))).isEmpty();
            assertThat(cluster.zk().get("/brokers/topics/d/partitions/0/state")).isEmpty();

            // the name is free again
            assertThat(Errors.forCode(cluster.createTopic("d", 1, 1).errorCode()))
                    .isEqualTo(Errors.NONE);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aDeletionRequestWrittenByAToolIsCarriedOut() throws Exception {
        try (ControllerTestCluster cluster = ControllerTestCluster.withBrokers(2)) {
            cluster.awaitController();
            assertThat(Errors.forCode(cluster.createTopic("tool", 2, 2).errorCode()))
                    .isEqualTo(Errors.NONE);
            cluster.zk()
                    .create(DeleteTopicsZNode.path("tool"), new byte[0], org.apache.zookeeper.CreateMode.PERSISTENT);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> cluster.zk().topic("tool").isEmpty()
                            && cluster.zk().get(DeleteTopicsZNode.path("tool")).isEmpty());
        }
    }
}
