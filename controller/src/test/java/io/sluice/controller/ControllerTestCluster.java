package io.sluice.controller;

import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.zk.ZkStore;
import io.sluice.testsupport.EmbeddedZooKeeper;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;

/**
 * An embedded ZooKeeper and N simulated brokers, each with its own Curator session, its {@code /brokers/ids/N}
 * registration and its own controller candidate talking to an in-memory channel. Helpers read like the domain:
 * {@link #killBroker}, {@link #restartBroker}, {@link #awaitController}, {@link #leaderOf}.
 */
final class ControllerTestCluster implements AutoCloseable {

    /** One simulated broker. */
    static final class SimBroker {
        final int id;
        final Optional<String> rack;
        final CuratorFramework client;
        final ZkStore store;
        final RecordingBrokerChannel channel = new RecordingBrokerChannel();
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final Controller controller;
        final BrokerInfo info;
        boolean alive = true;

        SimBroker(
                int id,
                Optional<String> rack,
                String connect,
                UnaryOperator<ControllerConfig> tweak,
                TopicRules rules) {
            this.id = id;
            this.rack = rack;
            this.client = CuratorFrameworkFactory.builder()
                    .connectString(connect)
                    .sessionTimeoutMs(6000)
                    .connectionTimeoutMs(5000)
                    .retryPolicy(new RetryNTimes(20, 100))
                    .build();
            client.start();
            this.store = new ZkStore(client);
            store.ensurePersistentPaths();
            this.info = store.registerBroker(
                    new BrokerInfo(
                            id, List.of(Endpoint.plaintext("127.0.0.1", 19000 + id)), rack, BrokerInfo.UNKNOWN_EPOCH),
                    Clock.systemUTC().millis());
            this.controller = new Controller(
                    tweak.apply(ControllerConfig.defaults(id).withAutoLeaderRebalance(false, Duration.ofSeconds(300))),
                    store,
                    channel,
                    registry,
                    Clock.systemUTC(),
                    new Random(id),
                    rules);
            controller.startup();
        }

        /** Crash: the controller's thread stops, then the session ends (ephemerals vanish at once). */
        void kill() {
            if (!alive) {
                return;
            }
            alive = false;
            controller.halt();
            client.close();
        }
    }

    private final EmbeddedZooKeeper zk;
    private final Map<Integer, SimBroker> brokers = new TreeMap<>();
    private final Map<Integer, Optional<String>> racks = new TreeMap<>();
    private final UnaryOperator<ControllerConfig> tweak;
    private final TopicRules rules;
    private final ZkStore observer;
    private final CuratorFramework observerClient;

    ControllerTestCluster(List<Optional<String>> brokerRacks) throws Exception {
        this(brokerRacks, c -> c);
    }

    ControllerTestCluster(List<Optional<String>> brokerRacks, UnaryOperator<ControllerConfig> tweak) throws Exception {
        this(brokerRacks, tweak, TopicRules.DEFAULTS);
    }

    /** With every controller checking topic creations against {@code rules}. */
    ControllerTestCluster(List<Optional<String>> brokerRacks, UnaryOperator<ControllerConfig> tweak, TopicRules rules)
            throws Exception {
        this.tweak = tweak;
        this.rules = rules;
        this.zk = EmbeddedZooKeeper.start();
        this.observerClient = CuratorFrameworkFactory.newClient(zk.connectString(), new RetryNTimes(20, 100));
        observerClient.start();
        this.observer = new ZkStore(observerClient);
        observer.ensurePersistentPaths();
        for (int i = 0; i < brokerRacks.size(); i++) {
            racks.put(i + 1, brokerRacks.get(i));
            brokers.put(i + 1, new SimBroker(i + 1, brokerRacks.get(i), zk.connectString(), tweak, rules));
        }
    }

    static ControllerTestCluster withBrokers(int n) throws Exception {
        List<Optional<String>> r = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            r.add(Optional.empty());
        }
        return new ControllerTestCluster(r);
    }

    /** ZooKeeper as an outside observer sees it. */
    ZkStore zk() {
        return observer;
    }

    String connectString() {
        return zk.connectString();
    }

    SimBroker broker(int id) {
        return brokers.get(id);
    }

    List<SimBroker> liveBrokers() {
        return brokers.values().stream().filter(b -> b.alive).toList();
    }

    void killBroker(int id) {
        brokers.get(id).kill();
    }

    /** Starts broker {@code id} again with a new session (and a new broker epoch). */
    SimBroker restartBroker(int id) {
        SimBroker old = brokers.get(id);
        if (old != null) {
            old.kill();
        }
        SimBroker b = new SimBroker(id, racks.get(id), zk.connectString(), tweak, rules);
        brokers.put(id, b);
        return b;
    }

    /** Waits until exactly one live broker is the active controller and ZooKeeper names it. */
    SimBroker awaitController() {
        SimBroker[] found = new SimBroker[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            List<SimBroker> active =
                    liveBrokers().stream().filter(b -> b.controller.isActive()).toList();
            Optional<Integer> named = observer.controllerId();
            if (active.size() == 1 && named.isPresent() && named.get() == active.get(0).id) {
                found[0] = active.get(0);
                return true;
            }
            return false;
        });
        return found[0];
    }

    Optional<LeaderAndIsr> state(TopicPartition tp) {
        return observer.partitionState(tp);
    }

    int leaderOf(TopicPartition tp) {
        return state(tp).map(LeaderAndIsr::leader).orElse(-100);
    }

    CreateTopicsResponseData.CreatableTopicResult createTopic(String name, int partitions, int rf) {
        return createTopic(new CreateTopicsRequestData.CreatableTopic()
                .setName(name)
                .setNumPartitions(partitions)
                .setReplicationFactor((short) rf));
    }

    CreateTopicsResponseData.CreatableTopicResult createTopic(CreateTopicsRequestData.CreatableTopic topic) {
        CreateTopicsRequestData request = new CreateTopicsRequestData();
        request.topics().add(topic);
        CreateTopicsResponseData response = awaitController()
                .controller
                .createTopics(request, false)
                .toCompletableFuture()
                .join();
        return response.topics().find(topic.name());
    }

    @Override
    public void close() throws Exception {
        for (SimBroker b : brokers.values()) {
            if (b.alive) {
                b.alive = false;
                b.controller.shutdown();
                b.client.close();
            }
        }
        observerClient.close();
        zk.close();
    }
}
