package io.sluice.broker.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiHandlerRegistry;
import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.network.Endpoint;
import io.sluice.broker.network.NetworkConfig;
import io.sluice.broker.network.NetworkServer;
import io.sluice.broker.network.client.BrokerClient;
import io.sluice.broker.network.client.BrokerClientConfig;
import io.sluice.broker.network.client.BrokerClientPool;
import io.sluice.broker.network.client.ClientEventLoops;
import io.sluice.broker.network.client.ClientMetrics;
import io.sluice.broker.testing.ControlRequests;
import io.sluice.replication.fetcher.LeaderEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The replication adapters against a real {@link NetworkServer} on 127.0.0.1 with small Fetch and AlterPartition
 * handlers: AlterPartition follows the controller id of the cache, followers fetch from the leader's cached address.
 */
@Timeout(60)
class ReplicationAdaptersTest {
    private static final Uuid ORDERS = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final List<Short> alterPartitionVersions = new CopyOnWriteArrayList<>();
    private final List<AlterPartitionRequestData> alterPartitions = new CopyOnWriteArrayList<>();
    private final List<FetchRequestData> fetches = new CopyOnWriteArrayList<>();
    private final AtomicInteger notControllerAnswers = new AtomicInteger(1);
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
    private final MetadataCache cache = new MetadataCache(2, "cluster-x");

    private NetworkServer server;
    private ClientEventLoops loops;
    private int port;

    @BeforeEach
    void start() {
        ApiHandler<AlterPartitionRequestData> alterPartition =
                FakeApi.handler(ApiKeys.ALTER_PARTITION, (short) 0, (short) 3, (context, request) -> {
                    alterPartitionVersions.add(context.apiVersion());
                    alterPartitions.add(request);
                    if (notControllerAnswers.getAndDecrement() > 0) {
                        return new AlterPartitionResponseData().setErrorCode(Errors.NOT_CONTROLLER.code());
                    }
                    AlterPartitionRequestData.TopicData topic = request.topics().get(0);
                    return new AlterPartitionResponseData()
                            .setTopics(List.of(new AlterPartitionResponseData.TopicData()
                                    .setTopicId(topic.topicId())
                                    .setTopicName(topic.topicName())
                                    .setPartitions(List.of(new AlterPartitionResponseData.PartitionData()
                                            .setPartitionIndex(0)
                                            .setLeaderId(1)
                                            .setLeaderEpoch(4)
                                            .setIsr(List.of(1))
                                            .setPartitionEpoch(8)))));
                });
        ApiHandler<FetchRequestData> fetch =
                FakeApi.handler(ApiKeys.FETCH, (short) 4, (short) 16, (context, request) -> {
                    fetches.add(request);
                    FetchResponseData response = new FetchResponseData()
                            .setSessionId(0)
                            .setErrorCode(Errors.NONE.code())
                            .setThrottleTimeMs(context.apiVersion());
                    for (FetchRequestData.FetchTopic topic : request.topics()) {
                        response.responses()
                                .add(new FetchResponseData.FetchableTopicResponse()
                                        .setTopic(topic.topic())
                                        .setTopicId(topic.topicId())
                                        .setPartitions(
                                                List.of(new FetchResponseData.PartitionData().setPartitionIndex(0))));
                    }
                    return response;
                });
        server = new NetworkServer(
                1,
                NetworkConfig.of(List.of(Endpoint.parse("PLAINTEXT://127.0.0.1:0")), 1, 2, 16, 1 << 20),
                ApiHandlerRegistry.of(List.of(alterPartition, fetch)),
                new SimpleMeterRegistry(),
                Clock.systemUTC(),
                Duration.ofSeconds(2));
        server.start();
        port = server.boundPort("PLAINTEXT");
        loops = ClientEventLoops.create(1, "test-clients", false);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        loops.close();
        server.close();
    }

