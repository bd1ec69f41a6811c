package io.sluice.broker.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.broker.api.ApiHandlerRegistry;
import io.sluice.broker.control.ControllerEpochTracker;
import io.sluice.broker.control.LeaderAndIsrHandler;
import io.sluice.broker.control.ReplicaControl;
import io.sluice.broker.control.StopReplicaHandler;
import io.sluice.broker.control.StopReplicaPartition;
import io.sluice.broker.control.UpdateMetadataHandler;
import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.network.Endpoint;
import io.sluice.broker.network.NetworkConfig;
import io.sluice.broker.network.NetworkServer;
import io.sluice.broker.network.client.BrokerClientConfig;
import io.sluice.broker.network.client.BrokerClientPool;
import io.sluice.broker.network.client.ClientEventLoops;
import io.sluice.broker.network.client.ClientMetrics;
import io.sluice.broker.testing.ControlRequests;
import io.sluice.metadata.model.BrokerInfo;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.LeaderAndIsrRequestData;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;
import org.apache.kafka.common.message.LeaderAndIsrResponseData;
import org.apache.kafka.common.message.StopReplicaRequestData;
import org.apache.kafka.common.message.StopReplicaResponseData;
import org.apache.kafka.common.message.UpdateMetadataResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The controller's channel against a real {@link NetworkServer} serving the fenced control handlers. */
@Timeout(60)
class NetworkBrokerChannelTest {
    private static final Uuid ORDERS = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final long BROKER_EPOCH = 50L;

    private final MetadataCache serverCache = new MetadataCache(1, "cluster-x");
    private final ControllerEpochTracker tracker = new ControllerEpochTracker(1, () -> BROKER_EPOCH);
    private final List<LeaderAndIsrPartitionState> applied = new CopyOnWriteArrayList<>();
    private final List<StopReplicaPartition> stopped = new CopyOnWriteArrayList<>();

    private NetworkServer server;
    private ClientEventLoops loops;
    private BrokerClientPool pool;
    private int port;

    private final ReplicaControl replicas = new ReplicaControl() {
        @Override
        public Map<TopicPartition, Errors> becomeLeaderOrFollower(
                int controllerId,
                int controllerEpoch,
                List<LeaderAndIsrPartitionState> states,
                Map<String, Uuid> topicIds) {
            applied.addAll(states);
            Map<TopicPartition, Errors> out = new HashMap<>();
            states.forEach(s -> out.put(new TopicPartition(s.topicName(), s.partitionIndex()), Errors.NONE));
            return out;
        }

        @Override
        public Map<TopicPartition, Errors> stopReplicas(int controllerEpoch, List<StopReplicaPartition> partitions) {
            stopped.addAll(partitions);
            Map<TopicPartition, Errors> out = new HashMap<>();
            partitions.forEach(p -> out.put(p.topicPartition(), Errors.NONE));
            return out;
        }
    };

    @BeforeEach
    void start() {
        server = new NetworkServer(
                1,
                NetworkConfig.of(List.of(Endpoint.parse("PLAINTEXT://127.0.0.1:0")), 1, 2, 16, 1 << 20),
                ApiHandlerRegistry.of(List.of(
                        new UpdateMetadataHandler(tracker, serverCache),
                        new LeaderAndIsrHandler(tracker, replicas),
                        new StopReplicaHandler(tracker, replicas))),
                new SimpleMeterRegistry(),
                Clock.systemUTC(),
                Duration.ofSeconds(2));
        server.start();
        port = server.boundPort("PLAINTEXT");
        loops = ClientEventLoops.create(1, "test-clients", false);
        pool = BrokerClientPool.create(BrokerClientConfig.defaults(2), loops, ClientMetrics.NOOP);
    }

    @AfterEach
    void stop() {
        pool.close();
        loops.close();
        server.close();
    }

