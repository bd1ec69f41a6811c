package io.sluice.broker.api.handlers;

import static io.sluice.broker.api.handlers.CreateTopicsTestCluster.call;
import static io.sluice.broker.api.handlers.CreateTopicsTestCluster.overWire;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.controller.Controller;
import io.sluice.metadata.zk.ZkStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class DeleteTopicsHandlerTest extends ThreeBrokerClusterTest {
    private static final short LATEST = DeleteTopicsHandler.MAX_VERSION;

    private static DeleteTopicsHandler handler(Controller controller, boolean enabled) {
        ZkStore zk = cluster.zk();
        return new DeleteTopicsHandler(
                controller,
                enabled,
                id -> zk.topicNames().stream()
                        .filter(n -> zk.topic(n)
                                .map(t -> t.value().topicId().equals(id))
                                .orElse(false))
                        .findFirst());
    }

    private static Uuid createTopic(String name) {
        cluster.createTopic(name, 2, 3);
        return cluster.zk().topic(name).orElseThrow().value().topicId();
    }

    private static DeleteTopicsResponse deleteByName(
            DeleteTopicsHandler handler, short version, int timeoutMs, String... names) throws Exception {
        DeleteTopicsRequestData data =
                new DeleteTopicsRequestData().setTopicNames(List.of(names)).setTimeoutMs(timeoutMs);
        return call(handler, version, overWire(new DeleteTopicsRequest.Builder(data), version));
    }

    @Test
    void deletesATopicByNameAndAnswersOnceItIsGone() throws Exception {
        createTopic("doomed");

        DeleteTopicsResponse response = deleteByName(handler(cluster.active(), true), (short) 5, 30_000, "doomed");

        DeletableTopicResult result = response.data().responses().find("doomed");
        assertThat(result.errorCode()).isEqualTo(Errors.NONE.code());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> cluster.zk().topic("doomed").isEmpty());
        assertThat(cluster.zk().topicsPendingDeletion()).doesNotContain("doomed");
    }

    @Test
    void version6DeletesByTopicIdAndRefusesUnknownIds() throws Exception {
        Uuid id = createTopic("by-id");
        Uuid unknown = Uuid.randomUuid();
        DeleteTopicsRequestData data = new DeleteTopicsRequestData().setTimeoutMs(30_000);
        data.topics().add(new DeleteTopicState().setTopicId(id));
        data.topics().add(new DeleteTopicState().setTopicId(unknown));

        DeleteTopicsResponse response =
                call(handler(cluster.active(), true), LATEST, overWire(new DeleteTopicsRequest.Builder(data), LATEST));

        List<DeletableTopicResult> results = List.copyOf(response.data().responses());
        assertThat(results).hasSize(2);
        assertThat(results.get(0).topicId()).isEqualTo(id);
        assertThat(results.get(0).name()).isEqualTo("by-id");
        assertThat(results.get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(results.get(1).topicId()).isEqualTo(unknown);
        assertThat(results.get(1).name()).isNull();
        assertThat(results.get(1).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_ID.code());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> cluster.zk().topic("by-id").isEmpty());
    }

    @Test
    void anUnknownNameIsUnknownTopicOrPartition() throws Exception {
        DeleteTopicsResponse response = deleteByName(handler(cluster.active(), true), LATEST, 30_000, "never-was");

        assertThat(response.data().responses().find("never-was").errorCode())
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    }

    @Test
    void anIllegalNameIsInvalidTopicWhileTheOthersAreDeleted() throws Exception {
        createTopic("legal-doomed");

        DeleteTopicsResponse response =
                deleteByName(handler(cluster.active(), true), LATEST, 30_000, "bad\u0001name", "..", "legal-doomed");

        DeletableTopicResult bad = response.data().responses().find("bad\u0001name");
        assertThat(bad.errorCode()).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION.code());
        assertThat(bad.errorMessage()).contains("\\u0001");
        assertThat(response.data().responses().find("..").errorCode()).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION.code());
        assertThat(response.data().responses().find("legal-doomed").errorCode()).isEqualTo(Errors.NONE.code());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> cluster.zk().topic("legal-doomed").isEmpty());
    }

    @Test
    void withDeletionDisabledNothingIsDeleted() throws Exception {
        createTopic("kept");
        DeleteTopicsHandler disabled = handler(cluster.active(), false);

        DeletableTopicResult modern = deleteByName(disabled, (short) 3, 30_000, "kept")
                .data()
                .responses()
                .find("kept");
        DeletableTopicResult old = deleteByName(disabled, (short) 2, 30_000, "kept")
                .data()
                .responses()
                .find("kept");

        assertThat(modern.errorCode()).isEqualTo(Errors.TOPIC_DELETION_DISABLED.code());
        assertThat(old.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(cluster.zk().topic("kept")).isPresent();
        assertThat(cluster.zk().topicsPendingDeletion()).doesNotContain("kept");
    }

    @Test
    void aBrokerThatIsNotTheControllerAnswersNotController() throws Exception {
        createTopic("elsewhere");

        DeleteTopicsResponse response = deleteByName(handler(cluster.standby(), true), LATEST, 30_000, "elsewhere");

        assertThat(response.data().responses().find("elsewhere").errorCode()).isEqualTo(Errors.NOT_CONTROLLER.code());
        assertThat(cluster.zk().topic("elsewhere")).isPresent();
    }

    @Test
    void aZeroTimeoutAnswersOnceTheDeletionIsQueued() throws Exception {
        createTopic("no-wait");

        DeleteTopicsResponse response =
                deleteByName(handler(cluster.active(), true), LATEST, 0, "no-wait", "no-such-topic");

        assertThat(response.data().responses().find("no-wait").errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.data().responses().find("no-such-topic").errorCode())
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> cluster.zk().topic("no-wait").isEmpty());
    }

    @ParameterizedTest
    @ValueSource(shorts = {1, 2, 3, 4, 5, 6})
    void everyDeclaredVersionRoundTrips(short version) throws Exception {
        String name = "del-v" + version;
        createTopic(name);

        DeleteTopicsResponse response = deleteByName(handler(cluster.active(), true), version, 30_000, name);

        Optional<DeletableTopicResult> result =
                response.data().responses().stream().findFirst();
        assertThat(result).isPresent();
        assertThat(result.get().name()).isEqualTo(name);
        assertThat(result.get().errorCode()).isEqualTo(Errors.NONE.code());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> cluster.zk().topic(name).isEmpty());
    }
}
