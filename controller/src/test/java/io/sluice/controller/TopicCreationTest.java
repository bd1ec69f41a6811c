package io.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.model.TopicMetadata;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.LeaderAndIsrRequestData;
import org.apache.kafka.common.message.UpdateMetadataRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class TopicCreationTest {

    private static ControllerTestCluster sixBrokersOnThreeRacks() throws Exception {
        return new ControllerTestCluster(List.of(
                Optional.of("r1"),
                Optional.of("r1"),
                Optional.of("r2"),
                Optional.of("r2"),
                Optional.of("r3"),
                Optional.of("r3")));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void createsStatesAndBatchesLeaderAndIsrPerBroker() throws Exception {
        try (ControllerTestCluster cluster = sixBrokersOnThreeRacks()) {
            ControllerTestCluster.SimBroker controller = cluster.awaitController();
            controller.channel.clear();
            var result = cluster.createTopic("orders", 12, 3);
            assertThat(Errors.forCode(result.errorCode())).isEqualTo(Errors.NONE);
            assertThat(result.topicId()).isNotEqualTo(Uuid.ZERO_UUID);

            TopicMetadata topic = cluster.zk().topic("orders").orElseThrow().value();
            assertThat(topic.topicId()).isEqualTo(result.topicId());
            Map<Integer, Set<TopicPartition>> expectedPerBroker = new HashMap<>();
            for (int p = 0; p < 12; p++) {
                List<Integer> replicas = topic.replicas(p);
                assertThat(replicas).hasSize(3);
                Set<String> racks = new HashSet<>();
                replicas.forEach(b -> racks.add(cluster.broker(b).rack.orElseThrow()));
                assertThat(racks).as("partition %d on distinct racks", p).hasSize(3);
                TopicPartition tp = new TopicPartition("orders", p);
                LeaderAndIsr state = cluster.state(tp).orElseThrow();
                assertThat(state.leader()).isEqualTo(replicas.get(0));
                assertThat(state.isr()).isEqualTo(replicas);
                assertThat(state.leaderEpoch()).isZero();
                assertThat(state.partitionEpoch()).isZero();
                assertThat(state.controllerEpoch()).isEqualTo(controller.controller.epoch());
                replicas.forEach(b -> expectedPerBroker
                        .computeIfAbsent(b, k -> new HashSet<>())
                        .add(tp));
            }
            for (int b = 1; b <= 6; b++) {
                List<LeaderAndIsrRequestData> requests = controller.channel.sentTo(b, LeaderAndIsrRequestData.class);
                assertThat(requests).as("one LeaderAndIsr to broker %d", b).hasSize(1);
                LeaderAndIsrRequestData r = requests.get(0);
                assertThat(r.controllerId()).isEqualTo(controller.id);
                assertThat(r.controllerEpoch()).isEqualTo(controller.controller.epoch());
                assertThat(r.brokerEpoch()).isEqualTo(cluster.broker(b).info.brokerEpoch());
                Set<TopicPartition> got = new HashSet<>();
                for (var t : r.topicStates()) {
                    assertThat(t.topicId()).isEqualTo(result.topicId());
                    t.partitionStates().forEach(ps -> {
                        got.add(new TopicPartition(t.topicName(), ps.partitionIndex()));
                        assertThat(ps.isNew()).isTrue();
                        assertThat(ps.replicas()).isEqualTo(topic.replicas(ps.partitionIndex()));
                    });
                }
                assertThat(got).isEqualTo(expectedPerBroker.getOrDefault(b, Set.of()));
                assertThat(r.liveLeaders()).isNotEmpty();
                List<UpdateMetadataRequestData> um = controller.channel.sentTo(b, UpdateMetadataRequestData.class);
                assertThat(um).hasSize(1);
                assertThat(um.get(0).liveBrokers()).hasSize(6);
                assertThat(um.get(0).topicStates().get(0).partitionStates()).hasSize(12);
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void rejectsInvalidRequestsWithKafkaErrors() throws Exception {
        try (ControllerTestCluster cluster = ControllerTestCluster.withBrokers(3)) {
            cluster.awaitController();
            assertThat(Errors.forCode(cluster.createTopic("t", 3, 2).errorCode()))
                    .isEqualTo(Errors.NONE);
            assertThat(Errors.forCode(cluster.createTopic("t", 3, 2).errorCode()))
                    .isEqualTo(Errors.TOPIC_ALREADY_EXISTS);
            assertThat(Errors.forCode(cluster.createTopic("big", 3, 4).errorCode()))
                    .isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
            assertThat(Errors.forCode(cluster.createTopic("none", 0, 1).errorCode()))
                    .isEqualTo(Errors.INVALID_PARTITIONS);
            assertThat(Errors.forCode(cluster.createTopic("bad name!", 1, 1).errorCode()))
                    .isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);

            CreateTopicsRequestData.CreatableTopic badConfig = new CreateTopicsRequestData.CreatableTopic()
                    .setName("cfg")
                    .setNumPartitions(1)
                    .setReplicationFactor((short) 1);
            badConfig
                    .configs()
                    .add(new CreateTopicsRequestData.CreatableTopicConfig()
                            .setName("retention.ms")
                            .setValue("soon"));
            CreateTopicsResponseData.CreatableTopicResult cfg = cluster.createTopic(badConfig);
            assertThat(Errors.forCode(cfg.errorCode())).isEqualTo(Errors.INVALID_CONFIG);
            assertThat(cfg.errorMessage()).contains("retention.ms");

            CreateTopicsRequestData.CreatableTopic manual = new CreateTopicsRequestData.CreatableTopic()
                    .setName("manual")
                    .setNumPartitions(-1)
                    .setReplicationFactor((short) -1);
            manual.assignments()
                    .add(new CreateTopicsRequestData.CreatableReplicaAssignment()
                            .setPartitionIndex(0)
                            .setBrokerIds(List.of(1, 7)));
            assertThat(Errors.forCode(cluster.createTopic(manual).errorCode()))
                    .isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);

            CreateTopicsRequestData.CreatableTopic good = new CreateTopicsRequestData.CreatableTopic()
                    .setName("manual-ok")
                    .setNumPartitions(-1)
                    .setReplicationFactor((short) -1);
            good.assignments()
                    .add(new CreateTopicsRequestData.CreatableReplicaAssignment()
                            .setPartitionIndex(0)
                            .setBrokerIds(List.of(3, 1)));
            assertThat(Errors.forCode(cluster.createTopic(good).errorCode())).isEqualTo(Errors.NONE);
            assertThat(cluster.leaderOf(new TopicPartition("manual-ok", 0))).isEqualTo(3);

            assertThat(cluster.zk().topic("big")).isEmpty();
            assertThat(cluster.zk().topic("cfg")).isEmpty();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void brokersWithoutARackFailPlacementUnlessTheControllerIsToldToIgnoreRacks() throws Exception {
        List<Optional<String>> mixed = List.of(Optional.of("r1"), Optional.of("r2"), Optional.empty());
        try (ControllerTestCluster cluster = new ControllerTestCluster(mixed)) {
            cluster.awaitController();
            CreateTopicsResponseData.CreatableTopicResult refused = cluster.createTopic("mixed", 3, 2);
            assertThat(Errors.forCode(refused.errorCode())).isEqualTo(Errors.INVALID_CONFIG);
            assertThat(refused.errorMessage()).contains("3");
            assertThat(cluster.zk().topic("mixed")).isEmpty();
        }
        try (ControllerTestCluster cluster = new ControllerTestCluster(mixed, c -> c.withIgnoreRacks(true))) {
            cluster.awaitController();
            assertThat(Errors.forCode(cluster.createTopic("mixed", 3, 2).errorCode()))
                    .isEqualTo(Errors.NONE);
            assertThat(cluster.zk().topic("mixed")).isPresent();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBrokerThatIsNotControllerAnswersNotController() throws Exception {
        try (ControllerTestCluster cluster = ControllerTestCluster.withBrokers(2)) {
            ControllerTestCluster.SimBroker controller = cluster.awaitController();
            ControllerTestCluster.SimBroker other = cluster.broker(controller.id == 1 ? 2 : 1);
            CreateTopicsRequestData request = new CreateTopicsRequestData();
            request.topics()
                    .add(new CreateTopicsRequestData.CreatableTopic()
                            .setName("x")
                            .setNumPartitions(1)
                            .setReplicationFactor((short) 1));
            CreateTopicsResponseData response = other.controller
                    .createTopics(request, false)
                    .toCompletableFuture()
                    .join();
            assertThat(Errors.forCode(response.topics().find("x").errorCode())).isEqualTo(Errors.NOT_CONTROLLER);
        }
    }
}
