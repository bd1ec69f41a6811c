package io.sluice.broker.api.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.testing.ControlRequests;
import io.sluice.broker.testing.EmbeddedZooKeeper;
import io.sluice.broker.testing.WireRoundTrip;
import io.sluice.controller.Controller;
import io.sluice.controller.ControllerConfig;
import io.sluice.controller.channel.BrokerChannel;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.zk.ZkStore;
import java.io.File;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.LeaderAndIsrRequestData;
import org.apache.kafka.common.message.LeaderAndIsrResponseData;
import org.apache.kafka.common.message.StopReplicaRequestData;
import org.apache.kafka.common.message.StopReplicaResponseData;
import org.apache.kafka.common.message.UpdateMetadataRequestData;
import org.apache.kafka.common.message.UpdateMetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;

/**
 * An embedded ZooKeeper and N brokers without network: each broker has its own session, its {@code /brokers/ids/N}
 * registration and its controller candidate, all talking to one in-memory {@link BrokerChannel} that answers success
 * (and can be held, to make the controller slow). Requests are built with kafka-clients' request builders, encoded
 * and parsed at the version under test, and responses go over the wire the same way.
 */
final class CreateTopicsTestCluster implements AutoCloseable {

    /** One broker: its session, registration and controller candidate. */
    record Node(int id, ZkStore store, BrokerInfo info, Controller controller) {}

    private final EmbeddedZooKeeper zk;
    private final ZkStore observer;
    private final UnaryOperator<ControllerConfig> tweak;
    private final Map<Integer, Node> nodes = new TreeMap<>();
    private final HoldableChannel channel = new HoldableChannel();

    CreateTopicsTestCluster(File dataDir, int brokers) throws Exception {
        this(dataDir, brokers, c -> c);
    }

    CreateTopicsTestCluster(File dataDir, int brokers, UnaryOperator<ControllerConfig> tweak) throws Exception {
        this.zk = new EmbeddedZooKeeper(dataDir);
        this.tweak = tweak;
        this.observer = zk.newSession();
        observer.ensurePersistentPaths();
        for (int id = 1; id <= brokers; id++) {
            nodes.put(id, register(id));
        }
        nodes.values().forEach(n -> n.controller().startup());
    }

    private Node register(int id) throws InterruptedException {
        ZkStore store = zk.newSession();
        BrokerInfo info = store.registerBroker(
                new BrokerInfo(id, List.of(Endpoint.plaintext("127.0.0.1", 19000 + id)), Optional.empty(), -1L),
                Clock.systemUTC().millis());
        Controller controller = new Controller(
                tweak.apply(ControllerConfig.defaults(id).withAutoLeaderRebalance(false, Duration.ofSeconds(300))),
                store,
                channel,
                new SimpleMeterRegistry(),
                Clock.systemUTC(),
                new Random(id));
        return new Node(id, store, info, controller);
    }

