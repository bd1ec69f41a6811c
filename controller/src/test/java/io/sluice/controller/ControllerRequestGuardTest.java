package io.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.controller.event.ControllerEvent;
import io.sluice.metadata.config.PartitionLimits;
import io.sluice.metadata.zk.Versioned;
import io.sluice.metadata.zk.ZkLimits;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.server.policy.CreateTopicPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One request must not swamp the controller: malformed names, absurd partition counts and assignments too large for
 * ZooKeeper are answered with their own error before anything is written, and the controller keeps its seat (its
 * epoch in {@code /controller_epoch} and its id in {@code /controller} do not change).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ControllerRequestGuardTest {
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(10);

    /** Refuses topics named {@code forbidden*}, raises a config error for {@code misconfigured*}, records the rest. */
    static final class RecordingPolicy implements CreateTopicPolicy {
        final List<RequestMetadata> seen = new CopyOnWriteArrayList<>();

        @Override
        public void configure(Map<String, ?> configs) {}

        @Override
        public void validate(RequestMetadata request) {
            seen.add(request);
            if (request.topic().startsWith("forbidden")) {
                throw new PolicyViolationException("Topic " + request.topic() + " is forbidden by the test policy");
            }
            if (request.topic().startsWith("misconfigured")) {
                throw new InvalidConfigurationException("retention.ms is required by the test policy");
            }
            if (request.topic().startsWith("buggy")) {
                throw new IllegalStateException("policy bug");
            }
        }

        @Override
        public void close() {}
    }

    /** The controller's seat as ZooKeeper has it: its id and epoch. */
    private record Seat(Optional<Integer> controllerId, Optional<Versioned<Integer>> epoch) {
        static Seat of(ControllerTestCluster cluster) {
            return new Seat(cluster.zk().controllerId(), cluster.zk().controllerEpoch());
        }
    }

    private static ControllerTestCluster cluster(PartitionLimits limits, Optional<CreateTopicPolicy> policy)
            throws Exception {
        return new ControllerTestCluster(
                List.of(Optional.empty(), Optional.empty(), Optional.empty()),
                c -> c,
                new TopicRules(() -> limits, policy));
    }

    private static CreatableTopic topic(String name, int partitions, int rf) {
        return new CreatableTopic().setName(name).setNumPartitions(partitions).setReplicationFactor((short) rf);
    }

    private static CreateTopicsResponseData create(
            ControllerTestCluster cluster, boolean validateOnly, CreatableTopic... topics) throws Exception {
        CreateTopicsRequestData request = new CreateTopicsRequestData();
        for (CreatableTopic t : topics) {
            request.topics().add(t);
        }
        return cluster.awaitController()
                .controller
                .createTopics(request, validateOnly)
                .toCompletableFuture()
                .get(ANSWER_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static CreatableTopicResult createOne(ControllerTestCluster cluster, CreatableTopic topic)
            throws Exception {
        return create(cluster, false, topic).topics().find(topic.name());
    }

    private static CreatePartitionsTopicResult createPartitions(
            ControllerTestCluster cluster, String topic, int count, boolean validateOnly) throws Exception {
        CreatePartitionsRequestData request = new CreatePartitionsRequestData();
        request.topics()
                .add(new CreatePartitionsRequestData.CreatePartitionsTopic()
                        .setName(topic)
                        .setCount(count));
        return cluster.awaitController()
                .controller
                .createPartitions(request, validateOnly)
                .toCompletableFuture()
                .get(ANSWER_WITHIN.toMillis(), TimeUnit.MILLISECONDS)
                .results()
                .get(0);
    }

    private static Errors error(CreatableTopicResult result) {
        return Errors.forCode(result.errorCode());
    }

    private static Errors error(CreatePartitionsTopicResult result) {
        return Errors.forCode(result.errorCode());
    }

    @Test
    void aNameThatIsNoZooKeeperPathIsRefusedAndTheControllerStays() throws Exception {
        try (ControllerTestCluster cluster = cluster(PartitionLimits.DEFAULTS, Optional.empty())) {
            cluster.awaitController();
            Seat before = Seat.of(cluster);
            String bad = "bad\u0001name";

            CreatePartitionsTopicResult grown = createPartitions(cluster, bad, 3, false);
            assertThat(error(grown)).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
            assertThat(grown.errorMessage()).contains("bad\\u0001name");
            assertThat(error(createOne(cluster, topic(bad, 1, 1)))).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
            assertThat(error(createOne(cluster, topic("x".repeat(250), 1, 1))))
                    .isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
            Map<String, Errors> deleted = cluster.awaitController()
                    .controller
                    .deleteTopics(List.of(bad), Duration.ofSeconds(1))
                    .toCompletableFuture()
                    .get(ANSWER_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(deleted).containsEntry(bad, Errors.INVALID_TOPIC_EXCEPTION);

            assertThat(Seat.of(cluster)).isEqualTo(before);
            assertThat(error(createOne(cluster, topic("after", 1, 3)))).isEqualTo(Errors.NONE);
            assertThat(Seat.of(cluster)).isEqualTo(before);
        }
    }

    @Test
    void absurdPartitionCountsAreRefusedAtOnce() throws Exception {
        try (ControllerTestCluster cluster = cluster(PartitionLimits.DEFAULTS, Optional.empty())) {
            cluster.awaitController();
            Seat before = Seat.of(cluster);

            CreatableTopicResult huge = createOne(cluster, topic("huge", Integer.MAX_VALUE, 3));
            assertThat(error(huge)).isEqualTo(Errors.INVALID_PARTITIONS);
            assertThat(huge.errorMessage()).contains("10000").contains("max.partitions.per.request");
            assertThat(error(createOne(cluster, topic("big", 65_536, 3)))).isEqualTo(Errors.INVALID_PARTITIONS);
            assertThat(error(createOne(cluster, topic("none", 0, 3)))).isEqualTo(Errors.INVALID_PARTITIONS);
            assertThat(error(createOne(cluster, topic("negative", -7, 3)))).isEqualTo(Errors.INVALID_PARTITIONS);
            assertThat(error(createOne(cluster, topic("rf", 1, 4)))).isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
            assertThat(error(createOne(cluster, topic("rf0", 1, 0)))).isEqualTo(Errors.INVALID_REPLICATION_FACTOR);

            assertThat(error(createOne(cluster, topic("grow", 2, 3)))).isEqualTo(Errors.NONE);
            CreatePartitionsTopicResult toMax = createPartitions(cluster, "grow", Integer.MAX_VALUE, false);
            assertThat(error(toMax)).isEqualTo(Errors.INVALID_PARTITIONS);
            assertThat(toMax.errorMessage()).contains("max.partitions.per.request");
            assertThat(error(createPartitions(cluster, "grow", 2, false))).isEqualTo(Errors.INVALID_PARTITIONS);
            assertThat(error(createPartitions(cluster, "grow", 1, false))).isEqualTo(Errors.INVALID_PARTITIONS);
            assertThat(error(createPartitions(cluster, "grow", -1, false))).isEqualTo(Errors.INVALID_PARTITIONS);
            assertThat(error(createPartitions(cluster, "missing", Integer.MAX_VALUE, false)))
                    .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
            assertThat(error(createPartitions(cluster, "grow", 4, false))).isEqualTo(Errors.NONE);

            assertThat(cluster.zk().topic("huge")).isEmpty();
            assertThat(cluster.zk().topic("big")).isEmpty();
            assertThat(cluster.zk().topic("grow").orElseThrow().value().partitionCount())
                    .isEqualTo(4);
            assertThat(Seat.of(cluster)).isEqualTo(before);
        }
    }

    @Test
    void theRequestLimitIsSummedOverTheRequestsTopics() throws Exception {
        try (ControllerTestCluster cluster = cluster(new PartitionLimits(10, 1_000), Optional.empty())) {
            cluster.awaitController();
            for (boolean validateOnly : new boolean[] {true, false}) {
                String p = validateOnly ? "v-" : "c-";
                CreateTopicsResponseData response = create(
                        cluster,
                        validateOnly,
                        topic(p + "a", 6, 1),
                        topic(p + "b", 6, 1),
                        topic(p + "refused-not-counted", 4, 9),
                        topic(p + "c", 4, 1));
                assertThat(error(response.topics().find(p + "a"))).isEqualTo(Errors.NONE);
                CreatableTopicResult b = response.topics().find(p + "b");
                assertThat(error(b)).as("b with validateOnly=%s", validateOnly).isEqualTo(Errors.INVALID_PARTITIONS);
                assertThat(b.errorMessage()).contains("after the 6 added").contains("max.partitions.per.request");
                assertThat(error(response.topics().find(p + "refused-not-counted")))
                        .isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
                assertThat(error(response.topics().find(p + "c"))).isEqualTo(Errors.NONE);
            }
            assertThat(cluster.zk().topicNames()).containsExactlyInAnyOrder("c-a", "c-c");
        }
    }

    @Test
    void theClusterLimitIsAPolicyViolation() throws Exception {
        try (ControllerTestCluster cluster = cluster(new PartitionLimits(100, 20), Optional.empty())) {
            cluster.awaitController();
            assertThat(error(createOne(cluster, topic("a", 15, 2)))).isEqualTo(Errors.NONE);
            CreatableTopicResult b = createOne(cluster, topic("b", 6, 2));
            assertThat(error(b)).isEqualTo(Errors.POLICY_VIOLATION);
            assertThat(b.errorMessage()).contains("20").contains("max.partitions.per.cluster");
            CreateTopicsResponseData validated = create(cluster, true, topic("v1", 3, 1), topic("v2", 3, 1));
            assertThat(error(validated.topics().find("v1"))).isEqualTo(Errors.NONE);
            assertThat(error(validated.topics().find("v2")))
                    .as("a validate-only request counts its own earlier topics")
                    .isEqualTo(Errors.POLICY_VIOLATION);
            assertThat(error(createPartitions(cluster, "a", 21, false))).isEqualTo(Errors.POLICY_VIOLATION);
            assertThat(error(createPartitions(cluster, "a", 20, false))).isEqualTo(Errors.NONE);
            assertThat(cluster.zk().topic("b")).isEmpty();
        }
    }

    @Test
    void anAssignmentTooLargeForZooKeeperIsRefusedBeforeItIsWritten() throws Exception {
        try (ControllerTestCluster cluster = cluster(new PartitionLimits(100_000, 1_000_000), Optional.empty())) {
            cluster.awaitController();
            Seat before = Seat.of(cluster);
            CreatableTopicResult big = createOne(cluster, topic("big", 65_536, 3));
            assertThat(error(big)).isEqualTo(Errors.INVALID_PARTITIONS);
            assertThat(big.errorMessage()).contains("65536 partitions").contains("jute.maxbuffer");
            assertThat(cluster.zk().topic("big")).isEmpty();

            assertThat(error(createOne(cluster, topic("grow", 1, 3)))).isEqualTo(Errors.NONE);
            CreatePartitionsTopicResult grown = createPartitions(cluster, "grow", 50_000, true);
            assertThat(error(grown)).isEqualTo(Errors.INVALID_PARTITIONS);
            assertThat(grown.errorMessage()).contains(Integer.toString(ZkLimits.MAX_TOPIC_ZNODE_BYTES));
            assertThat(error(createPartitions(cluster, "grow", 10_000, true))).isEqualTo(Errors.NONE);
            assertThat(cluster.zk().topic("grow").orElseThrow().value().partitionCount())
                    .isEqualTo(1);
            assertThat(Seat.of(cluster)).isEqualTo(before);
        }
    }

    @Test
    void namesThatCollideOnDotAndUnderscoreAreRefusedBothWays() throws Exception {
        try (ControllerTestCluster cluster = cluster(PartitionLimits.DEFAULTS, Optional.empty())) {
            cluster.awaitController();
            assertThat(error(createOne(cluster, topic("dot.name", 1, 1)))).isEqualTo(Errors.NONE);
            CreatableTopicResult underscore = createOne(cluster, topic("dot_name", 1, 1));
            assertThat(error(underscore)).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
            assertThat(underscore.errorMessage()).contains("dot.name");

            assertThat(error(createOne(cluster, topic("under_score", 1, 1)))).isEqualTo(Errors.NONE);
            assertThat(error(createOne(cluster, topic("under.score", 1, 1)))).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);

            CreateTopicsResponseData both = create(cluster, false, topic("x.y", 1, 1), topic("x_y", 1, 1));
            assertThat(error(both.topics().find("x.y"))).isEqualTo(Errors.NONE);
            assertThat(error(both.topics().find("x_y"))).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
            assertThat(error(create(cluster, true, topic("dot_name", 1, 1))
                            .topics()
                            .find("dot_name")))
                    .isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
            assertThat(error(createOne(cluster, topic("dot-name", 1, 1)))).isEqualTo(Errors.NONE);
            assertThat(cluster.zk().topicNames())
                    .containsExactlyInAnyOrder("dot.name", "under_score", "x.y", "dot-name");
        }
    }

    @Test
    void theCreateTopicPolicyDecidesAfterSluicesOwnChecks() throws Exception {
        RecordingPolicy policy = new RecordingPolicy();
        try (ControllerTestCluster cluster = cluster(PartitionLimits.DEFAULTS, Optional.of(policy))) {
            cluster.awaitController();
            CreatableTopicResult forbidden = createOne(cluster, topic("forbidden-1", 1, 1));
            assertThat(error(forbidden)).isEqualTo(Errors.POLICY_VIOLATION);
            assertThat(forbidden.errorMessage()).isEqualTo("Topic forbidden-1 is forbidden by the test policy");
            assertThat(error(create(cluster, true, topic("forbidden-2", 1, 1))
                            .topics()
                            .find("forbidden-2")))
                    .as("validateOnly consults the policy too")
                    .isEqualTo(Errors.POLICY_VIOLATION);
            assertThat(error(createOne(cluster, topic("misconfigured", 1, 1)))).isEqualTo(Errors.INVALID_CONFIG);
            assertThat(error(createOne(cluster, topic("buggy", 1, 1)))).isEqualTo(Errors.UNKNOWN_SERVER_ERROR);
            assertThat(cluster.zk().topicNames()).isEmpty();

            policy.seen.clear();
            CreatableTopic allowed = topic("allowed", 3, 2);
            allowed.configs()
                    .add(new CreatableTopicConfig().setName("retention.ms").setValue("1000"));
            assertThat(error(createOne(cluster, allowed))).isEqualTo(Errors.NONE);
            CreatableTopic manual =
                    new CreatableTopic().setName("manual").setNumPartitions(-1).setReplicationFactor((short) -1);
            manual.assignments()
                    .add(new CreatableReplicaAssignment().setPartitionIndex(0).setBrokerIds(List.of(2, 3)));
            assertThat(error(createOne(cluster, manual))).isEqualTo(Errors.NONE);
            assertThat(policy.seen).hasSize(2);
            CreateTopicPolicy.RequestMetadata auto = policy.seen.get(0);
            assertThat(auto.topic()).isEqualTo("allowed");
            assertThat(auto.numPartitions()).isEqualTo(3);
            assertThat(auto.replicationFactor()).isEqualTo((short) 2);
            assertThat(auto.replicasAssignments()).isNull();
            assertThat(auto.configs()).isEqualTo(Map.of("retention.ms", "1000"));
            CreateTopicPolicy.RequestMetadata assigned = policy.seen.get(1);
            assertThat(assigned.numPartitions()).isNull();
            assertThat(assigned.replicationFactor()).isNull();
            assertThat(assigned.replicasAssignments()).isEqualTo(Map.of(0, List.of(2, 3)));

            policy.seen.clear();
            assertThat(error(createOne(cluster, topic("bad name", 1, 1)))).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
            assertThat(error(createOne(cluster, topic("allowed", 1, 1)))).isEqualTo(Errors.TOPIC_ALREADY_EXISTS);
            assertThat(error(createPartitions(cluster, "allowed", 4, false))).isEqualTo(Errors.NONE);
            assertThat(policy.seen)
                    .as("own checks come first; CreatePartitions does not consult the create-topic policy")
                    .isEmpty();
        }
    }

    @Test
    void aWriteRefusedForItsContentFailsTheEventNotTheController() throws Exception {
        try (ControllerTestCluster cluster = cluster(PartitionLimits.DEFAULTS, Optional.empty())) {
            ControllerTestCluster.SimBroker active = cluster.awaitController();
            Seat before = Seat.of(cluster);
            CompletableFuture<Void> ran = new CompletableFuture<>();
            active.controller.enqueue(new ControllerEvent.Callback("oversized write", () -> {
                ran.complete(null);
                active.store.setData("/brokers/topics", new byte[ZkLimits.JUTE_MAX_BUFFER + 1], -1);
            }));
            active.controller.enqueue(
                    new ControllerEvent.Callback("bad path", () -> active.store.get("/brokers/topics/bad\u0001name")));
            active.controller.enqueue(new ControllerEvent.Callback("bug", () -> {
                throw new IllegalStateException("a bug in one event");
            }));
            ran.get(10, TimeUnit.SECONDS);
            assertThat(error(createOne(cluster, topic("still-working", 1, 3)))).isEqualTo(Errors.NONE);
            assertThat(active.controller.isActive()).isTrue();
            assertThat(Seat.of(cluster)).isEqualTo(before);
        }
    }
}