    private BrokerClientPool poolFollowingTheCache() {
        BrokerClientPool pool = BrokerClientPool.create(BrokerClientConfig.defaults(2), loops, ClientMetrics.NOOP);
        closeables.add(pool);
        cache.addListener(new MetadataClientPoolUpdater(pool, "PLAINTEXT"));
        return pool;
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    private static AlterPartitionRequestData proposal(String topic) {
        return new AlterPartitionRequestData()
                .setBrokerId(1)
                .setBrokerEpoch(50L)
                .setTopics(List.of(new AlterPartitionRequestData.TopicData()
                        .setTopicName(topic)
                        .setPartitions(List.of(new AlterPartitionRequestData.PartitionData()
                                .setPartitionIndex(0)
                                .setLeaderEpoch(4)
                                .setPartitionEpoch(7)
                                .setNewIsrWithEpochs(List.of(new AlterPartitionRequestData.BrokerState()
                                        .setBrokerId(1)
                                        .setBrokerEpoch(50L)))))));
    }

    @Test
    void alterPartitionGoesToTheCachedControllerWithTopicIdsAndRetriesNotController() throws Exception {
        BrokerClientPool pool = poolFollowingTheCache();
        cache.update(ControlRequests.updateMetadata(1, 6)
                .broker(1, port, Optional.empty())
                .partition("orders", ORDERS, 0, 1, List.of(1, 2))
                .build());
        NetworkAlterPartitionSender sender =
                new NetworkAlterPartitionSender(cache, pool, TIMEOUT, 3, Duration.ofMillis(20));

        AlterPartitionResponseData response = await(sender.send(proposal("orders")));

        assertThat(alterPartitionVersions).containsExactly((short) 3, (short) 3);
        AlterPartitionRequestData.TopicData sent =
                alterPartitions.get(1).topics().get(0);
        assertThat(sent.topicId()).isEqualTo(ORDERS);
        assertThat(sent.partitions().get(0).newIsrWithEpochs())
                .extracting(AlterPartitionRequestData.BrokerState::brokerEpoch)
                .containsExactly(50L);
        assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.topics().get(0).topicName()).isEqualTo("orders");
        assertThat(response.topics().get(0).partitions().get(0).partitionEpoch())
                .isEqualTo(8);
    }

    @Test
    void withoutATopicIdItFallsBackToTopicNamesAndGivesUpAfterMaxAttempts() throws Exception {
        notControllerAnswers.set(10);
        BrokerClientPool pool = poolFollowingTheCache();
        cache.update(ControlRequests.updateMetadata(1, 6)
                .broker(1, port, Optional.empty())
                .build());
        NetworkAlterPartitionSender sender =
                new NetworkAlterPartitionSender(cache, pool, TIMEOUT, 2, Duration.ofMillis(20));

        AlterPartitionResponseData response = await(sender.send(proposal("unknown-id")));

        assertThat(response.errorCode()).isEqualTo(Errors.NOT_CONTROLLER.code());
        assertThat(alterPartitionVersions).containsExactly((short) 1, (short) 1);
        AlterPartitionRequestData.TopicData sent =
                alterPartitions.get(0).topics().get(0);
        assertThat(sent.topicName()).isEqualTo("unknown-id");
        assertThat(sent.partitions().get(0).newIsr()).containsExactly(1);
    }

    @Test
    void withoutAKnownControllerItFailsAfterMaxAttempts() {
        NetworkAlterPartitionSender sender =
                new NetworkAlterPartitionSender(cache, poolFollowingTheCache(), TIMEOUT, 3, Duration.ofMillis(10));

        assertThat(sender.send(proposal("orders")).toCompletableFuture()).failsWithin(Duration.ofSeconds(5));
        assertThat(alterPartitions).isEmpty();
    }

