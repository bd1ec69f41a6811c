package io.sluice.controller;

import static io.sluice.controller.BrokerFailureTest.assigned;
import static io.sluice.controller.BrokerFailureTest.awaitState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.model.PartitionAssignment;
import io.sluice.metadata.zk.ReassignPartitionsZNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.message.LeaderAndIsrRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.StopReplicaRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The controller's side of KIP-455 against simulated brokers: the topic znode records RS/AR/RR, new replicas get
 * LeaderAndIsr with a bumped leader epoch, the move completes when the leader reports the target replicas in the ISR
 * (leadership moved, ISR shrunk, StopReplica with delete to the removed replicas), cancellation restores the original
 * replicas, a new controller resumes a move, and the API's errors are Kafka's.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PartitionReassignmentTest {
    private static final String TOPIC = "moving";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    private ControllerTestCluster cluster;
    private Uuid topicId;

    @Test
    void movesAPartitionToNewBrokersOnceTheyAreInTheIsr() throws Exception {
        try (ControllerTestCluster c = ControllerTestCluster.withBrokers(6)) {
            start(c);
            ControllerTestCluster.SimBroker controller = cluster.awaitController();
            controller.channel.clear();

            assertThat(partitionErrors(alter(Map.of(P0, List.of(4, 5, 6))))).containsExactly(Errors.NONE);
            PartitionAssignment moving = assignment(P0);
            assertThat(moving.replicas()).containsExactly(4, 5, 6, 1, 2, 3);
            assertThat(moving.addingReplicas()).containsExactly(4, 5, 6);
            assertThat(moving.removingReplicas()).containsExactly(1, 2, 3);
            LeaderAndIsr started = cluster.state(P0).orElseThrow();
            assertThat(started.leader()).isEqualTo(1);
            assertThat(started.leaderEpoch()).isEqualTo(1);
            // the new replicas learn the partition with the full replica set, AR and RR
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(controller.channel.sentTo(4, LeaderAndIsrRequestData.class))
                            .isNotEmpty());
            LeaderAndIsrRequestData.LeaderAndIsrPartitionState sent = controller
                    .channel
                    .sentTo(4, LeaderAndIsrRequestData.class)
                    .get(0)
                    .topicStates()
                    .get(0)
                    .partitionStates()
                    .get(0);
            assertThat(sent.replicas()).containsExactly(4, 5, 6, 1, 2, 3);
            assertThat(sent.addingReplicas()).containsExactly(4, 5, 6);
            assertThat(sent.removingReplicas()).containsExactly(1, 2, 3);
            assertThat(sent.leaderEpoch()).isEqualTo(1);

            ListPartitionReassignmentsResponseData listed = list();
            assertThat(listed.topics()).singleElement().satisfies(t -> {
                assertThat(t.name()).isEqualTo(TOPIC);
                assertThat(t.partitions()).singleElement().satisfies(p -> {
                    assertThat(p.partitionIndex()).isZero();
                    assertThat(p.addingReplicas()).containsExactly(4, 5, 6);
                    assertThat(p.removingReplicas()).containsExactly(1, 2, 3);
                });
            });

            // two of three new replicas caught up: still moving
            expandIsr(P0, List.of(1, 2, 3, 4, 5));
            assertThat(assignment(P0).isReassigning()).isTrue();
            controller.channel.clear();
            // the last one: done
            expandIsr(P0, List.of(1, 2, 3, 4, 5, 6));
            awaitState(cluster, P0, 4, List.of(4, 5, 6), 2);
            assertThat(assignment(P0)).isEqualTo(PartitionAssignment.of(4, 5, 6));
            assertThat(list().topics()).isEmpty();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (int removed : List.of(1, 2, 3)) {
                    assertThat(controller.channel.sentTo(removed, StopReplicaRequestData.class))
                            .as("StopReplica to %s", removed)
                            .anySatisfy(r -> assertThat(r.topicStates()
                                            .get(0)
                                            .partitionStates()
                                            .get(0)
                                            .deletePartition())
                                    .isTrue());
                }
                assertThat(controller.channel.sentTo(5, LeaderAndIsrRequestData.class))
                        .isNotEmpty();
            });
            // the other partition never moved
            assertThat(assignment(P1)).isEqualTo(PartitionAssignment.of(2, 3, 1));
        }
    }

    @Test
    void answersKafkasErrorsAndCancellationRestoresTheOriginalReplicas() throws Exception {
        try (ControllerTestCluster c = ControllerTestCluster.withBrokers(6)) {
            start(c);
            // answered per topic in request order: "moving" (9, 0, 1), then "nope"
            Map<TopicPartition, List<Integer>> bad = new LinkedHashMap<>();
            bad.put(new TopicPartition(TOPIC, 9), List.of(4, 5, 6));
            bad.put(new TopicPartition("nope", 0), List.of(4, 5, 6));
            bad.put(P0, List.of(4, 4, 5));
            bad.put(P1, List.of(4, 5, 7));
            assertThat(partitionErrors(alter(bad)))
                    .containsExactly(
                            Errors.UNKNOWN_TOPIC_OR_PARTITION,
                            Errors.INVALID_REPLICA_ASSIGNMENT,
                            Errors.INVALID_REPLICA_ASSIGNMENT,
                            Errors.UNKNOWN_TOPIC_OR_PARTITION);
            Map<TopicPartition, List<Integer>> cancelNothing = new LinkedHashMap<>();
            cancelNothing.put(P0, null);
            assertThat(partitionErrors(alter(cancelNothing))).containsExactly(Errors.NO_REASSIGNMENT_IN_PROGRESS);

            assertThat(partitionErrors(alter(Map.of(P1, List.of(4, 5, 6))))).containsExactly(Errors.NONE);
            expandIsr(P1, List.of(2, 3, 1, 4));
            ControllerTestCluster.SimBroker controller = cluster.awaitController();
            controller.channel.clear();
            Map<TopicPartition, List<Integer>> cancel = new LinkedHashMap<>();
            cancel.put(P1, null);
            assertThat(partitionErrors(alter(cancel))).containsExactly(Errors.NONE);
            assertThat(assignment(P1)).isEqualTo(PartitionAssignment.of(2, 3, 1));
            LeaderAndIsr after = cluster.state(P1).orElseThrow();
            assertThat(after.leader()).isEqualTo(2);
            assertThat(after.isr()).containsExactly(2, 3, 1);
            assertThat(list().topics()).isEmpty();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (int added : List.of(4, 5, 6)) {
                    assertThat(controller.channel.sentTo(added, StopReplicaRequestData.class))
                            .as("StopReplica to %s", added)
                            .isNotEmpty();
                }
            });
        }
    }

    @Test
    void aNewControllerResumesAMoveAndTheLegacyZnodeStartsOne() throws Exception {
        try (ControllerTestCluster c = ControllerTestCluster.withBrokers(6)) {
            start(c);
            assertThat(partitionErrors(alter(Map.of(P0, List.of(4, 5, 6))))).containsExactly(Errors.NONE);
            ControllerTestCluster.SimBroker old = cluster.awaitController();
            cluster.killBroker(old.id);
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.awaitController().id != old.id);
            ControllerTestCluster.SimBroker next = cluster.awaitController();
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(list().topics()).hasSize(1));
            // the new controller bumped the epoch once more when it resumed the move
            LeaderAndIsr resumed = cluster.state(P0).orElseThrow();
            assertThat(resumed.leaderEpoch()).isGreaterThanOrEqualTo(2);
            int leader = resumed.leader();
            List<Integer> isr = new ArrayList<>(resumed.isr());
            isr.addAll(List.of(4, 5, 6));
            expandIsr(P0, isr);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(assignment(P0)).isEqualTo(PartitionAssignment.of(4, 5, 6));
                assertThat(cluster.state(P0).orElseThrow().leader()).isIn(4, 5, 6);
            });
            assertThat(leader).isNotEqualTo(old.id);

            // a pre-KIP-455 tool's request
            cluster.zk()
                    .create(
                            ReassignPartitionsZNode.PATH,
                            ReassignPartitionsZNode.encode(Map.of(P1, List.of(2, 3, 5))),
                            CreateMode.PERSISTENT);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(assignment(P1).addingReplicas()).containsExactly(5);
                assertThat(cluster.zk().exists(ReassignPartitionsZNode.PATH)).isEmpty();
            });
            assertThat(next.controller.isActive()).isTrue();
        }
    }

    // ---- helpers

    private void start(ControllerTestCluster c) {
        cluster = c;
        cluster.awaitController();
        topicId = cluster.createTopic(assigned(TOPIC, List.of(List.of(1, 2, 3), List.of(2, 3, 1))))
                .topicId();
        awaitState(cluster, P0, 1, List.of(1, 2, 3), 0);
        awaitState(cluster, P1, 2, List.of(2, 3, 1), 0);
    }

    private PartitionAssignment assignment(TopicPartition tp) {
        return cluster.zk().topic(tp.topic()).orElseThrow().value().partitions().get(tp.partition());
    }

    private AlterPartitionReassignmentsResponseData alter(Map<TopicPartition, List<Integer>> targets) {
        AlterPartitionReassignmentsRequestData request = new AlterPartitionReassignmentsRequestData();
        Map<String, AlterPartitionReassignmentsRequestData.ReassignableTopic> topics = new LinkedHashMap<>();
        targets.forEach((tp, replicas) -> topics.computeIfAbsent(
                        tp.topic(), t -> new AlterPartitionReassignmentsRequestData.ReassignableTopic().setName(t))
                .partitions()
                .add(new AlterPartitionReassignmentsRequestData.ReassignablePartition()
                        .setPartitionIndex(tp.partition())
                        .setReplicas(replicas)));
        request.setTopics(new ArrayList<>(topics.values()));
        AlterPartitionReassignmentsResponseData response = cluster.awaitController()
                .controller
                .alterPartitionReassignments(request)
                .toCompletableFuture()
                .join();
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.NONE);
        return response;
    }

    private static List<Errors> partitionErrors(AlterPartitionReassignmentsResponseData response) {
        List<Errors> out = new ArrayList<>();
        response.responses().forEach(t -> t.partitions().forEach(p -> out.add(Errors.forCode(p.errorCode()))));
        return out;
    }

    private ListPartitionReassignmentsResponseData list() {
        return cluster.awaitController()
                .controller
                .listPartitionReassignments(new ListPartitionReassignmentsRequestData().setTopics(null))
                .toCompletableFuture()
                .join();
    }

    /** The partition's leader reports {@code isr} (as its AlterPartition would after the followers caught up). */
    private void expandIsr(TopicPartition tp, List<Integer> isr) {
        LeaderAndIsr s = cluster.state(tp).orElseThrow();
        AlterPartitionRequestData.TopicData topic = new AlterPartitionRequestData.TopicData().setTopicId(topicId);
        topic.partitions()
                .add(new AlterPartitionRequestData.PartitionData()
                        .setPartitionIndex(tp.partition())
                        .setLeaderEpoch(s.leaderEpoch())
                        .setPartitionEpoch(s.partitionEpoch())
                        .setNewIsrWithEpochs(isr.stream()
                                .map(b -> new AlterPartitionRequestData.BrokerState()
                                        .setBrokerId(b)
                                        .setBrokerEpoch(cluster.broker(b).info.brokerEpoch()))
                                .toList()));
        AlterPartitionRequestData request = new AlterPartitionRequestData()
                .setBrokerId(s.leader())
                .setBrokerEpoch(cluster.broker(s.leader()).info.brokerEpoch());
        request.topics().add(topic);
        AlterPartitionResponseData response = cluster.awaitController()
                .controller
                .alterPartition(request)
                .toCompletableFuture()
                .join();
        assertThat(Errors.forCode(response.topics().get(0).partitions().get(0).errorCode()))
                .as("AlterPartition of %s to %s", tp, isr)
                .isEqualTo(Errors.NONE);
    }
}
