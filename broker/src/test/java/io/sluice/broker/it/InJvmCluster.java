package io.sluice.broker.it;

import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.broker.server.BrokerServer;
import io.sluice.broker.server.BrokerStartupException;
import io.sluice.metadata.config.BrokerConfig;
import io.sluice.metadata.config.ZkConnect;
import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.zk.ZkClients;
import io.sluice.metadata.zk.ZkStore;
import io.sluice.testsupport.EmbeddedZooKeeper;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;

/**
 * A Sluice cluster inside the test JVM: an embedded ZooKeeper (curator-test, on 127.0.0.1, random port, chroot
 * {@code /sluice}) and N brokers with ids {@code 1..N}, each with its own data directory and a
 * {@code PLAINTEXT://127.0.0.1:0} listener. Reads like the domain: {@link #leaderOf}, {@link #kill}, {@link #restart},
 * {@link #awaitIsr}.
 *
 * <p>Short timeouts for tests: {@code zookeeper.session.timeout.ms=6000}, {@code replica.lag.time.max.ms=10000},
 * {@code group.initial.rebalance.delay.ms=0}; the caller's overrides win. Leadership and ISR are read from ZooKeeper
 * (the controller's truth) through the harness's own session.
 *
 * <p>{@link #close()} stops every broker and ZooKeeper, and deletes every directory it created.
 *
 * <p>Concurrency: meant for one test thread; the broker map is only changed by that thread.
 */
public final class InJvmCluster implements AutoCloseable {
    /** Upper bound for the harness's own waits (leaders, ISR, controller). */
    public static final Duration WAIT = Duration.ofSeconds(45);

    private static final String CHROOT = "/sluice";

    private final Path root;
    private final EmbeddedZooKeeper zooKeeper;
    private final CuratorFramework curator;
    private final ZkStore store;
    private final Map<String, String> overrides;
    private final Map<Integer, Optional<String>> racks = new TreeMap<>();
    private final Map<Integer, Map<String, String>> brokerOverrides = new TreeMap<>();
    private final Map<Integer, BrokerServer> brokers = new TreeMap<>();
    private final Map<Integer, PrometheusMeterRegistry> registries = new HashMap<>();
    private final Map<Integer, Integer> ports = new HashMap<>();
    private final List<Admin> admins = new ArrayList<>();
    private final Random random = new Random(42);

    private InJvmCluster(Path root, EmbeddedZooKeeper zooKeeper, Map<String, String> overrides)
            throws InterruptedException {
        this.root = root;
        this.zooKeeper = zooKeeper;
        this.overrides = Map.copyOf(overrides);
        this.curator = ZkClients.newClient(ZkConnect.parse(zooKeeper.connectString() + CHROOT), 20_000, 10_000);
        curator.start();
        if (!curator.blockUntilConnected(20, TimeUnit.SECONDS)) {
            throw new IllegalStateException("cannot connect to the embedded ZooKeeper");
        }
        this.store = new ZkStore(curator);
    }

    /** Starts ZooKeeper and {@code brokers} brokers without racks. */
    public static InJvmCluster start(int brokers, Map<String, String> brokerOverrides) throws Exception {
        return start(brokers, brokerOverrides, List.of());
    }

    /** Starts ZooKeeper and {@code brokers} brokers; broker {@code i} gets {@code racks.get(i - 1)} if present. */
    public static InJvmCluster start(int brokers, Map<String, String> brokerOverrides, List<String> racks)
            throws Exception {
        return start(brokers, brokerOverrides, racks, Map.of());
    }

    /** As {@link #start(int, Map, List)}, broker {@code id} also getting {@code perBroker.get(id)} (which wins). */
    public static InJvmCluster start(
            int brokers,
            Map<String, String> brokerOverrides,
            List<String> racks,
            Map<Integer, Map<String, String>> perBroker)
            throws Exception {
        Path root = Files.createTempDirectory("sluice-it-");
        EmbeddedZooKeeper zk = null;
        InJvmCluster cluster = null;
        try {
            zk = EmbeddedZooKeeper.start(root.resolve("zookeeper"));
            cluster = new InJvmCluster(root, zk, brokerOverrides);
            for (int id = 1; id <= brokers; id++) {
                cluster.racks.put(id, id <= racks.size() ? Optional.of(racks.get(id - 1)) : Optional.empty());
                cluster.brokerOverrides.put(id, Map.copyOf(perBroker.getOrDefault(id, Map.of())));
                cluster.startBroker(id, 0);
            }
            return cluster;
        } catch (Exception | Error e) {
            if (cluster != null) {
                cluster.close();
            } else {
                if (zk != null) {
                    zk.close();
                }
                deleteRecursively(root);
            }
            throw e;
        }
    }

