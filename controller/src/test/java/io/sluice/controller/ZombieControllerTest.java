package io.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.controller.event.ControllerEvent;
import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.zk.Versioned;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ZombieControllerTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aControllerWokenAfterItsSessionExpiredChangesNothing() throws Exception {
        try (ControllerTestCluster cluster = ControllerTestCluster.withBrokers(3)) {
            ControllerTestCluster.SimBroker zombie = cluster.awaitController();
            int zombieEpoch = zombie.controller.epoch();

            // pause the controller's event thread, as a long GC pause or SIGSTOP would
            CountDownLatch paused = new CountDownLatch(1);
            CountDownLatch wake = new CountDownLatch(1);
            zombie.controller.enqueue(new ControllerEvent.Callback("pause", () -> {
                paused.countDown();
                try {
                    wake.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            assertThat(paused.await(10, TimeUnit.SECONDS)).isTrue();
            CreateTopicsRequestData request = new CreateTopicsRequestData();
            request.topics()
                    .add(new CreateTopicsRequestData.CreatableTopic()
                            .setName("zombie-topic")
                            .setNumPartitions(3)
                            .setReplicationFactor((short) 2));
            CompletableFuture<CreateTopicsResponseData> pending =
                    zombie.controller.createTopics(request, false).toCompletableFuture();

            zombie.client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();

            // another broker wins with the next epoch while the zombie still believes it is controller
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> cluster.zk()
                            .controllerId()
                            .filter(id -> id != zombie.id
                                    && cluster.broker(id).controller.isActive())
                            .isPresent());
            ControllerTestCluster.SimBroker successor =
                    cluster.broker(cluster.zk().controllerId().orElseThrow());
            assertThat(successor.controller.epoch()).isEqualTo(zombieEpoch + 1);
            assertThat(zombie.controller.isActive()).isTrue();
            int sentBeforeWaking = zombie.channel.count();

            wake.countDown();
            CreateTopicsResponseData response = pending.get(30, TimeUnit.SECONDS);
            assertThat(Errors.forCode(response.topics().find("zombie-topic").errorCode()))
                    .isEqualTo(Errors.NOT_CONTROLLER);
            await().atMost(Duration.ofSeconds(10)).until(() -> !zombie.controller.isActive());
            assertThat(cluster.zk().topic("zombie-topic")).isEmpty();
            assertThat(cluster.zk().get("/config/topics/zombie-topic")).isEmpty();
            assertThat(cluster.zk().controllerEpoch()).map(Versioned::value).contains(zombieEpoch + 1);
            await().during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> zombie.channel.count() == sentBeforeWaking);

            // ZooKeeper holds the new controller's decisions only
            assertThat(Errors.forCode(cluster.createTopic("after", 2, 2).errorCode()))
                    .isEqualTo(Errors.NONE);
            LeaderAndIsr state = cluster.state(new TopicPartition("after", 0)).orElseThrow();
            assertThat(state.controllerEpoch()).isEqualTo(zombieEpoch + 1);
            assertThat(zombie.channel.count()).isEqualTo(sentBeforeWaking);
        }
    }
}