    private BrokerInfo broker1() {
        return new BrokerInfo(
                1,
                List.of(io.sluice.metadata.model.Endpoint.plaintext("127.0.0.1", port)),
                Optional.empty(),
                BROKER_EPOCH);
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    private static LeaderAndIsrRequestData leaderAndIsr(int controllerEpoch) {
        return new LeaderAndIsrRequestData()
                .setControllerId(2)
                .setControllerEpoch(controllerEpoch)
                .setBrokerEpoch(BROKER_EPOCH)
                .setTopicStates(List.of(new LeaderAndIsrRequestData.LeaderAndIsrTopicState()
                        .setTopicName("orders")
                        .setTopicId(ORDERS)
                        .setPartitionStates(List.of(new LeaderAndIsrPartitionState()
                                .setPartitionIndex(0)
                                .setControllerEpoch(controllerEpoch)
                                .setLeader(1)
                                .setLeaderEpoch(4)
                                .setIsr(List.of(1))
                                .setPartitionEpoch(7)
                                .setReplicas(List.of(1))))));
    }

    @Test
    void theControllersRequestsReachTheBrokersFencedHandlers() throws Exception {
        NetworkBrokerChannel channel = new NetworkBrokerChannel(pool, "PLAINTEXT", TIMEOUT);
        channel.brokersChanged(List.of(broker1()));

        UpdateMetadataResponseData updated = await(channel.updateMetadata(
                1,
                ControlRequests.updateMetadata(2, 6)
                        .brokerEpoch(BROKER_EPOCH)
                        .broker(1, port, Optional.empty())
                        .partition("orders", ORDERS, 0, 1, List.of(1))
                        .build()));
        LeaderAndIsrResponseData stale = await(channel.leaderAndIsr(1, leaderAndIsr(5)));
        LeaderAndIsrResponseData current = await(channel.leaderAndIsr(1, leaderAndIsr(6)));
        StopReplicaResponseData stop = await(channel.stopReplica(
                1,
                new StopReplicaRequestData()
                        .setControllerId(2)
                        .setControllerEpoch(6)
                        .setBrokerEpoch(BROKER_EPOCH)
                        .setTopicStates(List.of(new StopReplicaRequestData.StopReplicaTopicState()
                                .setTopicName("orders")
                                .setPartitionStates(List.of(new StopReplicaRequestData.StopReplicaPartitionState()
                                        .setPartitionIndex(0)
                                        .setLeaderEpoch(5)))))));

        assertThat(updated.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(serverCache.controllerId()).hasValue(2);
        assertThat(stale.errorCode()).isEqualTo(Errors.STALE_CONTROLLER_EPOCH.code());
        assertThat(current.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(current.topics().iterator().next().topicId()).isEqualTo(ORDERS);
        assertThat(applied).hasSize(1);
        assertThat(stop.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(stopped).containsExactly(new StopReplicaPartition(new TopicPartition("orders", 0), 5, false));
    }

    @Test
    void requestsToABrokerThatIsNotLiveFailAtOnce() {
        NetworkBrokerChannel channel = new NetworkBrokerChannel(pool, "PLAINTEXT", TIMEOUT);
        channel.brokersChanged(List.of(broker1()));
        channel.brokersChanged(List.of());

        assertThat(channel.leaderAndIsr(1, leaderAndIsr(1)).toCompletableFuture())
                .failsWithin(Duration.ofSeconds(5));
        assertThat(pool.nodeIds()).isEmpty();
    }

    @Test
    void requestsWithoutAnAnswerAreSentAgainInOrderUntilTheBrokerAnswers() throws Exception {
        server.close(); // nothing listens on the broker's port for a while
        NetworkBrokerChannel channel = new NetworkBrokerChannel(pool, "PLAINTEXT", TIMEOUT);
        channel.brokersChanged(List.of(broker1()));
        List<String> completed = new CopyOnWriteArrayList<>();
        CompletableFuture<UpdateMetadataResponseData> first = channel.updateMetadata(
                        1,
                        ControlRequests.updateMetadata(2, 6)
                                .brokerEpoch(BROKER_EPOCH)
                                .broker(1, port, Optional.empty())
                                .partition("orders", ORDERS, 0, 1, List.of(1))
                                .build())
                .toCompletableFuture();
        CompletableFuture<LeaderAndIsrResponseData> second =
                channel.leaderAndIsr(1, leaderAndIsr(6)).toCompletableFuture();
        first.thenRun(() -> completed.add("UpdateMetadata"));
        second.thenRun(() -> completed.add("LeaderAndIsr"));

        // refused connections do not fail the requests: they wait for the broker
        Awaitility.await()
                .during(Duration.ofMillis(500))
                .atMost(Duration.ofSeconds(5))
                .until(() -> !first.isDone() && !second.isDone());
        server = new NetworkServer(
                1,
                NetworkConfig.of(List.of(Endpoint.parse("PLAINTEXT://127.0.0.1:" + port)), 1, 2, 16, 1 << 20),
                ApiHandlerRegistry.of(List.of(
                        new UpdateMetadataHandler(tracker, serverCache), new LeaderAndIsrHandler(tracker, replicas))),
                new SimpleMeterRegistry(),
                Clock.systemUTC(),
                Duration.ofSeconds(2));
        server.start();

        assertThat(await(first).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(await(second).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(completed).containsExactly("UpdateMetadata", "LeaderAndIsr");
        assertThat(serverCache.controllerId()).hasValue(2);
        assertThat(applied).hasSize(1);
    }
}
