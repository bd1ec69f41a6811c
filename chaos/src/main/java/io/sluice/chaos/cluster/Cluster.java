package io.sluice.chaos.cluster;

import io.sluice.chaos.net.Link;
import io.sluice.chaos.net.ProxyNetwork;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Sluice cluster of processes run by {@code bin/sluice-cluster} in a cluster directory: the harness reads the
 * directory for ports and pids, signals processes by the pid recorded there (after checking that pid still runs that
 * cluster's configuration), and restarts brokers through {@code sluice-cluster start}. A cluster the harness started
 * itself ({@link #start}) also has a {@link ProxyNetwork} in front of every listener and ZooKeeper connection.
 *
 * <p>Concurrency: the process operations may be called from several fault threads; each acts on one pid file.
 */
public final class Cluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Cluster.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(150);

    private final Path home;
    private final Path dir;
    private final List<Integer> brokers;
    private final int zkPort;
    private final int basePort;
    private final Optional<ProxyNetwork> network;
    private final boolean owned;
    private final Map<String, String> env;
    /** {@code sluice-cluster start} scripts running now (a start in progress when the cluster stops). */
    private final Set<Process> scripts = ConcurrentHashMap.newKeySet();
    /** Set once {@link #stopAll} began: no process of this cluster is started any more. */
    private volatile boolean stopping;

    private Cluster(
            Path home,
            Path dir,
            List<Integer> brokers,
            int zkPort,
            int basePort,
            Optional<ProxyNetwork> network,
            boolean owned,
            Map<String, String> env) {
        this.home = home;
        this.dir = dir;
        this.brokers = List.copyOf(brokers);
        this.zkPort = zkPort;
        this.basePort = basePort;
        this.network = network;
        this.owned = owned;
        this.env = Map.copyOf(env);
    }

    /** A running cluster started by {@code bin/sluice-cluster up --dir dir}. */
    public static Cluster attach(Path home, Path dir) throws IOException {
        Path envFile = dir.resolve("cluster.env");
        if (!Files.isRegularFile(envFile)) {
            throw new IOException("no cluster in " + dir + " (no cluster.env; start one with bin/sluice-cluster up)");
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(envFile)) {
            p.load(in);
        }
        int n = Integer.parseInt(p.getProperty("SLUICE_CLUSTER_BROKERS").trim());
        int zk = Integer.parseInt(p.getProperty("SLUICE_CLUSTER_ZK_PORT").trim());
        int base = Integer.parseInt(p.getProperty("SLUICE_CLUSTER_BASE_PORT").trim());
        List<Integer> ids = IntStream.rangeClosed(1, n).boxed().toList();
        return new Cluster(home, dir.toAbsolutePath(), ids, zk, base, Optional.empty(), false, Map.of());
    }

    /**
     * Starts ZooKeeper and three brokers with {@code bin/sluice-cluster up} in {@code dir}, on free ports of
     * 127.0.0.1, each broker's listeners and ZooKeeper connection behind the proxies of a {@link ProxyNetwork}.
     */
    public static Cluster start(Path home, Path dir, ClusterSettings settings, Random random) throws IOException {
        return start(home, dir, settings, random, c -> {});
    }

    /**
     * As {@link #start(Path, Path, ClusterSettings, Random)}; {@code created} sees the cluster before any process of
     * it starts, so that a caller can {@link #stopAll} it from another thread (a signal) while it starts.
     */
    public static Cluster start(Path home, Path dir, ClusterSettings settings, Random random, Consumer<Cluster> created)
            throws IOException {
        int n = 3;
        List<Integer> ids = IntStream.rangeClosed(1, n).boxed().toList();
        Files.createDirectories(dir);
        int base = freeRange(random, n);
        int metricsBase = freeRange(random, n);
        int zk = freePort();
        Map<Integer, Integer> clientPorts = new LinkedHashMap<>();
        Map<Integer, Map<Integer, Integer>> peerPorts = new LinkedHashMap<>();
        for (int i : ids) {
            clientPorts.put(i, base + i - 1);
            Map<Integer, Integer> perPeer = new LinkedHashMap<>();
            for (int j : ids) {
                perPeer.put(j, freePort());
            }
            peerPorts.put(i, perPeer);
        }
        ProxyNetwork network = ProxyNetwork.start(ids, clientPorts, peerPorts, zk);
        Map<String, String> env = settings.processEnv();
        Cluster cluster = new Cluster(home, dir.toAbsolutePath(), ids, zk, base, Optional.of(network), true, env);
        List<String> cmd = new ArrayList<>(List.of(
                cluster.script(),
                "up",
                "--dir",
                cluster.dir.toString(),
                "--brokers",
                Integer.toString(n),
                "--zk-port",
                Integer.toString(zk),
                "--base-port",
                Integer.toString(base),
                "--metrics-base-port",
                Integer.toString(metricsBase),
                "--timeout",
                "120"));
        settings.brokerProperties().forEach((k, v) -> {
            cmd.add("--set");
            cmd.add(k + "=" + v);
        });
        for (int i : ids) {
            for (Map.Entry<String, String> e : brokerNetworkProperties(i, ids, clientPorts, peerPorts, network, zk)
                    .entrySet()) {
                cmd.add("--broker-set");
                cmd.add(i + ":" + e.getKey() + "=" + e.getValue());
            }
        }
        log.info("starting a cluster in {}: zk {}, brokers on {}..{}", dir, zk, base, base + n - 1);
        created.accept(cluster);
        cluster.refuseWhenStopping(ZOOKEEPER);
        Shell.Result r = Shell.run(cmd, env, COMMAND_TIMEOUT, cluster::scriptStarted, cluster.scripts::remove);
        if (!r.ok()) {
            network.close();
            throw new IOException("sluice-cluster up failed (exit " + r.exitCode() + "):\n" + r.output());
        }
        return cluster;
    }

    /** Broker i's listeners: its client listener, one listener per peer, each advertised on its proxy. */
    static Map<String, String> brokerNetworkProperties(
            int i,
            List<Integer> ids,
            Map<Integer, Integer> clientPorts,
            Map<Integer, Map<Integer, Integer>> peerPorts,
            ProxyNetwork network,
            int zkPort) {
        List<String> listeners = new ArrayList<>();
        List<String> advertised = new ArrayList<>();
        List<String> protocols = new ArrayList<>();
        listeners.add("PLAINTEXT://127.0.0.1:" + clientPorts.get(i));
        advertised.add("PLAINTEXT://127.0.0.1:" + network.port(new Link(Link.Kind.CLIENT, 0, i)));
        protocols.add("PLAINTEXT:PLAINTEXT");
        for (int j : ids) {
            listeners.add(peerListener(j) + "://127.0.0.1:" + peerPorts.get(i).get(j));
            advertised.add(peerListener(j) + "://127.0.0.1:" + network.port(new Link(Link.Kind.PEER, j, i)));
            protocols.add(peerListener(j) + ":PLAINTEXT");
        }
        Map<String, String> props = new LinkedHashMap<>();
        props.put("listeners", String.join(",", listeners));
        props.put("advertised.listeners", String.join(",", advertised));
        props.put("listener.security.protocol.map", String.join(",", protocols));
        props.put("inter.broker.listener.name", peerListener(i));
        props.put("zookeeper.connect", "127.0.0.1:" + network.port(new Link(Link.Kind.ZK, i, 0)));
        return props;
    }

    /** The listener name other brokers use to reach a broker from broker {@code j}. */
    static String peerListener(int j) {
        return "PEER" + j;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The first of {@code n} consecutive free ports. */
    private static int freeRange(Random random, int n) throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int first = 20_000 + random.nextInt(20_000);
            boolean free = true;
            for (int p = first; p < first + n && free; p++) {
                free = portFree(p);
            }
            if (free) {
                return first;
            }
        }
        throw new IOException("no " + n + " consecutive free ports found");
    }

    private static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public Path dir() {
        return dir;
    }

    public List<Integer> brokers() {
        return brokers;
    }

    public int zkPort() {
        return zkPort;
    }

    public String zkConnect() {
        return "127.0.0.1:" + zkPort;
    }

    public Optional<ProxyNetwork> network() {
        return network;
    }

    /** Bootstrap servers for the workload: through the client proxies when there are some. */
    public String bootstrapServers() {
        return brokers.stream().map(i -> "127.0.0.1:" + clientPort(i)).collect(Collectors.joining(","));
    }

    public int clientPort(int broker) {
        return network.map(n -> n.port(new Link(Link.Kind.CLIENT, 0, broker))).orElse(basePort + broker - 1);
    }

    /** The broker's log directory (as {@code sluice-cluster up} lays it out). */
    public Path dataDir(int broker) {
        return dir.resolve("broker-" + broker).resolve("data");
    }

    // ------------------------------------------------------------------ processes

    private Path pidFile(int broker) {
        return broker == ZOOKEEPER ? dir.resolve("zk.pid") : dir.resolve("broker-" + broker + ".pid");
    }

    private String marker(int broker) {
        return broker == ZOOKEEPER
                ? dir.resolve("zookeeper").toString()
                : dir.resolve("broker-" + broker).resolve("server.properties").toString();
    }

    /** The id the process operations use for ZooKeeper. */
    public static final int ZOOKEEPER = -1;

    /** The pid of broker {@code broker} (or {@link #ZOOKEEPER}) if it runs this cluster's configuration. */
    public OptionalLong pid(int broker) {
        Path file = pidFile(broker);
        try {
            if (!Files.isRegularFile(file)) {
                return OptionalLong.empty();
            }
            long pid = Long.parseLong(Files.readString(file).trim());
            Path cmdline = Path.of("/proc", Long.toString(pid), "cmdline");
            if (!Files.isReadable(cmdline)) {
                return OptionalLong.empty();
            }
            String args = new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8).replace('\0', ' ');
            return args.contains(marker(broker)) ? OptionalLong.of(pid) : OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    public boolean running(int broker) {
        return pid(broker).isPresent();
    }

    /** Sends {@code signal} (KILL, TERM, STOP, CONT) to the process; false if it is not running. */
    public boolean signal(int broker, String signal) throws IOException {
        OptionalLong pid = pid(broker);
        if (pid.isEmpty()) {
            return false;
        }
        Shell.Result r = Shell.run(
                List.of("kill", "-" + signal, Long.toString(pid.getAsLong())), Map.of(), Duration.ofSeconds(10));
        log.info("signal {} to {} (pid {}): exit {}", signal, name(broker), pid.getAsLong(), r.exitCode());
        return r.ok();
    }

    /** SIGKILL and wait until the process is gone. */
    public void kill(int broker) throws IOException {
        OptionalLong pid = pid(broker);
        if (pid.isEmpty()) {
            return;
        }
        signal(broker, "CONT");
        signal(broker, "KILL");
        awaitExit(pid.getAsLong(), Duration.ofSeconds(30));
    }

    /** SIGTERM (controlled shutdown), wait up to {@code timeout}, then SIGKILL. */
    public void terminate(int broker, Duration timeout) throws IOException {
        OptionalLong pid = pid(broker);
        if (pid.isEmpty()) {
            return;
        }
        signal(broker, "CONT");
        signal(broker, "TERM");
        if (!awaitExit(pid.getAsLong(), timeout)) {
            log.warn("{} did not stop within {} after SIGTERM; SIGKILL", name(broker), timeout);
            kill(broker);
        }
    }

    private static boolean awaitExit(long pid, Duration timeout) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty()) {
            return true;
        }
        try {
            handle.get().onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !handle.get().isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Starts a stopped broker with {@code sluice-cluster start} (waits for its old session to end and registration). */
    public void startBroker(int broker) throws IOException {
        if (running(broker)) {
            return;
        }
        refuseWhenStopping(broker);
        Shell.Result r = Shell.run(
                List.of(script(), "start", Integer.toString(broker), "--dir", dir.toString(), "--timeout", "120"),
                env,
                COMMAND_TIMEOUT,
                this::scriptStarted,
                scripts::remove);
        if (!r.ok()) {
            throw new IOException(
                    "sluice-cluster start " + broker + " failed (exit " + r.exitCode() + "):\n" + r.output());
        }
        log.info("broker {} started again", broker);
    }

    /** Starts ZooKeeper again on its port and data directory, and waits until it answers {@code ruok}. */
    public void startZooKeeper() throws IOException {
        if (running(ZOOKEEPER)) {
            return;
        }
        ProcessBuilder pb = new ProcessBuilder(
                        home.resolve("bin/sluice-zookeeper").toString(),
                        "--port",
                        Integer.toString(zkPort),
                        "--dir",
                        dir.resolve("zookeeper").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("zookeeper.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        Process p;
        synchronized (this) {
            refuseWhenStopping(ZOOKEEPER);
            p = pb.start();
            Files.writeString(pidFile(ZOOKEEPER), p.pid() + "\n");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("ZooKeeper exited during its restart; see " + dir.resolve("zookeeper.log"));
            }
            if ("imok".equals(fourLetterWord("ruok"))) {
                log.info("ZooKeeper started again (pid {})", p.pid());
                return;
            }
            sleepQuietly(200);
        }
        throw new IOException("ZooKeeper not answering 60 s after its restart");
    }

    /** Sends a ZooKeeper four-letter word to the real ZooKeeper port; empty string if it does not answer. */
    public String fourLetterWord(String word) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), zkPort), 1_000);
            s.setSoTimeout(2_000);
            s.getOutputStream().write(word.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** Stops what {@link #start} started ({@link #stopAll}); a no-op for an attached cluster. */
    @Override
    public void close() throws IOException {
        if (!owned) {
            return;
        }
        try {
            stopAll(STOP_BOUND);
        } finally {
            network.ifPresent(ProxyNetwork::close);
        }
    }

    /** How long {@link #close} lets a process shut down after SIGTERM before SIGKILL. */
    public static final Duration STOP_BOUND = Duration.ofSeconds(15);

    /**
     * Stops every process of this cluster, by the pid recorded for it (and checked against its configuration), never
     * by name: first any {@code sluice-cluster start} in progress and the broker it launched, then the brokers in
     * parallel (SIGCONT, SIGTERM, SIGKILL after {@code bound}), then ZooKeeper. From then on nothing of this cluster
     * starts again. The cluster's directory (configurations, data, logs) stays.
     */
    public void stopAll(Duration bound) {
        synchronized (this) {
            stopping = true;
        }
        for (Process script : List.copyOf(scripts)) {
            // The broker it launched is its child until the script ends: stop the children first.
            script.descendants().forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly();
            awaitExit(script.pid(), Duration.ofSeconds(10));
        }
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (int b : brokers) {
            stops.add(CompletableFuture.runAsync(() -> stopQuietly(b, bound)));
        }
        for (CompletableFuture<Void> f : stops) {
            f.join();
        }
        stopQuietly(ZOOKEEPER, bound);
    }

    private void stopQuietly(int process, Duration bound) {
        try {
            terminate(process, bound);
            Files.deleteIfExists(pidFile(process));
            log.info("{} stopped", name(process));
        } catch (IOException | RuntimeException e) {
            log.warn("cannot stop {}", name(process), e);
        }
    }

    /** Whether {@link #stopAll} began. */
    public boolean stopping() {
        return stopping;
    }

    private void refuseWhenStopping(int process) throws IOException {
        if (stopping) {
            throw new IOException("not starting " + name(process) + ": the cluster is being stopped");
        }
    }

    private void scriptStarted(Process script) {
        scripts.add(script);
        if (stopping) {
            // stopAll may have missed it: stop it here.
            script.descendants().forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly();
        }
    }

    public static String name(int broker) {
        return broker == ZOOKEEPER ? "zookeeper" : "broker " + broker;
    }

    private String script() {
        return home.resolve("bin/sluice-cluster").toString();
    }

    static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