    /** A follower fetch of orders-0 as the fetcher thread builds it. */
    private static FetchRequestData followerFetch(long brokerEpoch) {
        FetchRequestData request = new FetchRequestData()
                .setReplicaId(2)
                .setReplicaState(
                        new FetchRequestData.ReplicaState().setReplicaId(2).setReplicaEpoch(brokerEpoch))
                .setMaxWaitMs(0);
        request.topics()
                .add(new FetchRequestData.FetchTopic()
                        .setTopic("orders")
                        .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(0))));
        return request;
    }

    @Test
    void aFollowerFetchIsSentAtVersion15WithTopicIdsAndItsBrokerEpochOnceTheTopicIdsAreKnown() throws Exception {
        NetworkLeaderEndpointFactory factory = new NetworkLeaderEndpointFactory(
                cache,
                "PLAINTEXT",
                address -> new BrokerClient(address, BrokerClientConfig.defaults(2), loops, ClientMetrics.NOOP),
                TIMEOUT);
        LeaderEndpoint endpoint = factory.endpointFor(1);
        closeables.add(endpoint);
        cache.update(ControlRequests.updateMetadata(1, 6)
                .broker(1, port, Optional.empty())
                .build());

        // the topic id is not known yet: v12, named topics, replica id in the body, no broker epoch
        FetchResponseData named = await(endpoint.fetch(followerFetch(77L)));
        assertThat(named.throttleTimeMs())
                .as("the version the fetch was sent at")
                .isEqualTo(12);
        assertThat(fetches.get(0).replicaId()).isEqualTo(2);
        assertThat(fetches.get(0).replicaState().replicaEpoch()).isEqualTo(-1L);
        assertThat(named.responses().get(0).topic()).isEqualTo("orders");

        cache.update(ControlRequests.updateMetadata(1, 7)
                .broker(1, port, Optional.empty())
                .partition("orders", ORDERS, 0, 1, List.of(1, 2))
                .build());
        FetchRequestData request = followerFetch(77L);
        FetchResponseData byId = await(endpoint.fetch(request));
        assertThat(byId.throttleTimeMs())
                .as("the version the fetch was sent at")
                .isEqualTo(15);
        FetchRequestData sent = fetches.get(1);
        assertThat(sent.replicaState().replicaId()).isEqualTo(2);
        assertThat(sent.replicaState().replicaEpoch()).isEqualTo(77L);
        assertThat(sent.topics().get(0).topicId()).isEqualTo(ORDERS);
        assertThat(byId.responses().get(0).topic())
                .as("the answer names its topics again")
                .isEqualTo("orders");
        assertThat(request.replicaId())
                .as("the caller's request is not changed")
                .isEqualTo(2);
        assertThat(request.topics().get(0).topicId()).isEqualTo(Uuid.ZERO_UUID);
    }

    @Test
    void followersFetchFromTheLeaderAddressInTheCache() throws Exception {
        NetworkLeaderEndpointFactory factory = new NetworkLeaderEndpointFactory(
                cache,
                "PLAINTEXT",
                address -> new BrokerClient(address, BrokerClientConfig.defaults(2), loops, ClientMetrics.NOOP),
                TIMEOUT);
        LeaderEndpoint endpoint = factory.endpointFor(1);
        closeables.add(endpoint);

        assertThat(endpoint.fetch(new FetchRequestData().setReplicaId(2)).toCompletableFuture())
                .failsWithin(Duration.ofSeconds(5));

        cache.update(ControlRequests.updateMetadata(1, 6)
                .broker(1, port, Optional.empty())
                .build());
        FetchResponseData response =
                await(endpoint.fetch(new FetchRequestData().setReplicaId(2).setMaxWaitMs(0)));

        assertThat(endpoint.leaderId()).isEqualTo(1);
        assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.throttleTimeMs())
                .as("the version the fetch was sent at")
                .isEqualTo(15);

        endpoint.close();
        assertThat(endpoint.fetch(new FetchRequestData()).toCompletableFuture()).failsWithin(Duration.ofSeconds(5));
    }
}
