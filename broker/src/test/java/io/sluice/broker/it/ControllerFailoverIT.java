package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.broker.network.client.BrokerAddress;
import io.sluice.broker.network.client.BrokerClient;
import io.sluice.broker.network.client.BrokerClientConfig;
import io.sluice.broker.network.client.ClientEventLoops;
import io.sluice.broker.network.client.ClientMetrics;
import io.sluice.broker.server.BrokerServer;
import io.sluice.controller.event.ControllerEvent;
import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.zk.Versioned;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.LeaderAndIsrRequestData;
import org.apache.kafka.common.message.LeaderAndIsrResponseData;
import org.apache.kafka.common.message.UpdateMetadataRequestData;
import org.apache.kafka.common.message.UpdateMetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Controller failover on three real brokers: a killed controller is replaced by exactly one successor with the next
 * epoch within the session timeout (plus a margin), never two active controllers with one epoch; and a controller
 * paused past its session expiry (a zombie) changes nothing once it wakes, while the brokers refuse its epoch.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ControllerFailoverIT {
    private static final Logger log = LoggerFactory.getLogger(ControllerFailoverIT.class);
    private static final long SESSION_TIMEOUT_MS = 6_000;
    private static final String TOPIC = "before";
    private static final int PARTITIONS = 3;

    private InJvmCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = InJvmCluster.start(3, Map.of("zookeeper.session.timeout.ms", Long.toString(SESSION_TIMEOUT_MS)));
        cluster.admin()
                .createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3)))
                .all()
                .get(30, TimeUnit.SECONDS);
        for (int p = 0; p < PARTITIONS; p++) {
            cluster.awaitIsr(new TopicPartition(TOPIC, p), 3);
        }
    }

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void killingTheControllerElectsExactlyOneSuccessorWithTheNextEpoch() throws Exception {
        int old = cluster.controllerId();
        int oldEpoch = zkEpoch();
        assertThat(cluster.broker(old).controller().epoch()).isEqualTo(oldEpoch);
        List<BrokerServer> survivors = cluster.brokerIds().stream()
                .filter(id -> id != old)
                .map(cluster::broker)
                .toList();

        try (EpochSampler sampler = new EpochSampler(survivors)) {
            long killedAt = System.nanoTime();
            // a crash: the session (and /controller) lives until ZooKeeper expires it
            cluster.crash(old);
            int successor = await().atMost(Duration.ofMillis(SESSION_TIMEOUT_MS + 2_000))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> activeWithEpoch(survivors, oldEpoch + 1), id -> id >= 0);
            long failoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            log.info(
                    "controller {} crashed; controller {} took over with epoch {} after {} ms",
                    old,
                    successor,
                    oldEpoch + 1,
                    failoverMs);
            assertThat(failoverMs).isLessThan(SESSION_TIMEOUT_MS + 2_000);
            assertThat(zkEpoch()).isEqualTo(oldEpoch + 1);
            assertThat(cluster.zooKeeper().controllerId()).contains(successor);

            // and it stays that way: one controller, no further election
            await().during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> zkEpoch() == oldEpoch + 1
                            && survivors.stream()
                                            .filter(b -> b.controller().isActive())
                                            .count()
                                    == 1);
            sampler.stop();
            assertThat(sampler.violations())
                    .as("two active controllers with one epoch")
                    .isEmpty();
            assertThat(sampler.samples()).as("the sampler ran").isGreaterThan(100);
        }
        // the brokers follow the new controller
        await().atMost(Duration.ofSeconds(10))
                .until(() -> survivors.stream()
                        .allMatch(b -> b.metadataCache().snapshot().controllerEpoch() == oldEpoch + 1));
        for (int p = 0; p < PARTITIONS; p++) {
            int leader = cluster.awaitLeader(new TopicPartition(TOPIC, p));
            assertThat(leader).isNotEqualTo(old);
        }
    }

    @Test
    void aZombieControllerIsFencedByZooKeeperAndByTheBrokers() throws Exception {
        int zombieId = cluster.controllerId();
        BrokerServer zombie = cluster.broker(zombieId);
        int zombieEpoch = zkEpoch();
        long zombieBrokerEpoch = zombie.brokerEpoch();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> cluster.brokerIds().stream()
                        .allMatch(id ->
                                cluster.broker(id).metadataCache().snapshot().controllerEpoch() == zombieEpoch));

        // pause the controller's event thread, as a long GC pause would, with a request queued behind the pause
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch wake = new CountDownLatch(1);
        zombie.controller().enqueue(new ControllerEvent.Callback("pause", () -> {
            paused.countDown();
            try {
                wake.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        CompletableFuture<CreateTopicsResponseData> pending = null;
        try {
            assertThat(paused.await(10, TimeUnit.SECONDS)).isTrue();
            pending = zombie.controller()
                    .createTopics(createTopic("zombie-topic"), false)
                    .toCompletableFuture();

            cluster.expireSession(zombieId);

            // another broker wins the next epoch while the zombie still believes it is controller
            int successor = await().atMost(Duration.ofMillis(SESSION_TIMEOUT_MS + 2_000))
                    .until(
                            () -> activeWithEpoch(
                                    cluster.brokerIds().stream()
                                            .filter(id -> id != zombieId)
                                            .map(cluster::broker)
                                            .toList(),
                                    zombieEpoch + 1),
                            id -> id >= 0);
            assertThat(zombie.controller().isActive()).isTrue();
            assertThat(zombie.controller().epoch()).isEqualTo(zombieEpoch);
            // every broker, the zombie's own included (it re-registers with a new session), follows the successor
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> cluster.brokerIds().stream()
                            .allMatch(id -> cluster.broker(id)
                                            .metadataCache()
                                            .snapshot()
                                            .controllerEpoch()
                                    == zombieEpoch + 1));
            assertThat(zombie.brokerEpoch()).isGreaterThan(zombieBrokerEpoch);
            assertThat(cluster.zooKeeper().controllerId()).contains(successor);
        } finally {
            wake.countDown();
        }

        // the zombie wakes: its queued write is refused by the epoch fence and it resigns
        assertThat(Errors.forCode(pending.get(30, TimeUnit.SECONDS)
                        .topics()
                        .find("zombie-topic")
                        .errorCode()))
                .isEqualTo(Errors.NOT_CONTROLLER);
        await().atMost(Duration.ofSeconds(10)).until(() -> !zombie.controller().isActive());
        assertThat(cluster.zooKeeper().topic("zombie-topic")).isEmpty();
        assertThat(zkEpoch()).isEqualTo(zombieEpoch + 1);

        // the brokers refuse the zombie's epoch on the wire, and their epoch never went back
        assertStaleEpochRejectedByEveryBroker(zombieId, zombieEpoch);
        for (int id : cluster.brokerIds()) {
            assertThat(cluster.broker(id).metadataCache().snapshot().controllerEpoch())
                    .as("controller epoch of broker %d", id)
                    .isEqualTo(zombieEpoch + 1);
        }

        // ZooKeeper holds only the new controller's decisions
        cluster.admin()
                .createTopics(List.of(new NewTopic("after", 2, (short) 3)))
                .all()
                .get(30, TimeUnit.SECONDS);
        for (int p = 0; p < 2; p++) {
            TopicPartition tp = new TopicPartition("after", p);
            cluster.awaitLeader(tp);
            LeaderAndIsr state = cluster.zooKeeper().partitionState(tp).orElseThrow();
            assertThat(state.controllerEpoch()).isEqualTo(zombieEpoch + 1);
        }
        for (int p = 0; p < PARTITIONS; p++) {
            TopicPartition tp = new TopicPartition(TOPIC, p);
            assertThat(cluster.awaitIsr(tp, 3))
                    .as("the zombie's broker rejoins the ISR of %s", tp)
                    .contains(zombieId);
            assertThat(cluster.zooKeeper().partitionState(tp).orElseThrow().controllerEpoch())
                    .isLessThanOrEqualTo(zombieEpoch + 1);
        }
    }

    /** Sends UpdateMetadata and LeaderAndIsr with {@code staleEpoch} to every broker; each must refuse both. */
    private void assertStaleEpochRejectedByEveryBroker(int fromController, int staleEpoch) throws Exception {
        try (ClientEventLoops loops = ClientEventLoops.create(1, "stale-controller", false)) {
            ClientMetrics metrics = new ClientMetrics(new SimpleMeterRegistry());
            for (int id : cluster.brokerIds()) {
                BrokerServer broker = cluster.broker(id);
                try (BrokerClient client = new BrokerClient(
                        new BrokerAddress(id, "127.0.0.1", broker.boundPort()),
                        BrokerClientConfig.defaults(fromController),
                        loops,
                        metrics)) {
                    UpdateMetadataRequestData updateMetadata = new UpdateMetadataRequestData()
                            .setControllerId(fromController)
                            .setControllerEpoch(staleEpoch)
                            .setBrokerEpoch(-1);
                    UpdateMetadataResponseData um = client.send(
                                    ApiKeys.UPDATE_METADATA,
                                    (short) 7,
                                    updateMetadata,
                                    Duration.ofSeconds(10),
                                    UpdateMetadataResponseData.class)
                            .get(15, TimeUnit.SECONDS);
                    assertThat(Errors.forCode(um.errorCode()))
                            .as("UpdateMetadata with stale epoch to broker %d", id)
                            .isEqualTo(Errors.STALE_CONTROLLER_EPOCH);
                    LeaderAndIsrRequestData leaderAndIsr = new LeaderAndIsrRequestData()
                            .setControllerId(fromController)
                            .setControllerEpoch(staleEpoch)
                            .setBrokerEpoch(-1);
                    LeaderAndIsrResponseData lai = client.send(
                                    ApiKeys.LEADER_AND_ISR,
                                    (short) 5,
                                    leaderAndIsr,
                                    Duration.ofSeconds(10),
                                    LeaderAndIsrResponseData.class)
                            .get(15, TimeUnit.SECONDS);
                    assertThat(Errors.forCode(lai.errorCode()))
                            .as("LeaderAndIsr with stale epoch to broker %d", id)
                            .isEqualTo(Errors.STALE_CONTROLLER_EPOCH);
                }
            }
        }
    }

    private static CreateTopicsRequestData createTopic(String name) {
        CreateTopicsRequestData request = new CreateTopicsRequestData();
        request.topics()
                .add(new CreateTopicsRequestData.CreatableTopic()
                        .setName(name)
                        .setNumPartitions(3)
                        .setReplicationFactor((short) 3));
        return request;
    }

    private int zkEpoch() {
        return cluster.zooKeeper().controllerEpoch().map(Versioned::value).orElse(-1);
    }

    /** The id of the one broker of {@code brokers} active with {@code epoch}, or -1. */
    private static int activeWithEpoch(List<BrokerServer> brokers, int epoch) {
        return brokers.stream()
                .filter(b -> b.controller().isActive() && b.controller().epoch() == epoch)
                .mapToInt(BrokerServer::brokerId)
                .findFirst()
                .orElse(-1);
    }

    /**
     * Polls the given brokers' controllers in a tight loop on its own thread and records every moment at which two of
     * them were active with the same epoch. Stops by itself after 30 s at the latest.
     */
    private static final class EpochSampler implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger samples = new AtomicInteger();
        private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        private final Thread thread;

        EpochSampler(List<BrokerServer> brokers) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            thread = new Thread(
                    () -> {
                        while (!stop.get() && System.nanoTime() < deadline) {
                            List<int[]> active = new ArrayList<>();
                            for (BrokerServer b : brokers) {
                                int epoch = b.controller().epoch();
                                if (epoch >= 0) {
                                    active.add(new int[] {b.brokerId(), epoch});
                                }
                            }
                            for (int i = 0; i < active.size(); i++) {
                                for (int j = i + 1; j < active.size(); j++) {
                                    if (active.get(i)[1] == active.get(j)[1]) {
                                        violations.add("brokers " + active.get(i)[0] + " and " + active.get(j)[0]
                                                + " both active with epoch " + active.get(i)[1]);
                                    }
                                }
                            }
                            samples.incrementAndGet();
                            LockSupport.parkNanos(20_000);
                        }
                    },
                    "controller-epoch-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(5_000);
        }

        List<String> violations() {
            return List.copyOf(violations);
        }

        int samples() {
            return samples.get();
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }
}
