package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.metadata.model.TopicNames;
import io.sluice.metadata.zk.Versioned;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsAssignment;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One request must not swamp the controller. On three in-JVM brokers (with a create-topic policy configured), raw
 * CreateTopics and CreatePartitions requests to the controller ask for 65,536 and 2^31-1 partitions, name a topic with
 * a control character, grow a topic to 2^31-1 partitions, create {@code dot_name} next to {@code dot.name}, and then a
 * few hundred mutated CreatePartitions requests (random names, counts and assignments from a seeded Random) follow.
 * Every bad request is answered with its own error code (never {@code UNKNOWN_SERVER_ERROR}, {@code NOT_CONTROLLER}
 * or a timeout), the controller's id in {@code /controller} and its epoch in {@code /controller_epoch} never change,
 * and afterwards a new topic is created and takes acks=all writes.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ControllerGuardIT {
    private static final short CREATE_TOPICS_VERSION = 7;
    private static final short CREATE_PARTITIONS_VERSION = 3;
    private static final int FLOOD = 300;
    private static final long SEED = 20_260_311L;
    private static final String GROW = "grow";
    private static final String FLOOD_TARGET = "flood-target";

    /** What a malformed or refused CreatePartitions may be answered with: each names the request's own fault. */
    private static final Set<Errors> CLIENT_ERRORS = EnumSet.of(
            Errors.NONE,
            Errors.INVALID_TOPIC_EXCEPTION,
            Errors.INVALID_PARTITIONS,
            Errors.INVALID_REPLICA_ASSIGNMENT,
            Errors.INVALID_REPLICATION_FACTOR,
            Errors.UNKNOWN_TOPIC_OR_PARTITION,
            Errors.INVALID_REQUEST,
            Errors.POLICY_VIOLATION);

    private InJvmCluster cluster;
    private int controllerId;
    private Versioned<Integer> epoch;

    @BeforeEach
    void startCluster() throws Exception {
        cluster =
                InJvmCluster.start(3, Map.of("create.topic.policy.class.name", ForbiddenPrefixPolicy.class.getName()));
        controllerId = cluster.controllerId();
        epoch = cluster.zooKeeper().controllerEpoch().orElseThrow();
        cluster.admin()
                .createTopics(List.of(
                        new NewTopic(GROW, 1, (short) 3),
                        new NewTopic("dot.name", 1, (short) 1),
                        new NewTopic(FLOOD_TARGET, 1, (short) 1)))
                .all()
                .get(30, TimeUnit.SECONDS);
        assertSeat("after setup");
    }

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void noSingleRequestCostsTheControllerItsSeat() throws Exception {
        try (RawKafkaConnection connection =
                new RawKafkaConnection(cluster.broker(controllerId).boundPort())) {
            CreatableTopicResult big = createTopic(connection, "big", 65_536, 3);
            assertThat(Errors.forCode(big.errorCode())).isEqualTo(Errors.INVALID_PARTITIONS);
            assertThat(big.errorMessage()).contains("max.partitions.per.request");
            assertSeat("CreateTopics of 65,536 partitions");

            CreatableTopicResult max = createTopic(connection, "max", Integer.MAX_VALUE, 3);
            assertThat(Errors.forCode(max.errorCode())).isEqualTo(Errors.INVALID_PARTITIONS);
            assertThat(max.errorMessage()).contains("max.partitions.per.request");
            assertSeat("CreateTopics of 2^31-1 partitions");

            CreatePartitionsTopicResult control = createPartitions(connection, "bad\u0001name", 3);
            assertThat(Errors.forCode(control.errorCode())).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
            assertThat(control.errorMessage()).contains("\\u0001");
            assertSeat("CreatePartitions of a topic named with U+0001");

            CreatePartitionsTopicResult toMax = createPartitions(connection, GROW, Integer.MAX_VALUE);
            assertThat(Errors.forCode(toMax.errorCode())).isEqualTo(Errors.INVALID_PARTITIONS);
            assertThat(toMax.errorMessage()).contains("max.partitions.per.request");
            assertSeat("CreatePartitions to 2^31-1");

            CreatableTopicResult collision = createTopic(connection, "dot_name", 1, 1);
            assertThat(Errors.forCode(collision.errorCode())).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
            assertThat(collision.errorMessage()).contains("dot.name");
            assertSeat("dot_name next to dot.name");

            CreatableTopicResult forbidden = createTopic(connection, "forbidden-topic", 1, 1);
            assertThat(Errors.forCode(forbidden.errorCode())).isEqualTo(Errors.POLICY_VIOLATION);
            assertThat(forbidden.errorMessage())
                    .isEqualTo(ForbiddenPrefixPolicy.message("forbidden-topic", controllerId));
            assertSeat("a topic the create-topic policy refuses");

            flood(connection);
            assertSeat("after " + FLOOD + " mutated CreatePartitions requests");
        }

        assertThatThrownBy(() -> cluster.admin()
                        .createTopics(List.of(new NewTopic("forbidden-by-admin", 1, (short) 1)))
                        .all()
                        .get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(PolicyViolationException.class)
                .hasMessage(ForbiddenPrefixPolicy.message("forbidden-by-admin", controllerId));
        assertThat(cluster.zooKeeper().topic("forbidden-by-admin")).isEmpty();
        assertThat(cluster.zooKeeper().topic("dot_name")).isEmpty();
        assertThat(cluster.zooKeeper().topic("big")).isEmpty();
        assertThat(cluster.zooKeeper().topic(GROW).orElseThrow().value().partitionCount())
                .as("the flood may grow it a little, never towards 2^31-1")
                .isLessThan(100);

        stillServes();
        assertSeat("after producing to a new topic");
        for (int id : cluster.brokerIds()) {
            assertThat(cluster.broker(id).controller().isActive())
                    .as("broker %d is the active controller", id)
                    .isEqualTo(id == controllerId);
        }
    }

    /** Sends {@value #FLOOD} mutated CreatePartitions requests, each answered at once with a client error. */
    private void flood(RawKafkaConnection connection) {
        Random random = new Random(SEED);
        int refused = 0;
        for (int i = 0; i < FLOOD; i++) {
            CreatePartitionsRequestData request =
                    new CreatePartitionsRequestData().setTimeoutMs(30_000).setValidateOnly(random.nextInt(4) == 0);
            int topics = 1 + random.nextInt(3);
            for (int t = 0; t < topics; t++) {
                request.topics().add(mutatedTopic(random));
            }
            CreatePartitionsResponse response =
                    connection.call(connection.header(ApiKeys.CREATE_PARTITIONS, CREATE_PARTITIONS_VERSION), request);
            assertThat(response.data().results())
                    .as("request %d: %s", i, request)
                    .isNotEmpty();
            for (CreatePartitionsTopicResult result : response.data().results()) {
                Errors error = Errors.forCode(result.errorCode());
                assertThat(error)
                        .as("request %d, topic %s: %s", i, printable(result.name()), result.errorMessage())
                        .isIn(CLIENT_ERRORS);
                if (error != Errors.NONE) {
                    refused++;
                    assertThat(result.errorMessage())
                            .as("request %d, topic %s: %s", i, printable(result.name()), error)
                            .isNotBlank();
                }
            }
        }
        assertThat(refused).as("refused topics in the flood").isGreaterThan(FLOOD / 2);
    }

    private static CreatePartitionsTopic mutatedTopic(Random random) {
        CreatePartitionsTopic topic =
                new CreatePartitionsTopic().setName(mutatedName(random)).setCount(mutatedCount(random));
        switch (random.nextInt(4)) {
            case 0 -> topic.setAssignments(null);
            case 1 -> topic.setAssignments(new ArrayList<>());
            default -> {
                List<CreatePartitionsAssignment> assignments = new ArrayList<>();
                int n = random.nextInt(6);
                for (int a = 0; a < n; a++) {
                    List<Integer> brokers = new ArrayList<>();
                    int replicas = random.nextInt(5);
                    for (int r = 0; r < replicas; r++) {
                        brokers.add(random.nextInt(10) == 0 ? random.nextInt() : random.nextInt(6) - 1);
                    }
                    assignments.add(new CreatePartitionsAssignment().setBrokerIds(brokers));
                }
                topic.setAssignments(assignments);
            }
        }
        return topic;
    }

    private static String mutatedName(Random random) {
        return switch (random.nextInt(9)) {
            case 0 -> GROW;
            case 1, 2 -> FLOOD_TARGET;
            case 3 -> "dot.name";
            case 4 -> "";
            case 5 -> "x".repeat(240 + random.nextInt(20));
            case 6 -> random.nextBoolean() ? "." : "..";
            default -> {
                StringBuilder name = new StringBuilder();
                int length = 1 + random.nextInt(30);
                for (int c = 0; c < length; c++) {
                    int kind = random.nextInt(10);
                    name.append(
                            kind == 0
                                    ? (char) random.nextInt(0x20)
                                    : kind == 1
                                            ? (char) (0xa0 + random.nextInt(0x200))
                                            : (char) (0x20 + random.nextInt(0x5f)));
                }
                yield name.toString();
            }
        };
    }

    private static int mutatedCount(Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> Integer.MAX_VALUE;
            case 1 -> Integer.MIN_VALUE;
            case 2 -> random.nextInt();
            case 3 -> 65_536;
            case 4 -> random.nextInt(5) - 2;
            default -> 2 + random.nextInt(4);
        };
    }

    private void stillServes() throws Exception {
        String topic = "after-flood";
        cluster.createTopicAndAwaitFullIsr(topic, 1, 3, Map.of("min.insync.replicas", "2"));
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(
                cluster.bootstrapServers(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000"))) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                sends.add(producer.send(Clients.record(topic, 0, i, System.currentTimeMillis())));
            }
            List<RecordMetadata> acked = Clients.awaitAll(sends);
            assertThat(acked).hasSize(20);
            assertThat(acked.get(19).offset()).isEqualTo(19L);
        }
        assertThat(cluster.isr(tp)).hasSize(3);
    }

    private CreatableTopicResult createTopic(RawKafkaConnection connection, String name, int partitions, int rf) {
        CreateTopicsRequestData request = new CreateTopicsRequestData().setTimeoutMs(30_000);
        request.topics()
                .add(new CreatableTopic()
                        .setName(name)
                        .setNumPartitions(partitions)
                        .setReplicationFactor((short) rf));
        long start = System.nanoTime();
        CreateTopicsResponse response =
                connection.call(connection.header(ApiKeys.CREATE_TOPICS, CREATE_TOPICS_VERSION), request);
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("CreateTopics of %s answered well within its timeout", name)
                .isLessThan(Duration.ofSeconds(15));
        return response.data().topics().find(name);
    }

    private CreatePartitionsTopicResult createPartitions(RawKafkaConnection connection, String name, int count) {
        CreatePartitionsRequestData request = new CreatePartitionsRequestData().setTimeoutMs(30_000);
        request.topics().add(new CreatePartitionsTopic().setName(name).setCount(count));
        CreatePartitionsResponse response =
                connection.call(connection.header(ApiKeys.CREATE_PARTITIONS, CREATE_PARTITIONS_VERSION), request);
        return response.data().results().get(0);
    }

    /** The controller is the same broker, with the same epoch (and epoch znode version), as at the start. */
    private void assertSeat(String step) {
        assertThat(cluster.zooKeeper().controllerId())
                .as("/controller %s", step)
                .isEqualTo(Optional.of(controllerId));
        assertThat(cluster.zooKeeper().controllerEpoch())
                .as("/controller_epoch %s", step)
                .contains(epoch);
    }

    private static String printable(String name) {
        return TopicNames.printable(name);
    }
}
