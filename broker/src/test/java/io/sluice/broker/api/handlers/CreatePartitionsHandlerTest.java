package io.sluice.broker.api.handlers;

import static io.sluice.broker.api.handlers.CreateTopicsTestCluster.call;
import static io.sluice.broker.api.handlers.CreateTopicsTestCluster.overWire;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class CreatePartitionsHandlerTest extends ThreeBrokerClusterTest {
    private static final short LATEST = CreatePartitionsHandler.MAX_VERSION;

    private static void createTopic(String name, int partitions) {
        cluster.createTopic(name, partitions, 2);
    }

    private static CreatePartitionsTopic grow(String name, int count) {
        return new CreatePartitionsTopic().setName(name).setCount(count).setAssignments(null);
    }

    private static List<CreatePartitionsTopicResult> send(
            CreatePartitionsHandler handler, short version, boolean validateOnly, CreatePartitionsTopic... topics)
            throws Exception {
        CreatePartitionsRequestData data =
                new CreatePartitionsRequestData().setTimeoutMs(30_000).setValidateOnly(validateOnly);
        for (CreatePartitionsTopic t : topics) {
            data.topics().add(t);
        }
        CreatePartitionsResponse response =
                call(handler, version, overWire(new CreatePartitionsRequest.Builder(data), version));
        return response.data().results();
    }

    private static CreatePartitionsHandler onController() {
        return new CreatePartitionsHandler(cluster.active());
    }

    @Test
    void growsATopicFromThreeToSixPartitions() throws Exception {
        createTopic("grow", 3);

        List<CreatePartitionsTopicResult> results = send(onController(), LATEST, false, grow("grow", 6));

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo("grow");
            assertThat(r.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(r.errorMessage()).isNull();
        });
        var assignment = cluster.zk().topic("grow").orElseThrow().value().assignment();
        assertThat(assignment).hasSize(6);
        assertThat(assignment.values()).allSatisfy(r -> assertThat(r).hasSize(2));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> cluster.zk()
                        .partitionState(new TopicPartition("grow", 5))
                        .isPresent());
    }

    @Test
    void shrinkingIsInvalidPartitionsAndUnknownTopicsAreUnknown() throws Exception {
        createTopic("steady", 3);

        List<CreatePartitionsTopicResult> results =
                send(onController(), LATEST, false, grow("steady", 2), grow("missing", 4));

        Map<String, CreatePartitionsTopicResult> byName =
                results.stream().collect(Collectors.toMap(CreatePartitionsTopicResult::name, r -> r));
        assertThat(byName.get("steady").errorCode()).isEqualTo(Errors.INVALID_PARTITIONS.code());
        assertThat(byName.get("steady").errorMessage()).contains("3");
        assertThat(byName.get("missing").errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(cluster.zk().topic("steady").orElseThrow().value().partitionCount())
                .isEqualTo(3);
    }

    @Test
    void illegalNamesAreInvalidTopicAndAbsurdCountsInvalidPartitions() throws Exception {
        createTopic("absurd", 1);

        List<CreatePartitionsTopicResult> results = send(
                new CreatePartitionsHandler(cluster.active()),
                LATEST,
                false,
                grow("bad\u0001name", 3),
                grow("", 3),
                grow("x".repeat(250), 3),
                grow("absurd", Integer.MAX_VALUE));

        Map<String, CreatePartitionsTopicResult> byName =
                results.stream().collect(Collectors.toMap(CreatePartitionsTopicResult::name, r -> r));
        assertThat(byName.get("bad\u0001name").errorCode()).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION.code());
        assertThat(byName.get("bad\u0001name").errorMessage()).contains("\\u0001");
        assertThat(byName.get("").errorCode()).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION.code());
        assertThat(byName.get("x".repeat(250)).errorCode()).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION.code());
        assertThat(byName.get("absurd").errorCode()).isEqualTo(Errors.INVALID_PARTITIONS.code());
        assertThat(byName.get("absurd").errorMessage()).contains("max.partitions.per.request");
        assertThat(cluster.zk().topic("absurd").orElseThrow().value().partitionCount())
                .isEqualTo(1);
    }

    @Test
    void validateOnlyChangesNothing() throws Exception {
        createTopic("dry", 1);

        List<CreatePartitionsTopicResult> results = send(onController(), LATEST, true, grow("dry", 5));

        assertThat(results)
                .singleElement()
                .satisfies(r -> assertThat(r.errorCode()).isEqualTo(Errors.NONE.code()));
        assertThat(cluster.zk().topic("dry").orElseThrow().value().partitionCount())
                .isEqualTo(1);
    }

    @Test
    void aTopicNamedTwiceIsInvalidRequest() throws Exception {
        createTopic("twice", 1);

        List<CreatePartitionsTopicResult> results =
                send(onController(), LATEST, false, grow("twice", 2), grow("twice", 3));

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
            assertThat(r.errorMessage()).isEqualTo("Duplicate topic in request.");
        });
        assertThat(cluster.zk().topic("twice").orElseThrow().value().partitionCount())
                .isEqualTo(1);
    }

    @Test
    void aBrokerThatIsNotTheControllerAnswersNotController() throws Exception {
        createTopic("elsewhere", 1);

        List<CreatePartitionsTopicResult> results =
                send(new CreatePartitionsHandler(cluster.standby()), LATEST, false, grow("elsewhere", 2));

        assertThat(results)
                .singleElement()
                .satisfies(r -> assertThat(r.errorCode()).isEqualTo(Errors.NOT_CONTROLLER.code()));
        assertThat(cluster.zk().topic("elsewhere").orElseThrow().value().partitionCount())
                .isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(shorts = {0, 1, 2, 3})
    void everyDeclaredVersionRoundTrips(short version) throws Exception {
        String name = "cp-v" + version;
        createTopic(name, 1);

        List<CreatePartitionsTopicResult> results = send(onController(), version, false, grow(name, 2));

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo(name);
            assertThat(r.errorCode()).isEqualTo(Errors.NONE.code());
        });
        assertThat(cluster.zk().topic(name).orElseThrow().value().partitionCount())
                .isEqualTo(2);
    }
}