    /** The active controller, once exactly one broker holds the role and ZooKeeper names it. */
    Controller active() {
        Controller[] found = new Controller[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            List<Node> active = nodes.values().stream()
                    .filter(n -> n.controller().isActive())
                    .toList();
            if (active.size() == 1
                    && observer.controllerId().equals(Optional.of(active.get(0).id()))) {
                found[0] = active.get(0).controller();
                return true;
            }
            return false;
        });
        return found[0];
    }

    /** A live broker that is not the active controller. */
    Controller standby() {
        int activeId = active().brokerId();
        return nodes.values().stream()
                .filter(n -> n.id() != activeId)
                .findFirst()
                .orElseThrow()
                .controller();
    }

    /** A broker id other than the active controller's. */
    int standbyId() {
        return standby().brokerId();
    }

    /** ZooKeeper as an outside observer sees it. */
    ZkStore zk() {
        return observer;
    }

    long brokerEpoch(int id) {
        return observer.broker(id).orElseThrow().brokerEpoch();
    }

    LeaderAndIsr state(TopicPartition tp) {
        return observer.partitionState(tp).orElseThrow();
    }

    /**
     * Creates {@code name} through the active controller with {@code partitions} partitions of
     * {@code replicationFactor} replicas, checks that it succeeded and waits until its last partition's state is in
     * ZooKeeper.
     */
    void createTopic(String name, int partitions, int replicationFactor) {
        CreateTopicsRequestData request = new CreateTopicsRequestData();
        request.topics()
                .add(new CreateTopicsRequestData.CreatableTopic()
                        .setName(name)
                        .setNumPartitions(partitions)
                        .setReplicationFactor((short) replicationFactor));
        create(request, name);
        awaitPartitionState(new TopicPartition(name, partitions - 1));
    }

    /** Creates a one-partition topic whose replicas are {@code replicas} in that order, as {@link #createTopic}. */
    TopicPartition createTopic(String name, List<Integer> replicas) {
        CreateTopicsRequestData.CreatableTopic topic = new CreateTopicsRequestData.CreatableTopic()
                .setName(name)
                .setNumPartitions(-1)
                .setReplicationFactor((short) -1);
        topic.assignments()
                .add(new CreateTopicsRequestData.CreatableReplicaAssignment()
                        .setPartitionIndex(0)
                        .setBrokerIds(replicas));
        CreateTopicsRequestData request = new CreateTopicsRequestData();
        request.topics().add(topic);
        create(request, name);
        TopicPartition tp = new TopicPartition(name, 0);
        awaitPartitionState(tp);
        return tp;
    }

    private void create(CreateTopicsRequestData request, String name) {
        short error = active().createTopics(request, false)
                .toCompletableFuture()
                .join()
                .topics()
                .find(name)
                .errorCode();
        assertThat(error).isEqualTo(Errors.NONE.code());
    }

    /** Waits until {@code tp}'s state is in ZooKeeper. */
    void awaitPartitionState(TopicPartition tp) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> observer.partitionState(tp).isPresent());
    }

    /** Stops broker {@code id} as a crash would end it: its controller candidate stops, then its session ends. */
    void stopBroker(int id) {
        Node node = nodes.remove(id);
        node.controller().shutdown();
        node.store().curator().close();
    }

    /** Starts broker {@code id} again with a new session (and so a new broker epoch). */
    void startBroker(int id) throws InterruptedException {
        Node node = register(id);
        nodes.put(id, node);
        node.controller().startup();
    }

    /** Makes every controller request block the controller's event thread until {@link #releaseChannel()}. */
    void holdChannel() {
        channel.hold();
    }

    void releaseChannel() {
        channel.release();
    }

    /** {@code builder}'s request at {@code version}, encoded and parsed back as the receiving broker sees it. */
    @SuppressWarnings("unchecked")
    static <T extends ApiMessage> T overWire(AbstractRequest.Builder<?> builder, short version) {
        AbstractRequest request = builder.build(version);
        ByteBuffer buffer = request.serialize();
        return (T) AbstractRequest.parseRequest(request.apiKey(), version, buffer)
                .request
                .data();
    }

    /** Sends {@code request} to {@code handler} at {@code version}; the response as a client parses it. */
    static <Q extends ApiMessage, R extends AbstractResponse> R call(ApiHandler<Q> handler, short version, Q request)
            throws Exception {
        ApiKeys api = handler.apiKey();
        return WireRoundTrip.parse(api, version, handler.handle(ControlRequests.context(api, version), request));
    }

    @Override
    public void close() throws Exception {
        channel.release();
        for (Node node : nodes.values()) {
            node.controller().shutdown();
        }
        zk.close();
    }

    /** Answers every controller request with success; while held, blocks the caller (the controller's thread). */
    private static final class HoldableChannel implements BrokerChannel {
        private volatile CountDownLatch gate = new CountDownLatch(0);

        void hold() {
            gate = new CountDownLatch(1);
        }

        void release() {
            gate.countDown();
        }

        private void pass() {
            try {
                if (!gate.await(20, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("channel held for more than 20 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void brokersChanged(Collection<BrokerInfo> live) {}

        @Override
        public CompletionStage<LeaderAndIsrResponseData> leaderAndIsr(int brokerId, LeaderAndIsrRequestData request) {
            pass();
            LeaderAndIsrResponseData response = new LeaderAndIsrResponseData().setErrorCode(Errors.NONE.code());
            for (LeaderAndIsrRequestData.LeaderAndIsrTopicState t : request.topicStates()) {
                LeaderAndIsrResponseData.LeaderAndIsrTopicError errors =
                        new LeaderAndIsrResponseData.LeaderAndIsrTopicError().setTopicId(t.topicId());
                t.partitionStates()
                        .forEach(p -> errors.partitionErrors()
                                .add(new LeaderAndIsrResponseData.LeaderAndIsrPartitionError()
                                        .setPartitionIndex(p.partitionIndex())));
                response.topics().add(errors);
            }
            return CompletableFuture.completedFuture(response);
        }

        @Override
        public CompletionStage<UpdateMetadataResponseData> updateMetadata(
                int brokerId, UpdateMetadataRequestData request) {
            pass();
            return CompletableFuture.completedFuture(new UpdateMetadataResponseData());
        }

        @Override
        public CompletionStage<StopReplicaResponseData> stopReplica(int brokerId, StopReplicaRequestData request) {
            pass();
            StopReplicaResponseData response = new StopReplicaResponseData();
            request.topicStates()
                    .forEach(t -> t.partitionStates()
                            .forEach(p -> response.partitionErrors()
                                    .add(new StopReplicaResponseData.StopReplicaPartitionError()
                                            .setTopicName(t.topicName())
                                            .setPartitionIndex(p.partitionIndex()))));
            return CompletableFuture.completedFuture(response);
        }
    }
}
