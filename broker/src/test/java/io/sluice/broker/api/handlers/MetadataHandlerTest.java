package io.sluice.broker.api.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.testing.ControlRequests;
import io.sluice.broker.testing.WireRoundTrip;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class MetadataHandlerTest {
    private static final Uuid ORDERS = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");
    private static final Uuid PAYMENTS = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAg");

    private final MetadataCache cache = new MetadataCache(1, "cluster-x");
    private final List<String> created = new CopyOnWriteArrayList<>();
    private Errors creationAnswer = Errors.NONE;

    @BeforeEach
    void cluster() {
        cache.update(ControlRequests.updateMetadata(2, 5)
                .broker(1, 9092, Optional.of("r1"), "INTERNAL")
                .broker(2, 9093, Optional.of("r2"))
                .partition("orders", ORDERS, 0, 1, 3, List.of(1, 2), List.of(1, 2), List.of())
                .partition("orders", ORDERS, 1, -1, 4, List.of(2), List.of(2, 3), List.of(3))
                .partition("payments", PAYMENTS, 0, 2, 1, List.of(2), List.of(2), List.of())
                .build());
    }

    private MetadataHandler handler(boolean autoCreate) {
        return new MetadataHandler(
                cache,
                autoCreate,
                topic -> {
                    created.add(topic);
                    return CompletableFuture.completedFuture(creationAnswer);
                },
                Duration.ofSeconds(5));
    }

    private MetadataResponse send(MetadataHandler handler, short version, String listener, MetadataRequestData request)
            throws Exception {
        return WireRoundTrip.parse(
                ApiKeys.METADATA,
                version,
                handler.handle(ControlRequests.context(ApiKeys.METADATA, version, listener), request));
    }

    private static MetadataRequestData topics(String... names) {
        MetadataRequestData request = new MetadataRequestData().setAllowAutoTopicCreation(true);
        for (String name : names) {
            request.topics().add(new MetadataRequestTopic().setName(name));
        }
        return request;
    }

    @Test
    void describesTheClusterAndPartitionsAsTheJavaClientSeesThem() throws Exception {
        MetadataResponse response = send(handler(false), (short) 12, "PLAINTEXT", topics("orders"));

        Cluster cluster = response.buildCluster();
        assertThat(response.clusterId()).isEqualTo("cluster-x");
        assertThat(response.controller().id()).isEqualTo(2);
        assertThat(cluster.nodes())
                .extracting(Node::id, Node::port, Node::rack)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(1, 9092, "r1"),
                        org.assertj.core.groups.Tuple.tuple(2, 9093, "r2"));
        PartitionInfo p0 = cluster.partition(new org.apache.kafka.common.TopicPartition("orders", 0));
        assertThat(p0.leader().id()).isEqualTo(1);
        assertThat(p0.replicas()).extracting(Node::id).containsExactly(1, 2);
        assertThat(p0.inSyncReplicas()).extracting(Node::id).containsExactly(1, 2);
        MetadataResponse.TopicMetadata orders =
                response.topicMetadata().iterator().next();
        assertThat(orders.error()).isEqualTo(Errors.NONE);
        assertThat(orders.topicId()).isEqualTo(ORDERS);
        MetadataResponse.PartitionMetadata first = orders.partitionMetadata().get(0);
        assertThat(first.leaderEpoch).contains(3);
        MetadataResponse.PartitionMetadata second = orders.partitionMetadata().get(1);
        assertThat(second.error).isEqualTo(Errors.LEADER_NOT_AVAILABLE);
        assertThat(second.leaderId).isEmpty();
        assertThat(second.offlineReplicaIds).containsExactly(3);
    }

    @Test
    void oldestVersionAndAllTopics() throws Exception {
        MetadataResponse response =
                send(handler(false), (short) 1, "PLAINTEXT", new MetadataRequestData().setTopics(null));

        assertThat(response.topicMetadata())
                .extracting(MetadataResponse.TopicMetadata::topic)
                .containsExactlyInAnyOrder("orders", "payments");
        assertThat(response.controller().id()).isEqualTo(2);
    }

    @Test
    void brokersAreListedForTheRequestsListenerOnly() throws Exception {
        MetadataResponse response = send(handler(false), (short) 12, "INTERNAL", topics("orders", "payments"));

        assertThat(response.brokers()).extracting(Node::id).containsExactly(1);
        assertThat(response.brokers().iterator().next().host()).isEqualTo("10.0.0.1");
        Map<String, Errors> errors = response.errors();
        assertThat(errors).isEmpty();
        MetadataResponse.TopicMetadata payments = response.topicMetadata().stream()
                .filter(t -> t.topic().equals("payments"))
                .findFirst()
                .orElseThrow();
        assertThat(payments.partitionMetadata().get(0).error).isEqualTo(Errors.LISTENER_NOT_FOUND);
    }

    @Test
    void unknownAndInvalidTopicsWithoutAutoCreation() throws Exception {
        MetadataResponse response = send(handler(false), (short) 9, "PLAINTEXT", topics("nope", "bad/name"));

        assertThat(response.errors())
                .containsEntry("nope", Errors.UNKNOWN_TOPIC_OR_PARTITION)
                .containsEntry("bad/name", Errors.INVALID_TOPIC_EXCEPTION);
        assertThat(created).isEmpty();
    }

    @Test
    void autoCreationAnswersLeaderNotAvailableWhileTheTopicIsCreated() throws Exception {
        MetadataResponse response = send(handler(true), (short) 12, "PLAINTEXT", topics("fresh", "orders", "bad/name"));

        assertThat(created).containsExactly("fresh");
        assertThat(response.errors())
                .containsEntry("fresh", Errors.LEADER_NOT_AVAILABLE)
                .containsEntry("bad/name", Errors.INVALID_TOPIC_EXCEPTION)
                .doesNotContainKey("orders");
    }

    @Test
    void autoCreationHonoursTheRequestFlagAndTheCreatorsError() throws Exception {
        MetadataResponse notAllowed =
                send(handler(true), (short) 12, "PLAINTEXT", topics("fresh").setAllowAutoTopicCreation(false));
        assertThat(notAllowed.errors()).containsEntry("fresh", Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(created).isEmpty();

        creationAnswer = Errors.INVALID_REPLICATION_FACTOR;
        MetadataResponse refused = send(handler(true), (short) 12, "PLAINTEXT", topics("fresh"));
        assertThat(refused.errors()).containsEntry("fresh", Errors.INVALID_REPLICATION_FACTOR);
    }

    @Test
    void topicsRequestedByIdAreResolved() throws Exception {
        Uuid unknown = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAw");
        MetadataRequestData request = new MetadataRequestData();
        request.topics().add(new MetadataRequestTopic().setName(null).setTopicId(PAYMENTS));
        request.topics().add(new MetadataRequestTopic().setName(null).setTopicId(unknown));

        MetadataResponse response = send(handler(false), (short) 12, "PLAINTEXT", request);

        assertThat(response.topicMetadata())
                .extracting(MetadataResponse.TopicMetadata::topicId, MetadataResponse.TopicMetadata::error)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(PAYMENTS, Errors.NONE),
                        org.assertj.core.groups.Tuple.tuple(unknown, Errors.UNKNOWN_TOPIC_ID));
    }

    @Test
    void beforeTheFirstUpdateThereIsNoController() throws Exception {
        MetadataResponse response = send(
                new MetadataHandler(
                        new MetadataCache(1, "c"),
                        false,
                        t -> CompletableFuture.completedFuture(Errors.NONE),
                        Duration.ofSeconds(1)),
                (short) 12,
                "PLAINTEXT",
                topics());
        assertThat(response.controller()).isNull();
        assertThat(response.brokers()).isEmpty();
    }
}