    private void startBroker(int id, int port) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        BrokerServer broker =
                new BrokerServer(config(id, port), Clock.systemUTC(), registry, new Random(random.nextLong()));
        broker.startup();
        brokers.put(id, broker);
        registries.put(id, registry);
        ports.put(id, broker.boundPort());
    }

    private BrokerConfig config(int id, int port) {
        Map<String, String> props = new HashMap<>();
        props.put("broker.id", Integer.toString(id));
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("zookeeper.connect", zooKeeper.connectString() + CHROOT);
        props.put("log.dirs", dataDir(id).toString());
        props.put("zookeeper.session.timeout.ms", "6000");
        props.put("replica.lag.time.max.ms", "10000");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "4");
        props.put("metrics.port", "0"); // the HTTP endpoint is off: several in-JVM brokers share one host
        props.put("num.recovery.threads.per.data.dir", "1");
        racks.getOrDefault(id, Optional.empty()).ifPresent(r -> props.put("broker.rack", r));
        props.putAll(overrides);
        props.putAll(brokerOverrides.getOrDefault(id, Map.of()));
        return BrokerConfig.fromMap(props);
    }

    /** Starts broker {@code id}, new to the cluster, on {@code rack} (null for none), as an operator adds a machine. */
    public BrokerServer addBroker(int id, String rack) {
        if (brokers.containsKey(id)) {
            throw new IllegalArgumentException("broker " + id + " is already in " + brokers.keySet());
        }
        racks.put(id, Optional.ofNullable(rack));
        brokerOverrides.put(id, Map.of());
        startBroker(id, 0);
        return brokers.get(id);
    }

    /** Broker {@code id}'s data directory (kept across restarts). */
    public Path dataDir(int id) {
        return root.resolve("broker-" + id).resolve("logs");
    }

    // ------------------------------------------------------------------ the cluster

    /** Every running broker's address, comma-separated. */
    public String bootstrapServers() {
        return brokers.values().stream()
                .filter(BrokerServer::isRunning)
                .map(BrokerServer::bootstrapServers)
                .collect(Collectors.joining(","));
    }

    /** The broker with this id (running or stopped). */
    public BrokerServer broker(int id) {
        BrokerServer broker = brokers.get(id);
        if (broker == null) {
            throw new IllegalArgumentException("no broker " + id + " in " + brokers.keySet());
        }
        return broker;
    }

    /** The meters of broker {@code id}'s current incarnation (a Prometheus registry, as {@code BrokerMain} uses). */
    public PrometheusMeterRegistry registry(int id) {
        return registries.get(id);
    }

    public List<Integer> brokerIds() {
        return List.copyOf(brokers.keySet());
    }

    /** The harness's own ZooKeeper session, for reading what the controller wrote. */
    public ZkStore zooKeeper() {
        return store;
    }

    /** Waits until one running broker is the active controller and returns its id. */
    public int controllerId() {
        return await().atMost(WAIT)
                .until(
                        () -> brokers.values().stream()
                                .filter(BrokerServer::isRunning)
                                .filter(b -> b.controller().isActive())
                                .map(BrokerServer::brokerId)
                                .findFirst(),
                        Optional::isPresent)
                .orElseThrow();
    }

    /** The leader of {@code tp} as ZooKeeper has it; {@code -1} if none or unknown. */
    public int leaderOf(TopicPartition tp) {
        return store.partitionState(tp).map(LeaderAndIsr::leader).orElse(LeaderAndIsr.NO_LEADER);
    }

    /** The ISR of {@code tp} as ZooKeeper has it; empty if unknown. */
    public List<Integer> isr(TopicPartition tp) {
        return store.partitionState(tp).map(LeaderAndIsr::isr).orElse(List.of());
    }

    /** Waits until {@code tp} has a leader that is running and acts as leader; returns its id. */
    public int awaitLeader(TopicPartition tp) {
        return await().atMost(WAIT).until(() -> liveLeader(tp), l -> l >= 0);
    }

    /** Waits until {@code tp}'s leader is a running broker other than {@code previous}; returns it. */
    public int awaitNewLeader(TopicPartition tp, int previous) {
        return await().atMost(WAIT).until(() -> liveLeader(tp), l -> l >= 0 && l != previous);
    }

    private int liveLeader(TopicPartition tp) {
        int leader = leaderOf(tp);
        BrokerServer broker = brokers.get(leader);
        return broker != null && broker.isRunning() && broker.replicaManager().isLeader(tp)
                ? leader
                : LeaderAndIsr.NO_LEADER;
    }

    /** Waits until {@code tp}'s ISR has exactly {@code size} members. */
    public List<Integer> awaitIsr(TopicPartition tp, int size) {
        return await().atMost(WAIT).until(() -> isr(tp), isr -> isr.size() == size);
    }

    /**
     * Creates {@code topic} with the stock Admin client and waits until every partition has a leader and all
     * {@code replicationFactor} replicas in its ISR.
     */
    public void createTopicAndAwaitFullIsr(
            String topic, int partitions, int replicationFactor, Map<String, String> configs) throws Exception {
        admin().createTopics(List.of(new NewTopic(topic, partitions, (short) replicationFactor).configs(configs)))
                .all()
                .get(30, TimeUnit.SECONDS);
        for (int p = 0; p < partitions; p++) {
            TopicPartition tp = new TopicPartition(topic, p);
            awaitLeader(tp);
            awaitIsr(tp, replicationFactor);
        }
    }

    /** A stock Admin client on this cluster, closed by {@link #close()}. */
    public Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        Admin admin = Admin.create(props);
        admins.add(admin);
        return admin;
    }

    // ------------------------------------------------------------------ faults

    /** Stops broker {@code id} abruptly ({@link BrokerServer#halt()}): its session ends, nothing is flushed. */
    public void kill(int id) {
        broker(id).halt();
    }

    /**
     * Crashes broker {@code id} the way a {@code kill -9} of its process would look to ZooKeeper: the client drops its
     * connection without closing the session (client-side expiry), then the broker halts. Unlike {@link #kill}, whose
     * closed session removes the ephemeral znodes at once, {@code /controller} stays until the server expires the old
     * session after {@code zookeeper.session.timeout.ms}. {@code /brokers/ids/N} stays as long too, unless the
     * broker's registration, reconnecting in the moment before the halt, deletes it as the stale node of its own
     * expired session (a race: either way it is gone within the session timeout).
     */
    public void crash(int id) throws Exception {
        expireSession(id);
        broker(id).halt();
    }

    /** Stops broker {@code id} cleanly (controlled shutdown if enabled). */
    public void stop(int id) {
        broker(id).shutdown();
    }

    /**
     * Expires broker {@code id}'s ZooKeeper session (registration, controller candidacy and watches share it), as a
     * pause longer than the session timeout would; the broker's Curator client then reconnects with a new session.
     */
    public void expireSession(int id) throws Exception {
        broker(id)
                .zooKeeperClient()
                .getZookeeperClient()
                .getZooKeeper()
                .getTestable()
                .injectSessionExpiration();
    }

    /**
     * Starts broker {@code id} again on the same data directory, on its previous port if that is free (otherwise on a
     * new one; the registration publishes it).
     */
    public BrokerServer restart(int id) {
        BrokerServer old = broker(id);
        if (old.isRunning()) {
            old.shutdown();
        }
        try {
            startBroker(id, ports.getOrDefault(id, 0));
        } catch (BrokerStartupException e) {
            if (!isBindFailure(e)) {
                throw e;
            }
            startBroker(id, 0);
        }
        return brokers.get(id);
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        admins.forEach(a -> a.close(Duration.ofSeconds(5)));
        admins.clear();
        // the active controller last, so that the others' controlled shutdowns are answered
        brokers.values().stream()
                .sorted(Comparator.comparing(
                        (BrokerServer b) -> b.isRunning() && b.controller().isActive()))
                .forEach(BrokerServer::shutdown);
        curator.close();
        try {
            zooKeeper.close();
        } finally {
            deleteRecursively(root);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot delete " + dir, e);
        }
    }
}
